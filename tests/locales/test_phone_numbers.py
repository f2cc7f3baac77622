"""Which numbers the bot may dial (locales/phone_numbers.py): fixed and mobile numbers of the
allowed countries only - never premium, shared-cost, personal, toll-free numbers, numbers
of no country (satellite, international networks) nor of a country not allowed."""

from __future__ import annotations

import pytest

from locales.phone_numbers import dialable, e164, parse_countries, textable, typed


@pytest.mark.parametrize(
    "text",
    [
        "0900 5 123456",  # premium rate
        "0137 1234567",  # mass calling, shared cost
        "01805 123456",  # shared cost
        "0700 12345678",  # personal number
        "0800 1234567",  # toll-free: no resident's number
        "+44 909 123 4567",  # a premium number abroad
        "+881 612 345678",  # satellite (Iridium)
        "+870 772 001899",  # Inmarsat
        "+239 981 2345",  # São Tomé: a mobile number of a country not allowed
        "+43 664 12345678",  # Austria: not allowed by default
        "12",  # no number
    ],
)
def test_refused(text: str):
    assert typed(text) is None


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("0170 1234567", "+491701234567"),  # German mobile
        ("0231 9876543", "+492319876543"),  # German fixed line
        ("+49 32 123456789", "+4932123456789"),  # 032: a fixed-line number to phonenumbers
    ],
)
def test_german_fixed_and_mobile_lines_are_dialled(text: str, number: str):
    assert typed(text) == number
    assert dialable(number)


def test_an_added_country_is_dialled_but_never_its_premium_numbers():
    countries = parse_countries("de, AT")
    assert countries == ("DE", "AT")
    assert typed("+43 664 12345678", countries) == "+4366412345678"
    assert typed("+43 900 123456", countries) is None
    assert not dialable("+881612345678", countries)


def test_a_caller_id_is_checked_as_a_typed_number_is():
    assert not dialable("+499005123456")
    assert not dialable("+2399812345")
    assert not dialable("withheld-abc")
    assert dialable("+492319876543")


@pytest.mark.parametrize("text", ["", "001", "XX", "DE, Germany"])
def test_call_countries_must_be_countries(text: str):
    with pytest.raises(ValueError):
        parse_countries(text)


def test_a_number_hints_its_countrys_language():
    from locales.phone_numbers import language_hint

    assert language_hint("+905321234567") == "tr"
    assert language_hint("+963944123456") == "ar"
    assert language_hint("+989121234567") == "fa"
    assert language_hint("+380501234567") == "uk"
    assert language_hint("+4923155501") == "de"
    # A number of no country, a withheld caller, nothing: no hint.
    assert language_hint("+80012345678") is None
    assert language_hint("withheld-abc") is None
    assert language_hint("") is None


@pytest.mark.parametrize(
    ("number", "texted"),
    [
        ("+4915112345678", True),  # a German mobile
        ("+4923112345678", True),  # a landline (landline SMS)
        ("+380501234567", True),  # a Ukrainian SIM card
        ("+905321234567", True),  # a Turkish one
        ("+88213000000", False),  # international networks, no country
        ("+870773111632", False),  # satellite (Inmarsat)
        ("+499001234567", False),  # premium rate
        ("+491805123456", False),  # shared cost
        ("+498001234567", False),  # toll-free
        ("+448712345678", False),  # British premium rate
    ],
)
def test_texts_go_to_any_countrys_residents_never_to_costly_numbers(number: str, texted: bool):
    assert textable(number) is texted


@pytest.mark.parametrize(
    "sender",
    [
        "Vodafone",
        "01761234TTT",  # an alphanumeric sender ID spelling +491761234888 on a keypad
        "+491761234TTT",
        "0176-1234-5678 ext. 5",
        "+٤٩١٧٦١٢٣٤٥٦٧٨",  # digits of another script: no network sends them
        "+４９１７６１２３４５６７８",
    ],
)
def test_a_sender_that_is_no_networks_number_is_none(sender: str):
    assert e164(sender, "DE") is None


@pytest.mark.parametrize(
    "sender", ["+4917612345678", "004917612345678", "0176 12345678", "0176/12345678"]
)
def test_a_networks_number_is_read_in_any_of_its_forms(sender: str):
    assert e164(sender, "DE") == "+4917612345678"
