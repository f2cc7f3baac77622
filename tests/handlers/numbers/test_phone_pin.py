"""A PIN for the phone line (handlers/numbers/phone_pin.py, db/phone_pins.py), a conversation
through the dispatcher: chosen in a checked call only, typed twice, the digits anyone
would try first refused; asked at the start of a call that claims a number (right: the
call is the person's, by the check port; wrong: counted; three: not asked that day; "#":
on without it); the slow salted hash, the wrong tries of a day kept in the database, and
the personal-data map: the export says only that a PIN is set, erasure and a coordinator's
clearing remove it, retention forgets old wrong tries."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.clock import local_day
from db.data_rights import Limits
from db.personal_data import MAP
from db.phone_pins import MOST_WRONG
from handlers import build_router
from handlers.channels import Profile
from handlers.context import Backstage
from handlers.dispatcher import Dispatcher
from handlers.messages import ButtonPress, Command, Message, Outgoing, Toast
from handlers.numbers import phone_pin
from handlers.numbers.caller_check import CALLING, OFFER, made
from handlers.numbers.phone_pin import (
    AGAIN,
    ASK,
    CHANGED_NOTICE,
    CHOOSE,
    CHOOSE_PIN,
    DIGITS,
    EASY,
    LATER,
    LOCKED,
    LOCKED_NOTICE,
    MISMATCH,
    NEW,
    OLD,
    PAUSED,
    SAVED,
    SKIP,
    WITHHELD,
    WRONG,
    after_check,
    hashed,
    matches,
    too_easy,
)
from handlers.numbers.phone_pin import OFFER as PIN_OFFER
from handlers.privacy import export_file
from handlers.settings import HandlerSettings
from locales import translator
from tests.support.check_port import Checks
from tests.support.memory_transport import MemoryTransport, messages

NUMBER = "+492319876543"
GROUP_CHAT = ("memory", "coordinators")


ERNA = "erna"
STAND_IN = "withheld:5c1d"
PIN = "2580"
t = translator("de")


def _said(out: list[Outgoing]) -> list[str]:
    return [str(message.text) for message in messages(out)]


@pytest.fixture
async def call(db: Database, settings: HandlerSettings) -> MemoryTransport:
    """A phone line (the in-memory chat as the platform ``phone``) with the check port;
    Erna, known by her number, is through the language and the notice."""
    port = Checks()
    # One moment for the whole test: the city's wrong PINs count within a clock hour.
    now = datetime.now(UTC)
    settings = replace(
        settings,
        check_calls=port,
        backchannels=frozenset({GROUP_CHAT}),
        clock=lambda: now,
    )
    chat = MemoryTransport(Dispatcher(db, build_router(), settings), platform="phone")
    await chat.onboard(ERNA, "de")
    return chat


def _data(message: Message) -> set[str]:
    return {button.data for row in message.buttons for button in row}


def _port(chat: MemoryTransport) -> Checks:
    port = chat.dispatcher.settings.check_calls
    assert isinstance(port, Checks)
    return port


async def test_a_pin_is_chosen_in_a_checked_call_as_four_digits_typed_twice(
    call: MemoryTransport, db: Database
):
    call.checked.add(ERNA)
    erna = await db.users.find("phone", ERNA)
    assert erna is not None
    [asked] = messages(await call.press(ERNA, CHOOSE_PIN))
    assert str(asked.text) == t._(CHOOSE) and asked.typed_digits == DIGITS and asked.keys_named
    assert _said(await call.text(ERNA, "1234")) == [t._(EASY)]
    assert _said(await call.text(ERNA, "25")) == [t._(CHOOSE)]  # not four digits: again
    assert _said(await call.text(ERNA, PIN)) == [t._(AGAIN)]
    state = await db.users.get_state(erna.id)
    assert state is not None and PIN not in str(state.data)  # the first typing as a hash
    assert _said(await call.text(ERNA, "2581")) == [t._(MISMATCH)]
    assert await db.phone_pins.get(erna.id) is None
    assert _said(await call.text(ERNA, PIN)) == [t._(AGAIN)]
    said = _said(await call.text(ERNA, PIN))
    assert said[0] == t._(SAVED) and len(said) == 2  # then the settings, where it began
    pin = await db.phone_pins.get(erna.id)
    assert pin is not None and PIN not in pin.pin_hash and matches(PIN, pin.pin_hash)
    assert await db.users.get_state(erna.id) is None


async def test_a_pin_is_not_chosen_in_a_call_that_is_not_checked(
    call: MemoryTransport, db: Database
):
    """A caller ID is a claim: the settings' PIN waits for the call-back to the number (which
    then begins with choosing), a withheld caller hears why not, and neither chooses."""
    [held] = messages(await call.press(ERNA, CHOOSE_PIN))
    assert str(held.text) == t._(OFFER) and _port(call).asked == []
    await call.press(ERNA, "check:call")
    assert _port(call).asked == [(ERNA, after_check(CHOOSE_PIN), Profile("de", easy=True))]
    call.withheld.add(STAND_IN)
    await call.onboard(STAND_IN, "de")
    assert _said(await call.press(STAND_IN, CHOOSE_PIN)) == [t._(WITHHELD)]
    # The checked call that begins with it chooses at once, no offer first.
    call.checked.add(ERNA)
    [asked] = messages(await call.press(ERNA, after_check(CHOOSE_PIN)))
    assert str(asked.text) == t._(CHOOSE)


async def test_the_checked_call_offers_a_pin_once_then_goes_on_with_what_waited(
    call: MemoryTransport, db: Database
):
    erna = await db.users.find("phone", ERNA)
    assert erna is not None
    # Pressed by anyone but a checked call, the checked call's first press is no button.
    stale = await call.press(ERNA, after_check("menu:help"))
    assert [type(item) for item in stale] == [Toast]
    call.checked.add(ERNA)
    [offered] = messages(await call.press(ERNA, after_check("menu:help")))
    assert str(offered.text) == t._(PIN_OFFER) and offered.keys_named
    assert [b.data for row in offered.buttons for b in row] == [NEW, LATER]
    [help_menu] = messages(await call.press(ERNA, LATER))  # "2": on with what waited
    assert "menu:help" not in str(help_menu.text) and help_menu.buttons
    assert str(help_menu.text) == str(messages(await call.press(ERNA, "menu:help"))[0].text)
    # "1" chooses, then what waited.
    await call.press(ERNA, after_check("menu:help"))
    assert _said(await call.press(ERNA, NEW)) == [t._(CHOOSE)]
    await call.text(ERNA, PIN)
    said = _said(await call.text(ERNA, PIN))
    assert said[0] == t._(SAVED) and said[1] == str(help_menu.text)
    # With a PIN, the checked call begins with what waited at once.
    [again] = messages(await call.press(ERNA, after_check("menu:help")))
    assert str(again.text) == str(help_menu.text)


async def test_the_first_typing_waits_sealed_and_no_export_holds_a_guessable_hash(
    call: MemoryTransport, db: Database
):
    """Between the two typings the first waits in the conversation's state, which is in
    the person's export: sealed by a key of the process, so that no hash of four digits
    anyone could try is in it."""
    call.checked.add(ERNA)
    erna = await db.users.find("phone", ERNA)
    assert erna is not None
    await call.press(ERNA, CHOOSE_PIN)
    await call.text(ERNA, PIN)
    state = await db.users.get_state(erna.id)
    assert state is not None and state.data["first"]
    _, content = await export_file(db, erna)
    text = content.decode()
    assert "scrypt$" not in text
    tried = {f"{n:04d}" for n in range(10_000)}
    plain = {hashlib.sha256(d.encode()).hexdigest() for d in tried}
    unkeyed = {hmac.new(b"", d.encode(), hashlib.sha256).hexdigest() for d in tried}
    assert state.data["first"] not in plain | unkeyed
    assert _said(await call.text(ERNA, PIN))[0] == t._(SAVED)


async def test_another_act_does_not_take_over_a_pin_being_typed(
    call: MemoryTransport, db: Database
):
    """A coordinator's question sets the requester's step from outside
    (handlers/helping/lifecycle.py): while she types a PIN her step stays the PIN's, so her
    digits never reach the coordinators."""
    call.checked.add(ERNA)
    erna = await db.users.find("phone", ERNA)
    assert erna is not None
    await call.press(ERNA, CHOOSE_PIN)
    backstage = Backstage(db, call.dispatcher.settings)
    await backstage.set_state_of(erna.id, "request.answer", {"request_id": 1})
    await backstage.clear_state_of(erna.id)
    state = await db.users.get_state(erna.id)
    assert state is not None and state.state == "pin"
    assert _said(await call.text(ERNA, PIN)) == [t._(AGAIN)]
    # Anyone's step that is no PIN's is set from outside as before.
    await db.users.set_state(erna.id, "menu", {})
    await backstage.set_state_of(erna.id, "request.answer", {"request_id": 1})
    assert (await db.users.get_state(erna.id)).state == "request.answer"


async def test_an_entry_left_behind_ends_with_the_next_calls_start(
    call: MemoryTransport, db: Database
):
    """She hung up during the offer: the next call's start ends it, and a key then is no
    press of what had waited."""
    call.checked.add(ERNA)
    erna = await db.users.find("phone", ERNA)
    assert erna is not None
    await call.press(ERNA, after_check("settings:delete"))  # the offer; then she hangs up
    await call.send(ERNA, Command("start"))
    assert await db.users.get_state(erna.id) is None
    said = _said(await call.text(ERNA, "7"))
    assert not any("delete" in text.lower() or "lösch" in text.lower() for text in said)


async def test_what_waited_counts_only_in_its_own_step(call: MemoryTransport, db: Database):
    """A press that waited for the check is checked as any press, at the moment of acting:
    a button of another step (the offer's "1", the number said back) is no longer valid."""
    call.checked.add(ERNA)
    await db.phone_pins.set((await db.users.find("phone", ERNA)).id, hashed(PIN))
    for data in (NEW, "number:yes"):
        assert [type(item) for item in await call.press(ERNA, after_check(data))] == [Toast]


async def _erna_with_pin(call: MemoryTransport, db: Database) -> int:
    """Erna has a PIN; a call from her number claims her (a stand-in of its own)."""
    erna = await db.users.find("phone", ERNA)
    assert erna is not None
    await db.phone_pins.set(erna.id, hashed(PIN))
    call.claims[STAND_IN] = ERNA
    await made(db, "phone", STAND_IN, Profile("de", consented=True))
    return erna.id


def _told(db: Database, chat: tuple[str, str]):
    """What waits in the outbox for ``chat`` (the person's own channel, the backchannel)."""

    async def told() -> list[str]:
        soon = datetime.now(UTC) + timedelta(days=1)
        return [str(item.payload.get("text")) for item in await db.outbox.waiting(*chat, soon)]

    return told


async def test_the_start_of_a_call_asks_no_pin_something_personal_does(
    call: MemoryTransport, db: Database, caplog: pytest.LogCaptureFixture
):
    """A PIN asked at the start of every call from a number would tell anyone which numbers
    have one: the start is the main menu, as for every claimed number; "My requests"
    asks it, and the right one goes on with "My requests" as hers."""
    caplog.set_level(logging.DEBUG)
    await _erna_with_pin(call, db)
    [start] = messages(await call.send(STAND_IN, Command("start")))
    assert str(start.text) != t._(ASK) and "menu:help" in _data(start)
    [asked] = messages(await call.press(STAND_IN, "hr:mine"))
    assert str(asked.text) == t._(ASK) and asked.typed_digits == DIGITS
    assert _said(await call.text(STAND_IN, "1357")) == [t._(WRONG)]
    assert _said(await call.text(STAND_IN, "13")) == [t._(ASK)]  # not a PIN: not counted
    assert await call.text(STAND_IN, PIN) == [] and _port(call).asked == []
    assert _port(call).proved == [(STAND_IN, ButtonPress("hr:mine"))]
    erna = await db.users.find("phone", ERNA)
    # The right one takes back its own try, not the wrong one before it.
    assert erna is not None and (await db.phone_pins.get(erna.id)).wrong == 1
    # The bot's own lines (a driver's debug lines hold memory addresses, whose hex digits
    # may hold any four digits by chance).
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("aiosqlite"))
    assert PIN not in ours and "1357" not in ours


