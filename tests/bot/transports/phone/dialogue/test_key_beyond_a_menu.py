"""QA of the phone line (issue 77 follow-up, QA-VOICE), in a real call through Kamailio
(baresip the caller): a caller at the events (six choices) presses "9", which none of them
is. Bad input changes nothing: the answer says so and names the events' keys again, so the
key of "This week" then presses it. Before, the "9" was taken for words outside any step
and the "start with anything" answer (handlers/helping/requests_flow.py
``offer_help_with``) said the main menu - the caller taken out of the events.
(handlers/forms/not_a_choice.py.) The order is the call's events, never the clock."""

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
    proven_at_the_menu,
)
from tests.support.sip.fixtures import BOT_USER, PhoneFactory
from tests.support.sip.kamailio import KamailioServer

CALLER = "+492315550183"


async def test_a_key_beyond_the_events_choices_keeps_the_events(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher, tmp_path: Path
):
    phone = await phone_line(dispatcher, kamailio, tmp_path)
    try:
        caller = await asyncio.to_thread(phones, CALLER)
        call = await languages_heard(phone, caller, kamailio.uri(BOT_USER))
        await keys_answered(caller, call, "1")  # Deutsch: the menu
        await proven_at_the_menu(phone, caller, call)
        await keys_answered(caller, call, await key_for(phone, call, "menu:events"))
        week = await key_for(phone, call, "ev:week")
        assert await offered(phone, call, "ev:subs") != "9"
        await keys_answered(caller, call, "9")  # none of the events' choices
        # The events' keys again, not the main menu's.
        assert await offered(phone, call, "menu:events") is None
        assert await key_for(phone, call, "ev:week") == week
        await keys_answered(caller, call, week)
        assert await offered(phone, call, "ev:week") is None  # "This week" was pressed
        await asyncio.to_thread(caller.hangup)
        await asyncio.to_thread(caller.wait_for, "CALL_CLOSED")
    finally:
        await phone.stop()
