"""Numbers in the person's own digits (issue 41, point 1): Persian (۰-۹), Arabic-Indic
(٠-٩) and the mixed forms phones produce (Latin and Persian digits in one number, the
Arabic decimal separator "٫", direction marks around a number) are read wherever a person
types a number - a postcode at "find a place", at the main menu and at a request's "where?"
step, a date and time, opening hours, coordinates, an address, an amount, a typed choice
on the console and on Matrix - through one function, ``handlers.parsing.typed``. Ids from
outside (button data, commands) stay ASCII only (tests/handlers/test_odd_numbers.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.transports.numbered_choices import press_for
from db import Database
from handlers.dispatcher import Dispatcher
from handlers.parsing import choice_number, is_typed_number, number, typed
from handlers.places import fields
from handlers.places.gazetteer import load_gazetteer
from locales import TIMEZONE
from tests.support.memory_transport import MemoryTransport, button_data, texts
from tests.support.places_sample import import_sample
from tests.support.terminal import Terminal
from tests.support.town_events import coordinator, town

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
RLM = "\u200f"
# 44137 as people type it: Persian, Arabic-Indic, half Latin half Persian, after a mark.
POSTCODES = ["۴۴۱۳۷", "٤٤١٣٧", "44۱۳7", RLM + "٤٤١٣٧"]

__all__ = ["coordinator", "town"]  # the fixtures (tests/support/town_events.py)


@pytest.fixture
async def sample(db: Database) -> Database:
    return await import_sample(db)


def test_typed_reads_every_script_digits_and_leaves_other_text():
    assert typed("۴۴۱۳۷") == typed("٤٤١٣٧") == typed("44۱۳7") == "44137"
    assert typed(RLM + "۲۴٫۱۲٫ ۱۷:۰۰\u200e") == "24.12. 17:00"
    assert typed("۵۱٫۵۱۳۶، ۷٫۴۶۵۳") == "51.5136, 7.4653"
    assert typed("۱٬۰۰۰") == "1000"
    # Look-alikes are no digits; names stay as they are.
    assert typed("① ²") == "① ²"
    assert typed("هورده") == "هورده"
    # Ids from outside stay ASCII only.
    assert number("۴۲") is None and number("42") == 42


@pytest.mark.parametrize("postcode", POSTCODES)
def test_the_gazetteer_reads_postcodes_in_any_digits(postcode: str):
    area = load_gazetteer("data/dortmund").resolve(postcode, "Dortmund").area
    assert area is not None and (area.kind, area.name) == ("postcode", "44137")


@pytest.mark.parametrize("postcode", POSTCODES)
async def test_find_a_place_by_a_postcode_in_persian_or_arabic_digits(
    chat: MemoryTransport, sample: Database, postcode: str
):
    await chat.onboard("parisa", "fa")
    await chat.press("parisa", "menu:places")
    out = await chat.text("parisa", postcode)
    assert any(d.startswith("pl:d:") for d in button_data(out)), texts(out)


@pytest.mark.parametrize("postcode", ["۴۴۲۶۳", "٤٤٢٦٣", "۴۴26۳"])
async def test_a_postcode_at_the_main_menu_lists_places(
    chat: MemoryTransport, sample: Database, postcode: str
):
    await chat.onboard("parisa", "fa")
    out = await chat.text("parisa", postcode)
    # The places near Hörde, not "ask for help with this?"
    assert any(d.startswith("pl:d:") for d in button_data(out)), texts(out)
    assert not any(d.startswith("hr:") for d in button_data(out))


@pytest.mark.parametrize("postcode", POSTCODES)
async def test_the_requests_where_step_takes_a_postcode_in_any_digits(
    chat: MemoryTransport, db: Database, postcode: str
):
    await chat.onboard("parisa", "fa")
    await chat.press("parisa", "menu:help")
    await chat.press("parisa", "hr:new")
    await chat.press("parisa", "hr:cat:shopping")
    await chat.text("parisa", "برای خرید هفتگی به کمک نیاز دارم")
    out = await chat.text("parisa", postcode)
    # On to "when?" - not the "where?" question again.
    assert "hr:when:asap" in button_data(out), texts(out)


@pytest.mark.parametrize("digits", [PERSIAN, ARABIC])
@pytest.mark.parametrize("separator", ["٫", "."])
async def test_an_events_start_typed_in_persian_or_arabic_digits(
    chat: MemoryTransport,
    db: Database,
    town: dict[str, int],
    coordinator: str,
    digits: dict[int, int],
    separator: str,
):
    await chat.text(coordinator, f"/event_edit {town['fest']}")
    await chat.press(coordinator, "ee:field:start")
    day = (datetime.now(TIMEZONE) + timedelta(days=5)).strftime("%d.%m.%Y")
    # As a phone writes it: own digits, the Arabic decimal separator, a mark before.
    typed_start = RLM + f"{day} 15:00".translate(digits).replace(".", separator)
    await chat.text(coordinator, typed_start)
    event = await db.events.get(town["fest"])
    assert event.starts_local.endswith("T15:00")
    assert event.starts_local.startswith(datetime.strptime(day, "%d.%m.%Y").date().isoformat())


def test_opening_hours_coordinates_and_addresses_in_persian_digits():
    assert fields.opening_hours("Mo-Fr ۱۰:۰۰-۱۶:۰۰") == {"opening_hours": "Mo-Fr 10:00-16:00"}
    assert fields.coordinates("۵۱٫۵۱۳۶، ۷٫۴۶۵۳") == (51.5136, 7.4653)
    assert fields.address("Hauptstraße ۱۲, ٤٤١٣٧") == {
        "street": "Hauptstraße",
        "housenumber": "12",
        "postcode": "44137",
    }


@pytest.mark.parametrize("key", [RLM + "۳", "\u061c٣", "۳\u200e", "\u2068۳\u2069"])
def test_a_typed_choice_on_matrix_in_any_digits(key: str):
    buttons = [("one", "a:1"), ("two", "a:2"), ("three", "a:3")]
    assert is_typed_number(key)
    assert press_for(key, buttons) == "a:3"
    assert choice_number(key, 3) == 3
    assert press_for("①", buttons) is None and not is_typed_number("①")


@pytest.mark.parametrize("typed_number", [RLM + "۲", "\u061c٢", "۲" + RLM])
async def test_a_typed_menu_number_in_the_console(dispatcher: Dispatcher, typed_number: str):
    term = Terminal(dispatcher, dispatcher.db)
    await term.type(":as parisa", "/start")
    second = term.console._buttons["parisa"][1].data
    assert second.startswith("lang:")
    await term.type(typed_number)
    parisa = await dispatcher.db.users.find("console", "parisa")
    assert parisa is not None and parisa.language == second.removeprefix("lang:")


def test_typed_drops_every_direction_mark_the_one_list_names(monkeypatch):
    """The direction marks a typed number loses are text_safety's list (its one owner), not
    a copy in parsing.py: a mark that list names is dropped here too. Fails while parsing.py
    lists them itself (a mark added to the owner would stay in typed numbers)."""
    import importlib

    from handlers import parsing, text_safety

    extra = "\u2028"  # not a direction mark: stands in for one the owner might add
    monkeypatch.setattr(text_safety, "BIDI_MARKS", text_safety.BIDI_MARKS | {extra})
    try:
        reloaded = importlib.reload(parsing)
        for mark in text_safety.BIDI_CONTROLS | text_safety.BIDI_MARKS:
            assert reloaded.typed(f"{mark}٤٤١٣٧{mark}") == "44137", hex(ord(mark))
    finally:
        monkeypatch.undo()
        importlib.reload(parsing)