async def test_three_wrong_pins_lock_the_day_and_she_and_the_coordinators_are_told(
    call: MemoryTransport, db: Database
):
    erna_id = await _erna_with_pin(call, db)
    hers, group = _told(db, ("phone", ERNA)), _told(db, GROUP_CHAT)
    await call.press(STAND_IN, "hr:mine")
    await call.text(STAND_IN, "1357")
    await call.text(STAND_IN, "2468")
    assert await hers() == [] and await group() == []  # wrong tries alone: nobody yet
    [locked, offered] = messages(await call.text(STAND_IN, "9753"))
    assert str(locked.text) == t._(LOCKED) and str(offered.text) == t._(OFFER)
    assert _port(call).proved == []
    today = local_day(call.dispatcher.settings.clock())
    assert (await db.phone_pins.get(erna_id)).locked(today)
    # She hears it on her own line (a call of the outbox), the coordinators in their group,
    # by her name (she has none here), never the number or the digits.
    assert await hers() == [t._(LOCKED_NOTICE)]
    [notice] = await group()
    assert t._("a phone resident") in notice and ERNA not in notice and "9753" not in notice
    # Its requests still wait for the call-back. That day the same words ask as ever (a
    # caller must not tell a locked PIN, or none, from the words), and what is typed is not
    # compared - the right PIN neither - and says the lock again, then the offer.
    await call.send(STAND_IN, Command("start"))
    assert _said(await call.press(STAND_IN, "hr:mine")) == [t._(ASK)]
    assert _said(await call.text(STAND_IN, PIN)) == [t._(LOCKED), t._(OFFER)]
    assert _port(call).proved == [] and len(await hers()) == 1


