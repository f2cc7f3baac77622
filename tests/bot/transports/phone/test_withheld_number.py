"""A caller who withholds their number asks for help with a number to call back typed on
the keypad (bot/transports/phone/callback_number.py), in a real call through Kamailio:
baresip calls as "anonymous" (the bot gets no number), chooses German, agrees, presses
"Ask for help": the bot asks for a number; "12#" is no number and "09005123456#" a
premium one the bot may not call (handlers/dialable.py) - a clear answer, nothing
changes; "0231 9876543#" is said back, "1" takes it; the request is recorded and sent as
in test_recordings.py, and it is the request of the phone person +492319876543, with the
language and consent of this call - as if they had called from that number. The order
is the call's events, never the clock."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.transports.phone.callback_number import ASK, BAD, CONFIRM, GOODBYE
from bot.transports.phone.calls import is_withheld
from bot.transports.phone.transport import Call, PhoneTransport
from handlers.dispatcher import Dispatcher
from locales import translator
from tests.bot.transports.phone.test_recordings import (
    _answered,
    _number,
    _offered,
    _phone,
    _spoken,
    _tone,
    _until,
)
from tests.support.sip.baresip import BaresipCaller
from tests.support.sip.fixtures import BOT_USER, PhoneFactory
from tests.support.sip.kamailio import KamailioServer

TYPED = "02319876543"
NUMBER = "+492319876543"


def _noted(phone: PhoneTransport) -> list[str]:
    """Every text the call says, in order."""
    spoken: list[str] = []
    say = phone._say

    async def saying(call, text: str, labels: list[str]) -> None:
        spoken.append(text)
        await say(call, text, labels)

    phone._say = saying  # type: ignore[method-assign]
    return spoken


async def _withheld_call(
    phone: PhoneTransport, phones: PhoneFactory, kamailio: KamailioServer, tmp_path: Path
) -> tuple[BaresipCaller, Call]:
    """baresip calls as "anonymous"; the call, once it came."""
    caller = await asyncio.to_thread(phones, "anonymous", says=_tone(tmp_path), pad_seconds=60)
    await asyncio.to_thread(caller.dial, kamailio.uri(BOT_USER))
    await asyncio.to_thread(caller.wait_for, "CALL_ESTABLISHED")
    await _until(lambda: phone._calls, "the call came")
    (call,) = phone._calls.values()
    return caller, call


async def test_a_withheld_caller_leaves_a_request_with_a_typed_number(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher, tmp_path: Path
):
    phone = await _phone(dispatcher, kamailio, tmp_path)
    spoken = _noted(phone)
    t = translator("de")
    try:
        caller, call = await _withheld_call(phone, phones, kamailio, tmp_path)
        withheld = call.chat_id
        assert is_withheld(withheld)
        await _until(lambda: call.answers == 1, "the languages said")
        await _answered(caller, call, "1#")  # Deutsch
        await _answered(caller, call, "1")  # agreed: the main menu
        await _answered(caller, call, await _number(phone, call, "menu:help"))
        await _answered(caller, call, await _number(phone, call, "hr:new"))
        assert spoken[-1] == t._(ASK) and call.entry is not None
        await _answered(caller, call, "12#")  # no number
        assert spoken[-1] == t._(BAD)
        assert call.chat_id == withheld and await dispatcher.db.users.find("phone", NUMBER) is None
        await _answered(caller, call, "09005123456#")  # premium rate: never called
        assert spoken[-1] == t._(BAD) and call.entry is not None and call.entry.number is None
        assert call.chat_id == withheld
        assert await dispatcher.db.users.find("phone", "+499005123456") is None
        await _answered(caller, call, TYPED + "#")
        digits = ", ".join(TYPED)
        assert spoken[-1] == str(t.t(CONFIRM, digits=digits))
        await _answered(caller, call, "1")  # right: the request goes on
        assert call.chat_id == NUMBER and call.entry is None
        await _answered(caller, call, await _number(phone, call, "hr:cat:"))
        assert call.recorded
        answers = call.answers
        await _spoken(caller, call)
        await _until(lambda: call.answers > answers, "where?")
        await _answered(caller, call, "44137")
        await _answered(caller, call, await _number(phone, call, "hr:when:asap"))
        done = await _offered(phone, call, "hr:langs-done")
        if done is not None:
            await _answered(caller, call, done)
        await _answered(caller, call, await _number(phone, call, "hr:send"))
        await asyncio.to_thread(caller.hangup)
    finally:
        await phone.stop()
    person = await dispatcher.db.users.find("phone", NUMBER)
    assert person is not None and person.chat_id == NUMBER
    assert person.language == "de" and person.consent_at is not None
    (request,) = await dispatcher.db.requests.for_requester(person.id)
    assert request.state == "review" and request.voice_file_id.startswith("rec-")


async def test_a_typed_number_opens_nothing_its_person_has(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher, tmp_path: Path
):
    """Anyone can type anyone's number: the call on it may ask for help, but the main
    menu ("my request", settings, the data) ends the call with thanks, and nothing of the
    request the number's person already has is said."""
    db = dispatcher.db
    person = await db.users.seen("phone", NUMBER, NUMBER)
    await db.users.set_language(person.id, "de")
    await db.users.record_consent(person.id)
    await db.requests.create(
        person.id, person.id, category="shopping", description="Geheimer Einkauf am Hafen"
    )
    phone = await _phone(dispatcher, kamailio, tmp_path)
    spoken = _noted(phone)
    t = translator("de")
    try:
        caller, call = await _withheld_call(phone, phones, kamailio, tmp_path)
        await _until(lambda: call.answers == 1, "the languages said")
        await _answered(caller, call, "1#")  # Deutsch
        await _answered(caller, call, "1")  # agreed: the main menu
        await _answered(caller, call, await _number(phone, call, "menu:help"))
        await _answered(caller, call, await _number(phone, call, "hr:new"))
        await _answered(caller, call, TYPED + "#")
        await _answered(caller, call, "1")  # the number taken: the request's first step
        assert call.chat_id == NUMBER
        since = len(spoken)
        for _ in range(4):  # back, and back again: to the main menu - not on this number
            await _answered(caller, call, "#")
            if spoken[-1] == t._(GOODBYE):
                break
        assert spoken[-1] == t._(GOODBYE)
        await asyncio.to_thread(caller.wait_for, "CALL_CLOSED")  # the bot hung up
        assert not any("Hafen" in text for text in spoken[since:])
    finally:
        await phone.stop()
