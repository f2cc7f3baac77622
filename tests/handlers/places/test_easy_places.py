"""A place for an easy reader (issue 43): its name, how far, open or closed now and one
line of how to get in (street and steps), with "ℹ️ All details" (``pl:i:<id>``) for the
rest; a reader not in easy mode keeps the whole details at once. In German and Arabic,
through the memory chat, with the sample places at a fixed Wednesday 11:30."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from db import Database
from handlers.messages import Outgoing, Venue
from handlers.places import chat as places_chat
from locales import translator
from tests.support.memory_transport import MemoryTransport, button_data, messages, readable
from tests.support.places_sample import import_sample

# Wednesday, 11:30 in Dortmund: the library (Tu-Fr 10:00-19:00) is open.
WEDNESDAY_NOON = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
LIBRARY = "Stadt- und Landesbibliothek Dortmund"
WEBSITE = "https://www.dortmund.de/themen/bildung/stadt-und-landesbibliothek/"
# The easy texts (de, ar): open now, how to get in, the button to the details.
EASY = {
    "de": {
        "open": "🟢 Jetzt offen. Bis 19:00 Uhr.",
        "access": "🚪 Max-von-der-Grün-Platz 1-3 · ♿ ohne Stufen",
        "button": "ℹ️ Details",
    },
    "ar": {
        "open": "🟢 مفتوح الآن. حتى الساعة 19:00.",
        "access": "🚪 Max-von-der-Grün-Platz 1-3 · ♿ بدون درجات",
        "button": "ℹ️ التفاصيل",
    },
}


@pytest.fixture(autouse=True)
def wednesday(monkeypatch: pytest.MonkeyPatch) -> None:
    # Open or closed at one moment of the week, not at whatever hour the tests run.
    monkeypatch.setattr(places_chat, "_now", lambda: WEDNESDAY_NOON)


@pytest.fixture
async def library(db: Database) -> int:
    await import_sample(db)
    [(place_id, _name)] = await db.places.names_like(["Landesbibliothek"])
    return place_id


def text_of(out: list[Outgoing]) -> str:
    """The answer's text (after a deep link, the last message: the greeting comes first)."""
    return readable(str(messages(out)[-1].text))


def labels(out: list[Outgoing]) -> dict[str, str]:
    return {
        b.data or "": readable(b.label) for m in messages(out) for row in m.buttons for b in row
    }


async def near_the_library(chat: MemoryTransport, who: str, lang: str, easy: bool) -> None:
    await chat.onboard(who, lang)
    if easy:
        await chat.press(who, "easy:on")
    await chat.press(who, "menu:places")
    await chat.text(who, "44137")


@pytest.mark.parametrize("lang", ["de", "ar"])
async def test_an_easy_reader_gets_the_place_short_and_the_rest_on_a_tap(
    chat: MemoryTransport, db: Database, library: int, lang: str
):
    # A reader not in easy mode keeps the whole details at once, as before.
    await near_the_library(chat, "rita", lang, easy=False)
    out = await chat.press("rita", f"pl:d:{library}")
    text = text_of(out)
    assert WEBSITE in text and "\n🗣 " in text and "🏠 Max-von-der-Grün-Platz 1-3" in text
    assert "🚪" not in text
    assert not any(data.startswith("pl:i:") for data in button_data(out))
    assert f"pl:week:{library}" in button_data(out)

    await near_the_library(chat, "lena", lang, easy=True)
    person = await db.users.find("memory", "lena")
    state = await db.users.get_state(person.id)
    out = await chat.press("lena", f"pl:d:{library}")
    text = text_of(out)
    lines = text.split("\n")
    # Name, how far, open or closed now, how to get in: four lines, nothing else.
    assert lines[0] == f"<b>{LIBRARY}</b>"
    assert lines[1].startswith("📏 ")
    assert lines[2] == EASY[lang]["open"]
    assert lines[3] == EASY[lang]["access"]
    assert len(lines) == 4
    assert WEBSITE not in text and "🗣" not in text and "🏢" not in text
    # The pin of the place comes with it, as with the details.
    assert any(isinstance(item, Venue) for item in out)
    buttons = labels(out)
    assert buttons[f"pl:i:{library}"] == EASY[lang]["button"]
    assert "pl:list" in buttons and f"pl:week:{library}" not in buttons
    assert await db.users.get_state(person.id) == state

    # The button shows the rest: the whole details, the week, back to the list; no pin again.
    more = await chat.press("lena", f"pl:i:{library}")
    details = text_of(more)
    assert WEBSITE in details and "\n🗣 " in details
    assert not any(isinstance(item, Venue) for item in more)
    assert {f"pl:week:{library}", "pl:list", "menu:main"} <= set(button_data(more))
    assert f"pl:i:{library}" not in button_data(more)
    assert await db.users.get_state(person.id) == state


async def test_the_deep_link_gives_an_easy_reader_the_short_place(
    chat: MemoryTransport, library: int
):
    await chat.onboard("lena", "de")
    await chat.press("lena", "easy:on")
    out = await chat.text("lena", f"/start place_{library}")
    text = text_of(out)
    # No list searched from: no distance, no "back to the list".
    assert text.split("\n") == [f"<b>{LIBRARY}</b>", EASY["de"]["open"], EASY["de"]["access"]]
    assert "pl:list" not in button_data(out)
    assert f"pl:i:{library}" in button_data(out)


async def test_a_stale_or_forged_details_button_changes_nothing(
    chat: MemoryTransport, db: Database, library: int
):
    await near_the_library(chat, "lena", "de", easy=True)
    person = await db.users.find("memory", "lena")
    state = await db.users.get_state(person.id)
    gone = await chat.press("lena", "pl:i:999999")
    assert "gibt es nicht mehr" in text_of(gone)
    for forged in ("pl:i:abc", "pl:i:", "pl:i:-1", f"pl:i:{library}x"):
        out = await chat.press("lena", forged)
        stale = translator("de", easy=True).t("This button is no longer valid.")
        assert stale in str(out) and WEBSITE not in str(out), forged
        assert await db.users.get_state(person.id) == state, forged
    assert await db.users.get_state(person.id) == state
