"""Calls between a helper and a phone resident that hide both numbers: the bot calls the
helper, then the resident, and connects the two calls' audio (handlers/helping/
bridged_calls.py starts one from the helper's chat; this is its ``CallPort``).

One call, step by step: the helper's phone rings (``ring_seconds``, then the bot hangs
up); answered, the helper hears :data:`WAIT` in their language while the resident's phone
rings - made on the same line as the helper's call (line_pool.py ``beside``: two calls are
connected only inside one line's conference bridge). The resident answers and is asked
first, as every call the bot makes (handlers/numbers/caller_check.py ``question``: "with a call
for Erna. If you are Erna, press 1. If not, press 2.", said twice at most): the request's
number may be a caller ID that was never checked (a first-time caller's "just talk"
request, handlers/helping/talk_now.py), and the bot never connects a helper to whoever
answers. Only "1" goes on: :data:`OFFER` in their language; "1" connects them (stack.py
``bridge``: each call's audio sent to the other, nothing played between). "2" (not them:
the helper is told to ask the coordinators), busy, no answer, no key to the question, or
no "1" within :data:`ANSWER_SECONDS`: the helper hears :data:`UNREACHABLE` and the call
ends. Whoever hangs up ends both calls. The helper's chat is told what came of it where
they did not talk (a message through the outbox, in their language:
handlers/numbers/call_notices.py).

A resident whose call with the bot is up (the call that made a "just talk" request, or
one a call-back checked - never a stand-in for a claimed number; the transport's
``live``) is not rung: the helper's call is made beside it, the offer is said in it, and
"1" connects the helper into it; no "1" and the caller's conversation goes on where it
was (the last answer said again), the helper hears :data:`UNREACHABLE`.

Quiet hours (``[phone] quiet_hours``) are this port's to say (``quiet_until``); the
handler asks when the button is pressed. How many calls a request may have in an hour is
the feature's rule, counted there (handlers/helping/bridged_calls.py ``may_start``).
Each leg is asked of dialling.py before it is made: both numbers must be ones the bot may
dial (a helper's number kept before, a resident's caller ID: premium or foreign ones are
never called - checked before the helper's phone rings), and each leg is one of the
month's calls (a bridged call is a running help: it may spend the reserve). Refused, the
helper's chat is told why.
The numbers are in no log line: calls are named by their request's number and call ids.

Button data: none. States (in memory): the calls running.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

from bot.transports.phone.calls.callers_number import PLATFORM
from bot.transports.phone.calls.dialling import Dialling
from bot.transports.phone.calls.outbox_calls import ASKED_TIMES, CallBackSettings
from bot.transports.phone.calls.verbs import (
    Answered,
    Bridge,
    CallRunner,
    Done,
    Ended,
    Failed,
    Gather,
    Pressed,
    Result,
    Ring,
    Say,
    unless_ended,
)
from bot.transports.phone.sip.call_control import CallControl, unanswered
from bot.transports.phone.words.who_picked_up import answer_keys, answered, question
from db import Database
from handlers.channels import BridgedCallEnded, CallOrder, Report
from handlers.messages import Message
from locales import N_, translator

log = logging.getLogger(__name__)


WAIT = N_("You will be connected with the resident. Please wait.")
OFFER = N_(
    "A helper from the neighbourhood help wants to speak with you about your request. "
    "To talk, press 1."
)
UNREACHABLE = N_("The resident cannot be reached just now. Goodbye.")
# How long the resident has to press 1 once they answered.
ANSWER_SECONDS = 30.0
# The longest bridged call.
LONGEST_CALL_SECONDS = 3600.0

Outcome = Literal[
    "talked",
    "busy",
    "no answer",
    "helper did not answer",
    "ended",
    "failed",
    "helper's number refused",
    "resident's number refused",
    "no calls left",
    "not them",
]


class LiveCall(Protocol):
    """A call of the resident's that is up (the phone transport's, ``Bridging.live``)."""

    @property
    def runner(self) -> CallRunner:
        """The call's runner: its id, its end."""

    async def offer(self, prompt: Path | None, seconds: float) -> bool:
        """Say ``prompt`` in the call: whether "1" came within ``seconds``; from then on
        the call's keys are the bridged call's."""

    def release(self) -> None:
        """No talk: the call goes on as the caller's conversation."""


