"""Who is calling: one call is one conversation, and its chat id is the caller.

The chat id (and the person's id on the phone platform) is the caller's number in E.164
("+492311234567"), read with ``phonenumbers`` from the user part of the From header's SIP
URI - national numbers as the provider sends them ("02311234567") in ``REGION``. A caller
who withholds their number ("anonymous", no number at all) gets an id of their own for
this one call (``withheld-…``): nothing links two such calls.

The number is personal data: it is never logged (bot/transports/phone/transport.py logs
call ids only).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

from locales import phone_numbers
from locales.phone_numbers import COUNTRIES

# The phone's platform: a person's row on the phone is (PLATFORM, their number).
PLATFORM = "phone"
# Where national numbers are read as dialled (the provider's country).
REGION = phone_numbers.REGION
WITHHELD = "withheld-"
# The user part of a SIP or tel URI: sip:+49231…@host, tel:+49231…
_USER = re.compile(r"(?:sips?|tel):([^@;>\s]+)")


def caller_id(remote_uri: str, region: str = REGION) -> str:
    """The chat id of a call from ``remote_uri`` (the From header as pjsua2 gives it)."""
    found = _USER.search(remote_uri)
    user = found.group(1) if found else ""
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