async def test_a_number_without_a_pin_is_asked_and_answered_as_one_with_a_pin(
    call: MemoryTransport, db: Database
):
    """Whoever claims a number learns nothing of its PIN from the words: a number whose
    person has none is asked the same, each try is "not right", the third of the day
    "Today we can only call you back" - and nobody is told of a lock there is not."""
    erna = await db.users.seen("phone", ERNA, ERNA)
    await db.requests.create(erna.id, erna.id, category="shopping", description="x")
    call.claims[STAND_IN] = ERNA
    await made(db, "phone", STAND_IN, Profile())
    await call.onboard(STAND_IN, "de")
    hers, group = _told(db, ("phone", ERNA)), _told(db, GROUP_CHAT)
    assert _said(await call.press(STAND_IN, "hr:mine")) == [t._(ASK)]
    assert _said(await call.text(STAND_IN, "1357")) == [t._(WRONG)]
    assert _said(await call.text(STAND_IN, "2468")) == [t._(WRONG)]
    assert _said(await call.text(STAND_IN, "9753")) == [t._(LOCKED), t._(OFFER)]
    await call.send(STAND_IN, Command("start"))
    assert _said(await call.press(STAND_IN, "hr:mine")) == [t._(ASK)]
    assert _said(await call.text(STAND_IN, "1357")) == [t._(LOCKED), t._(OFFER)]
    assert _port(call).proved == [] and await hers() == [] and await group() == []
    assert await db.phone_pins.get(erna.id) is None


