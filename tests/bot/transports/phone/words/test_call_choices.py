"""What the phone line keeps of numbered choices
(bot/transports/phone/words/newest_choices_only.py): a
caller's newest message's choices only, and nothing once their call's keys are taken (not
every message said to every caller, without bound). A new call of the same caller keeps
theirs, and a call that only claims the number (every call from a number is a stand-in until
it is checked, handlers/numbers/caller_check.py) takes nothing from the number's checked
call that is up."""

from __future__ import annotations

from bot.transports.phone.calls.answered_call import Caller
from bot.transports.phone.transport import Call
from bot.transports.phone.words.what_keys_mean import Typed
from handlers.dispatcher import Dispatcher
from handlers.messages import Command
from tests.support.sip.answers import answers_to
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
        answers = answers_to(call)
        await phone.meant(call, Typed("1"))  # the newest choices still press: places
        assert answers_to(call) == answers + 1 and len(memory._buttons) == 1  # type: ignore[attr-defined]
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
    # Two calls are one chat only once checked: here call-backs going on as conversations
    # (an unchecked call is its own stand-in, the next test).
    call.caller.checked = "call-back"
    memory = phone.voice.choices.memory
    try:
        await phone.meant(call, Command("start"))
        phone.call_over(call)
        again = Call(8, CALLER, caller=Caller(checked="call-back"))
        phone._calls[8] = again
        phone._by_chat.renamed(again)
        await phone.meant(again, Command("start"))
        await phone._take(call)  # the old call's task ends after the new call began
        assert CALLER in memory._newest and memory._buttons  # type: ignore[attr-defined]
    finally:
        phone.prompts.close()  # type: ignore[union-attr]


async def test_a_call_claiming_the_number_takes_nothing_from_its_checked_call(
    dispatcher: Dispatcher,
):
    phone, call, _ = keypad_phone(dispatcher)
    call.caller.checked = "call-back"  # a call-back going on as a conversation: the number's
    memory = phone.voice.choices.memory
    try:
        await phone.meant(call, Command("start"))
        held = memory.held()  # type: ignore[attr-defined]
        # Another call with the number as caller ID comes and hangs up at once: its task
        # makes it a stand-in, then ends.
        claiming = Call(8, CALLER)
        phone._calls[8] = claiming
        phone.call_over(claiming)
        await phone._take(claiming)
        assert claiming.caller.claimed == CALLER and claiming.chat_id != CALLER
        # The checked call's choices still press, and its number still finds it.
        assert CALLER in memory._newest and memory.held() == held  # type: ignore[attr-defined]
        assert phone._by_chat.get(CALLER) is call
        assert claiming.chat_id not in phone._by_chat  # nothing kept of the gone claim
    finally:
        phone.prompts.close()  # type: ignore[union-attr]
