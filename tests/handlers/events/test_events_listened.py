"""This week's events for a listener (read aloud, issue 41 point 5): three events at a
time, one line each (title, day and time), a button for each event's details and "➕ More"
with a cursor: the next three after the last one heard, even when an event before it is
cancelled meanwhile. The voice message says far fewer words than the whole page a reader
gets, which stays as it was; a "more" of another list, or a forged one, is stale and
changes nothing."""

from __future__ import annotations

import pytest

from db import Database
from handlers.events.ical import import_events
from handlers.messages import Outgoing, Speech
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from handlers.read_aloud import spoken
from handlers.settings import HandlerSettings
from tests.support.cli import ROOT
from tests.support.listening import listening_chat, said, word_count
from tests.support.memory_transport import MemoryTransport, button_data, messages, texts

SAMPLE_PLACES = ROOT / "data" / "dortmund" / "places-sample.csv"
SAMPLE_EVENTS = ROOT / "data" / "dortmund" / "events-sample.ics"


@pytest.fixture
def chat(db: Database, settings: HandlerSettings) -> MemoryTransport:
    return listening_chat(db, settings)


@pytest.fixture
async def sample(db: Database) -> Database:
    """``make demo``'s events: eight of the twelve come every week."""
    gazetteer = load_gazetteer("data/dortmund")
    places = await import_places(db, SAMPLE_PLACES, gazetteer, default_source="sample")
    events = await import_events(db, SAMPLE_EVENTS, gazetteer=gazetteer)
    assert not places.rejected and not events.rejected
    return db


def details(out: list[Outgoing]) -> list[str]:
    return [data for data in button_data(out) if data.startswith("ev:d:")]


def more(out: list[Outgoing]) -> str:
    [data] = [data for data in button_data(out) if data.startswith("ev:n:")]
    return data


async def listener(chat: MemoryTransport, who: str, lang: str, mode: str = "ra:on") -> None:
    await chat.onboard(who, lang)
    await chat.press(who, mode)


async def reader_week(chat: MemoryTransport, lang: str) -> tuple[list[Outgoing], list[str]]:
    """A reader's first page of this week and the events of their first two pages."""
    await chat.onboard("rita", lang)
    first = await chat.press("rita", "ev:week")
    second = await chat.press("rita", "ev:more")
    return first, details(first) + details(second)


@pytest.mark.parametrize(("lang", "on"), [("de", "▶️"), ("ar", "◀️"), ("fa", "◀️")])
async def test_a_listener_hears_three_events_and_more(
    chat: MemoryTransport, sample: Database, lang: str, on: str
):
    read, week = await reader_week(chat, lang)
    # People who read keep their page: six events, ◀️/▶️ paging, tags, nothing said.
    assert len(details(read)) == 6 and "ev:more" in button_data(read)
    assert any(data.startswith("ev:cat:") for data in button_data(read))
    assert not any(data.startswith("ev:n:") for data in button_data(read))
    assert not [item for item in read if isinstance(item, Speech)]

    await listener(chat, "lena", lang)
    out = await chat.press("lena", "ev:week")
    [shown] = messages(out)
    assert details(out) == week[:3]  # the soonest three, the reader's first three
    assert "ev:more" not in button_data(out)
    # One line an event: its title with day and time.
    lines = [line for line in texts(out).splitlines() if "🗓" in line]
    assert len(lines) == 3 and all("(Beispiel)" in line for line in lines)
    labels = {b.data: b.label for row in shown.buttons for b in row}
    assert labels[more(out)].startswith("➕ ") and labels[more(out)].endswith(on)
    assert [b.data for b in shown.buttons[0]] == week[:3]  # one row, numbered

    speech = said(out)
    assert speech.text == shown.text
    full = spoken(messages(read)[0], lang)
    assert full is not None
    words = word_count(full)
    assert word_count(speech) * 2 <= words  # at most half the words

    following = await chat.press("lena", more(out))
    assert details(following) == week[3:6]
    assert word_count(said(following)) * 2 <= words
    # The details of one, on request.
    opened = await chat.press("lena", week[4])
    assert "ev:list" in button_data(opened) and "ev:rm:" in " ".join(button_data(opened))
    back = await chat.press("lena", "ev:list")
    assert details(back) == week[3:6]


async def test_more_goes_on_after_the_last_one_heard(
    chat: MemoryTransport, sample: Database, db: Database
):
    _read, week = await reader_week(chat, "en")
    await listener(chat, "lena", "en")
    out = await chat.press("lena", "ev:week")
    # The first event is cancelled while she listens: an offset would now skip one.
    cancelled = int(week[0].split(":")[2])
    await db.events.set_status(cancelled, "cancelled")
    following = await chat.press("lena", more(out))
    later = [data for data in week[3:] if int(data.split(":")[2]) != cancelled]
    assert details(following) == later[:3]
    assert details(await chat.press("lena", more(out))) == later[:3]


async def test_on_a_tap_the_list_is_short_too(chat: MemoryTransport, sample: Database):
    await listener(chat, "tami", "de", "ra:tap")
    out = await chat.press("tami", "ev:week")
    assert len(details(out)) == 3 and more(out)
    assert any(data.startswith("ra:say:") for data in button_data(out))


async def test_stale_and_forged_more_change_nothing(
    chat: MemoryTransport, sample: Database, db: Database
):
    await listener(chat, "lena", "en")
    first = await chat.press("lena", "ev:week")
    button = more(first)
    _ev, _n, key, occurrence, event_id = button.split(":")
    person = await db.users.find("memory", "lena")
    assert person is not None
    before = await db.users.get_state(person.id)
    for forged in (
        f"ev:n:{key}:299901011200:{event_id}",  # nothing after it
        f"ev:n:{key}:202513011200:{event_id}",  # no such month
        f"ev:n:{key}:{occurrence}:0",
        f"ev:n:{key}:{occurrence}:x",
        f"ev:n:{key}:{occurrence[:8]}:{event_id}",
        f"ev:n:{key}:{occurrence}",
        f"ev:n:{key}",
        f"ev:n:0123abcd:{occurrence}:{event_id}",  # another list's key
        "ev:n",
    ):
        out = await chat.press("lena", forged)
        assert "no longer valid" in str(out), forged
        assert not details(out)
        assert await db.users.get_state(person.id) == before
    # With the wheelchair filter it is another list: the first one's "more" is stale.
    await chat.press("lena", "ev:wc")
    filtered = await db.users.get_state(person.id)
    assert "no longer valid" in str(await chat.press("lena", button))
    assert await db.users.get_state(person.id) == filtered
    # Out of the list (the main menu), no "more" means anything.
    await chat.press("lena", "ev:wc")
    await chat.press("lena", "menu:main")
    assert "no longer valid" in str(await chat.press("lena", button))
