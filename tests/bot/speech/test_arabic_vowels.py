"""Arabic is said with its vowels (issue 64, point 7): eSpeak NG's Arabic says a word written
without its short vowels as a run of consonants ("خمسة وثلاثون": "χmst wθlaːθˈuːna"), and
the door code's number and a postcode were such words. The words the bot says are
vocalised on their way to the voice (bot/speech/arabic.py ``vocalised``); this test hears
them as the phone does (bot/speech/script.py ``parts``, then eSpeak NG's phonemes through
libespeak-ng, bot/speech/espeak.py) and fails on a cluster of consonants where Arabic has a
vowel: no Arabic syllable begins with two consonants, nor has three in a row."""

from __future__ import annotations

import re
import unicodedata

import pytest
from markupsafe import Markup

from bot.speech.arabic import counted
from bot.speech.engines import embedded
from bot.speech.numbers import number_words
from bot.speech.script import parts, script
from handlers.helping.render import door_code_text
from handlers.media.door_codes import DOOR_SYMBOLS
from handlers.privacy import notice_lines
from handlers.reader import Medium, translator_for
from handlers.settings import HandlerSettings
from locales import medium_variants, translator
from tests.locales.test_phone_and_sms_register import PHONE, ids_in

pytestmark = pytest.mark.asyncio(loop_scope="module")

_VOWELS = set("aeiouəɑɛɔæɪʊ")
# Signs that are no sound of their own: stress, length, syllable breaks, and what colours
# a consonant (emphatic "dˤ", palatal "ʲ").
_MARKS = re.compile("[ˈˌː.‿ˤʲʰʷ]")


def _clusters(phonemes: str) -> list[str]:
    """The words of ``phonemes`` that begin with two consonants or hold three in a row (a
    doubled consonant counts once)."""
    wrong = []
    for word in phonemes.split():
        sounds = unicodedata.normalize("NFD", _MARKS.sub("", word.replace("dʒ", "j")))
        sounds = "".join(c for c in sounds if not unicodedata.combining(c) and c.isalpha())
        sounds = re.sub(r"(.)\1++", r"\1", sounds)
        kinds = "".join("v" if c in _VOWELS else "c" for c in sounds)
        if kinds.startswith("cc") or "ccc" in kinds:
            wrong.append(word)
    return wrong


async def _arabic_phonemes(text: str, t) -> str:
    engine = embedded()
    said = [await engine.phonemes(p.words, p.lang) for p in parts(text, [], t) if p.lang == "ar"]
    assert said, text
    return " ".join(said)


async def test_the_rule_hears_the_vowels_that_were_dropped():
    # eSpeak NG's phonemes for the words unvocalised, as the bot said them before.
    assert _clusters("χmst wθlaːθˈuːna") == ["χmst", "wθlaːθˈuːna"]
    assert _clusters("ʔrbʕt ʔrbʕt wˈaːħid θlˈaːθt sbʕt") == [
        "ʔrbʕt",
        "ʔrbʕt",
        "θlˈaːθt",
        "sbʕt",
    ]
    assert not _clusters("χˈamsat waθˈalaːθˌuːn dʒˈazarat ʔassˈaːʕa")


@pytest.mark.parametrize("symbol", list(DOOR_SYMBOLS))
@pytest.mark.parametrize("number", [11, 12, 15, 35, 47, 60, 99])
async def test_the_door_code_is_said_with_its_vowels(symbol, number):
    t = translator("ar", medium="spoken")
    text = door_code_text(t, f"{symbol} {number}", requester=True, partner_name="Vera")
    first_line = text.split("\n")[0]
    phonemes = await _arabic_phonemes(first_line, t)
    assert not _clusters(phonemes), (number, phonemes)


@pytest.mark.parametrize("postcode", ["44137", "44139", "44225", "10115", "80331"])
async def test_a_postcode_is_said_with_its_vowels(postcode):
    t = translator("ar", medium="spoken")
    text = t.t("📍 <b>Places near {place}</b>", place=postcode)
    phonemes = await _arabic_phonemes(text, t)
    assert not _clusters(phonemes), (postcode, phonemes)


@pytest.mark.parametrize("clock", ["13:00", "11:30", "18:15", "9:05", "22:45"])
async def test_a_clock_time_is_said_with_its_vowels(clock):
    t = translator("ar", medium="spoken")
    phonemes = await _arabic_phonemes(clock, t)
    assert not _clusters(phonemes), (clock, phonemes)


# The phone's modules whose texts are the coordinators' notices, never said in a call: the
# month's calls (a meter's words are its own, as the SMS budget's).
FOR_COORDINATORS = ("bot/transports/phone/calls/dialling.py",)


def _what_the_phone_says() -> list[tuple[str, Markup]]:
    """Every sentence of the phone's own in Arabic, usual and easy: its spoken variants, the
    phone's prompts and the privacy notice's first layer (placeholders left out: a value
    is no word of the bot's)."""
    spoken = {
        instead for (medium, _chat), instead in medium_variants().items() if medium == Medium.SPOKEN
    }
    said = []
    for easy in (False, True):
        t = translator_for("ar", easy, Medium.SPOKEN)
        for key in sorted((ids_in(PHONE) - ids_in(FOR_COORDINATORS)) | spoken):
            said.append((key, Markup(re.sub(r"\{\w+\}", "", t.gettext(key)))))
        settings = HandlerSettings(translation="deepl")
        said += [(str(line), line) for line in notice_lines(t, "Dortmund", settings)]
    return said


async def test_every_sentence_of_the_phone_is_said_with_its_vowels():
    engine = embedded()
    t = translator_for("ar", False, Medium.SPOKEN)
    wrong = []
    for key, text in _what_the_phone_says():
        for part in parts(text, [], t):
            if part.lang == "ar" and (words := _clusters(await engine.phonemes(part.words, "ar"))):
                wrong.append((key, words))
    # A word said as consonants is listed with its vowels in bot/speech/arabic.py _VOCALISED.
    assert not wrong, wrong


async def test_every_number_and_clock_time_is_said_with_its_vowels():
    """ICU's words 0-119 and some larger, the counted forms 1-99, every hour at five
    minutes' steps, money, a distance, durations."""
    engine = embedded()
    t = translator("ar")
    said = [number_words(n, "ar") for n in [*range(120), 200, 345, 1000, 2026, 44137, 1.5]]
    said += [counted(n, g) or "" for n in range(1, 100) for g in ("masculine", "feminine")]
    said += [script(Markup(f"{h}:{m:02d}"), [], t) for h in range(24) for m in (0, 5, 15, 30, 45)]
    said += [script(Markup(x), [], t) for x in ("12,50 €", "1,6 Std.", "370 m", "45 Minuten")]
    wrong = [(x, words) for x in said if (words := _clusters(await engine.phonemes(x, "ar")))]
    assert not wrong, wrong
