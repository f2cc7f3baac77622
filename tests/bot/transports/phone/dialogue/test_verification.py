"""A caller ID is a claim (handlers/numbers/caller_check.py), in real calls through
Kamailio: baresip calls with the number of Erna, a phone resident the bot knows, who has a
request. The call is not Erna's: the main menu and "Ask for help" come, but "My requests"
says only that the bot calls back first - nothing of the request. "1" ends the call; the
bot calls Erna's number (a second baresip, her phone), says that someone called a moment
ago and asked to be called back at this number, "if that was you, press 1" - her name is
not said before that "1": whoever holds the phone may not be her -; her "1" (and "2" to the
PIN's offer) begins her call with the main menu - not with the caller's "My requests": what
a stranger pressed is not hers - and her own "My requests" opens them. The order is the
calls' events, never the clock."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.transports.phone.calls.callers_number import is_withheld
from bot.transports.phone.transport import PhoneTransport
from bot.transports.phone.words.who_picked_up import QUESTION
from handlers.dispatcher import Dispatcher
from handlers.messages import ButtonPress, Command, Text
from handlers.numbers.caller_check import CALLING, OFFER, free, then_data
from handlers.numbers.phone_pin import OFFER as PIN_OFFER
from locales import translator
from tests.support.sip.calls import (
    heard_texts,
    key_for,
    keys_answered,
    phone_line,
    until,
    voice_tone,
)
from tests.support.sip.fixtures import BOT_USER, PhoneFactory
from tests.support.sip.kamailio import HOST, KamailioServer

ERNA = "+4923155507"
SECRET = "Geheimer Einkauf am Hafen"


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
        await until(lambda: call.audio.answers == 1, "the main menu, in German at once")
        assert call.caller.claimed == ERNA and is_withheld(call.chat_id)
        await keys_answered(caller, call, await key_for(phone, call, "menu:help"))
        await keys_answered(caller, call, await key_for(phone, call, "hr:mine"))
        assert spoken[-1] == t._(OFFER)
        await keys_answered(caller, call, "#")  # back, to the main menu: no call-back
        stand_in = await db.users.find("phone", call.chat_id)
        assert stand_in is not None and await db.users.get_state(stand_in.id) is None
        await keys_answered(caller, call, await key_for(phone, call, "menu:help"))
        await keys_answered(caller, call, await key_for(phone, call, "hr:mine"))
        await keys_answered(caller, call, "1")
        assert spoken[-1] == t._(CALLING)
        await asyncio.to_thread(caller.wait_for, "CALL_CLOSED")  # the bot hung up
        assert not hers()
        assert (await db.users.get(erna.id)).chat_id == ERNA  # nothing changed for her

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
        await until(lambda: checked.audio.answers >= 2, "the main menu")
        assert not hers()  # the caller's "My requests" was not carried into her call
        await keys_answered(her_phone, checked, await key_for(phone, checked, "menu:help"))
        await keys_answered(her_phone, checked, await key_for(phone, checked, "hr:mine"))
        assert hers()
        await asyncio.to_thread(her_phone.hangup)
        await until(lambda: phone.calling.outcomes == [(ERNA, "heard")], "the call ended")
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
    for data in ("ev:mine", "ev:rm:7:20261201", "ev:subs", "delete:yes", "reach:call"):
        assert not free(ButtonPress(data)), data
    assert free(Command("start")) and free(Command("coordinators")) and free(Text("44137"))
    assert not free(Command("delete")) and not free(Command("myrequests"))
    assert then_data(ButtonPress("hr:mine")) == "hr:mine"
    assert then_data(Command("mydata")) == "menu:main"
