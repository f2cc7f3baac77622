"""On the phone consent is asked where the bot first keeps something of a caller (issue 80,
point 5; handlers/first_kept.py): after the language the main menu, places found without any
notice and nothing agreed; the first choice that keeps something brings the notice with its
consent keys, "I agree" goes on to that choice, "No, thanks" hears that only the number and
the language are kept. A chat still gets the notice right after the language, and so does a
caller whose number already has data of theirs. The in-memory chat with the platform
"phone" stands for the transport (the call itself: tests/bot/transports/phone/dialogue/
test_places_before_consent.py)."""

from __future__ import annotations

import pytest

import bot.transports.registry  # noqa: F401 - declares the phone's channel
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.first_kept import THEN
from handlers.messages import Outgoing
from handlers.privacy import READING_NOTICE
from handlers.settings import HandlerSettings
from handlers.to_coordinators import STATE as TO_COORDINATORS
from tests.support.memory_transport import MemoryTransport, button_data, messages
from tests.support.places_sample import import_sample

CALLER = "+492315550188"
NOTICE = {"consent:yes", "consent:no", "privacy:details"}


@pytest.fixture
def phone(db: Database, settings: HandlerSettings) -> MemoryTransport:
    return MemoryTransport(Dispatcher(db, build_router(), settings), platform="phone")


def newest(out: list[Outgoing]) -> list[str]:
    """The newest message's choices (their data)."""
    return [button.data for row in messages(out)[-1].buttons for button in row if button.data]


async def test_a_new_caller_finds_places_without_any_notice(phone: MemoryTransport, db: Database):
    await import_sample(db)
    seen: list[str] = []
    out = await phone.text(CALLER, "/start")
    out = await phone.press(CALLER, "lang:de")
    seen += button_data(out)
    assert "menu:places" in newest(out)
    out = await phone.press(CALLER, "menu:places")
    seen += button_data(out)
    out = await phone.text(CALLER, "44137")
    seen += button_data(out)
    assert any(data.startswith("pl:d:") for data in newest(out)), newest(out)
    # A place's details too, and back to the menu.
    first = next(data for data in newest(out) if data.startswith("pl:d:"))
    seen += button_data(await phone.press(CALLER, first))
    seen += button_data(await phone.press(CALLER, "menu:main"))
    assert not NOTICE & set(seen), seen
    person = await db.users.find("phone", CALLER)
    assert person is not None and person.language == "de" and person.consent_at is None


@pytest.mark.parametrize(
    ("entry", "then"),
    [
        ("menu:help", "hr:new"),
        ("menu:volunteer", "vo:reg"),
        ("menu:settings", "menu:main"),
        ("menu:events", "ev:"),
    ],
)
async def test_the_first_keeping_step_asks_consent_and_goes_on_after_it(
    phone: MemoryTransport, db: Database, entry: str, then: str
):
    await phone.text(CALLER, "/start")
    await phone.press(CALLER, "lang:de")
    out = await phone.press(CALLER, entry)
    assert set(newest(out)) >= NOTICE, newest(out)
    person = await db.users.find("phone", CALLER)
    assert person is not None and person.consent_at is None
    # The notice's step keeps only the choice, nothing of a step before it.
    state = await db.users.get_state(person.id)
    assert state is not None and state.state == READING_NOTICE and state.data == {THEN: entry}
    out = await phone.press(CALLER, "consent:yes")
    person = await db.users.find("phone", CALLER)
    assert person is not None and person.consent_at is not None
    assert any(data.startswith(then) for data in newest(out)), newest(out)
    assert not NOTICE & set(newest(out))


async def test_zero_for_a_person_asks_consent_before_the_message_to_the_coordinators(
    phone: MemoryTransport, db: Database
):
    """The phone's "0" outside the coordinators' hours is /coordinators: it records what the
    caller says, so the notice comes first and "I agree" goes on to it; "#" without a way
    back (/menu) keeps nothing."""
    await phone.text(CALLER, "/start")
    await phone.press(CALLER, "lang:de")
    out = await phone.text(CALLER, "/menu")
    assert "menu:places" in newest(out) and not NOTICE & set(newest(out))
    out = await phone.text(CALLER, "/coordinators")
    assert set(newest(out)) >= NOTICE
    person = await db.users.find("phone", CALLER)
    assert person is not None and person.consent_at is None
    state = await db.users.get_state(person.id)
    assert state is not None and state.data == {THEN: "/coordinators"}
    await phone.press(CALLER, "consent:yes")
    state = await db.users.get_state(person.id)
    assert state is not None and state.state == TO_COORDINATORS


async def test_a_places_search_is_not_carried_into_the_notice_and_no_thanks_keeps_little(
    phone: MemoryTransport, db: Database
):
    await import_sample(db)
    await phone.text(CALLER, "/start")
    await phone.press(CALLER, "lang:de")
    await phone.press(CALLER, "menu:places")
    await phone.text(CALLER, "44137")
    out = await phone.press(CALLER, "menu:help")
    assert set(newest(out)) >= NOTICE
    person = await db.users.find("phone", CALLER)
    assert person is not None
    state = await db.users.get_state(person.id)
    assert state is not None and state.data == {THEN: "menu:help"}
    out = await phone.press(CALLER, "consent:no")
    assert "delete:yes" in newest(out) and not await db.users.has_data(person.id)
    out = await phone.press(CALLER, "delete:no")  # kept: the notice again, still for help
    assert set(newest(out)) >= NOTICE
    out = await phone.press(CALLER, "consent:yes")
    assert "hr:new" in newest(out)


async def test_a_chat_still_gets_the_notice_right_after_the_language(
    db: Database, settings: HandlerSettings
):
    chat = MemoryTransport(Dispatcher(db, build_router(), settings))
    await chat.text("anna", "/start")
    out = await chat.press("anna", "lang:de")
    assert "consent:yes" in newest(out)
    # Places before consent: the notice again, nothing found.
    out = await chat.press("anna", "menu:places")
    assert "consent:yes" in newest(out)


async def test_a_caller_whose_number_has_data_hears_the_notice_after_the_language(
    phone: MemoryTransport, db: Database
):
    """Someone the bot keeps something of already (here a role beyond resident) is asked at
    once, as on every channel."""
    await phone.text(CALLER, "/start")
    person = await db.users.find("phone", CALLER)
    assert person is not None
    await db.users.grant_role(person.id, "volunteer")
    out = await phone.press(CALLER, "lang:de")
    assert set(newest(out)) >= NOTICE
