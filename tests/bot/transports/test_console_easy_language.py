"""Easy language through the console (issue 43): ``python -m bot console`` as a real
process fed through a pipe, once for the whole file. In German and Arabic, people in easy
language and as usual meet the main menu, the privacy notice, the places near 44137 (the
sample places, at a fixed Wednesday 11:30) and each step's question of a help request.

Words are what the console printed to people who read (their places come as a page);
seconds are what it says to people who hear every message, as the console shows their
voices (the embedded eSpeak NG, each voice's length to the second), of what they really
get (their places three at a time, whatever the mode: handlers/places/short_lists.py).
Easy: at most 45 % of the words (issue 56; was half) and at most 60 % of the seconds.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from db import Database
from tests.support.cli import run_bot
from tests.support.easy_measure import DESCRIPTIONS as EVERY_DESCRIPTION
from tests.support.easy_measure import WEDNESDAY_NOON, word_count
from tests.support.places_sample import import_sample

# The places' open or closed lines at one moment of the week, in the bot's process.
FIXED_CLOCK = (
    "from datetime import datetime\n"
    "from handlers.places import chat\n"
    f"chat._now = lambda: datetime.fromisoformat({WEDNESDAY_NOON.isoformat()!r})"
)
# What the console prints of a voice message: its length (bot/transports/console.py).
VOICE = re.compile(r"^🔊 \((\d+) s\)$", re.MULTILINE)
# The console's own marks, not the bot's words: the numbers that press buttons and how
# to send a location.
CONSOLE_MARKS = re.compile(r"\[:?\d+\]|:loc LAT,LON")
# What each one asks for help with (German and Arabic at the console).
DESCRIPTIONS = {lang: EVERY_DESCRIPTION[lang] for lang in ("de", "ar")}
# In the language list of a console whose people arrive with a German phone.
LANGUAGE_BUTTON = {"de": "1", "ar": "3"}


@dataclass
class Person:
    """One person at the console, and the screens measured (name → what was printed)."""

    name: str
    lang: str
    easy: bool
    # Hears every message (read aloud); else reads, without voices.
    listens: bool
    screens: dict[str, str] = field(default_factory=dict)

    def script(self) -> list[tuple[str | None, list[str]]]:
        """What they type, part by part: (the screen measured, or None, and its lines).
        Each part begins with a line the console answers with "→ name" and nothing else
        (``:as``, ``:private``), so what is printed between two such lines is one part's."""
        onboarding = ["/start", LANGUAGE_BUTTON[self.lang]]
        if self.listens:
            # 🗣 read every message aloud; the offer of easy language that follows it.
            onboarding += ["1", "1" if self.easy else "2"]
        else:
            onboarding += ["3"]  # 📖 no, I read myself
        onboarding += ["1"]  # agree to the privacy notice
        if self.easy and not self.listens:
            onboarding += ["/settings", "4"]  # 🟢 easy language
        parts: list[tuple[str | None, list[str]]] = [
            (None, onboarding),
            ("menu", ["/menu"]),
            ("privacy", ["/privacy"]),
            (None, ["/places"]),
            ("places", ["44137"]),
            (None, ["/request"]),
            # Each step's question, as the step before it is answered: ask for help,
            # shopping (first in both modes: the city has no requests yet), the
            # description, where, as soon as possible, languages done (easy: their own
            # language only, the first button of one question; usual: Done after ten
            # languages).
            ("step: category", ["1"]),
            ("step: description", ["1"]),
            ("step: where", [DESCRIPTIONS[self.lang]]),
            ("step: when", ["44137"]),
            ("step: languages", ["1"]),
            ("step: summary", ["1" if self.easy else "11"]),
        ]
        return [
            (screen, [f":as {self.name}" if n == 0 else ":private", *lines])
            for n, (screen, lines) in enumerate(parts)
        ]


def words(printed: str) -> int:
    return word_count(CONSOLE_MARKS.sub(" ", VOICE.sub(" ", printed)))


def seconds(printed: str) -> int:
    return sum(int(s) for s in VOICE.findall(printed))


