"""A clock time is said once and in the case its sentence asks for (issue 64, point 8):
Polish said "do godziny godzina osiemnaście" (a cardinal, and "godzina" twice), Russian "до
восемнадцать" (no genitive), Bulgarian "часа ч." (the time's word and its abbreviation).
Every message of the catalogs that holds a time, in usual and easy language, as the phone
says it (the spoken translator, bot/speech/script.py)."""

from __future__ import annotations

import itertools
import re
from functools import cache

import pytest
from babel.messages.pofile import read_po
from markupsafe import Markup

from bot.speech.script import script
from handlers.reader import Medium, translator_for
from locales import LOCALES_DIR, SUPPORTED_LANGUAGES, translator


# The template is read once (~30 ms of a core a read): every test asks for the same messages.
@cache
def _with_a_time() -> tuple[str, ...]:
    with (LOCALES_DIR / "messages.pot").open("rb") as fp:
        ids = [m.id for m in read_po(fp) if isinstance(m.id, str)]
    return tuple(
        i
        for i in ids
        if "{time}" in i
        and "{" not in i.replace("{time}", "").replace("{weekday}", "").replace("{day}", "")
    )


def _said(lang: str, clock: str) -> list[str]:
    said = []
    for easy in (False, True):
        t = translator_for(lang, easy, Medium.SPOKEN)
        for message in _with_a_time():
            monday = t.locale.days["format"]["wide"][0]
            on_monday = t._("on Monday")
            said.append(script(t.t(message, time=clock, weekday=monday, day=on_monday), [], t))
    return said


@pytest.mark.parametrize(
    ("lang", "written", "heard"),
    [
        ("pl", "do 18:00", "do osiemnastej"),
        ("pl", "o 18:00", "o osiemnastej"),
        ("pl", "od 9:30", "od dziewiątej trzydzieści"),
        ("pl", "do godziny 18:00", "do godziny osiemnastej"),
        ("pl", "o 21:15", "o dwudziestej pierwszej piętnaście"),
        ("pl", "na 22:00", "na dwudziestą drugą"),
        ("pl", "godzina 18:00", "godzina osiemnasta"),
        ("pl", "10:00–13:00", "od dziesiątej do trzynastej"),
        ("ru", "до 18:00", "до восемнадцати ноль-ноль"),
        ("ru", "с 9:30", "с девяти тридцать"),
        ("ru", "10:00–13:00", "с десяти ноль-ноль до тринадцати ноль-ноль"),
        ("ru", "в 18:00", "в восемнадцать ноль-ноль"),
        ("bg", "до 18:00 ч.", "до осемнайсет часа."),
        ("bg", "в 18:00 часа", "в осемнайсет часа"),
    ],
)
def test_a_time_is_said_in_its_case(lang, written, heard):
    said = script(Markup(written), [], translator(lang, medium="spoken"))
    assert said.rstrip(".") == heard.rstrip("."), said


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
# A full hour, a half hour and a quarter: Bulgarian easy language said "девет и половина
# ч." (issue 80, point 6), the hour's abbreviation after a time said without the hour's word.
@pytest.mark.parametrize("clock", ["18:00", "09:30", "09:15"])
def test_no_time_is_said_twice_or_with_its_abbreviation(lang, clock):
    for said in _said(lang, clock):
        words = re.findall(r"[\w-]+\.?", said.casefold())
        twice = [a for a, b in itertools.pairwise(words) if a.rstrip(".") == b.rstrip(".")]
        assert not twice, (lang, said)
        assert not re.search(r"(?<!\w)(ч|godz)\.", said.casefold()), (lang, said)


def test_polish_russian_and_bulgarian_say_the_catalogs_times_in_case():
    polish = " ".join(_said("pl", "18:00"))
    assert "osiemnaście" not in polish and "godzina osiemnast" not in polish
    assert "do osiemnastej" in polish.casefold() or "od osiemnastej" in polish.casefold()
    russian = " ".join(_said("ru", "18:00")).casefold()
    assert "до восемнадцать" not in russian and "с восемнадцать" not in russian
    assert " ч." not in " ".join(_said("bg", "18:00"))
