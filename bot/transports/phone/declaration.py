"""How the phone line declares itself (bot/transports/hooks.py): its section, what it offers
its callers, its data, its checks, how it attaches to a city, its claims, its contact and
the check calls' pool on the desk.
From the package's light modules only: reading it loads no pjsua2, and the package's
``__init__`` does not import it (a line process takes the package, not the bot)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.transports.hooks import Offers, Transport
from bot.transports.phone import attach as phone_attach
from bot.transports.phone import checks as phone_checks
from bot.transports.phone import config as phone_config
from bot.transports.phone import desk_panel as phone_desk
from bot.transports.phone import personal_data as phone_data
from locales import N_, Medium
from locales.phone_numbers import account_problem

if TYPE_CHECKING:
    # Named, not imported: the transport loads pjsua2's side of the line and the handlers.
    from bot.transports.phone.transport import PhoneTransport  # noqa: F401 (the base names it)


class Phone(Transport[phone_config.PhoneSection, phone_desk.CheckPool, "PhoneTransport"]):
    """The phone line: people call the bot and are their number; they hear, press keys and
    receive no file; a new caller is asked for consent when something is first kept."""

    platform = "phone"
    module = "bot.transports.phone"
    section = "phone"
    offers = Offers(
        calls=True,
        files=False,
        edits=False,
        by_number=True,
        asks_when_kept=True,
        medium=Medium.SPOKEN,
        label=N_("📞 on the phone"),
    )
    # Who calls or texts is their number (E.164): an account an operator names is checked so.
    user_id_problem = staticmethod(account_problem)
    data = phone_data.DECLARED
    claims = staticmethod(phone_config.claims)
    city_checks = staticmethod(phone_checks.checks)
    attach = staticmethod(phone_attach.attach)
    contact = staticmethod(phone_config.contact)
    # The check calls' pool, on the desk where the other limits are while one is spent.
    budget = staticmethod(phone_desk.desk_pool)
    panel = staticmethod(phone_desk.panel)
