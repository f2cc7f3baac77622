"""The ``[phone]`` section of a city's configuration: the SIP account, the lines, the
call-backs and their limits (docs/phone.md). bot/config.py composes it into ``Config``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.config_fields import ENV_PREFIX, ConfigError, DiallingRules, env_name
from bot.config_fields import option as _opt
from bot.transports.contacts import Contact, dialled
from bot.transports.phone.calls.answering_settings import InCall
from bot.transports.phone.sip.admission import check_entry as check_peer
from bot.transports.phone.sip.caller_header import SOURCES as CALLER_ID_SOURCES
from bot.transports.phone.sip.edge_hosts import edge_values_problem
from locales.hours import validate as validate_hours

if TYPE_CHECKING:
    from bot.sections import Sections

# "21:00-08:00": the call-backs' quiet hours (read by
# bot/transports/phone/calls/when_to_call_again.py).
_QUIET_HOURS = re.compile(r"\s*([01]\d|2[0-3]):[0-5]\d\s*-\s*([01]\d|2[0-3]):[0-5]\d\s*")


@dataclass(frozen=True)
class PhoneSection(InCall, DiallingRules):
    """``[phone]``: what calls do beyond the menu (bot/transports/phone/calls/
    answering_settings.py ``InCall``, declared there once with their bounds; a line's calls
    get them as ``CallSettings``), the countries the bot calls (the handlers'
    ``DiallingRules``, which their settings are made of too) and the section's own below."""

    enabled: bool = _opt(False, doc="Take phone calls (a SIP user agent, bot/transports/phone)")
    registrar: str = _opt(
        "", doc="SIP registrar to register at, e.g. sip:sipgate.de; empty: calls come directly"
    )
    user: str = _opt("", doc="SIP user (the digest user name, e.g. 1234567e0)")
    password: str | None = _opt(None, secret=True, doc="SIP password of that user")
    bind: str = _opt("0.0.0.0", doc="Address the SIP and RTP sockets bind to")
    port: int = _opt(5060, minimum=0, maximum=65535, doc="SIP port (UDP); 0: any free port")
    rtp_port: int = _opt(
        4000,
        minimum=0,
        maximum=65535,
        doc="First RTP port (a range of 100 from it, no other bot's on this machine); 0: a "
        "block of 40000-59999 no other bot's relay holds",
    )
    lines: int = _opt(
        5,
        minimum=1,
        maximum=20,
        doc="Processes taking calls, 4 at once each, behind the bot's SIP edge (a Kamailio it "
        "runs on bind:port; the lines listen on 127.0.0.1), and one more saying the busy "
        "notice; one contact registers for all",
    )
    public_address: str = _opt(
        "", doc="The address the provider sees, behind NAT (put in SIP and SDP); empty: bind"
    )
    number: str = _opt(
        "", doc="The number residents dial, as the web shows it (e.g. 0231 1234567); empty: none"
    )
    clock_rate: int = _opt(
        16000, minimum=8000, maximum=16000, doc="Audio clock rate: 16000 (G.722) or 8000"
    )
    rtp_timeout_seconds: int = _opt(
        30,
        minimum=5,
        maximum=600,
        doc="A call whose far end sends no audio (RTP) this long is hung up (gone without BYE)",
    )
    outbound_proxy: str = _opt(
        "", doc="The bot's own calls (call-backs) go through this SIP proxy; empty: straight"
    )
    trusted_peers: str = _opt(
        "",
        doc="Besides the registrar and outbound_proxy, who may send calls: addresses, "
        "address:port, networks (a.b.c.0/24) or hosts, comma-separated; with neither a "
        "registrar nor these, only this machine (127.0.0.1)",
    )
    realm: str = _opt(
        "", doc="The digest realm the SIP password answers; empty: the registrar's host"
    )
    caller_id: str = _opt(
        "from",
        doc="Whose word names a caller: from (the user part of the From header's URI, never"
        " its display name) or p-asserted-identity (the provider's P-Asserted-Identity, RFC"
        " 3325, for a provider that asserts it on every call: a call without one is withheld)",
    )
    srtp: bool = _opt(
        False,
        doc="The bot's own calls offer the provider SRTP (RTP/SAVP, SDES keys) instead of plain"
        " RTP, for a trunk that takes encrypted media only; calls to the bot are answered as"
        " offered either way",
    )
    call_domain: str = _opt(
        "", doc="Call-backs call sip:<number>@this (a trunk's host:port); empty: the registrar's"
    )
    ring_seconds: int = _opt(
        30, minimum=5, maximum=120, doc="A call-back rings this long before the bot hangs up"
    )
    call_attempts: int = _opt(
        3, minimum=1, maximum=10, doc="Calls made to deliver before the coordinators are told"
    )
    call_pause_minutes: int = _opt(
        30, minimum=1, maximum=1440, doc="Minutes between two calls to the same person"
    )
    quiet_hours: str = _opt(
        "21:00-08:00", doc="No call-backs then (Europe/Berlin, HH:MM-HH:MM); empty: any time"
    )
    calls_per_number_day: int = _opt(
        6, minimum=1, maximum=100, doc="Call-backs to one number a day at most (Europe/Berlin)"
    )
    monthly_calls: int = _opt(
        1000,
        minimum=0,
        maximum=10_000_000,
        doc="Calls the installation (all its cities together) may make a month",
        wide=True,
    )
    check_calls_per_day: int = _opt(
        20,
        minimum=0,
        maximum=10_000,
        doc="Calls a day that check who asked (a caller ID claim, a typed number): their own "
        "pool, apart from monthly_calls",
    )
    check_calls_per_hour: int = _opt(
        6, minimum=0, maximum=1000, doc="Of those, calls an hour at most"
    )
    check_calls_reserve_percent: int = _opt(
        50,
        minimum=0,
        maximum=100,
        doc="Share of check_calls_per_day and of check_calls_per_hour kept for residents with "
        "something to protect (a request, a desk entry): callers the bot does not know yet "
        "cannot spend it",
    )
    checks_per_caller_hour: int = _opt(
        3,
        minimum=1,
        maximum=100,
        doc="Checks one caller ID may ask for an hour (all withheld callers together as one)",
    )
    call_reserve_percent: int = _opt(
        20,
        minimum=0,
        maximum=100,
        doc="Share of monthly_calls kept for people in a running help",
    )

    def check(self) -> None:
        """What no single key checks (:func:`check_consistency`)."""
        if self.registrar and not self.registrar.startswith(("sip:", "sips:")):
            raise ConfigError("phone.registrar: must start with sip: or sips:")
        if self.forward_to and not self.forward_to.startswith(("sip:", "sips:", "tel:")):
            raise ConfigError("phone.forward_to: must start with sip:, sips: or tel:")
        wrong = validate_hours(self.coordinators_hours)
        if wrong:
            raise ConfigError(f"phone.coordinators_hours: {wrong}")
        if self.caller_id not in CALLER_ID_SOURCES:
            raise ConfigError("phone.caller_id: " + " or ".join(CALLER_ID_SOURCES))
        if self.clock_rate not in (8000, 16000):
            raise ConfigError("phone.clock_rate: 8000 or 16000")
        if self.quiet_hours and not _QUIET_HOURS.fullmatch(self.quiet_hours):
            raise ConfigError("phone.quiet_hours: HH:MM-HH:MM, e.g. 21:00-08:00")
        for entry in self.peers():
            wrong = check_peer(entry)
            if wrong:
                raise ConfigError(f"phone.trusted_peers: {wrong}")
        # Written into the SIP edge's Kamailio configuration: nothing there but an address.
        wrong = edge_values_problem(self.bind, self.public_address, self.outbound_proxy)
        if wrong:
            raise ConfigError(wrong)

    def peers(self) -> tuple[str, ...]:
        """``trusted_peers`` as its entries."""
        return tuple(part.strip() for part in self.trusted_peers.split(",") if part.strip())

    def check_secrets(self, prefix: str = ENV_PREFIX) -> None:
        """The secrets running it needs (:func:`check_chat_secrets`)."""
        if self.enabled and self.registrar and self.user and not self.password:
            raise ConfigError(f"phone: set {env_name('phone', 'password', prefix)}")


