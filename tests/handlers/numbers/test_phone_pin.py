"""A PIN for the phone line (handlers/numbers/phone_pin.py, db/phone_pins.py): which key means what
while it is chosen or typed, the digits anyone would try first refused, the slow salted
hash, the wrong tries of a day kept in the database (three: not asked that day), and the
personal-data map: the export says only that a PIN is set, erasure and a coordinator's
clearing remove it, retention forgets old wrong tries."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from db import Database
from db.data_rights import Limits
from db.personal_data import MAP
from db.phone_pins import MOST_WRONG
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import ButtonPress, Command
from handlers.numbers.phone_pin import (
    ASK,
    CHOOSE_PIN,
    PinEntry,
    PinStep,
    entry,
    hashed,
    matches,
    message,
    too_easy,
)
from handlers.privacy import export_file
from handlers.settings import HandlerSettings
from locales import translator
from tests.support.memory_transport import MemoryTransport, messages

NUMBER = "+492319876543"


def _typed(pin: PinEntry, keys: str) -> list[PinStep]:
    return [step for key in keys if (step := pin.key(key)) is not None]


def test_a_new_pin_is_typed_twice_and_the_digits_are_in_no_repr():
    pin, first = entry("choose", ButtonPress("menu:settings"))
    assert first == PinStep("choose")
    assert _typed(pin, "2580") == [PinStep("again")]
    [chosen] = _typed(pin, "2580")
    assert chosen.step == "chosen" and chosen.pin == "2580"
    assert "2580" not in repr(chosen) and "2580" not in repr(pin)


def test_two_typings_that_differ_start_again_and_easy_digits_are_refused():
    pin, _ = entry("choose", ButtonPress("menu:settings"))
    assert _typed(pin, "2580") == [PinStep("again")]
    assert _typed(pin, "2581") == [PinStep("mismatch")]
    assert pin.mode == "choose"
    for easy in ("0000", "1234", "9876", "7777", "3456"):
        assert _typed(pin, easy) == [PinStep("easy")], easy
    assert not too_easy("2580") and not too_easy("1357") and not too_easy("8901")


def test_star_types_again_hash_leaves_and_the_offer_takes_1_only():
    pin, _ = entry("ask", Command("start"))
    assert _typed(pin, "25*") == [PinStep("ask")]
    [typed] = _typed(pin, "2580")
    assert typed.step == "typed" and typed.pin == "2580"
    assert _typed(pin, "2#") == [PinStep("done")]
    offered, first = entry("offer", ButtonPress("hr:mine"))
    assert first == PinStep("offer")
    assert _typed(offered, "2") == [PinStep("done")]
    offered, _ = entry("offer", ButtonPress("hr:mine"))
    assert _typed(offered, "1") == [PinStep("choose")] and offered.mode == "choose"


def test_the_hash_is_salted_and_slow_and_says_nothing_of_the_digits():
    one, two = hashed("2580"), hashed("2580")
    assert one != two and "2580" not in one
    assert one.startswith("scrypt$16384$8$1$")
    assert matches("2580", one) and matches("2580", two)
    assert not matches("2581", one) and not matches("2580", "") and not matches("2580", "x$y")


def test_the_pin_is_asked_in_the_callers_words():
    t = translator("de")
    assert str(message("ask", t).text) == t._(ASK)


@pytest.mark.both_backends
async def test_three_wrong_tries_lock_the_day_and_the_next_day_asks_again(db: Database):
    person = await db.users.seen("phone", NUMBER, NUMBER)
    assert await db.phone_pins.get(person.id) is None
    await db.phone_pins.set(person.id, hashed("2580"))
    for tries in range(1, MOST_WRONG + 1):
        assert not (await db.phone_pins.get(person.id)).locked("2026-11-25")
        assert await db.phone_pins.wrong_try(person.id, "2026-11-25") == tries
    pin = await db.phone_pins.get(person.id)
    assert pin.locked("2026-11-25") and not pin.locked("2026-11-26")
    assert await db.phone_pins.wrong_try(person.id, "2026-11-26") == 1
    await db.phone_pins.right(person.id, "2026-11-26")  # that try was right after all
    assert (await db.phone_pins.get(person.id)).wrong == 0
    # A new PIN forgets the wrong tries; clearing removes it.
    await db.phone_pins.set(person.id, hashed("2580"))
    assert (await db.phone_pins.get(person.id)).wrong == 0
    assert await db.phone_pins.clear(person.id)
    assert not await db.phone_pins.clear(person.id)
    assert await db.phone_pins.wrong_try(person.id, "2026-11-26") == 0


@pytest.mark.both_backends
async def test_the_export_says_a_pin_is_set_never_its_hash_and_erasure_removes_it(db: Database):
    person = await db.users.seen("phone", NUMBER, NUMBER)
    stored = hashed("2580")
    await db.phone_pins.set(person.id, stored)
    await db.phone_pins.wrong_try(person.id, "2026-11-25")
    sections, content = await export_file(db, person)
    [row] = sections["phone_pin"]
    assert row["pin"] == "set" and "pin_hash" not in row
    text = content.decode()
    assert stored not in text and stored.split("$")[-1] not in text
    assert json.loads(text)["sections"]["phone_pin"][0]["pin"] == "set"
    # Retention forgets wrong tries of earlier days, not the PIN.
    [step] = [r for table in MAP if table.name == "phone_pins" for r in table.retention]
    later = datetime(2026, 11, 27, 12, tzinfo=UTC)
    assert await db.data_rights.retain(step, Limits(), later) == 1
    pin = await db.phone_pins.get(person.id)
    assert pin is not None and pin.wrong == 0 and pin.wrong_day == ""

    async def nothing_running() -> None:
        return None

    async with db.transaction():
        await db.data_rights.erase(person, nothing_running)
    assert await db.phone_pins.get(person.id) is None


@pytest.mark.parametrize("platform", ["phone", "memory"])
async def test_the_settings_offer_a_pin_in_calls_only(
    db: Database, settings: HandlerSettings, platform: str
):
    """On the phone (the in-memory chat as the platform ``phone``) the settings have the
    PIN's button, which only a call's keys press; a chat has none."""
    chat = MemoryTransport(Dispatcher(db, build_router(), settings), platform=platform)
    await chat.onboard("erna", "de")
    person = await db.users.find(platform, "erna")
    [answer] = messages(await chat.press("erna", "menu:settings"))
    data = [button.data for row in answer.buttons for button in row]
    assert (CHOOSE_PIN in data) == (platform == "phone")
    if platform == "phone":
        await db.phone_pins.set(person.id, hashed("2580"))
        [answer] = messages(await chat.press("erna", "menu:settings"))
        assert translator("de")._("🔢 Your calls have a PIN.") in str(answer.text)
        # Pressed anywhere but by a call's keys, it changes nothing.
        await chat.press("erna", CHOOSE_PIN)
        assert matches("2580", (await db.phone_pins.get(person.id)).pin_hash)
