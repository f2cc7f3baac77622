"""A caller who withholds their number asks for help with a number to call back typed on
the keypad (handlers/numbers/number_entry.py), in real calls through Kamailio:
baresip calls as "anonymous" (the bot gets no number), chooses German, agrees, presses
"Ask for help": the bot asks for a number (a step of the conversation, its digits typed
text); "12#" is no number and a premium number is
none the bot calls - a clear answer, nothing changes; "0231 9876543#" is said back, "1"
takes it - and the call ends: a typed number proves nothing (handlers/numbers/caller_check.py). The
bot
calls that number (a second baresip, the number's phone): whoever answers hears "if that
is you, press 1"; "1" and the request is made in that call, as the phone person
+492319876543 with the language and easy texts of the first call - never its consent:
whoever answers hears the notice and agrees herself; "2" and nothing is made,
nothing of the number's person is said, the coordinators are not bothered. The order is
the calls' events, never the clock."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.transports.phone.calls.callers_number import is_withheld
from bot.transports.phone.transport import Call, PhoneTransport
from bot.transports.phone.words.who_picked_up import QUESTION
from handlers.dispatcher import Dispatcher
from handlers.numbers.caller_check import CALLING_TYPED
from handlers.numbers.number_entry import ASK, BAD, CONFIRM, STATE
from locales import translator
from tests.support.sip.answers import answers_to
from tests.support.sip.baresip import BaresipCaller
from tests.support.sip.calls import (
    heard_texts,
    key_for,
    keys_answered,
    phone_line,
    spoken_after_the_tone,
    until,
    voice_tone,
)
from tests.support.sip.fixtures import BOT_USER, PhoneFactory
from tests.support.sip.kamailio import HOST, KamailioServer

TYPED = "02319876543"
NUMBER = "+492319876543"


async def _entry(dispatcher: Dispatcher, chat_id: str) -> dict | None:
    """The number entry's step the caller is at (its data), None: not in it."""
    person = await dispatcher.db.users.find("phone", chat_id)
    state = await dispatcher.db.users.get_state(person.id) if person is not None else None
    return state.data if state is not None and state.state == STATE else None


async def _withheld_call(
    phone: PhoneTransport, phones: PhoneFactory, kamailio: KamailioServer, tmp_path: Path
) -> tuple[BaresipCaller, Call]:
    """baresip calls as "anonymous"; the call, once it came."""
    caller = await asyncio.to_thread(phones, "anonymous", says=voice_tone(tmp_path), pad_seconds=60)
    await asyncio.to_thread(caller.dial, kamailio.uri(BOT_USER))
    await asyncio.to_thread(caller.wait_for, "CALL_ESTABLISHED")
    await until(lambda: phone._calls, "the call came")
    (call,) = phone._calls.values()
    return caller, call


async def _typed(
    phone: PhoneTransport, caller: BaresipCaller, call: Call, spoken: list[str]
) -> None:
    """Through the menu to "Ask for help", then TYPED taken with "1"."""
    await until(lambda: answers_to(call) == 1, "the languages said")
    await keys_answered(caller, call, "1")  # Deutsch: the main menu
    await keys_answered(caller, call, await key_for(phone, call, "menu:help"))
    await keys_answered(caller, call, "1")  # agreed (the help keeps something): the help
    await keys_answered(caller, call, await key_for(phone, call, "hr:new"))
    await keys_answered(caller, call, TYPED + "#")
    await keys_answered(caller, call, "1")
    assert spoken[-1] == translator("de")._(CALLING_TYPED)
    await asyncio.to_thread(caller.wait_for, "CALL_CLOSED")  # the bot hung up


async def _answering(
    phones: PhoneFactory, kamailio: KamailioServer, dispatcher: Dispatcher, tmp_path: Path
) -> tuple[BaresipCaller, PhoneTransport, list[str]]:
    """The typed number's phone, and the bot that calls it; what both calls say."""
    number_phone = await asyncio.to_thread(
        phones, NUMBER, answer=True, says=voice_tone(tmp_path), pad_seconds=120
    )
    phone = await phone_line(
        dispatcher, kamailio, tmp_path, calls_to=f"{HOST}:{number_phone.sip_port}"
    )
    return number_phone, phone, heard_texts(phone)