NOBODY = "+4923155599"


@pytest.mark.both_backends
async def test_a_number_nobody_has_is_asked_the_same_and_its_tries_count_in_the_database(
    call: MemoryTransport, db: Database, database_url: str
):
    """Issue 98, point 3: a call claiming a number nobody has is asked for a new request
    what any claimed call is asked, and its digits are wrong ones, tries and all. They are
    counted in the database: two wrong in one bot process, the third in another (its own
    connection, as a second process has) ends the asking for the day - before, each
    process counted its own three. Nothing is written to the number: it has no person."""
    call.claims[STAND_IN] = NOBODY
    await made(db, "phone", STAND_IN, Profile())
    await call.onboard(STAND_IN, "de")
    assert _said(await call.press(STAND_IN, "hr:new")) == [t._(ASK)]
    assert _said(await call.text(STAND_IN, "1357")) == [t._(WRONG)]
    assert _said(await call.text(STAND_IN, "2468")) == [t._(WRONG)]
    first = call.dispatcher
    second_db = await Database.open(database_url)
    try:
        call.dispatcher = Dispatcher(second_db, build_router(), first.settings)
        other_call = "withheld:8e3f"
        call.claims[other_call] = NOBODY
        await made(second_db, "phone", other_call, Profile())
        await call.onboard(other_call, "de")
        assert _said(await call.press(other_call, "hr:new")) == [t._(ASK)]
        assert _said(await call.text(other_call, "9753")) == [t._(LOCKED), t._(OFFER)]
    finally:
        call.dispatcher = first
        await second_db.close()
    assert _port(call).proved == [] and await db.users.find("phone", NOBODY) is None
    today = local_day(call.dispatcher.settings.clock())
    assert await db.phone_pins.no_pin_wrong_on(NOBODY, today) == MOST_WRONG


