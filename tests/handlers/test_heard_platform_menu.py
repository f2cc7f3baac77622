"""A person on a platform that says every message (the phone line: its medium is
``Medium.SPOKEN``) through the menu by digits alone, as the phone transport presses the
newest message's numbered choices: the reader hears everything (handlers/reader.py), so the
places near a typed postcode and this week's events come three at a time with "more", as
for listeners, with nothing added to be read aloud (the platform says it all); the data
rights' erasure is reached and confirmed by digits. The in-memory chat with the platform
"phone" stands for the transport."""

from __future__ import annotations

import pytest

from bot.transports.numbered_choices import numbered
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.events.ical import import_events
from handlers.messages import Outgoing, Speech, Voice
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from handlers.settings import HandlerSettings
from tests.support.cli import ROOT
from tests.support.memory_transport import MemoryTransport, button_data, messages, texts

SAMPLE_PLACES = ROOT / "data" / "dortmund" / "places-sample.csv"
SAMPLE_EVENTS = ROOT / "data" / "dortmund" / "events-sample.ics"
CALLER = "+4923155501"


class Keypad:
    """A caller's keys: a digit presses that choice of the newest message."""

    def __init__(self, chat: MemoryTransport) -> None:
        self.chat = chat
        self.out: list[Outgoing] = []

    def choices(self) -> list[str]:
        return [data for _, data in numbered(messages(self.out)[-1].buttons)]

    def number_of(self, data: str) -> int:
        """The digit that presses ``data`` (a single key: the choices are few)."""
        number = self.choices().index(data) + 1
        assert number <= 9, self.choices()
        return number

    async def key(self, digit: int) -> list[Outgoing]:
        self.out = await self.chat.press(CALLER, self.choices()[digit - 1])
        return self.out

    async def choose(self, data: str) -> list[Outgoing]:
        return await self.key(self.number_of(data))

    async def type(self, digits: str) -> list[Outgoing]:
        self.out = await self.chat.text(CALLER, digits)
        return self.out

    async def call(self, lang: str = "de", *, agree: bool = True) -> None:
        """/start and the language, each by its digit: the main menu (handlers/first_kept.py);
        ``agree``: then a step that keeps something (the settings), its notice agreed to by
        digit, and the main menu again."""
        self.out = await self.chat.text(CALLER, "/start")
        await self.choose(f"lang:{lang}")
        if agree:
            await self.choose("menu:settings")
            await self.choose("consent:yes")
            self.out = await self.chat.press(CALLER, "menu:main")


@pytest.fixture
def keypad(db: Database, settings: HandlerSettings) -> Keypad:
    return Keypad(MemoryTransport(Dispatcher(db, build_router(), settings), platform="phone"))


@pytest.fixture
async def sample(db: Database) -> Database:
    gazetteer = load_gazetteer("data/dortmund")
    places = await import_places(db, SAMPLE_PLACES, gazetteer, default_source="sample")
    events = await import_events(db, SAMPLE_EVENTS, gazetteer=gazetteer)
    assert not places.rejected and not events.rejected
    return db


def nothing_to_read_aloud(out: list[Outgoing]) -> bool:
    return not [item for item in out if isinstance(item, Speech | Voice)] and not any(
        data.startswith("ra:") for data in button_data(out)
    )


async def test_places_near_a_typed_postcode_three_at_a_time(keypad: Keypad, sample: Database):
    await keypad.call(agree=False)  # places keep nothing: no notice before them
    await keypad.choose("menu:places")
    out = await keypad.type("44137")
    places = [data for data in button_data(out) if data.startswith("pl:d:")]
    assert len(places) == 3
    # One line a place: open or closed now.
    lines = [line for line in texts(out).splitlines() if "📏" in line]
    assert len(lines) == 3 and all(sum(m in line for m in "🟢🔴🕓") == 1 for line in lines)
    assert nothing_to_read_aloud(out)
    [more] = [data for data in button_data(out) if data.startswith("pl:n:")]
    following = await keypad.choose(more)
    after = [data for data in button_data(following) if data.startswith("pl:d:")]
    assert len(after) == 3 and not set(after) & set(places)


async def test_this_weeks_events_three_at_a_time(keypad: Keypad, sample: Database):
    await keypad.call()
    out = await keypad.choose("menu:events")
    if "ev:week" in keypad.choices():
        out = await keypad.choose("ev:week")
    events = [data for data in button_data(out) if data.startswith("ev:d:")]
    assert len(events) == 3
    assert any(data.startswith("ev:n:") for data in button_data(out))
    assert nothing_to_read_aloud(out)
    shown = await keypad.choose(events[0])
    assert messages(shown)


async def test_erasure_reached_and_confirmed_by_digits(keypad: Keypad, db: Database):
    await keypad.call()
    assert await db.users.find("phone", CALLER) is not None
    await keypad.choose("menu:settings")
    out = await keypad.choose("settings:delete")
    assert "delete:yes" in keypad.choices() and "delete:no" in keypad.choices()
    out = await keypad.choose("delete:yes")
    assert "✅" in texts(out)
    assert await db.users.find("phone", CALLER) is None


async def test_my_requests_state_with_the_helper_and_code_word_by_digits(
    keypad: Keypad, db: Database
):
    from tests.support.help_story import matched_through_lifecycle, register_volunteer

    await keypad.call()
    caller = await db.users.find("phone", CALLER)
    assert caller is not None
    chat = MemoryTransport(keypad.chat.dispatcher)  # a volunteer and a coordinator in chats
    vera = await register_volunteer(chat, db, "vera")
    await db.volunteers.verify(vera, vera)
    await chat.onboard("cora", "de")
    cora = (await db.users.find("memory", "cora")).id  # type: ignore[union-attr]
    await db.users.grant_role(cora, "coordinator")
    settings = keypad.chat.dispatcher.settings
    request_id = await matched_through_lifecycle(db, settings, caller.id, vera, cora)
    matched = await db.requests.get(request_id)
    assert matched is not None and matched.door_code
    keypad.out = await keypad.chat.text(CALLER, "/menu")
    await keypad.choose("menu:help")
    out = await keypad.choose("hr:mine")
    assert matched.door_code in texts(out)  # the code word
    # Who comes: their name in the choice to write to them, said with its digit.
    labels = [label for label, _ in numbered(messages(out)[-1].buttons)]
    assert any("Vera" in label for label in labels)
    assert keypad.number_of(f"rl:to:{request_id}") <= 9
