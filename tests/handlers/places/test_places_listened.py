"""The places near someone for a listener (read aloud, issue 41 point 5): three places at a
time, one line each, a button for each place's details and "➕ More" with its offset; the
voice message says far fewer words than the whole page a reader gets, which stays as it
was. A "more" of another list, or a forged one, is stale and changes nothing."""

from __future__ import annotations

import pytest

from db import Database
from handlers.messages import Outgoing, Speech
from handlers.read_aloud import spoken
from handlers.settings import HandlerSettings
from tests.support.listening import listening_chat, said, word_count
from tests.support.memory_transport import MemoryTransport, button_data, messages, texts
from tests.support.places_sample import import_sample


@pytest.fixture
def chat(db: Database, settings: HandlerSettings) -> MemoryTransport:
    return listening_chat(db, settings)


@pytest.fixture
async def sample(db: Database) -> Database:
    return await import_sample(db)


def details(out: list[Outgoing]) -> list[str]:
    return [data for data in button_data(out) if data.startswith("pl:d:")]


def more(out: list[Outgoing]) -> str:
    [data] = [data for data in button_data(out) if data.startswith("pl:n:")]
    return data


async def listener(chat: MemoryTransport, who: str, lang: str, mode: str = "ra:on") -> None:
    await chat.onboard(who, lang)
    await chat.press(who, mode)
    await chat.press(who, "menu:places")


async def reader_pages(chat: MemoryTransport, lang: str) -> tuple[list[Outgoing], list[str]]:
    """A reader's first page near Hörde and the places of their first two pages."""
    await chat.onboard("rita", lang)
    await chat.press("rita", "menu:places")
    first = await chat.text("rita", "Hörde")
    second = await chat.press("rita", "pl:more")
    return first, details(first) + details(second)


@pytest.mark.parametrize(("lang", "on"), [("de", "▶️"), ("fa", "◀️"), ("ar", "◀️")])
async def test_a_listener_hears_three_places_and_more(
    chat: MemoryTransport, sample: Database, lang: str, on: str
):
    read, places = await reader_pages(chat, lang)
    # People who read keep their page: five places, ◀️/▶️ paging, nothing said.
    assert len(details(read)) == 5 and "pl:more" in button_data(read)
    assert not any(data.startswith("pl:n:") for data in button_data(read))
    assert not [item for item in read if isinstance(item, Speech)]

    await listener(chat, "lena", lang)
    out = await chat.text("lena", "Hörde")
    [shown] = messages(out)
    assert details(out) == places[:3]  # the nearest three, the reader's first three
    assert "pl:more" not in button_data(out)
    # One line a place: name, distance, open or closed now.
    lines = [line for line in texts(out).splitlines() if "📏" in line]
    assert len(lines) == 3
    assert all(sum(mark in line for mark in "🟢🔴🕓") == 1 for line in lines)
    labels = {b.data: b.label for row in shown.buttons for b in row}
    assert labels[more(out)].startswith("➕ ") and labels[more(out)].endswith(on)
    # The places' buttons in one row, by their numbers: "first button: one".
    assert [b.data for b in shown.buttons[0]] == places[:3]
    assert all(labels[data].startswith("👉 ") for data in places[:3])

    speech = said(out)
    assert speech.text == shown.text
    full = spoken(messages(read)[0], lang)
    assert full is not None
    words = word_count(full)
    assert word_count(speech) * 2 <= words  # at most half the words

    # "More": the next three, in a message of their own; the same button, the same three.
    following = await chat.press("lena", more(out))
    assert details(following) == places[3:6]
    assert not messages(following)[0].edit
    assert word_count(said(following)) * 2 <= words
    again = await chat.press("lena", more(out))
    assert details(again) == places[3:6]


async def test_on_a_tap_the_list_is_short_too(chat: MemoryTransport, sample: Database):
    await listener(chat, "tami", "en", "ra:tap")
    out = await chat.text("tami", "44137")
    assert len(details(out)) == 3 and more(out)
    assert any(data.startswith("ra:say:") for data in button_data(out))


async def test_details_on_request_and_back_to_the_three(chat: MemoryTransport, sample: Database):
    await listener(chat, "lena", "en")
    first = await chat.text("lena", "Hörde")
    out = await chat.press("lena", more(first))
    fourth = details(out)[0]
    shown = await chat.press("lena", fourth)
    assert "🏠" in texts(shown) and "pl:list" in button_data(shown)  # the whole details
    back = await chat.press("lena", "pl:list")
    assert details(back) == details(out)


async def test_stale_and_forged_more_change_nothing(
    chat: MemoryTransport, sample: Database, db: Database
):
    await listener(chat, "lena", "en")
    first = await chat.text("lena", "Hörde")
    button = more(first)
    key = button.split(":")[2]
    person = await db.users.find("memory", "lena")
    assert person is not None
    before = await db.users.get_state(person.id)
    for forged in (
        f"pl:n:{key}:4",  # not where a three starts
        f"pl:n:{key}:0",
        f"pl:n:{key}:-3",
        f"pl:n:{key}:٣",
        f"pl:n:{key}:999",  # past the end
        f"pl:n:{key}",
        "pl:n:0123abcd:3",  # another list's key
        "pl:n",
    ):
        out = await chat.press("lena", forged)
        assert "no longer valid" in str(out), forged
        assert not details(out)
        assert await db.users.get_state(person.id) == before
    # Another search: the first list's "more" is stale, the new list stays.
    eving = await chat.text("lena", "Eving")
    now = await db.users.get_state(person.id)
    assert "no longer valid" in str(await chat.press("lena", button))
    assert await db.users.get_state(person.id) == now
    # Other filters make another list as well.
    await chat.press("lena", "pl:filters")
    await chat.press("lena", "pl:ml")
    filtered = await db.users.get_state(person.id)
    assert "no longer valid" in str(await chat.press("lena", more(eving)))
    assert await db.users.get_state(person.id) == filtered
    # The list's own "more" still works.
    assert details(await chat.press("lena", more(await chat.press("lena", "pl:list"))))
