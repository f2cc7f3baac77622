"""Hostile and broken input, generated: every conversation state gets random text (any
Unicode, bidi overrides, zero-width characters, 10,000+ characters, HTML, Markdown, SQL),
random or replayed button data, odd commands, locations and media. No handler may fail,
every private message gets an answer, and the database invariants hold afterwards.
"""

from __future__ import annotations

import asyncio
import logging
import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli.checks import database_checks
from db import Database
from db.events import Event
from db.places import Place
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import (
    ButtonPress,
    Command,
    Incoming,
    Location,
    Media,
    Message,
    Sender,
    Text,
)
from handlers.settings import HandlerSettings

NASTY = [
    "\u202e",
    "\u202d",
    "\u2066",
    "\u2069",
    "\u200b",
    "\u200d",
    "\ufeff",
    "<b>",
    "</i>",
    "<script>alert(1)</script>",
    "&amp;",
    "*bold*",
    "_x_",
    "`code`",
    "[a](http://x)",
    "'; DROP TABLE users; --",
    '" OR 1=1',
    "%s",
    "{n}",
    "{0}",
    "\x00",
    "\n\n",
    "🙂",
    "ﷺ",
    "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇",
    "44137",
    "Hörde",
    "51.5,7.4",
]

texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(NASTY), min_size=1, max_size=8).map("".join),
    st.builds(
        lambda s, n: s * n,
        st.sampled_from(["a", "ß", "👍", "<"]),
        st.integers(min_value=4000, max_value=12000),
    ),
)
PREFIXES = [
    "lang",
    "consent",
    "menu",
    "settings",
    "delete",
    "pl",
    "pe",
    "hr",
    "mod",
    "vo",
    "mt",
    "rl",
    "ev",
    "ee",
    "",
    "x",
]
button_data = st.builds(
    lambda p, rest: f"{p}:{rest}"[:64] or "x", st.sampled_from(PREFIXES), st.text(max_size=40)
)
commands = st.builds(
    Command,
    st.sampled_from(
        [
            "start",
            "help",
            "language",
            "menu",
            "places",
            "request",
            "myrequests",
            "volunteer",
            "events",
            "mydata",
            "delete",
            "privacy",
            "settings",
            "pending",
            "ban",
            "verify",
            "stats",
            "enter",
            "event_new",
            "event_edit",
            "event_cancel",
            "place_new",
            "publish",
            "reject",
            "nonsense",
            "START",
            "x" * 40,
        ]
    ),
    texts.map(lambda s: s[:300]),
)
actions = st.lists(
    st.one_of(
        texts.map(Text),
        button_data.map(ButtonPress),
        commands,
        # Press one of the buttons the bot showed this person last: goes deep into the flows.
        st.just("replay"),
        st.just("replay"),
        st.just("replay"),
        st.just("replay"),
        st.builds(Location, st.floats(51.42, 51.59), st.floats(7.31, 7.63)),
        st.builds(
            Media,
            st.sampled_from(["voice", "audio", "photo", "video", "document", "sticker", "other"]),
            st.text(max_size=20),
        ),
    ),
    min_size=1,
    max_size=40,
)


class FailedHandlers(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.failures: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "handlers.dispatcher" and record.levelno >= logging.ERROR:
            self.failures.append(self.format(record))


async def _town(db: Database) -> None:
    place_id = await db.places.upsert(
        Place(
            source="t",
            source_id="1",
            name="Treff",
            category="library",
            lat=51.52,
            lon=7.45,
            stadtbezirk="Innenstadt-Nord",
        ),
        "test",
    )
    await db.events.upsert(
        Event(
            uid="e",
            title="Café",
            starts_local="2030-01-08T17:00",
            rrule="FREQ=WEEKLY",
            place_id=place_id,
            stadtbezirk="Innenstadt-Nord",
        )
    )


async def _play(steps, roles: list[str], seed: int) -> None:
    failed = FailedHandlers()
    logging.getLogger("handlers.dispatcher").addHandler(failed)
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "h.sqlite3")
        try:
            await _town(db)
            settings = HandlerSettings(
                backchannels=frozenset({("telegram", "-100")}), max_messages_per_minute=10_000
            )
            dispatcher = Dispatcher(db, build_router(), settings)
            rng = random.Random(seed)
            shown: dict[str, list[str]] = {}
            languages = ["de", "en", "ar", "tr", "uk", "ru", "ro", "bg", "pl", "fa"]
            for number, role in enumerate(roles):
                # Three people past onboarding, so that the steps reach every feature.
                person = await db.users.seen("telegram", f"u{number}", f"u{number}", "U")
                await db.users.set_language(person.id, rng.choice(languages))
                await db.users.record_consent(person.id)
                if role != "resident":
                    await db.users.grant_role(person.id, role)
                if role == "volunteer":
                    await db.volunteers.save(
                        person.id, categories=("shopping",), stadtbezirke=("Innenstadt-Nord",)
                    )
            for index, step in enumerate(steps):
                user = f"u{rng.choice([0, 0, 0, 1, 2])}"
                if step == "replay":
                    if not shown.get(user):
                        continue
                    step = ButtonPress(rng.choice(shown[user]))
                in_group = isinstance(step, ButtonPress) and rng.random() < 0.1
                incoming = Incoming(
                    Sender("telegram", user, "U", rng.choice([None, "ar", "x"])),
                    "-100" if in_group else user,
                    step,
                    update_id=f"{seed}-{index}",
                    is_private=not in_group,
                )
                out = await dispatcher.handle(incoming)
                if not in_group:
                    assert out, f"no answer to {step!r}"
                for item in out:
                    if isinstance(item, Message):
                        assert "went wrong" not in str(item.text)
                        buttons = [b.data for row in item.buttons for b in row]
                        if buttons and not in_group:
                            shown[user] = buttons
            problems = [
                (name, detail)
                async for name, verdict, detail in database_checks(db)
                if verdict != "ok"
            ]
            assert not problems, problems
            assert not failed.failures, failed.failures[0][:2000]
        finally:
            await db.close()
            logging.getLogger("handlers.dispatcher").removeHandler(failed)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    steps=actions,
    roles=st.lists(
        st.sampled_from(["resident", "volunteer", "coordinator", "admin"]), min_size=3, max_size=3
    ),
    seed=st.integers(0, 2**32),
)
def test_no_input_breaks_the_bot(steps, roles, seed):
    asyncio.run(_play(steps, roles, seed))