async def test_hash_goes_to_the_call_back_and_counts_nothing(call: MemoryTransport, db: Database):
    erna_id = await _erna_with_pin(call, db)
    await call.press(STAND_IN, "hr:mine")
    # "or press the hash key and we call you back": the call-back at once, nothing of hers
    # said unchecked, no try counted.
    [calling] = messages(await call.press(STAND_IN, SKIP))
    assert str(calling.text) == t._(CALLING) and calling.closing
    assert _port(call).proved == []
    assert (await db.phone_pins.get(erna_id)).wrong == 0
    # Her check call begins with her requests (only showing her own things is carried;
    # what acts was a stranger's press until she says it was her).
    assert [(number, data) for number, data, _ in _port(call).asked] == [
        (ERNA, after_check("hr:mine"))
    ]
    await call.send(STAND_IN, Command("start"))
    await call.press(STAND_IN, "hr:wd:1")
    await call.press(STAND_IN, SKIP)
    assert _port(call).asked[-1][:2] == (ERNA, after_check("menu:main"))


async def test_a_new_pin_in_a_call_its_pin_proved_needs_the_pin_of_now(
    call: MemoryTransport, db: Database
):
    """A PIN guessed once must not become the resident's line for good: a call the PIN
    proved chooses a new one only after the one of now is typed again (wrong: counted as
    any wrong try); the change is told to her on her own line."""
    erna_id = await _erna_with_pin(call, db)
    hers = _told(db, ("phone", ERNA))
    call.checked.add(ERNA)
    call.pin_proven.add(ERNA)
    assert _said(await call.press(ERNA, CHOOSE_PIN)) == [t._(OLD)]
    assert _said(await call.text(ERNA, "1357")) == [t._(WRONG)]
    assert (await db.phone_pins.get(erna_id)).wrong == 1
    assert _said(await call.text(ERNA, PIN)) == [t._(CHOOSE)]
    assert _said(await call.text(ERNA, "3691")) == [t._(AGAIN)]
    assert await hers() == []
    said = _said(await call.text(ERNA, "3691"))
    assert said[0] == t._(SAVED)
    assert matches("3691", (await db.phone_pins.get(erna_id)).pin_hash)
    assert await hers() == [t._(CHANGED_NOTICE)]
    # "#" on the PIN of now goes back to the settings, changing nothing.
    await call.press(ERNA, CHOOSE_PIN)
    [back] = messages(await call.press(ERNA, SKIP))
    assert CHOOSE_PIN in _data(back)
    assert matches("3691", (await db.phone_pins.get(erna_id)).pin_hash)


async def test_the_pin_of_now_wrong_three_times_locks_it_and_changes_nothing(
    call: MemoryTransport, db: Database
):
    erna_id = await _erna_with_pin(call, db)
    call.checked.add(ERNA)
    call.pin_proven.add(ERNA)
    await call.press(ERNA, CHOOSE_PIN)
    await call.text(ERNA, "1357")
    await call.text(ERNA, "2468")
    said = _said(await call.text(ERNA, "9753"))
    assert said[0] == t._(LOCKED) and t._(CHOOSE) not in said
    assert matches(PIN, (await db.phone_pins.get(erna_id)).pin_hash)
    assert await _told(db, ("phone", ERNA))() == [t._(LOCKED_NOTICE)]
    assert len(await _told(db, GROUP_CHAT)()) == 1


async def test_a_call_back_chooses_a_new_pin_without_the_old_one(
    call: MemoryTransport, db: Database
):
    """A call-back her number answered proves the number: she may have forgotten the PIN."""
    erna_id = await _erna_with_pin(call, db)
    call.checked.add(ERNA)
    assert _said(await call.press(ERNA, CHOOSE_PIN)) == [t._(CHOOSE)]
    await call.text(ERNA, "3691")
    assert _said(await call.text(ERNA, "3691"))[0] == t._(SAVED)
    assert matches("3691", (await db.phone_pins.get(erna_id)).pin_hash)
    assert await _told(db, ("phone", ERNA))() == [t._(CHANGED_NOTICE)]