def _line_number(phone: PhoneSection) -> tuple[str, str]:
    """The line's number as people read it and in E.164 (``dialled``): one without + is
    read in the first country the bot calls."""
    return dialled(phone.number, phone.call_countries[0])


def claims(config: Sections) -> Iterator[tuple[str, object]]:
    """What a city holds on the phone line that no other city may (``Transport.claims``):
    its number and its SIP socket, where it runs the line (a call would reach the other
    city's bot, or the second line could not bind)."""
    phone = config.section(PhoneSection)
    if not phone.enabled:
        return
    _number, link = _line_number(phone)
    if link:
        yield "phone number (phone.number)", link
    if phone.user:
        yield "SIP account (phone.user)", (phone.user, phone.registrar)
    if phone.port:
        yield "SIP port (phone.bind, phone.port)", (phone.bind, phone.port)


def contact(config: Sections, username: str) -> Contact | None:
    """The line's number, to call, where the city runs it (a number without + read in the
    first country the bot calls)."""
    if not config.section(PhoneSection).enabled:
        return None
    number, link = _line_number(config.section(PhoneSection))
    if not number:
        return None
    return Contact(
        f"tel:{link}",
        f"📞 {number}",
        before=("Sie können den Bot auch anrufen.", "Das geht mit jedem Telefon."),
        after=("Der Bot spricht mit Ihnen.", "Sie antworten mit den Tasten am Telefon."),
        ltr=True,
        instead="rufen Sie an",
    )
