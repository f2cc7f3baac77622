"""A caller ID is a claim (handlers/numbers/caller_check.py), in real calls through
Kamailio: baresip calls with the number of Erna, a phone resident the bot knows, who has a
request. The call is not Erna's, and it hears what a call from a number nobody has hears:
the languages, the main menu, the notice where something is kept; "My requests" asks
"type your PIN, or press the hash key and we call you back" - nothing of the request. "#"
ends the call; the bot calls Erna's number (a second baresip, her phone), says that
someone called a moment ago and asked to be called back at this number, "if that was you,
press 1" - her name is not said before that "1": whoever holds the phone may not be her -;
her "1" (and "2" to the PIN's offer) begins her call with her requests, what the call
asked to see (what acts is never carried: a stranger pressed it). The order is the calls'
events, never the clock."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.transports.phone.calls.answered_call import is_over
from bot.transports.phone.calls.callers_number import is_withheld
from bot.transports.phone.transport import Call, PhoneTransport
from bot.transports.phone.words.who_picked_up import QUESTION
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import ButtonPress, Command, Text
from handlers.numbers import caller_check
from handlers.numbers.caller_check import CALLING, then_data
from handlers.numbers.phone_pin import ASK
from handlers.numbers.phone_pin import OFFER as PIN_OFFER
from locales import translator
from tests.support.sip.answers import answers_to
from tests.support.sip.baresip import BaresipCaller
from tests.support.sip.calls import (
    called_again,
    heard_texts,
    key_for,
    keys_answered,
    languages_heard,
    phone_line,
    until,
    voice_tone,
)
from tests.support.sip.fixtures import (
    BOT_PASSWORD,
    BOT_USER,
    PHONE_PASSWORD,
    PHONE_USERS,
    PhoneFactory,
)
from tests.support.sip.kamailio import HOST, KamailioServer

# What the features declare an unchecked call may do (``unchecked=True`` where they register).
UNCHECKED = build_router().unchecked


def free(event):
    return caller_check.free(event, UNCHECKED)


ERNA = "+4923155507"
SECRET = "Geheimer Einkauf am Hafen"
NEW = "+4923155599"


@pytest.fixture(scope="module")
def kamailio() -> Iterator[KamailioServer]:
    """As tests/support/sip/fixtures.py's, and a phone may register as NEW (the bot's calls
    to that number ring it)."""
    users = {BOT_USER: BOT_PASSWORD} | dict.fromkeys((*PHONE_USERS, NEW), PHONE_PASSWORD)
    server = KamailioServer(users=users)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def test_a_known_number_hears_nothing_of_its_person_until_called_back(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher, tmp_path: Path
):
    db = dispatcher.db
    erna = await db.users.seen("phone", ERNA, ERNA, "Erna")
    await db.users.set_language(erna.id, "de")
    await db.users.record_consent(erna.id)
    request = await db.requests.create(erna.id, erna.id, category="shopping", description=SECRET)
    her_phone = await asyncio.to_thread(
        phones, ERNA, answer=True, says=voice_tone(tmp_path), pad_seconds=120
    )
    phone: PhoneTransport = await phone_line(
        dispatcher, kamailio, tmp_path, calls_to=f"{HOST}:{her_phone.sip_port}"
    )
    spoken = heard_texts(phone)
    t = translator("de")
    # Her requests as "My requests" says them: the heading, then "#<id> Einkaufen - …".
    mine = str(t.t("📋 <b>Your requests</b>"))

    def hers() -> bool:
        return any(mine in text or f"#{request.id} " in text for text in spoken)

    try:
        caller = await asyncio.to_thread(phones, ERNA, says=voice_tone(tmp_path), pad_seconds=60)
        await asyncio.to_thread(caller.dial, kamailio.uri(BOT_USER))
        await asyncio.to_thread(caller.wait_for, "CALL_ESTABLISHED")
        await until(lambda: phone._calls, "the call came")
        (call,) = phone._calls.values()
        await until(lambda: answers_to(call) == 1, "the languages")
        assert call.caller.claimed == ERNA and is_withheld(call.chat_id)
        await keys_answered(caller, call, await key_for(phone, call, "lang:de"))
        await keys_answered(caller, call, await key_for(phone, call, "menu:help"))
        await keys_answered(caller, call, await key_for(phone, call, "consent:yes"))
        await keys_answered(caller, call, await key_for(phone, call, "hr:mine"))
        assert spoken[-1] == t._(ASK)
        await keys_answered(caller, call, "#")  # "… or press the hash key: we call you back"
        assert spoken[-1] == t._(CALLING)
        await asyncio.to_thread(caller.wait_for, "CALL_CLOSED")  # the bot hung up
        assert not hers()
        erna_now = await db.users.get(erna.id)
        assert erna_now.chat_id == ERNA and erna_now.language == "de"  # nothing changed

        # Her phone rings: the question first, then, on "1", her requests.
        await asyncio.to_thread(her_phone.wait_for, "CALL_ESTABLISHED")
        question = str(t.t(QUESTION))
        await until(lambda: question in spoken, "the question, naming nobody")
        assert not hers()
        assert not any("Erna" in text for text in spoken)
        await asyncio.to_thread(her_phone.press, "1")
        # A PIN is offered first (handlers/numbers/phone_pin.py): "2" goes on.
        await until(lambda: t._(PIN_OFFER) in spoken, "the PIN offered")
        assert not hers()
        await asyncio.to_thread(her_phone.press, "2")
        (checked,) = [c for c in phone._calls.values() if c.chat_id == ERNA]
        assert checked.caller.checked and not checked.caller.claimed
        # What the call asked to see, without pressing it again.
        await until(hers, "her requests")
        await asyncio.to_thread(her_phone.hangup)
        await until(lambda: phone.calling.outcomes == [(ERNA, "heard")], "the call ended")
    finally:
        await phone.stop()


async def _first_words(
    phone: PhoneTransport, caller: BaresipCaller, bot: str, first: bool, spoken: list[str]
) -> tuple[list[str], Call]:
    """What a caller hears from the answer through the languages ("Deutsch"), the main
    menu and "Get help" (the notice, as something would be kept), up to the help's menu
    after "I agree": the texts said, in order."""
    start = len(spoken)
    call = await (languages_heard if first else called_again)(phone, caller, bot)
    for data in ("lang:de", "menu:help", "consent:yes"):
        await keys_answered(caller, call, await key_for(phone, call, data))
    return spoken[start:], call


async def test_a_call_with_a_residents_number_first_hears_what_a_new_number_hears(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher, tmp_path: Path
):
    """Issue 98, point 3: a resident the desk entered (Turkish, a request, no consent yet)
    and a number nobody has, both German numbers: a call claiming hers hears word for word
    what the new number's call hears - the languages (German first, by the number), the
    menu, the notice where "Get help" would keep something, the help's menu after "I
    agree" - not her notice in Turkish. Before, her call began with it (her language and
    that she had not agreed, told to anyone who set her number as caller ID); a resident
    with a PIN was at the main menu at once."""
    db = dispatcher.db
    erna = await db.users.seen("phone", ERNA, ERNA, "Erna")
    await db.users.set_language(erna.id, "tr")
    await db.requests.create(erna.id, erna.id, category="shopping", description=SECRET)
    phone: PhoneTransport = await phone_line(dispatcher, kamailio, tmp_path)
    spoken = heard_texts(phone)
    try:
        new_caller = await asyncio.to_thread(phones, NEW, says=voice_tone(tmp_path))
        bot = kamailio.uri(BOT_USER)
        heard_new, call = await _first_words(phone, new_caller, bot, True, spoken)
        assert call.caller.claimed == NEW and is_withheld(call.chat_id)  # a claim, as any
        await asyncio.to_thread(new_caller.hangup)
        await until(lambda: is_over(call), "the first call ended")
        claiming = await asyncio.to_thread(phones, ERNA, says=voice_tone(tmp_path))
        heard_claimed, call = await _first_words(phone, claiming, bot, False, spoken)
        assert call.caller.claimed == ERNA
        assert heard_claimed == heard_new and len(heard_new) >= 4
        assert not any(SECRET in text or "Erna" in text for text in heard_claimed)
        # She has still not agreed: the caller's "I agree" was its own.
        assert (await db.users.get(erna.id)).consent_at is None
        await asyncio.to_thread(claiming.hangup)
    finally:
        await phone.stop()


def test_an_unchecked_call_may_browse_and_nothing_of_a_person():
    """What shows the same to everyone passes; a person's requests, settings, data rights,
    reminders, the relay and a new request in their name wait for the check."""
    for data in ("menu:main", "menu:places", "menu:help", "menu:events", "pl:d:4", "pl:more"):
        assert free(ButtonPress(data)), data
    for data in ("ev:week", "ev:d:7:20261201", "ev:more", "lang:de", "ra:on"):
        assert free(ButtonPress(data)), data
    for data in ("hr:new", "hr:mine", "hr:wd:3", "menu:settings", "menu:volunteer", "rl:to:3"):
        assert not free(ButtonPress(data)), data
    for data in ("ev:mine", "ev:rm:7:20261201", "ev:subs", "delete:ask", "reach:call"):
        assert not free(ButtonPress(data)), data
    assert free(Command("start")) and free(Command("coordinators")) and free(Text("44137"))
    assert not free(Command("delete")) and not free(Command("myrequests"))
    assert then_data(ButtonPress("hr:mine")) == "hr:mine"
    assert then_data(Command("mydata")) == "menu:main"


PIN_RESIDENT = "+4923155508"


async def _asks_for_a_new_request(
    phone: PhoneTransport, caller: BaresipCaller, bot: str, first: bool, spoken: list[str]
) -> tuple[list[str], Call]:
    """A caller from the answer through the languages ("Deutsch"), "Get help" (the notice,
    "I agree"), "Ask for help", one PIN typed wrong (ended with "#", as many do) and "#": the texts
    said, in order."""
    start = len(spoken)
    call = await (languages_heard if first else called_again)(phone, caller, bot)
    for data in ("lang:de", "menu:help", "consent:yes", "hr:new"):
        await keys_answered(caller, call, await key_for(phone, call, data))
    await keys_answered(caller, call, "1357#")  # the PIN, as callers end an entry
    await keys_answered(caller, call, "#")
    await asyncio.to_thread(caller.wait_for, "CALL_CLOSED")  # the bot hung up
    return spoken[start:], call


async def test_a_new_number_and_a_residents_hear_the_same_until_the_call_back_carries_on(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher, tmp_path: Path
):
    """Issue 98, point 3: a number nobody has and the number of a resident with a PIN and a
    request, driving the same keys to ask for help, hear the same words: the PIN asked
    ("type your PIN, or press the hash key"), "not right" for the digits typed, "we call
    you back" for "#" - before, the new number went on to the request's questions at once,
    so a caller ID told whether a number was someone's. Both calls' numbers are called
    back, as the proof; the new caller's call-back, on her "1" and her "I agree", is asked
    what she needs - where she wanted to go."""
    from handlers.numbers.phone_pin import WRONG, hashed

    db = dispatcher.db
    resident = await db.users.seen("phone", PIN_RESIDENT, PIN_RESIDENT, "Erna")
    await db.users.set_language(resident.id, "de")
    await db.users.record_consent(resident.id)
    await db.requests.create(resident.id, resident.id, category="shopping", description=SECRET)
    await db.phone_pins.set(resident.id, hashed("2580"))
    # The new number's phone, registered at Kamailio: the bot's calls to NEW ring it (the
    # resident's number rings nowhere; her call-back is tried again later).
    her_phone = await asyncio.to_thread(
        phones, NEW, register=True, answer=True, says=voice_tone(tmp_path), pad_seconds=120
    )
    phone: PhoneTransport = await phone_line(dispatcher, kamailio, tmp_path)
    spoken = heard_texts(phone)
    t = translator("de")
    bot = kamailio.uri(BOT_USER)
    try:
        claiming = await asyncio.to_thread(phones, PIN_RESIDENT, says=voice_tone(tmp_path))
        heard_claimed, call = await _asks_for_a_new_request(phone, claiming, bot, True, spoken)
        assert call.caller.claimed == PIN_RESIDENT
        await until(lambda: is_over(call), "the first call ended")
        new_caller = await asyncio.to_thread(phones, NEW, says=voice_tone(tmp_path))
        heard_new, call = await _asks_for_a_new_request(phone, new_caller, bot, False, spoken)
        assert call.caller.claimed == NEW
        assert heard_new == heard_claimed
        assert heard_new[-3:] == [t._(ASK), t._(WRONG), t._(CALLING)]
        # Nothing was written to the new number, nor anything of the resident's changed.
        assert await db.users.find("phone", NEW) is None
        assert (await db.phone_pins.get(resident.id)).wrong == 1
        # The call-back to the new number: the question, "1", the notice (whoever answers
        # has not heard it), "I agree", and she is asked what she needs.
        await asyncio.to_thread(her_phone.wait_for, "CALL_ESTABLISHED")
        await until(lambda: str(t.t(QUESTION)) in spoken, "the question")
        await asyncio.to_thread(her_phone.press, "1")

        def checked_call() -> list[Call]:
            return [c for c in phone._calls.values() if c.chat_id == NEW and c.caller.checked]

        await until(checked_call, "her call, checked")
        (checked,) = checked_call()
        await keys_answered(her_phone, checked, await key_for(phone, checked, "consent:yes"))
        await key_for(phone, checked, "hr:cat:")
        person = await db.users.find("phone", NEW)
        assert person is not None and person.consent_at is not None
        assert person.language == "de"
        await asyncio.to_thread(her_phone.hangup)
    finally:
        await phone.stop()
