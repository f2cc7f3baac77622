"""A call that is up, handed to a helper's bridged call (bridging.py ``LiveCall``): the
helper's offer is said in it, its "1" takes the talk; no talk, and the call goes on as the
caller's conversation, where they were.

:func:`handed` chooses the call (one of the number's own person, not recording, typing,
being transferred or handed already); while handed, the call's keys and its wait
for the caller are the bridged call's (answered_call.py ``Call.handed``).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from bot.transports.phone.calls.answered_call import Call, is_over
from bot.transports.phone.calls.verbs import CallRunner, Say
from bot.transports.phone.dialogue.answers_said import CallVoice
from bot.transports.phone.sip.call_control import CallEvent

log = logging.getLogger(__name__)


class HandedCall:
    def __init__(self, voice: CallVoice, call: Call) -> None:
        self.voice, self.call = voice, call

    @property
    def runner(self) -> CallRunner:
        return self.voice.runner(self.call)

    async def offer(self, prompt: Path | None, seconds: float) -> bool:
        call = self.call
        if is_over(call):
            return False
        # Handed: the call's loop waits for its caller no more (answers_said.py ``waits``).
        call.handed = asyncio.get_running_loop().create_future()
        log.info("phone: call %d: a helper's call is offered", call.call_id)
        self.runner.start(Say((prompt,) if prompt else (), wait=False))
        try:
            return await asyncio.wait_for(asyncio.shield(call.handed), seconds) == "1"
        except TimeoutError:
            return False

    def release(self) -> None:
        call = self.call
        call.handed = None
        if is_over(call):
            return
        if call.turn.said:  # where they were: the last answer again
            self.voice.play(call, list(call.turn.said))
        else:  # all is said: the call's loop waits for its caller again
            self.runner.feed(CallEvent("quiet", call.call_id))


def handed(voice: CallVoice, call: Call | None) -> HandedCall | None:
    """``call`` (the call of a number's person that is up: one that came from a number
    nobody had yet, or one a call-back checked - never a stand-in for a claimed number) to
    hand to the helper of their request, unless it is recording, typing, being transferred
    or handed already."""
    if (
        call is None
        or call.caller.claimed
        or call.runner is None
        or is_over(call)
        or call.turn.then
        or call.listening is not None
        or call.turn.until_hash  # typing a number to call back
        or call.handed is not None
    ):
        return None
    return HandedCall(voice, call)
