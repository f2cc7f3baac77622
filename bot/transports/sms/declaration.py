"""How text messages declare themselves (bot/transports/hooks.py): the section, what a texter
is offered, the data and the store, the checks, how they attach to a city, the month's
budget and its panel on the desk, the claims and the contact. From the package's light
modules only: reading it loads no gateway."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.transports.hooks import Offers, Transport
from bot.transports.sms import attach as sms_attach
from bot.transports.sms import checks as sms_checks
from bot.transports.sms import config as sms_config
from bot.transports.sms import desk_panel as sms_desk
from bot.transports.sms import personal_data as sms_data
from bot.transports.sms import store as sms_store
from locales import N_, Medium
from locales.phone_numbers import account_problem

if TYPE_CHECKING:
    # Named, not imported: the budget's module and the transport's load much of handlers/
    # (a declaration is read by every process, bot/transports/registry.py).
    from bot.transports.sms.budget import Budget  # noqa: F401 (the base names it)
    from bot.transports.sms.transport import SmsTransport  # noqa: F401 (the base names it)


class Sms(Transport[sms_config.SmsSection, "Budget", "SmsTransport"]):
    """Text messages: people text the bot and are their number; they get whole plain
    texts, no file and no edit; erasing takes a code texted to the number; the month's
    texts are a metered budget the desk shows."""

    platform = "sms"
    module = "bot.transports.sms"
    section = "sms"
    offers = Offers(
        texts=True,
        files=False,
        edits=False,
        by_number=True,
        coded=True,
        medium=Medium.TEXTED,
        label=N_("💬 by SMS"),
        line=sms_store.SmsStore,
    )
    # Who calls or texts is their number (E.164): an account an operator names is checked so.
    user_id_problem = staticmethod(account_problem)
    data = sms_data.DECLARED
    claims = staticmethod(sms_config.claims)
    checks = staticmethod(sms_checks.checks)
    attach = staticmethod(sms_attach.attach)
    budget = staticmethod(sms_desk.desk_budget)
    panel = staticmethod(sms_desk.panel)
    contact = staticmethod(sms_config.contact)
