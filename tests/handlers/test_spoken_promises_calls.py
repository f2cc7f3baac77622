"""A caller is promised calls, never letters (issue 80, point 2): a caller's messages come
as calls (their settings say so), yet after a request the phone said "we will write to
you" (easy de, en, ar, uk, ru, ro, bg, pl) and after erasure "if you write again" (nine
languages). Every text the phone says - the phone's own modules, every spoken variant
(handlers/media/medium_texts.py), every message a caller's translator is asked for on a
walk through the bot, and the texts that promise what comes next - is rendered as the
phone renders it, in all ten languages, usual and easy, and none may name writing or
texting. The words are written per language as a native reader finds them; Arabic is
matched without its vowel signs (the spoken forms are vocalised)."""

from __future__ import annotations

import re

import pytest

from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.events.ical import import_events
from handlers.helping.posting_limits import WRITE_ALL_THE_SAME, WRITE_WHEN_ALLOWED
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from handlers.privacy import DELETED
from handlers.settings import HandlerSettings
from locales import SUPPORTED_LANGUAGES, Medium, medium_variants, translator
from tests.handlers.test_no_chat_words import (  # noqa: F401 - the fixture is used by name
    SAMPLE_EVENTS,
    SAMPLE_PLACES,
    _walk,
    asked_on_media,
)
from tests.locales.test_phone_and_sms_register import PHONE, ids_in
from tests.support.memory_transport import MemoryTransport

# What comes next, after a request and after erasure: the texts that promise a channel
# (handlers/helping/requests_flow.py, handlers/privacy.py). The walk does not reach them
# (it withdraws the request and keeps the data), so they are named here.
CHECKED = (
    "⏳ Thank you! Your request #{id} is now being checked by our team. We will "
    "tell you as soon as it is published."
)
# Before the request's form in a rush of new accounts (handlers/helping/posting_limits.py
# ``Hold.note``): a caller said "you can write your request all the same" in seven
# languages (found by QA of the phone line); the walk meets no rush.
PROMISES = [CHECKED, DELETED, WRITE_ALL_THE_SAME, WRITE_WHEN_ALLOWED]

# Writing, texting, a letter to someone: a verb's forms, never a word that only holds
# the letters ("beschreiben", "unterschreiben", "descrie", "مكتب").
WRITING = {
    "en": r"\bwrit(?:e|es|ing|ten)\b|\bwrote\b|\btext (?:us|you|again)",
    "de": r"\bschreib|\bgeschrieben|\bsimsen",
    # Arabic types digits with "اكتب" ("type the postcode"), as a keypad does: writing as a
    # channel is the verb towards a person or again ("سنكتب لك", "إذا كتبت مرة أخرى").
    "ar": r"(?<![\u0621-\u064a])[وف]?(?:س?[نتي]كتب\w*|كتبت\w*)\s+"
    r"(?:لك|لكم|إليك|إليكم|لنا|إلينا|مرة أخرى|مجددا|من جديد)|راسل|مراسلة|رسالة نصية|بالكتابة",
    "fa": r"بنویس|می[‌ ]?نویس|نوشت|پیام (?:بدهید|بده|می[‌ ]?دهیم|دادید)",
    "tr": r"\byaz(?:ar|ın|ıyor|acağ|dı|ıp|ma|arız|ıyoruz)|mesaj at",
    "uk": r"\bнапиш|\bпиш[уеі]|\bписа",
    "ru": r"\bнапиш|\bпиш[уеи]|\bписа",
    "pl": r"\bnapisz|\bnapisa|\bpisz|\bpisa",
    "ro": r"\bscri(?:e|u|em|eți|ind|s\b)",  # not "scrisori", the letters one fills in
    "bg": r"\bнапиш|\bпиш[еи]|\bписа",
}
# Arabic's short vowels, shadda and sukun: a vocalised word is matched as its letters.
_ARABIC_SIGNS = re.compile("[\u064b-\u0652\u0670]")


def writing_in(lang: str, text: str) -> str | None:
    found = re.search(WRITING[lang], _ARABIC_SIGNS.sub("", text), re.IGNORECASE)
    return found.group(0) if found else None


def _hits(messages: set[str]) -> list[str]:
    hits = []
    for lang in SUPPORTED_LANGUAGES:
        for easy in (False, True):
            t = translator(lang, easy=easy, medium=Medium.SPOKEN)
            for message in sorted(messages):
                said = t._(message)
                word = writing_in(lang, said)
                if word:
                    hits.append(f"{lang}{' easy' if easy else ''}: {word!r} in {said!r}")
    return hits


def test_the_promises_a_caller_hears_name_calls_not_letters() -> None:
    hits = _hits(set(PROMISES))
    assert not hits, f"{len(hits)} promises of letters:\n" + "\n".join(hits)


def test_the_rule_finds_the_letters_it_was_made_for() -> None:
    """The chat's own forms of the promises name writing (de easy "Wir schreiben Ihnen
    dann", ru easy "Мы вам напишем", ar easy "سنكتب لك", "if you write again"): without the
    spoken forms the test above fails."""
    found = set()
    for lang in SUPPORTED_LANGUAGES:
        for easy in (False, True):
            t = translator(lang, easy=easy)
            for message in PROMISES:
                if writing_in(lang, t._(message)):
                    found.add((lang, easy, message))
    easy_letters = {lang for lang, easy, message in found if easy and message == CHECKED}
    assert easy_letters >= {"de", "en", "ar", "uk", "ru", "ro", "bg", "pl"}
    assert len({lang for lang, _easy, message in found if message == DELETED}) >= 8
    assert writing_in("ar", "سَنَكْتُبُ لَكَ") and not writing_in("ar", "اكتب الرمز البريدي.")
    assert not writing_in("de", "Beschreiben Sie nach dem Ton, was Sie brauchen.")


def test_no_spoken_variant_and_no_phone_text_names_writing() -> None:
    spoken = {
        instead for (medium, _chat), instead in medium_variants().items() if medium == "spoken"
    }
    hits = _hits(spoken | set(ids_in(PHONE)))
    assert not hits, f"{len(hits)} texts naming writing:\n" + "\n".join(hits)


async def test_nothing_a_caller_meets_names_writing(
    db: Database,
    settings: HandlerSettings,
    asked_on_media: set[tuple[str, str]],  # noqa: F811 - the fixture
) -> None:
    gazetteer = load_gazetteer("data/dortmund")
    await import_places(db, SAMPLE_PLACES, gazetteer, default_source="sample")
    await import_events(db, SAMPLE_EVENTS, gazetteer=gazetteer)
    chat = MemoryTransport(Dispatcher(db, build_router(), settings), platform="phone")
    await _walk(chat)
    met = {message for on, message in asked_on_media if on == "spoken"}
    # A walk that records little proves nothing.
    assert len(met) > 80, len(met)
    hits = _hits(met)
    assert not hits, f"{len(hits)} texts naming writing:\n" + "\n".join(hits)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_spoken_promises_say_a_call(lang: str) -> None:
    """Not only no letter: the spoken forms exist in every catalog (not the chat's text)."""
    for easy in (False, True):
        t = translator(lang, easy=easy, medium=Medium.SPOKEN)
        chat = translator(lang, easy=easy)
        for message in PROMISES:
            assert t._(message) != chat._(message), (lang, easy, message)