async def test_the_citys_wrong_pins_an_hour_stop_the_asking_for_all_and_tell_the_coordinators(
    call: MemoryTransport, db: Database, monkeypatch: pytest.MonkeyPatch
):
    """Many residents' numbers tried from one place: past the city's wrong PINs of the hour
    no PIN is asked anywhere (the call-back checks), and the coordinators are told once."""
    monkeypatch.setattr(phone_pin, "CITY_MOST_WRONG", 3)
    await _erna_with_pin(call, db)
    other = await db.users.seen("phone", NUMBER, NUMBER, "Otto")
    await db.requests.create(other.id, other.id, category="shopping", description="x")
    await db.phone_pins.set(other.id, hashed("3691"))
    call.claims["withheld:77aa"] = NUMBER
    await made(db, "phone", "withheld:77aa", Profile("de", consented=True))
    group = _told(db, GROUP_CHAT)
    await call.press(STAND_IN, "hr:mine")
    await call.text(STAND_IN, "1357")
    await call.text(STAND_IN, "2468")
    await call.press("withheld:77aa", "hr:mine")
    assert await group() == []
    said = _said(await call.text("withheld:77aa", "1111"))  # the city's third
    assert said == [t._(WRONG)]
    [notice] = await group()
    assert "3" in notice and ERNA not in notice and NUMBER not in notice
    # Now nobody's PIN is compared (asked in the same words, so no caller learns of the
    # limit before typing): the offer of the call-back, the coordinators not told again.
    assert _said(await call.press("withheld:77aa", "hr:mine")) == [t._(ASK)]
    assert _said(await call.text("withheld:77aa", "3691")) == [t._(PAUSED), t._(OFFER)]
    assert len(await group()) == 1 and _port(call).proved == []


def test_the_hash_is_salted_and_slow_and_says_nothing_of_the_digits():
    one, two = hashed("2580"), hashed("2580")
    assert one != two and "2580" not in one
    assert one.startswith("scrypt$16384$8$1$")
    assert matches("2580", one) and matches("2580", two)
    assert not matches("2581", one) and not matches("2580", "") and not matches("2580", "x$y")


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


async def test_past_the_citys_limit_a_clean_days_right_pin_is_taken_others_are_not_compared(
    call: MemoryTransport, db: Database, monkeypatch: pytest.MonkeyPatch
):
    """Issue 98, point 8a: wrong PINs typed for others (the city's limit of the hour) do not
    lock out a resident whose own day has no wrong try: her right PIN is compared and
    taken. A number whose day has a wrong try is not compared then - not even the right
    PIN - and hears the call-back's offer."""
    monkeypatch.setattr(phone_pin, "CITY_MOST_WRONG", 2)
    await _erna_with_pin(call, db)
    assert _said(await call.press(STAND_IN, "hr:mine")) == [t._(ASK)]
    hour = call.dispatcher.settings.clock().astimezone(UTC).strftime("%Y-%m-%dT%H")
    for _ in range(2):  # wrong PINs of other calls meanwhile: the limit
        await db.phone_pins.city_wrong_try(hour)
    assert await call.text(STAND_IN, PIN) == []
    assert _port(call).proved == [(STAND_IN, ButtonPress("hr:mine"))]
    assert await db.phone_pins.city_wrong(hour) == 2  # her right one taken back

    # Otto's day has a wrong try: past the limit his PIN is not compared, right or not.
    otto = await db.users.seen("phone", NUMBER, NUMBER, "Otto")
    await db.requests.create(otto.id, otto.id, category="shopping", description="x")
    await db.phone_pins.set(otto.id, hashed("3691"))
    await db.phone_pins.wrong_try(otto.id, local_day(call.dispatcher.settings.clock()))
    call.claims["withheld:77aa"] = NUMBER
    await made(db, "phone", "withheld:77aa", Profile("de", consented=True))
    await call.press("withheld:77aa", "hr:mine")
    assert _said(await call.text("withheld:77aa", "3691")) == [t._(PAUSED), t._(OFFER)]
    assert len(_port(call).proved) == 1 and (await db.phone_pins.get(otto.id)).wrong == 1
    assert len(await _told(db, GROUP_CHAT)()) == 1


