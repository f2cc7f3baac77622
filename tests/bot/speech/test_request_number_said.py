"""Issue 80, point 6: a request's number ("#12") is said with the language's word for
number - Turkish said the bare number ("Talebiniz #12 saklanıyor": "talebiniz on iki") -
and once where the text has the word right after it ("#12 numaralı talep": "on iki
numaralı talep", never "numara on iki numaralı"). Every catalog message with a request's
number, as the phone says it, in all ten languages, usual and easy."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import pytest
from babel.messages.pofile import read_po

from bot.speech.number_words import number_words
from bot.speech.script import script
from handlers.reader import Medium, translator_for
from locales import LOCALES_DIR, SUPPORTED_LANGUAGES

# How each language names a number, as a word begins (cased and vowel signs aside).
NUMBER_WORD = {
    "de": "nummer",
    "en": "number",
    "ar": "رقم",
    "tr": "numara",
    "uk": "номер",
    "ru": "номер",
    "ro": "număr",
    "bg": "номер",
    "pl": "numer",
    "fa": "شماره",
}
ID = 12
# Values for the other placeholders of such messages.
VALUES = {"name": "Vera", "city": "Dortmund", "category": "Einkauf", "time": "10:00"}


# The template is read once (~30 ms of a core a read): every test asks for the same messages.
@cache
def _with_a_number() -> tuple[str, ...]:
    with (LOCALES_DIR / "messages.pot").open("rb") as fp:
        ids = [m.id for m in read_po(fp) if isinstance(m.id, str)]
    return tuple(
        i for i in ids if "#{id}" in i and set(re.findall(r"{(\w+)}", i)) <= {"id", *VALUES}
    )


def _plain(word: str) -> str:
    """``word`` folded, without vowel signs (Arabic may be written with them)."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ă", "a")


@pytest.mark.parametrize("easy", [False, True], ids=["usual", "easy"])
@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_a_request_number_is_said_with_a_word_for_number_once(lang: str, easy: bool) -> None:
    t = translator_for(lang, easy, Medium.SPOKEN)
    twelve = _plain(number_words(ID, lang)).split()
    stem = _plain(NUMBER_WORD[lang])
    messages = _with_a_number()
    assert len(messages) > 20
    for message in messages:
        said = script(t.t(message, id=ID, **VALUES), [], t)
        words = [_plain(w) for w in re.findall(r"\w+", said)]
        at = next((i for i in range(len(words)) if words[i : i + len(twelve)] == twelve), None)
        assert at is not None, (message, said)
        near = words[max(0, at - 3) : at] + words[at + len(twelve) : at + len(twelve) + 2]
        assert any(w.startswith(stem[:5]) for w in near), (lang, message, said)
        assert sum(w.startswith(stem[:5]) for w in near) == 1, (lang, message, said)
