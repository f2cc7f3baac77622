"""A caller who hangs up in the middle of a help request and calls back is asked whether to
continue it or start again (handlers/helping/unfinished_request.py, docs/phone.md "A
request not finished"), in real calls through Kamailio (baresip the caller, its voice a
tone). Before, the call back said the main menu and the recording and the postcode were
lost with the next choice, without a word. The order is the calls' events, never the
clock."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.transports.phone.transport import PhoneTransport
from db import Database
from handlers.dispatcher import Dispatcher
from handlers.helping.requests_flow import STATE
from tests.support.sip.baresip import BaresipCaller
from tests.support.sip.calls import (
    PIN,
    asked_when,
    called_again,
    key_for,
    keys_answered,
    languages_heard,
    phone_line,
    proven_at_the_menu,
    until,
    voice_tone,
)
from tests.support.sip.fixtures import BOT_USER, PhoneFactory
from tests.support.sip.kamailio import KamailioServer

CALLER = "+492315550183"


async def _hung_up(phone: PhoneTransport, caller: BaresipCaller) -> None:
    await asyncio.to_thread(caller.hangup)
    await until(lambda: not phone._calls, "the call ended")


async def _proven_asking_for_help(phone: PhoneTransport, caller: BaresipCaller, call) -> None:
    """A call again is a stand-in until checked (handlers/numbers/caller_check.py): German,
    "Get help" (the notice: "I agree", the call's own), "Ask for help" - her PIN asked -,
    her PIN: the call is hers, and her "Ask for help" meets the request she began."""
    for data in ("lang:de", "menu:help", "consent:yes", "hr:new"):
        await keys_answered(caller, call, await key_for(phone, call, data))
    await keys_answered(caller, call, PIN)


async def test_a_caller_back_continues_the_request_or_starts_again(
    kamailio: KamailioServer,
    phones: PhoneFactory,
    dispatcher: Dispatcher,
    db: Database,
    tmp_path: Path,
):
    phone = await phone_line(dispatcher, kamailio, tmp_path)
    try:
        caller = await asyncio.to_thread(phones, CALLER, says=voice_tone(tmp_path), pad_seconds=180)
        call = await languages_heard(phone, caller, kamailio.uri(BOT_USER))
        await keys_answered(caller, call, "1")  # Deutsch: the menu
        await proven_at_the_menu(phone, caller, call)
        await asked_when(phone, caller, call)
        assert await key_for(phone, call, "hr:when:asap")
        user = await db.users.find("phone", CALLER)
        assert user is not None
        asked = await db.users.get_state(user.id)
        assert asked is not None and asked.state == STATE + "when"
        await _hung_up(phone, caller)  # at "When?"

        # Called back, her PIN typed for "Ask for help": the offer, not a new request;
        # "continue" asks "When?" again, with the recording and the postcode still in the
        # draft.
        again = await called_again(phone, caller, kamailio.uri(BOT_USER))
        await _proven_asking_for_help(phone, caller, again)
        go_on = await key_for(phone, again, "unfinished:go")
        assert await key_for(phone, again, "unfinished:new") != go_on
        await keys_answered(caller, again, go_on)
        await keys_answered(caller, again, await key_for(phone, again, "hr:when:asap"))
        assert await key_for(phone, again, "hr:lang-only")  # the step after "When?"
        kept = await db.users.get_state(user.id)
        assert kept is not None and kept.state.startswith(STATE)
        assert kept.data["draft"] == {**asked.data["draft"], **kept.data["draft"]}
        await _hung_up(phone, caller)

        # Called back again: "start again" drops the draft and says the main menu.
        third = await called_again(phone, caller, kamailio.uri(BOT_USER))
        await _proven_asking_for_help(phone, caller, third)
        await keys_answered(caller, third, await key_for(phone, third, "unfinished:new"))
        assert await key_for(phone, third, "menu:help")
        assert await db.users.get_state(user.id) is None
        await _hung_up(phone, caller)
    finally:
        await phone.stop()
