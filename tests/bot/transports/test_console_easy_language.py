"""Easy language through the console (issue 43): ``python -m bot console`` as a real
process fed through a pipe, once for the whole file. In German and Arabic, people in easy
language and as usual meet the main menu, the privacy notice, the places near 44137 (the
sample places, at a fixed Wednesday 11:30) and each step's question of a help request.

Words are what the console printed to people who read (their places come as a page);
seconds are what it says to people who hear every message, as the console shows their
voices (the embedded eSpeak NG, each voice's length to the second), of what they really
get (their places three at a time, whatever the mode: handlers/places/short_lists.py).
Easy: at most half the words and at most 60 % of the seconds.
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
# What each one asks for help with.
DESCRIPTIONS = {
    "de": "Ich brauche Hilfe beim Einkaufen am Montag",
    "ar": "أحتاج مساعدة في التسوق يوم الاثنين",
}
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
            # shopping, the description, where, as soon as possible, languages done.
            ("step: category", ["1"]),
            ("step: description", ["1"]),
            ("step: where", [DESCRIPTIONS[self.lang]]),
            ("step: when", ["44137"]),
            ("step: languages", ["1"]),
            ("step: summary", ["11"]),
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
# Measured on 2026-11-24 (easy.po as of 084858b):
#   reading, words:   de 325 → 161 (49.5 %), ar 306 → 152 (49.7 %)
#   hearing, seconds: de 260 → 215 (83 %),   ar 310 → 257 (83 %)
# What holds the seconds up: the languages step is the same in both modes (its easy
# question is as long, and ten language names with their buttons' numbers take 70 s of
# either); a listener's places are three in both modes (35 of 37 s); every button is
# named with its number in both modes ("Erster Knopf: …", bot/speech/script.py), so a
# screen of few words and many buttons (the categories: 42 → 31 s) is said hardly
# shorter; the summary repeats what the person wrote. The threshold stays: these marks
# go once easy is short enough (strict: a pass fails until the mark is taken out).
NOT_YET = {
    ("seconds", "de"): "de easy read aloud at 83 % of the seconds (see above)",
    ("seconds", "ar"): "ar easy read aloud at 83 % of the seconds (see above)",
}


def measured(what: str) -> list[object]:
    return [
        pytest.param(lang, marks=pytest.mark.xfail(strict=True, reason=NOT_YET[what, lang]))
        if (what, lang) in NOT_YET
        else lang
        for lang in LANGUAGES
    ]


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


@pytest.mark.parametrize("lang", measured("words"))
def test_easy_readers_at_the_console_read_at_most_half_the_words(people, lang):
    usual, easy = people[lang, False, False], people[lang, True, False]
    for screen, text in usual.screens.items():
        print(f"{lang} {screen}: words {words(text)} → {words(easy.screens[screen])}")
    shown = [sum(words(text) for text in p.screens.values()) for p in (usual, easy)]
    print(f"{lang} reading, words: {shown[0]} → {shown[1]} ({shown[1] / shown[0]:.1%})")
    assert shown[1] * 2 <= shown[0], (lang, shown)


@pytest.mark.parametrize("lang", measured("seconds"))
def test_easy_listeners_at_the_console_hear_at_most_60_percent_of_the_seconds(people, lang):
    usual, easy = people[lang, False, True], people[lang, True, True]
    for screen, text in usual.screens.items():
        print(f"{lang} {screen}: seconds {seconds(text)} → {seconds(easy.screens[screen])}")
    said = [sum(seconds(text) for text in p.screens.values()) for p in (usual, easy)]
    print(f"{lang} hearing, seconds: {said[0]} → {said[1]} ({said[1] / said[0]:.1%})")
    assert said[1] <= 0.6 * said[0], (lang, said)
