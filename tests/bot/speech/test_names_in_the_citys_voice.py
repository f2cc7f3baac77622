"""A name in Latin letters inside a sentence of a language written otherwise is said the
city's way (issue 64, point 8): eSpeak NG's Arabic, Persian, Russian, Ukrainian and
Bulgarian voices said "Dortmund" and a place's name in English ("dˈɔːtmʌnd"); the name is
now a part of its own, said by the German voice (bot/speech/script.py ``_names_apart``)."""

from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from bot.speech.engines import embedded
from bot.speech.script import parts
from locales import SUPPORTED_LANGUAGES, translator

pytestmark = pytest.mark.asyncio(loop_scope="module")

LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
PLACE = "Seniorenbüro Innenstadt-West"
# The languages not written in Latin letters.
NOT_LATIN = {"ar", "bg", "fa", "ru", "uk"}


def _said(lang: str, voices=SUPPORTED_LANGUAGES):
    t = translator(lang, medium="spoken")
    text = t.t(
        "👋 <b>Hello!</b> I am the neighbourhood bot for {city}. I help you find places to "
        "meet, get help from neighbours and help others.",
        city="Dortmund",
    )
    return parts(text, [PLACE, "Café Kolonie"], t, voices)


@pytest.mark.parametrize("lang", sorted(NOT_LATIN))
async def test_a_name_in_latin_letters_is_said_by_the_citys_voice(lang):
    said = _said(lang)
    by_the_city = " ".join(p.words for p in said if p.lang == "de")
    for name in ("Dortmund", PLACE, "Café Kolonie"):
        assert name in by_the_city, (name, said)
    own = [p for p in said if p.lang == lang]
    assert own and not any(LATIN.search(p.words) for p in own), own
    # And no voice switches to English for any of it.
    engine = embedded()
    for part in said:
        assert "(en)" not in await engine.phonemes(part.words, part.lang), part


async def test_before_the_fix_the_russian_voice_said_the_name_in_english():
    assert "(en)" in await embedded().phonemes("наша команда в Dortmund", "ru")


@pytest.mark.parametrize("lang", sorted(set(SUPPORTED_LANGUAGES) - NOT_LATIN))
async def test_a_language_written_in_latin_letters_says_its_names_itself(lang):
    assert {p.lang for p in _said(lang)} == {lang}


async def test_without_a_german_voice_the_sentences_voice_says_the_name():
    said = _said("ru", voices=("ru",))
    assert {p.lang for p in said} == {"ru"} and "Dortmund" in said[0].words


async def test_a_chats_button_named_in_latin_letters_too():
    said = parts(Markup("Места"), [PLACE, "Назад"], translator("ru"))
    assert [p.lang for p in said] == ["ru", "de", "ru"]
    assert said[1].words == PLACE + "." and said[2].words == "Вторая кнопка: Назад."