def at_the_console(path: Path, people: list[Person]) -> None:
    """One console process for ``people``, one after another; each one's screens kept."""
    script = [(person, screen, lines) for person in people for screen, lines in person.script()]
    typed = [line for _, _, lines in script for line in lines]
    result = run_bot(
        "console",
        "--lang",
        "de",
        database=path,
        input="\n".join(typed) + "\n",
        prelude=FIXED_CLOCK,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    printed = re.split(r"^→ .*\n", result.stdout, flags=re.MULTILINE)[1:]
    for (person, screen, _), text in zip(script, printed, strict=True):
        if screen is not None:
            person.screens[screen] = text


LANGUAGES = tuple(DESCRIPTIONS)
# Measured on 2026-11-25 after the native-speaker review (its corrections cost words, won
# back in the easy walk's other texts), usual → easy:
#   reading, words:   de 323 → 145 (45 %), ar 303 → 136 (45 %)
#   hearing, seconds: de 259 → 125 (48 %), ar 310 → 157 (51 %)
# (Before that review: de 323 → 142 words, 259 → 120 s; ar 303 → 134 words, 310 → 155 s.)
# (2026-11-24: de 325 → 140 words, 260 → 118 s; ar 306 → 128 words, 310 → 155 s.)
# Before the easy reader's short steps and buttons named by number (5948b78): seconds
# 83 % in both. Most of it: the languages step is one question (de 71 → 8 s; the list
# of ten names with their numbers is a minute), the categories are the three most asked
# and "More" (42 → 11 s), and read aloud names a button "1: …", not "Erster Knopf: …".


@pytest.fixture(scope="module")
def people(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[tuple[str, bool, bool], Person]]:
    """Everyone at one console, by (language, easy, listens), with their screens."""
    path = tmp_path_factory.mktemp("console") / "console.sqlite3"

    async def with_places() -> None:
        db = await Database.open(str(path))
        await import_sample(db)
        await db.close()

    asyncio.run(with_places())
    everyone = {
        (lang, easy, listens): Person(
            f"{lang}-{'easy' if easy else 'usual'}-{'listener' if listens else 'reader'}",
            lang,
            easy,
            listens,
        )
        for lang in LANGUAGES
        for listens in (False, True)
        for easy in (False, True)
    }
    at_the_console(path, list(everyone.values()))
    for person in everyone.values():
        # Each screen was answered (and said, to a listener); the request reached its
        # summary.
        assert DESCRIPTIONS[person.lang] in person.screens["step: summary"], person.screens
        for screen, text in person.screens.items():
            assert words(text), (person.name, screen)
            assert bool(VOICE.search(text)) is person.listens, (person.name, screen)
        # Easy language took (the easy menu is another text).
        usual = everyone[person.lang, False, person.listens]
        assert (person.screens["menu"] != usual.screens["menu"]) is person.easy, person.name
    yield everyone


@pytest.mark.parametrize("lang", LANGUAGES)
def test_easy_readers_at_the_console_read_at_most_45_percent_of_the_words(people, lang):
    usual, easy = people[lang, False, False], people[lang, True, False]
    for screen, text in usual.screens.items():
        print(f"{lang} {screen}: words {words(text)} → {words(easy.screens[screen])}")
    shown = [sum(words(text) for text in p.screens.values()) for p in (usual, easy)]
    print(f"{lang} reading, words: {shown[0]} → {shown[1]} ({shown[1] / shown[0]:.1%})")
    # Issue 56's goal: at most 45 % of the words (was: half).
    assert shown[1] <= 0.45 * shown[0], (lang, shown)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_easy_listeners_at_the_console_hear_at_most_60_percent_of_the_seconds(people, lang):
    usual, easy = people[lang, False, True], people[lang, True, True]
    for screen, text in usual.screens.items():
        print(f"{lang} {screen}: seconds {seconds(text)} → {seconds(easy.screens[screen])}")
    said = [sum(seconds(text) for text in p.screens.values()) for p in (usual, easy)]
    print(f"{lang} hearing, seconds: {said[0]} → {said[1]} ({said[1] / said[0]:.1%})")
    assert said[1] <= 0.6 * said[0], (lang, said)


# The two texts before an erasure: after "No" to the privacy notice (only the language and
# read aloud are stored), and /delete of everything.
REFUSED = (
    "Without your agreement the bot cannot help you.\n🗑 <b>Delete what we stored?</b> So far "
    "that is only your language and whether the bot reads aloud to you."
)
DELETE_ALL = (
    "🗑 <b>Delete all your data?</b>\nThis cannot be undone. Your requests are withdrawn, a "
    "running contact ends, and the bot forgets you."
)


def test_an_easy_listener_who_says_no_or_deletes_reads_easy_texts(tmp_path: Path):
    """A woman who hears every message and reads easy language says "No" to the privacy
    notice, keeps her data, agrees, and asks to delete everything: both questions before
    an erasure come in easy language (they were the usual texts)."""
    from locales import translator

    typed = [
        "/start",
        "1",  # Deutsch
        "1",  # 🗣 Read everything aloud
        "1",  # 🟢 Easy language
        "2",  # ❌ No (to the privacy notice)
        "2",  # ↩️ No, keep it
        "/start",
        "1",  # ✅ Yes (to the privacy notice)
        "/delete",
    ]
    result = run_bot(
        "console",
        "--lang",
        "de",
        database=tmp_path / "console.sqlite3",
        input="\n".join(typed) + "\n",
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    easy = translator("de", easy=True)
    printed = re.sub(r"</?b>", "", result.stdout)
    for msgid in (REFUSED, DELETE_ALL):
        text = re.sub(r"</?b>", "", easy.gettext(msgid))
        assert text != re.sub(r"</?b>", "", translator("de").gettext(msgid)), msgid
        assert text in printed, (text, printed[-1500:])