async def test_past_the_citys_limit_a_clean_days_wrong_pin_ends_the_asking(
    call: MemoryTransport, db: Database, monkeypatch: pytest.MonkeyPatch
):
    """The one try a clean day has past the city's limit: wrong, it counts, and the caller
    is offered the call-back - no second guess that hour."""
    monkeypatch.setattr(phone_pin, "CITY_MOST_WRONG", 2)
    erna_id = await _erna_with_pin(call, db)
    hour = call.dispatcher.settings.clock().astimezone(UTC).strftime("%Y-%m-%dT%H")
    for _ in range(2):
        await db.phone_pins.city_wrong_try(hour)
    await call.press(STAND_IN, "hr:mine")
    assert _said(await call.text(STAND_IN, "1357")) == [t._(PAUSED), t._(OFFER)]
    assert (await db.phone_pins.get(erna_id)).wrong == 1 and _port(call).proved == []
    await call.send(STAND_IN, Command("start"))
    await call.press(STAND_IN, "hr:mine")
    assert _said(await call.text(STAND_IN, PIN)) == [t._(PAUSED), t._(OFFER)]
    assert _port(call).proved == []


async def test_a_lockout_is_told_to_her_once_a_week_the_coordinators_each_time(
    call: MemoryTransport, db: Database
):
    """Issue 98, point 8a: anyone claiming her number can lock her PIN every day, and each
    notice is a call (or a text) to her: she is told at most once a week, through the
    channel she chose; the coordinators hear of every lockout, by name."""
    erna_id = await _erna_with_pin(call, db)
    hers, group = _told(db, ("phone", ERNA)), _told(db, GROUP_CHAT)
    clock = [call.dispatcher.settings.clock()]
    call.dispatcher.settings = replace(call.dispatcher.settings, clock=lambda: clock[0])

    async def lock() -> None:
        await call.send(STAND_IN, Command("start"))
        await call.press(STAND_IN, "hr:mine")
        for digits in ("1357", "2468", "9753"):
            await call.text(STAND_IN, digits)
        today = local_day(clock[0])
        assert (await db.phone_pins.get(erna_id)).locked(today)

    await lock()
    assert await hers() == [t._(LOCKED_NOTICE)] and len(await group()) == 1
    for _day in range(1, 7):  # locked again each day of that week: she is not rung again
        clock[0] += timedelta(days=1)
        await lock()
    assert await hers() == [t._(LOCKED_NOTICE)] and len(await group()) == 7
    clock[0] += timedelta(days=1)  # a week after she was told
    await lock()
    assert await hers() == [t._(LOCKED_NOTICE)] * 2 and len(await group()) == 8


@pytest.mark.both_backends
async def test_the_citys_wrong_tries_count_within_the_hour_and_are_told_once(db: Database):
    for tries in range(1, 4):
        assert await db.phone_pins.city_wrong_try("2026-11-25T10") == tries
    await db.phone_pins.city_right("2026-11-25T10")  # that try was right after all
    assert await db.phone_pins.city_wrong("2026-11-25T10") == 2
    assert await db.phone_pins.tell_city_limit("2026-11-25T10")
    assert not await db.phone_pins.tell_city_limit("2026-11-25T10")  # once an hour
    # The next hour counts from nothing, and the hour before is gone.
    assert await db.phone_pins.city_wrong_try("2026-11-25T11") == 1
    assert await db.phone_pins.city_wrong("2026-11-25T10") == 0
    assert await db.phone_pins.tell_city_limit("2026-11-25T11")


@pytest.mark.parametrize(
    "pin", ["1948", "1900", "2029", "2026", "0101", "2512", "1225", "3112", "0707", "1111", "6789"]
)
def test_years_and_birthdays_are_too_easy(pin: str):
    assert too_easy(pin)


@pytest.mark.parametrize("pin", ["2580", "3691", "1357", "8520", "4096", "3713", "1899", "2030"])
def test_other_digits_may_be_chosen(pin: str):
    assert not too_easy(pin)


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
