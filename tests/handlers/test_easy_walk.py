"""The easy reader's walk in every language (issue 56, goals): the main menu, the privacy
notice, the places near 44137 and every step of a help request, as an easy and as a usual
reader meets them through the in-memory chat (tests/support/easy_measure.py ``walk``).

- In every language the easy walk is at most 45 % of the usual walk's words: the easy texts
  say everything their usual texts promise (tests/handlers/test_easy_promises.py), and the
  words that costs are won back elsewhere.
- The German easy walk: every sentence the bot writes at most 12 words (DIN SPEC 33429),
  and the Wiener Sachtextformel (variant 1) of what it writes at most 4.5 - over the
  messages' texts, not the buttons' labels (a label is no sentence: the formula would take
  its words into the sentences' length without counting it as one), and without the
  places' names and the person's own description (data, not the bot's words).

The places answer at one moment of the week (Wednesday 11:30), so that their open or closed
lines are the same whenever the test runs."""

from __future__ import annotations

import re

import pytest
import textstat

from db import Database
from handlers.places import chat as places_chat
from locales import SUPPORTED_LANGUAGES
from tests.locales.test_easy_catalogs import sentences, words
from tests.support.easy_measure import DESCRIPTIONS, WEDNESDAY_NOON, shown, walk, word_count
from tests.support.memory_transport import MemoryTransport, messages
from tests.support.places_sample import import_sample

SHARE = 0.45
LONGEST_GERMAN_SENTENCE = 12
WSTF_MAX = 4.5


@pytest.fixture
async def places(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    await import_sample(db)
    monkeypatch.setattr(places_chat, "_now", lambda: WEDNESDAY_NOON)


async def _texts(chat: MemoryTransport, lang: str, easy: bool) -> dict[str, str]:
    who = f"{lang}-{'easy' if easy else 'usual'}"
    screens = await walk(chat, who, lang, easy)
    return {name: shown(out) for name, out in screens.items()}


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
async def test_the_easy_walk_has_at_most_45_percent_of_the_words(
    chat: MemoryTransport, places: None, lang: str
):
    usual = await _texts(chat, lang, easy=False)
    easy = await _texts(chat, lang, easy=True)
    for name in usual:
        print(f"{lang} {name}: {word_count(usual[name])} → {word_count(easy[name])}")
    total = (sum(map(word_count, usual.values())), sum(map(word_count, easy.values())))
    print(f"{lang}: {total[0]} → {total[1]} words ({total[1] / total[0]:.1%})")
    assert total[1] <= SHARE * total[0], (lang, total, f"{total[1] / total[0]:.1%}")


def _place_names(text: str) -> str:
    """A list's places without their names ("1. <b>Stadt- und Landesbibliothek</b>")."""
    return re.sub(r"(?m)^(\d+\.) <b>[^<]*</b>", r"\1", text)


async def _written(chat: MemoryTransport, lang: str, easy: bool) -> list[str]:
    """The sentences the bot writes in the walk (messages' texts, no labels, no data)."""
    who = f"{lang}-{'easy' if easy else 'usual'}-written"
    screens = await walk(chat, who, lang, easy)
    text = "\n".join(str(m.text) for out in screens.values() for m in messages(out))
    return sentences(_place_names(text.replace(DESCRIPTIONS[lang], "")))


def _wstf(said: list[str]) -> float:
    textstat.set_lang("de")
    return textstat.wiener_sachtextformel(
        " ".join(s if s[-1] in ".!?" else s + "." for s in said), 1
    )


async def test_the_german_easy_walk_reads_easy(chat: MemoryTransport, places: None):
    easy = await _written(chat, "de", easy=True)
    long = [s for s in easy if len(words(s)) > LONGEST_GERMAN_SENTENCE]
    assert not long, long
    usual = await _written(chat, "de", easy=False)
    print(f"Wiener Sachtextformel: usual {_wstf(usual):.2f}, easy {_wstf(easy):.2f}")
    # The same measure over the usual walk fails: it measures something.
    assert _wstf(easy) <= WSTF_MAX < _wstf(usual), (_wstf(easy), _wstf(usual))
    assert [s for s in usual if len(words(s)) > LONGEST_GERMAN_SENTENCE]
