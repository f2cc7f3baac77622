from __future__ import annotations

from datetime import UTC, datetime

import pytest

from locales import FSI, PDI, RLM, SUPPORTED_LANGUAGES, language_name, negotiate, translator


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        ("de-DE", "de"),
        ("ar", "ar"),
        ("uk", "uk"),
        ("pt-BR", "de"),
        (None, "de"),
        ("", "de"),
        ("fa-AF", "fa"),
        ("prs", "fa"),
        ("EN_gb", "en"),
        ("ru-UA", "ru"),
        ("tlh", "de"),
    ],
)
def test_negotiate(hint, expected):
    assert negotiate(hint) == expected


def test_language_names_in_own_script():
    names = {code: language_name(code) for code in SUPPORTED_LANGUAGES}
    assert names == {
        "de": "Deutsch",
        "en": "English",
        "ar": "العربية",
        "tr": "Türkçe",
        "uk": "Українська",
        "ru": "Русский",
        "ro": "Română",
        "bg": "Български",
        "pl": "Polski",
        "fa": "فارسی",
    }


def test_values_are_escaped_and_isolated_where_needed():
    ar = translator("ar")
    out = ar.format("{name}", name="<b>Café Müller</b>")
    # A line of only an isolated value starts with a right-to-left mark in Arabic.
    assert out == f"{RLM}{FSI}&lt;b&gt;Café Müller&lt;/b&gt;{PDI}"
    de = translator("de")
    # Left to right: escaped always, isolated only when it holds something right-to-left.
    assert de.format("{name}", name="<i>") == "&lt;i&gt;"
    assert de.format("{name}", name="<عربي>") == f"{FSI}&lt;عربي&gt;{PDI}"


def test_numbers_and_dates_the_bot_formats_are_isolated_only_in_rtl():
    moment = datetime(2025, 3, 30, 10, 0, tzinfo=UTC)
    de, fa = translator("de"), translator("fa")
    assert de.t("{n} at {time}", n=1234, time=de.time(moment)) == "1.234 at 12:00"
    assert fa.format("{n}", n=3) == f"{RLM}{FSI}۳{PDI}"


def test_numbers_and_dates_follow_the_locale():
    assert translator("de").number(1234.5) == "1.234,5"
    assert translator("en").number(1234.5) == "1,234.5"
    # Each language's numbering system (CLDR's default): Persian digits and signs in fa,
    # Latin digits in CLDR's Arabic.
    assert translator("fa").number(1234.5) == "۱٬۲۳۴٫۵"
    assert translator("ar").number(1234.5) == "1,234.5"
    # 30 March 2025 22:30 UTC is already the 31st in Berlin (summer time, UTC+2).
    moment = datetime(2025, 3, 30, 22, 30, tzinfo=UTC)
    assert translator("de").time(moment) == "00:30"
    assert "31" in translator("de").date(moment)
    assert "березня" in translator("uk").date(moment, "long")


def test_plural_forms_use_cldr_categories():
    # Arabic has six forms; 11 takes the "many" form, 3 the "few" form.
    ar = translator("ar")
    singular = "If you do not write for {n} day, everything is deleted automatically."
    plural = "If you do not write for {n} days, everything is deleted automatically."
    # Unknown message ids fall back to the English forms; the rule still must not fail.
    assert ar.tn(singular, plural, 11)


def test_commands_keep_their_slash_in_front_in_rtl_text():
    fa = translator("fa")
    text = fa._("🗑 /mydata shows everything, /delete erases it.")
    assert "\u200e/mydata\u200e" in text and "\u200e/delete\u200e" in text
    assert "\u200e" not in translator("de")._("Explain what the bot can do")
