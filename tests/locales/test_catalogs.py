"""All 10 catalogs complete and consistent, and the checker itself catches each fault."""

from __future__ import annotations

import gettext

import pytest
from babel.messages.catalog import Message

from locales import SUPPORTED_LANGUAGES, translator
from locales.catalogs import (
    check_catalogs,
    check_message,
    cldr_plural_forms,
    plural_categories,
    po_path,
    read_catalog,
)


def test_every_catalog_is_complete_and_consistent():
    problems = check_catalogs()
    assert not problems, "\n".join(map(str, problems))


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_compiled_catalog_is_present_and_current(lang):
    mo = po_path(lang).with_suffix(".mo")
    assert mo.exists(), f"{mo} missing - run `make catalogs`"
    assert mo.stat().st_mtime >= po_path(lang).stat().st_mtime
    with mo.open("rb") as fp:
        assert gettext.GNUTranslations(fp).info()["language"] == lang


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_plural_header_is_cldr(lang):
    assert read_catalog(lang).plural_forms == cldr_plural_forms(lang)


def test_plural_category_counts():
    counts = {lang: len(plural_categories(lang)) for lang in SUPPORTED_LANGUAGES}
    assert counts == {
        "de": 2,
        "en": 2,
        "ar": 6,
        "tr": 2,
        "uk": 4,
        "ru": 4,
        "ro": 3,
        "bg": 2,
        "pl": 4,
        "fa": 2,
    }


def test_arabic_plural_forms_are_picked_by_the_cldr_rule():
    ar = translator("ar")
    catalog = read_catalog("ar")
    singular = "Until you delete it, or {n} day after your last message."
    plural = singular.replace("{n} day ", "{n} days ")
    forms = catalog.get((singular, plural)).string
    assert len(forms) == 6 and len(set(forms)) >= 4  # one, two, few and many all differ
    # zero, one, two, few (3-10), many (11-99), other (100-102)
    for n, index in (
        (0, 0),
        (1, 1),
        (2, 2),
        (3, 3),
        (10, 3),
        (11, 4),
        (99, 4),
        (100, 5),
        (102, 5),
        (103, 3),
        (111, 4),
    ):
        assert ar.ngettext(singular, plural, n) == forms[index], n


CATS = ["one", "other"]


@pytest.mark.parametrize(
    ("message", "fault"),
    [
        (Message("Hello {name}", "Hallo"), "placeholders differ"),
        (Message("Hello {name}", "Hallo {nome}"), "placeholders differ"),
        (Message("Hello", ""), "untranslated"),
        (Message("Hello", "Hallo", flags=["fuzzy"]), "fuzzy"),
        (Message("<b>Hi</b>", "Hallo"), "HTML tags differ"),
        (Message("Send /help", "Senden Sie /hilfe"), "/commands differ"),
        (Message("in 3 days", "بعد از ۳ روز"), "Persian digits"),
        (Message("in 3 days", "بعد ٣ أيام"), "Persian digits"),
        (Message(("{n} day", "{n} days"), ("{n} Tag",)), "plural forms"),
        (Message(("{n} day", "{n} days"), ("ein Tag", "viele Tage")), "placeholders differ"),
    ],
)
def test_checker_catches(message, fault):
    problems = check_message("de", message, CATS)
    assert any(fault in p.what for p in problems), problems


def test_checker_accepts_number_in_words_for_one():
    message = Message(("{n} day", "{n} days"), ("ein Tag", "{n} Tage"))
    assert check_message("de", message, CATS) == []


@pytest.mark.parametrize(
    ("message", "fault"),
    [
        (Message("in 3 days", "بعد از 3 روز"), "writes arabext digits"),
        (Message("Last 12 months", "۱۲ ماه گذشته (12)"), "writes arabext digits"),
        (Message("Quiet hours: {start}:00", "ساعت‌های سکوت: {start}:00"), "writes arabext digits"),
        (Message("in 3 days", "بعد از ٣ روز"), "another numbering system"),
        # Latin text taken over must be the message id's own, not a number made up around it.
        (Message("see /help", "/help 12 را ببینید"), "writes arabext digits"),
    ],
)
def test_a_number_in_persian_is_written_in_persian_digits(message, fault):
    problems = check_message("fa", message, CATS)
    assert any(fault in p.what for p in problems), problems


def test_persian_numbers_pass_in_persian_digits_and_codes_in_latin_ones():
    accepted = [
        Message("in 3 days", "بعد از ۳ روز"),
        Message("Quiet hours: {start}:00", "ساعت‌های سکوت: {start}:۰۰"),
        # Codes keep their Latin digits: they are typed as they are written.
        Message("for example: /verify 17", "مثلاً: /verify 17"),
        Message("neither UTF-8 nor Windows-1252", "نه UTF-8 است نه Windows-1252"),
        Message("for example: Leopoldstraße 50, 44147.", "مثلاً: Leopoldstraße 50, 44147."),
        Message("Example: Mo-Fr 10:00-16:00; PH off.", "مثال: Mo-Fr 10:00-16:00; PH off."),
    ]
    for message in accepted:
        assert check_message("fa", message, CATS) == [], message.string


def test_the_persian_catalog_writes_its_numbers_in_persian_digits():
    fa = translator("fa")
    assert fa._("Last 12 months").startswith("۱۲ ")
    assert "۵۰۰ متر" in fa._("📍 Areas are rounded to about 500 m, as in the chat.")
    assert translator("ar")._("Last 12 months").count("12") == 1  # CLDR's Arabic: Latin digits