async def test_a_withheld_caller_leaves_a_request_with_a_typed_number(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher, tmp_path: Path
):
    number_phone, phone, spoken = await _answering(phones, kamailio, dispatcher, tmp_path)
    t = translator("de")
    try:
        caller, call = await _withheld_call(phone, phones, kamailio, tmp_path)
        withheld = call.chat_id
        assert is_withheld(withheld)
        await until(lambda: answers_to(call) == 1, "the languages said")
        await keys_answered(caller, call, "1")  # Deutsch: the main menu
        await keys_answered(caller, call, await key_for(phone, call, "menu:help"))
        await keys_answered(caller, call, "1")  # agreed (the help keeps something): the help
        await keys_answered(caller, call, await key_for(phone, call, "hr:new"))
        assert spoken[-1] == t._(ASK) and await _entry(dispatcher, withheld) == {"then": "hr:new"}
        await keys_answered(caller, call, "12#")  # no number
        assert spoken[-1] == t._(BAD)
        assert call.chat_id == withheld and await dispatcher.db.users.find("phone", NUMBER) is None
        await keys_answered(caller, call, "09005123456#")  # premium rate: never called
        assert spoken[-1] == t._(BAD) and await _entry(dispatcher, withheld) == {"then": "hr:new"}
        assert call.chat_id == withheld
        assert await dispatcher.db.users.find("phone", "+499005123456") is None
        await keys_answered(caller, call, TYPED + "#")
        digits = ", ".join(TYPED)
        assert spoken[-1] == str(t.t(CONFIRM, digits=digits))
        await keys_answered(caller, call, "1")  # right: the call ends, the number is called
        assert spoken[-1] == t._(CALLING_TYPED)
        await asyncio.to_thread(caller.wait_for, "CALL_CLOSED")
        assert call.chat_id == withheld
        assert await dispatcher.db.users.find("phone", NUMBER) is None  # not before "1"

        await asyncio.to_thread(number_phone.wait_for, "CALL_ESTABLISHED")
        await until(lambda: t._(QUESTION) in spoken, "the question")
        await asyncio.to_thread(number_phone.press, "1")
        await until(lambda: NUMBER in phone._by_chat, "the request's call")
        on_number = phone._by_chat.get(NUMBER)
        assert on_number is not None
        assert on_number.caller.checked
        # The first call's consent is not carried (whoever answered has not heard the
        # notice): the notice (asking for help keeps something), her own "I agree", then
        # the request the call asked for goes on.
        await until(lambda: answers_to(on_number) == 1, "the privacy notice")
        person = await dispatcher.db.users.find("phone", NUMBER)
        assert person is not None and person.consent_at is None
        for data in ("consent:yes", "hr:cat:"):
            await keys_answered(number_phone, on_number, await key_for(phone, on_number, data))
        assert on_number.turn.recorded
        answers = answers_to(on_number)
        await spoken_after_the_tone(number_phone, on_number)
        await until(lambda: answers_to(on_number) > answers, "where?")
        await keys_answered(number_phone, on_number, "44137")
        await keys_answered(
            number_phone, on_number, await key_for(phone, on_number, "hr:when:asap")
        )
        # The easy texts, as the asking call had them: the languages are one question.
        await keys_answered(
            number_phone, on_number, await key_for(phone, on_number, "hr:lang-only")
        )
        await keys_answered(number_phone, on_number, await key_for(phone, on_number, "hr:send"))
        await asyncio.to_thread(number_phone.hangup)
        await until(lambda: phone.calling.outcomes == [(NUMBER, "heard")], "the call ended")
    finally:
        await phone.stop()
    person = await dispatcher.db.users.find("phone", NUMBER)
    assert person is not None and person.chat_id == NUMBER
    assert person.language == "de" and person.consent_at is not None and person.easy_language
    (request,) = await dispatcher.db.requests.for_requester(person.id)
    assert request.state == "review" and request.voice_file_id.startswith("rec-")


async def test_a_typed_number_whose_holder_says_not_me_makes_nothing(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher, tmp_path: Path
):
    """Anyone can type anyone's number: its person's request is never said to the caller,
    and when whoever answers the number presses "2" nothing is made in their name."""
    db = dispatcher.db
    person = await db.users.seen("phone", NUMBER, NUMBER)
    await db.users.set_language(person.id, "de")
    await db.users.record_consent(person.id)
    await db.requests.create(
        person.id, person.id, category="shopping", description="Geheimer Einkauf am Hafen"
    )
    number_phone, phone, spoken = await _answering(phones, kamailio, dispatcher, tmp_path)
    t = translator("de")
    try:
        caller, call = await _withheld_call(phone, phones, kamailio, tmp_path)
        await _typed(phone, caller, call, spoken)
        await asyncio.to_thread(number_phone.wait_for, "CALL_ESTABLISHED")
        await until(lambda: t._(QUESTION) in spoken, "the question")
        await asyncio.to_thread(number_phone.press, "2")
        await asyncio.to_thread(number_phone.wait_for, "CALL_CLOSED")  # the bot hung up
        await until(lambda: phone.calling.outcomes == [(NUMBER, "not them")], "not them")
        assert NUMBER not in phone._by_chat
        assert not any("Hafen" in text for text in spoken)
    finally:
        await phone.stop()
    assert len(await db.requests.for_requester(person.id)) == 1  # only the one there was
