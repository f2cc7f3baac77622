"""Who is calling: one call is one conversation, and its chat id is the caller.

The chat id (and the person's id on the phone platform) is the caller's number in E.164
("+492311234567"), read with ``phonenumbers`` from the user part of the caller's URI - the
From header's, or the provider's P-Asserted-Identity where ``[phone] caller_id`` says so
(sip/caller_header.py) - national numbers as the provider sends them ("02311234567") in
``REGION``. Only the URI is read: a display name ("tel:+4923155599 Oma") is the caller's own
free text and never a number. A caller who withholds their number ("anonymous", no number at
all, a header that does not read) gets an id of their own for this one call
(``withheld-…``): nothing links two such calls.

The number is personal data: it is never logged (bot/transports/phone/transport.py logs
call ids only).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from urllib.parse import unquote

from bot.transports.phone.sip.caller_header import addr_spec
from locales import phone_numbers
from locales.phone_numbers import COUNTRIES

# The phone's platform: a person's row on the phone is (PLATFORM, their number).
PLATFORM = "phone"
# Where national numbers are read as dialled (the provider's country).
REGION = phone_numbers.REGION
WITHHELD = "withheld-"
# A SIP URI's user part (before the '@', without a password) and a tel URI's number (RFC
# 3261 §25.1, RFC 3966): read from the start of the URI, never searched for.
_SIP_USER = re.compile(r"sips?:([^@:]+)(?::[^@]*)?@", re.IGNORECASE)
_TEL = re.compile(r"tel:([^;]+)", re.IGNORECASE)


def uri_user(uri: str) -> str:
    """The user of a caller's URI: a SIP URI's user part, a tel URI's number, the
    telephone-subscriber's parameters (";isub=…", ";npdi") dropped; "" for none."""
    found = _SIP_USER.match(uri) or _TEL.match(uri)
    return unquote(found.group(1)).split(";", 1)[0] if found else ""


def caller_id(caller: str, region: str = REGION) -> str:
    """The chat id of a call from ``caller``: the caller's URI (sip/caller_header.py), or a
    From header's whole value as pjsua2 prints it (its display name skipped)."""
    uri = addr_spec(caller) or ""
    user = uri_user(uri)
    # Visual separators some providers keep in the user part (RFC 3966).
    digits = re.sub(r"[\s().-]", "", user)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    number = phone_numbers.e164(digits, region) if re.fullmatch(r"\+?\d{3,17}", digits) else None
    return number or withheld()


def typed_number(
    text: str, countries: Iterable[str] = COUNTRIES, region: str = REGION
) -> str | None:
    """A number typed ("0231 123456", "+49 …") as the chat id a call from it gets; None when
    it is no valid number (a typo) or one the bot may not call (locales/phone_numbers.py:
    premium,
    shared-cost, foreign ...): refused, not stored."""
    return phone_numbers.typed(text, countries, region)


def withheld() -> str:
    """An id for one call of a caller who withholds their number."""
    return WITHHELD + secrets.token_hex(6)


def is_withheld(chat_id: str) -> bool:
    return chat_id.startswith(WITHHELD)
