"""QA of the phone line (issue 77 follow-up, QA-VOICE), in a real call through Kamailio
(baresip the caller, its voice a tone, the bot's words the tone engine's): a caller asking
for help by voice reaches "When?", a step answered only by its keys, and presses "7", which
no choice has. Bad input changes nothing: the answer says which keys there are, and the
key of "as soon as possible" then answers the step. Before, the refusal came without its
choices, so the call's newest message had none and every key after it - "1" too - was
refused again ("Please press the key of a choice."), a caller caught until they hung up.
(handlers/forms/step_form.py: a step's refusal carries its buttons.) The order is the
call's events, never the clock."""

from __future__ import annotations

import asyncio
from pathlib import Path

from handlers.dispatcher import Dispatcher
from tests.support.sip.calls import (
    asked_when,
    key_for,
    keys_answered,
    languages_heard,
    phone_line,
    proven_at_the_menu,
    voice_tone,
)
from tests.support.sip.fixtures import BOT_USER, PhoneFactory
from tests.support.sip.kamailio import KamailioServer

CALLER = "+492315550179"


async def test_a_key_no_choice_has_leaves_the_steps_keys_working(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher, tmp_path: Path
):
    phone = await phone_line(dispatcher, kamailio, tmp_path)
    try:
        caller = await asyncio.to_thread(phones, CALLER, says=voice_tone(tmp_path), pad_seconds=120)
        call = await languages_heard(phone, caller, kamailio.uri(BOT_USER))
        await keys_answered(caller, call, "1")  # Deutsch: the menu
        await proven_at_the_menu(phone, caller, call)
        await asked_when(phone, caller, call)
        asap = await key_for(phone, call, "hr:when:asap")
        assert asap != "7"
        await keys_answered(caller, call, "7")  # no choice of "When?"
        # The refusal names the step's keys again: "as soon as possible" is on its key.
        assert await key_for(phone, call, "hr:when:asap") == asap
        await keys_answered(caller, call, asap)
        # The step was answered: the next one (the languages) is asked.
        assert await key_for(phone, call, "hr:lang-only")
        await asyncio.to_thread(caller.hangup)
        await asyncio.to_thread(caller.wait_for, "CALL_CLOSED")
    finally:
        await phone.stop()
