"""Every text that names an SMS keyword (STOP, START) names one the SMS transport really
takes (bot/transports/sms/keywords.py ``STOP_WORDS``, ``START_WORDS``), and in each
language always the same one: a texter told "send لغو" in one sentence and "send STOP" in
the next does not know which works. The transport takes more (STOPP, RET, СТОП, لغو …,
docs/sms.md); the texts name one per language, in every catalog and easy catalog."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.transports.sms.keywords import START_WORDS, STOP_WORDS
from bot.transports.sms.keywords import key as _key
from locales import RTL_LANGUAGES, SUPPORTED_LANGUAGES

ROOT = Path(__file__).resolve().parents[4]

# The keyword each language's texts name: the Latin ones, which every SMS service knows,
# but German STOPP (as German services have it) and in the languages of other scripts the
# words their keyboards type: Cyrillic СТОП, Arabic and Persian توقف (issue 101: the Arabic
# and Persian texts named only the Latin STOP, which an Arabic keyboard does not type).
# Persian لغو, which Iranian services take too, is not named: it is also the Persian Cancel.
NAMED = {lang: ("STOP", "START") for lang in SUPPORTED_LANGUAGES}
NAMED.update({lang: ("СТОП", "СТАРТ") for lang in ("uk", "ru", "bg")})
NAMED["de"] = ("STOPP", "START")
NAMED["ar"] = ("توقف", "ابدأ")
NAMED["fa"] = ("توقف", "شروع")

_KEYWORD_MSGID = re.compile(r"\b(STOP|START)\b")
_WORD = re.compile(r"\w+")


def _keyword_texts() -> list[str]:
    with open(ROOT / "locales/messages.pot", "rb") as pot:
        return [m.id for m in read_po(pot) if isinstance(m.id, str) and _KEYWORD_MSGID.search(m.id)]


def _named(text: str, lang: str) -> set[str]:
    """The keywords ``text`` names: a word in capitals (or, in Arabic script, any word) that
    the transport would take as one - "end" in a sentence is no keyword, END would be.
    Words are compared by their keys (``NAMED`` has ابدأ, a text may say ابدا)."""
    taken = STOP_WORDS | START_WORDS
    return {
        word
        for word in _WORD.findall(text)
        if _key(word) in taken and (word.isupper() or lang in RTL_LANGUAGES)
    }


def test_the_named_keywords_are_taken():
    for stop, start in NAMED.values():
        assert _key(stop) in STOP_WORDS and _key(start) in START_WORDS


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_each_text_names_the_languages_keywords_only(lang: str):
    msgids = _keyword_texts()
    assert len(msgids) >= 8  # the SMS notices and the privacy texts that name them
    stop, start = (_key(word) for word in NAMED[lang])
    wrong = []
    for domain in ("messages", "easy"):
        with open(ROOT / f"locales/{lang}/LC_MESSAGES/{domain}.po", "rb") as po:
            catalog = read_po(po)
        for msgid in msgids:
            entry = catalog.get(msgid)
            if entry is None or not entry.string:
                continue
            text = str(entry.string)
            expected = {word for word, key in ((stop, "STOP"), (start, "START")) if key in msgid}
            named = {_key(word) for word in _named(text, lang)}
            if named != expected:
                wrong.append((domain, text, sorted(named), sorted(expected)))
    assert not wrong, "\n".join(map(str, wrong))
