"""QA of the phone line (issue 77 follow-up, QA-VOICE), in a real call through Kamailio
(baresip the caller, the bot's words the tone engine's): a new caller chooses German, then
"Get help", which keeps something and so brings the privacy notice (handlers/first_kept.py)
with its three keys - and presses "7", a key no choice of the notice has. Bad input changes
nothing: the notice is asked again with the choice that brought it kept, so "1" agrees and
the help follows. Before, "7" was taken as a call's start: the main menu was said and the
caller's choice was gone ("1" then chose the places). The order is the call's events,
never the clock."""

from __future__ import annotations

import asyncio
from pathlib import Path

from handlers.dispatcher import Dispatcher
from tests.support.sip.calls import (
    key_for,
    keys_answered,
    languages_heard,
    offered,
    phone_line,
)
from tests.support.sip.fixtures import BOT_USER, PhoneFactory
from tests.support.sip.kamailio import KamailioServer

CALLER = "+492315550178"


async def test_a_key_the_notice_has_not_keeps_the_notice_and_the_choice(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher, tmp_path: Path
):
    phone = await phone_line(dispatcher, kamailio, tmp_path)
    try:
        caller = await asyncio.to_thread(phones, CALLER, pad_seconds=120)
        call = await languages_heard(phone, caller, kamailio.uri(BOT_USER))
        await keys_answered(caller, call, "1")  # Deutsch: the menu
        await keys_answered(caller, call, await key_for(phone, call, "menu:help"))
        assert await key_for(phone, call, "consent:yes") == "1"  # the notice, its keys
        notice = await _newest(phone, call)
        await keys_answered(caller, call, "7")  # no choice of the notice's
        # Once the answer's choices are kept (a message after the notice): the notice
        # again, not the main menu; nothing agreed.
        await _after(phone, call, notice)
        assert await offered(phone, call, "consent:yes") is not None
        assert await offered(phone, call, "menu:places") is None
        person = await dispatcher.db.users.find("phone", call.chat_id)  # its stand-in
        assert person is not None and person.consent_at is None
        # "1" agrees and goes on with the choice that brought the notice: the help.
        await keys_answered(caller, call, "1")
        assert await key_for(phone, call, "hr:new")
        person = await dispatcher.db.users.find("phone", call.chat_id)
        assert person is not None and person.consent_at is not None
        await asyncio.to_thread(caller.hangup)
        await asyncio.to_thread(caller.wait_for, "CALL_CLOSED")
    finally:
        await phone.stop()


async def _newest(phone, call) -> int:
    """The id of the newest message the call was sent with choices."""
    newest = await phone.voice.choices.memory.newest_sent(call.chat_id)
    assert newest is not None
    return newest[0]


async def _after(phone, call, message: int) -> None:
    """Wait until the call was sent a message with choices after ``message`` (a guard of
    a minute against a hang, never a measure)."""
    for _ in range(3000):
        if await _newest(phone, call) != message:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("never: an answer with choices after the notice")