class Bridging:
    def __init__(
        self,
        db: Database,
        stack: CallControl,
        settings: CallBackSettings,
        *,
        speak: Callable[[str, str], Awaitable[Path | None]],
        report: Report,
        backchannels: Iterable[tuple[str, str]] = (),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_queued: Callable[[], None] | None = None,
        dialling: Dialling | None = None,
    ) -> None:
        self.db = db
        self.stack = stack
        self.settings = settings
        self.dialling = dialling or Dialling(
            db, settings.dial, backchannels, clock=clock, on_queued=on_queued, report=report
        )
        self.speak = speak
        # What came of a call goes to the features (handlers/numbers/call_notices.py).
        self.report = report
        self.clock = clock
        self._running: set[asyncio.Task[None]] = set()
        # What each call came to, in order (request id, outcome): for the tests and the log.
        self.outcomes: list[tuple[int, Outcome]] = []
        # The resident's call that is up, if any (set by the phone transport): the helper
        # is connected into it, the number is not rung.
        self.live: Callable[[str], LiveCall | None] | None = None

    # -- the port (handlers/channels.py CallPort)

    def quiet_until(self) -> datetime | None:
        policy, now = self.settings.policy, self.clock()
        return policy.outside_quiet(now) if policy.is_quiet(now) else None

    def start(self, order: CallOrder) -> None:
        task = asyncio.create_task(self._run(order))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def settled(self) -> None:
        """Wait until no bridged call runs."""
        while self._running:
            await asyncio.wait(set(self._running))

    async def stop(self) -> None:
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)

    # -- one call

    async def _run(self, order: CallOrder) -> None:
        try:
            outcome = await self._connect(order)
        except Exception:
            log.exception("phone: the bridged call for request %d failed", order.request_id)
            outcome = "failed"
        log.info("phone: bridged call for request %d: %s", order.request_id, outcome)
        self.outcomes.append((order.request_id, outcome))
        await self.report(BridgedCallEnded(order.helper_id, outcome))

    async def _connect(self, order: CallOrder) -> Outcome:
        legs: list[CallRunner] = []
        try:
            async with asyncio.timeout(LONGEST_CALL_SECONDS):
                return await self._steps(order, legs)
        finally:
            for leg in legs:  # whatever is still on ends with the other
                if not leg.ended.done():
                    self.stack.hang_up(leg.call_id)

    async def _steps(self, order: CallOrder, legs: list[CallRunner]) -> Outcome:
        if not self.dialling.may_dial(order.helper_number):
            return "helper's number refused"
        live = self.live(order.resident_number) if self.live is not None else None
        if live is None and not self.dialling.may_dial(order.resident_number):
            return "resident's number refused"
        wait = await self.speak(str(translator(order.helper_lang).t(WAIT)), order.helper_lang)
        offer = await self.speak(str(translator(order.resident_lang).t(OFFER)), order.resident_lang)
        unreachable = await self.speak(
            str(translator(order.helper_lang).t(UNREACHABLE)), order.helper_lang
        )
        if await self._refused(order.helper_number):
            return "no calls left"
        helper = await CallRunner.dial(
            self.stack,
            self._uri(order.helper_number),
            beside=live.runner.call_id if live is not None else None,
        )
        legs.append(helper)
        if not isinstance(await helper.run(Ring(self.settings.ring_seconds)), Answered):
            return "helper did not answer"
        await helper.run(Say(_said(wait), wait=False))
        if live is not None:
            return await self._into(live, helper, offer, unreachable, legs)
        if await self._refused(order.resident_number):
            return "no calls left"
        resident = await CallRunner.dial(
            self.stack, self._uri(order.resident_number), beside=helper.call_id
        )
        legs.append(resident)
        rang = await unless_ended(resident.run(Ring(self.settings.ring_seconds)), helper)
        if rang is None:
            return "ended"
        not_them = False
        if isinstance(rang, Answered):
            asked = question(translator(order.resident_lang), await self._name(order))
            got = await unless_ended(self._ask(resident, asked, order.resident_lang), helper)
            if got is None:
                return "ended"
            who = answered(asked, got.key) if isinstance(got, Pressed) else None
            not_them = who == "not me"
            if who == "me":
                await resident.run(Say(_said(offer), wait=False))
                pressed = await unless_ended(resident.run(Gather("1", ANSWER_SECONDS)), helper)
                if pressed is None:
                    return "ended"
                if isinstance(pressed, Pressed):
                    return await self._talk(helper, resident)
        # Not reached (or not them, or no key to the question): the helper hears so, then
        # the call ends.
        if not resident.ended.done():
            self.stack.hang_up(resident.call_id)
        if unreachable is not None:
            await helper.run(Say((unreachable,)))
        if not_them:
            return "not them"
        code = rang.code if isinstance(rang, Ended) else 0
        return "busy" if unanswered(code) == "busy" else "no answer"

    async def _into(
        self,
        live: LiveCall,
        helper: CallRunner,
        offer: Path | None,
        unreachable: Path | None,
        legs: list[CallRunner],
    ) -> Outcome:
        """The resident is in a call with the bot now (the one that made the request, or
        one a call-back checked): the helper is offered in it and connected into it - the
        number is not rung, whoever holds it."""
        talk = await unless_ended(live.offer(offer, ANSWER_SECONDS), helper)
        if talk:
            legs.append(live.runner)  # whoever hangs up ends both calls
            return await self._talk(helper, live.runner)
        live.release()  # the caller's call goes on without the helper
        if talk is None:
            return "ended"
        if unreachable is not None:
            await helper.run(Say((unreachable,)))
        return "no answer"

    async def _name(self, order: CallOrder) -> str:
        """The resident's first name, as the question names them ("" for a caller)."""
        person = await self.db.users.find(PLATFORM, order.resident_number)
        return person.first_name if person else ""

    async def _ask(self, resident: CallRunner, asked: Message, lang: str) -> Result:
        """The question of every call the bot makes (handlers/numbers/caller_check.py), said twice
        at most, then a short wait: the key that answered it, or how it ended."""
        asking = await self.speak(str(asked.text), lang)
        keys = answer_keys(asked)
        got: Result = Done()
        for _ in range(ASKED_TIMES):
            got = await resident.run(Say(_said(asking), keys=keys))
            if not isinstance(got, Done):
                return got
        return await resident.run(Gather(keys, self.settings.listen_seconds))

    async def _talk(self, helper: CallRunner, resident: CallRunner) -> Outcome:
        """Each hears the other until either hangs up."""
        talked = await unless_ended(helper.run(Bridge(resident.call_id)), resident)
        return "failed" if isinstance(talked, Failed) else "talked"

    async def _refused(self, number: str) -> bool:
        """Whether the month has no call left for a leg (dialling.py; a running help)."""
        return await self.dialling.admit(number, running_help=True, call_back=False) is not None

    def _uri(self, number: str) -> str:
        return f"sip:{number}@{self.settings.domain}"


def _said(prompt: Path | None) -> tuple[Path, ...]:
    return (prompt,) if prompt is not None else ()
