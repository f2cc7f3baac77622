"""The ``[sms]`` section of a city's configuration: the gateway, the budgets and the
pace of text messages (docs/sms.md). bot/config.py composes it into ``Config``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.config_fields import ENV_PREFIX, ConfigError, env_name
from bot.config_fields import option as _opt
from bot.transports.contacts import Contact, dialled

if TYPE_CHECKING:
    from bot.sections import Sections


@dataclass(frozen=True)
class SmsSection:
    enabled: bool = _opt(False, doc="Text messages (SMS) through a gateway (docs/sms.md)")
    gateway: str = _opt("kannel", choices=("kannel", "android"))
    url: str = _opt(
        "", doc="Kannel's smsbox (http://127.0.0.1:13013) or the Android app (http://IP:8080)"
    )
    username: str = _opt("", doc="smsbox sendsms-user, or the Android app's user name")
    password: str | None = _opt(None, secret=True, doc="That user's password")
    incoming_secret: str | None = _opt(
        None,
        secret=True,
        doc="Kannel: the secret in get-url; Android: the app's webhook signing key",
    )
    sender: str = _opt("", doc="The number texts come from (Kannel's from=), e.g. +4923112345")
    listen: str = _opt("127.0.0.1", doc="Address the bot takes incoming texts on")
    port: int = _opt(8094, minimum=1, maximum=65535, doc="Port the bot takes incoming texts on")
    monthly_segments: int = _opt(
        2000,
        minimum=0,
        maximum=10_000_000,
        doc="Segments the installation (all its cities together) may send a month",
        wide=True,
    )
    reserve_percent: int = _opt(
        10,
        minimum=0,
        maximum=90,
        doc="Per cent of the month kept for notices of help under way (code word, helper)",
        wide=True,
    )
    texts_per_number_per_hour: int = _opt(
        30, minimum=1, maximum=10_000, doc="Texts one number is sent an hour at most"
    )
    texts_per_number_per_day: int = _opt(
        60, minimum=1, maximum=100_000, doc="Texts one number is sent a day at most"
    )
    new_numbers_per_day: int = _opt(
        30,
        minimum=1,
        maximum=1_000_000,
        doc="First texts from unknown numbers answered a day (all cities together)",
        wide=True,
    )
    new_numbers_per_prefix: int = _opt(
        5,
        minimum=1,
        maximum=1_000_000,
        doc="Of those, from numbers alike but for their last four digits",
        wide=True,
    )
    new_numbers_kept_percent: int = _opt(
        30,
        minimum=0,
        maximum=90,
        doc="Of those a day, the per cent kept for area_codes and numbers seen before",
        wide=True,
    )
    codes_per_hour: int = _opt(
        30,
        minimum=1,
        maximum=1_000_000,
        doc="Code texts (confirming an act, an erasure, a STOP) sent an hour, all cities "
        "together; a third kept for people with help under way",
        wide=True,
    )
    area_codes: list[str] = _opt(
        [], doc="The city's own area codes (e.g. 0231), whose first texts may use the kept share"
    )
    call_instead: str = _opt(
        "",
        doc="The number a texter turned away today is told to call (e.g. 0231 1234567); "
        "empty: the phone line's number where it runs",
    )
    country: str = _opt("DE", doc="Country of numbers written without +, e.g. 0171 …")
    max_messages_per_second: float = _opt(
        1.0,
        minimum=0,
        maximum=1000,
        doc="Texts a second at most: what the SMS provider (or the one phone) takes; 0: no pace",
    )

    def check(self) -> None:
        """What no single key checks (:func:`check_consistency`)."""
        if self.enabled and not self.url.startswith(("http://", "https://")):
            raise ConfigError("sms.url: the gateway's address, http:// or https://")

    def check_secrets(self, prefix: str = ENV_PREFIX) -> None:
        """The secrets running it needs (:func:`check_chat_secrets`)."""
        if self.enabled and not self.incoming_secret:
            raise ConfigError(f"sms: set {env_name('sms', 'incoming_secret', prefix)}")


def _sender_number(sms: SmsSection) -> tuple[str, str]:
    """The number texts come from, as people read it and in E.164 (``dialled``)."""
    return dialled(sms.sender, sms.country)


def claims(config: Sections) -> Iterator[tuple[str, object]]:
    """What a city holds for texts that no other city may (``Transport.claims``): the
    number texts come from and the port the bot takes them on, where it runs them (a
    reply would reach the other city's bot, or the second could not listen)."""
    sms = config.section(SmsSection)
    if not sms.enabled:
        return
    _number, link = _sender_number(sms)
    if link:
        yield "SMS number (sms.sender)", link
    yield "SMS port (sms.listen, sms.port)", (sms.listen, sms.port)


def contact(config: Sections, username: str) -> Contact | None:
    """The number texts come from, to text, where the city runs them."""
    if not config.section(SmsSection).enabled:
        return None
    number, link = _sender_number(config.section(SmsSection))
    if not number:
        return None
    return Contact(
        f"sms:{link}",
        f"✉️ {number}",
        before=("Sie können dem Bot auch eine SMS schreiben.", "Das geht mit jedem Handy."),
        after=("Schreiben Sie zum Beispiel: Hallo.",),
        ltr=True,
        instead="schreiben Sie eine SMS",
    )
