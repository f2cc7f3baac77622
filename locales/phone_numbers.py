"""Phone numbers: the one reader of a number as E.164, and the one rule for which numbers
the bot may dial - every number it calls or takes to call.

A number as a network gives it (a caller ID, an SMS sender) is read by :func:`e164`: E.164
when it can be a number at all; a number a person typed must be a valid one (:func:`valid`).

A number is dialable when ``phonenumbers`` knows it as a fixed line or mobile number
(``FIXED_LINE``, ``MOBILE``, ``FIXED_LINE_OR_MOBILE``) of a country the operator allows
(``[phone] call_countries``, ISO codes, by default Germany alone). Everything else is
never dialled, whoever typed it and whatever sent it as a caller ID: premium rate (0900,
+44 909), shared cost (0180, 0137), personal numbers (0700), toll-free, UAN, pager,
voicemail, VoIP ranges of their own, numbers of no country (+881, +882, +883, +870:
satellite and international networks, region "001"), unknown or invalid ones. Such
numbers cost the installation more than a call, or earn money for whoever owns them.

German 032 numbers ("nationale Teilnehmerrufnummern", often a resident's internet phone)
are typed ``FIXED_LINE`` by ``phonenumbers`` and are dialled; other countries' own VoIP
ranges (``VOIP``) are not: their price is the number's provider's.

A number also hints at its person's language (:func:`language_hint`): the first official
language of the country it belongs to (Babel's territory data), as a phone's locale hints
it in a chat - a caller from +90 hears Turkish first, and it is key 1 of the languages.

A convention of the region, as its calendar and its formats are: so it lives in
``locales``, below everything that asks it - the features, the desk, and the transports
that call and text numbers, which read a caller ID or an SMS sender here without
consulting a feature. The typed number's region, as everywhere, is :data:`REGION`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers
from babel.languages import get_official_languages
from phonenumbers import PhoneNumberType

# Where national numbers are read as typed (the provider's country).
REGION = "DE"
# The number a request for one shows as its example, a value of the sentence (in the reader's
# digits, isolated): written into a translation it read "1234567 0231" in Arabic and Persian
# (two runs of digits laid out right to left).
EXAMPLE_NUMBER = "0231 1234567"
# ``[phone] call_countries`` when not set.
COUNTRIES = ("DE",)
DIALLED_TYPES = frozenset(
    {
        PhoneNumberType.FIXED_LINE,
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
)


# What the bot never texts (:func:`textable`): numbers that cost more than a text, or earn
# money for whoever owns them.
COSTLY_TYPES = frozenset(
    {
        PhoneNumberType.PREMIUM_RATE,
        PhoneNumberType.SHARED_COST,
        PhoneNumberType.TOLL_FREE,
        PhoneNumberType.PERSONAL_NUMBER,
        PhoneNumberType.UAN,
        PhoneNumberType.VOICEMAIL,
        PhoneNumberType.PAGER,
    }
)
# The region of numbers of no country (satellite and international networks, +881 …).
NO_COUNTRY = "001"


def parse_countries(text: str) -> tuple[str, ...]:
    """ "DE, at" as ("DE", "AT"). Raises ValueError for a code that is no country's (the
    non-geographic "001" neither)."""
    codes = tuple(dict.fromkeys(code.strip().upper() for code in text.split(",") if code.strip()))
    for code in codes:
        if code not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{code!r} is no ISO country code phonenumbers knows")
    if not codes:
        raise ValueError("name at least one country, e.g. DE")
    return codes


def _parsed(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text.strip(), region)
    except phonenumbers.NumberParseException:
        return None


def _as_e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# A number as a network gives it: ASCII digits, perhaps a leading "+", and the separators
# some gateways keep. Anything else is no number: letters are an alphanumeric sender ID
# (free text on many bulk-SMS routes, and ``phonenumbers`` would read "01761234TTT" as a
# keypad's +491761234888), other scripts' digits or an extension come from no network.
_NETWORK_NUMBER = re.compile(r"\+?[0-9(][0-9 ()./-]*")


def e164(raw: str, region: str = REGION) -> str | None:
    """A number as a network gives it ("004917612345678", "0176 …", "+49 …"; national ones
    in ``region``) in E.164, or None when it cannot be a phone number ("Vodafone", any
    sender with letters: :data:`_NETWORK_NUMBER`)."""
    if not _NETWORK_NUMBER.fullmatch(raw.strip()):
        return None
    number = _parsed(raw, region)
    if number is None or not phonenumbers.is_possible_number(number):
        return None
    return _as_e164(number)


def account_problem(user_id: str) -> str:
    """What is wrong with ``user_id`` as the account of someone who calls or texts ("" where
    nothing is), said after "the phone user id": such a person is their number in E.164, as
    the line and the gateway store it (``+4917012345678``), so an operator who names
    ``phone:0170 1234567`` or ``sms:abc`` is told the form, with the number it would be
    where there is one, instead of hearing "no user" of a person who exists."""
    if e164(user_id) == user_id:
        return ""
    normal = e164(user_id)
    hint = f" - here {normal}" if normal else ""
    return f"must be the number in international form, e.g. +4917012345678{hint}"


def language_hint(number: str) -> str | None:
    """The language a caller from ``number`` (E.164) most likely speaks: the first official
    one of its country (by the number, else by its country code: "+90 …" Turkish, "+963 …"
    Arabic); None for no number or one of no country."""
    parsed = _parsed(number, None) if number.startswith("+") else None
    if parsed is None:
        return None
    region = phonenumbers.region_code_for_number(parsed)
    if (not region or region == "001") and parsed.country_code:
        region = phonenumbers.region_code_for_country_code(parsed.country_code)
    if not region or region in ("001", "ZZ"):
        return None
    languages = get_official_languages(region, de_facto=True)
    return languages[0] if languages else None


def valid(text: str, region: str = REGION) -> str | None:
    """A typed number ("0231 123456", "+49 …") in E.164 if it is a valid number, else None."""
    if not text.strip() or len(text) > 40:
        return None
    number = _parsed(text, region)
    if number is None or not phonenumbers.is_valid_number(number):
        return None
    return _as_e164(number)


def dialable(number: str, countries: Iterable[str] = COUNTRIES) -> bool:
    """Whether the bot may call ``number`` (E.164): a fixed line or mobile number of one
    of ``countries``."""
    parsed = _parsed(number, None) if number.startswith("+") else None
    return (
        parsed is not None
        and phonenumbers.is_valid_number(parsed)
        and phonenumbers.number_type(parsed) in DIALLED_TYPES
        and phonenumbers.region_code_for_number(parsed) in set(countries)
    )


def textable(number: str) -> bool:
    """Whether the bot may text ``number`` (E.164, an SMS sender as :func:`e164` reads it):
    any country's - residents text from SIM cards of their own countries - but never a
    number of no country (+881, +882, +883, +870, +979: satellite and international
    networks, premium services) nor one ``phonenumbers`` knows as premium rate, shared cost,
    toll-free, personal, UAN, voicemail or pager: a sender can be forged, and each answer
    to such a number costs more than a text or earns its owner money. A number it cannot
    classify (a range newer than its data) is texted: refusing it could turn a resident
    away."""
    parsed = _parsed(number, None) if number.startswith("+") else None
    if parsed is None or parsed.country_code is None:
        return False
    if phonenumbers.region_code_for_country_code(parsed.country_code) == NO_COUNTRY:
        return False
    return not (
        phonenumbers.is_valid_number(parsed) and phonenumbers.number_type(parsed) in COSTLY_TYPES
    )


def typed(text: str, countries: Iterable[str] = COUNTRIES, region: str = REGION) -> str | None:
    """A typed number in E.164 if the bot may call it, else None."""
    number = valid(text, region)
    return number if number is not None and dialable(number, countries) else None
