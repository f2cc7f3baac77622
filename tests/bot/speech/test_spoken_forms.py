"""Spoken forms from the native review (issue 41, point 6), as the script says them: Arabic
hundreds and two, minutes counted in a duration, half past the hour; money as a price is
said in each language; Ukrainian hours in the form the word before them asks for; hours to
a tenth said in hours and minutes; a typed Persian day and month as an ordinal; the space
before a distance kept."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from bot.speech.script import script
from locales import translator


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("400", "أربعمائة."),
        ("2", "اثنان."),
        ("812", "ثمانمائة واثنا عشر."),
        ("1300 متر", "ألف وثلاثمائة متر."),
        ("11", "أحد عشر."),
    ],
)
def test_arabic_hundreds_are_one_word_and_two_has_no_hamza(written, said):
    assert script(Markup(written), [], translator("ar")) == said


def test_arabic_minutes_of_a_duration_agree_with_the_minute():
    """The time a helper reported: "خمس دقائق", not "خمسة دقائق"."""
    ar = translator("ar")
    for minutes, said in [(5, "خمس دقائق"), (45, "خمس وأربعون دقيقة"), (3, "ثلاث دقائق")]:
        line = ar.t("⏱ Time reported: {duration}", duration=ar.duration(minutes))
        assert script(line, [], ar).endswith(said + "."), minutes


def test_arabic_half_past_the_hour():
    assert script(Markup("09:30"), [], translator("ar")) == "الساعة التاسعة والنصف."


# As a price is said in each language: "zwei Euro fünfzig", not "… fünfzig Cent".
PRICES = {
    "ar": [(250, "اثنان يورو وخمسون سنتًا."), (1205, "اثنا عشر يورو وخمسة سنتات.")],
    "de": [(250, "zwei Euro fünfzig."), (50, "fünfzig Cent.")],
    "en": [(250, "two euros fifty.")],
    # The euro is masculine in Ukrainian.
    "uk": [(100, "один євро."), (250, "два євро п’ятдесят центів.")],
    "fa": [(250, "دو یورو و پنجاه سنت.")],
}


@pytest.mark.parametrize("lang", sorted(PRICES))
def test_money_is_said_as_a_price_is(lang):
    t = translator(lang)
    for cents, said in PRICES[lang]:
        assert script(Markup(t.money(cents)), [], t) == said, cents


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("о 10:00", "о десятій."),
        ("10:00", "десята."),
        ("відкриється о 9:30", "відкриється о дев’ятій тридцять."),
        ("з 23:00", "з двадцять третьої."),
    ],
)
def test_ukrainian_hours_take_the_form_the_word_before_asks_for(written, said):
    assert script(Markup(written), [], translator("uk")) == said


def test_a_ukrainian_range_of_hours():
    uk = translator("uk")
    said = script(uk.t("🕓 Today: {hours}", hours="10:00–13:00"), [], uk)
    assert said.endswith("з десятої до тринадцятої.")


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("fa", "یک ساعت و سی و شش دقیقه"),
        ("uk", "одна година тридцять шість хвилин"),
        ("ar", "ساعة وست وثلاثون دقيقة"),
        ("de", "eine Stunde sechsunddreißig Minuten"),
        ("en", "one hour thirty-six minutes"),
    ],
)
def test_hours_to_a_tenth_are_said_in_hours_and_minutes(lang, said):
    t = translator(lang)
    line = t.t("⏱ Time reported: {duration}", duration=t.duration(96))
    assert script(line, [], t).endswith(said + ".")


def test_hours_written_short_and_whole_hours():
    de = translator("de")
    assert script(Markup("1,6 Std."), [], de) == "eine Stunde sechsunddreißig Minuten."
    assert script(Markup(de.duration(180)), [], de) == "drei Stunden."
    ar = translator("ar")
    assert script(Markup(ar.duration(180)), [], ar) == "ثلاث ساعات."


def test_a_typed_persian_day_and_month_is_an_ordinal():
    fa = translator("fa")
    assert script(Markup("۲۶ نوامبر"), [], fa) == "بیست و ششم نوامبر."
    assert script(Markup("جلسه ۲۶ نوامبر است"), [], fa) == "جلسه بیست و ششم نوامبر است."


def test_the_space_before_a_distance_stays():
    """ "unddrei Kilometer" until commit 33b8a57, whose patterns begin where a run does."""
    de = translator("de")
    assert script(Markup("zu Fuß und 3 km mit dem Bus"), [], de) == (
        "zu Fuß und drei Kilometer mit dem Bus."
    )
