"""A phone number's person chooses how messages reach them (handlers/numbers/reach.py): who called
first and then texts is the same person in the same language, what the bot has for them
comes by call until they choose texts in /settings by SMS, then by text until they choose
calls again by keypress. Two in-memory chats, "phone" and "sms", stand for the transports:
each delivers only its own platform's outbox items, as the real ones do."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.transports.sms.store import SmsStore
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import Media, Message
from handlers.messenger import Messenger
from handlers.settings import HandlerSettings
from tests.support.channels import channels
from tests.support.memory_transport import MemoryTransport, button_data, texts
from tests.support.sms.codes import code_in

NUMBER = "+4917644444444"


@pytest.fixture
def number_dispatcher(db: Database, settings: HandlerSettings) -> Dispatcher:
    both = replace(
        settings,
        channels=channels("phone", "sms"),
    )
    return Dispatcher(db, build_router(), both)


async def _notice(dispatcher: Dispatcher, text: str) -> None:
    """A notice for the number's person, as every message for someone else is queued."""
    user = await dispatcher.db.users.find("sms", NUMBER)
    assert user is not None
    mail = Messenger(dispatcher.db)
    async with dispatcher.db.transaction():
        await mail.to_user(user.id, lambda t: Message(text))


async def _delivered(phone: MemoryTransport, sms: MemoryTransport) -> tuple[str, str]:
    await phone.flush()
    await sms.flush()
    return phone.received(NUMBER), sms.received(NUMBER)


async def test_called_first_then_texts_chooses_texts_by_sms_and_calls_again_by_key(
    number_dispatcher: Dispatcher,
):
    phone = MemoryTransport(number_dispatcher, platform="phone")
    sms = MemoryTransport(number_dispatcher, platform="sms")
    await phone.onboard(NUMBER, "de")
    # The same person by text: in German at once, past the privacy notice.
    greeted = await sms.text(NUMBER, "/settings")
    assert "Einstellungen" in texts(greeted)
    assert "reach:sms" in button_data(greeted)

    await _notice(number_dispatcher, "Paul kommt am Freitag.")
    assert await _delivered(phone, sms) == ("Paul kommt am Freitag.", "")

    # By text the change waits for the code texted to the number (a sender can be forged).
    asked = await sms.press(NUMBER, "reach:sms")
    (code,) = [code_in(texts(asked))]
    chosen = await sms.text(NUMBER, code)
    assert "reach:phone" in button_data(chosen)
    await _notice(number_dispatcher, "Das Codewort ist Apfel.")
    assert await _delivered(phone, sms) == ("Paul kommt am Freitag.", "Das Codewort ist Apfel.")

    await phone.press(NUMBER, "reach:phone")
    await _notice(number_dispatcher, "Paul ist unterwegs.")
    heard, read = await _delivered(phone, sms)
    assert heard.splitlines()[-1] == "Paul ist unterwegs." and read == "Das Codewort ist Apfel."


async def test_the_choice_is_only_for_a_number_and_where_both_channels_run(
    db: Database, settings: HandlerSettings, number_dispatcher: Dispatcher
):
    chat = MemoryTransport(number_dispatcher, platform="telegram")
    await chat.onboard("77", "de")
    assert not any(
        data.startswith("reach:") for data in button_data(await chat.text("77", "/settings"))
    )
    await chat.press("77", "reach:sms")
    user = await db.users.find("telegram", "77")
    assert user is not None and user.platform == "telegram"

    phone_only = replace(number_dispatcher.settings, channels=channels("phone"))
    phone = MemoryTransport(Dispatcher(db, build_router(), phone_only), platform="phone")
    await phone.onboard(NUMBER, "de")
    assert "reach:sms" not in button_data(await phone.text(NUMBER, "/settings"))
    await phone.press(NUMBER, "reach:sms")
    found = await db.users.find("phone", NUMBER)
    assert found is not None and found.platform == "phone"


async def test_a_voice_said_on_the_phone_by_someone_reached_by_text_stays_the_phones(
    db: Database, number_dispatcher: Dispatcher
):
    sms = MemoryTransport(number_dispatcher, platform="sms")
    phone = MemoryTransport(number_dispatcher, platform="phone")
    await sms.onboard(NUMBER, "de")
    await phone.send(NUMBER, Media("voice", "rec-" + "a" * 32, 4, "audio/ogg"))
    user = await db.users.find("phone", NUMBER)
    assert user is not None and user.platform == "sms"
    state = await db.users.get_state(user.id)
    assert state is not None and state.data["voice_platform"] == "phone"


async def test_texts_are_refused_for_a_number_that_sent_stop(
    db: Database, number_dispatcher: Dispatcher
):
    phone = MemoryTransport(number_dispatcher, platform="phone")
    await phone.onboard(NUMBER, "de")
    await SmsStore(db.transactions).stop(NUMBER)
    refused = await phone.press(NUMBER, "reach:sms")
    assert "START" in texts(refused)
    user = await db.users.find("sms", NUMBER)
    assert user is not None and user.platform == "phone"
    await SmsStore(db.transactions).start(NUMBER)
    await phone.press(NUMBER, "reach:sms")
    user = await db.users.find("sms", NUMBER)
    assert user is not None and user.platform == "sms"
