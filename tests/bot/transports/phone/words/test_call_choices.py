"""What the phone line keeps of numbered choices
(bot/transports/phone/words/newest_choices_only.py): a
caller's newest message's choices only, and nothing once their call's keys are taken (not
every message said to every caller, without bound). A new call of the same caller keeps
theirs."""

from __future__ import annotations

from bot.transports.phone.transport import Call
from bot.transports.phone.words.what_keys_mean import Typed
from handlers.dispatcher import Dispatcher
from handlers.messages import Command
from tests.support.sip.keypad_phone import CALLER, keypad_phone


async def test_only_the_newest_choices_are_kept_and_none_after_the_call(
    dispatcher: Dispatcher,
):
    phone, call, _ = keypad_phone(dispatcher)
    memory = phone.voice.choices.memory
    try:
        for meaning in (Command("start"), Typed("1"), Typed("1")):  # languages, notice, menu
            await phone.meant(call, meaning)
        assert len(memory._buttons) == 1  # type: ignore[attr-defined]
        answers = call.audio.answers
        await phone.meant(call, Typed("1"))  # the newest choices still press: places
        assert call.audio.answers == answers + 1 and len(memory._buttons) == 1  # type: ignore[attr-defined]
        # Hung up: once the call's keys are taken, nothing of the caller is kept.
        phone.call_over(call)
        await phone._take(call)
        assert memory._buttons == {} and CALLER not in memory._newest  # type: ignore[attr-defined]
    finally:
        phone.prompts.close()  # type: ignore[union-attr]


async def test_a_new_call_of_the_caller_keeps_its_choices_when_the_old_one_ends(
    dispatcher: Dispatcher,
):
    phone, call, _ = keypad_phone(dispatcher)
    memory = phone.voice.choices.memory
    try:
        await phone.meant(call, Command("start"))
        phone.call_over(call)
        again = Call(8, CALLER)
        phone._calls[8] = again
        phone._by_chat.renamed(again)
        await phone.meant(again, Command("start"))
        await phone._take(call)  # the old call's task ends after the new call began
        assert CALLER in memory._newest and memory._buttons  # type: ignore[attr-defined]
    finally:
        phone.prompts.close()  # type: ignore[union-attr]
