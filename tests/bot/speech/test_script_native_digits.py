"""Numbers in a language's own digits are said as the same numbers in Latin digits: the
bot writes Persian digits to Persian readers (locales.numbering_system), a person may type
either, and the listener hears one thing."""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup

from bot.speech.script import script
from locales import TIMEZONE, translator

# What the bot writes to a Persian reader, and the same in Latin digits and signs.
PERSIAN_AND_LATIN = [
    ("💶 \u200e€\xa0۱۲٫۵۰", "💶 \u200e€\xa012.50"),
    ("📍 ۱٫۵ کیلومتر", "📍 1.5 کیلومتر"),
    ("👥 ۱٬۲۳۴ نفر", "👥 1,234 نفر"),
    ("🕓 ساعت ۱۸:۰۵", "🕓 ساعت 18:05"),
    ("🗓 دوشنبه ۲۴ نوامبر ۲۰۲۶", "🗓 دوشنبه 24 نوامبر 2026"),
    ("📊 ۲۵٪", "📊 25%"),
]


def test_persian_digits_are_said_as_latin_ones():
    fa = translator("fa")
    for persian, latin in PERSIAN_AND_LATIN:
        assert script(Markup(persian), [], fa) == script(Markup(latin), [], fa), persian


def test_what_the_bot_writes_in_persian_is_said_in_words():
    fa = translator("fa")
    moment = datetime(2026, 11, 24, 18, 5, tzinfo=TIMEZONE)
    text = fa.format(
        "{money}\n{distance}\n{when}",
        money=fa.money(123456),
        distance=fa.distance(1500),
        when=fa.day_and_time(moment),
    )
    assert "۱٫۵" in text  # the bot writes Persian digits to a Persian reader
    said = script(text, [], fa)
    assert not any(ch.isdigit() for ch in said), said
    assert "ممیز" in said  # "one point five" kilometres, not "one ٫ five"
