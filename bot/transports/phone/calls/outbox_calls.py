"""Calling phone people back: what the outbox has for a person on the phone platform is
said to them in a call the bot makes.

How "delivered" maps onto the outbox worker (bot/delivery.py): the outbox stays the one
store of what is still to be said, and an item counts as sent only once the person
answered and heard it. :meth:`CallingBack.deliver` never waits for a call (it would hold
up every other chat's messages of the worker's round): for the chat's oldest item it
starts a call in the background and raises a transient ``DeliveryError`` whose
``retry_after`` brings the item back when the call is over (or when the next try is
due, outside the quiet hours), so the item stays unsent meanwhile. The call says all of
the person's waiting items (the worker's item, translated, and the later ones of the
chat as queued, db/outbox.py ``waiting``), one after the other, then "press 1 to hear it
again" (# or hanging up ends). Items played to their end are *heard*: when the worker
comes back to each of them, ``deliver`` returns at once and the worker marks it sent -
one call, several items, none said twice. Nothing is lost: an item not heard stays in
the outbox. After a restart the tries start again and items heard but not yet marked
are said once more (in doubt, like a send cut off by a crash).

These states are one process's memory, so one process places the call-backs: with several
processes on PostgreSQL the holder of the cluster role ``call-backs`` (the phone transport's
``delivering``; the others' outbox workers leave the phone's items alone). Were every
process to deliver them, the claim given back for the 5 s would let another process claim
the item and ring the person a second time, and say again what the first call had said.
A holder that stops or loses the role (:meth:`CallingBack.stop`) hangs up its calls under
way; the next holder calls again what was not heard, its tries counted from the start.

A call not answered (busy, nobody picks up within ``ring_seconds`` - then the bot hangs
up -, or failed) is tried again by the policy (when_to_call_again.py: ``attempts``, the pause
between, never in the quiet hours). After the last, the coordinators are told through
the outbox (the backchannel, in the city's language, about the person) and the items of
those calls are given up (``deliver`` raises a permanent error for each).

Each call is first asked of dialling.py: a number the bot may not dial (a premium or
foreign caller ID) or a month whose calls are spent is never called - the person's
waiting items are given up the same way, the coordinators told why; a number that had
its call-backs today waits for the next day.

A ``Delete`` has nothing to say and an ``Edit`` changes a message already heard: both are
settled without a call. A voice message (a volunteer's relayed one) is played in the call
among the texts, its caption said before it: its OGG/Opus decoded to WAV at the call's
clock rate (voice_audio.py), in a private folder, removed when the call is over. The
worker's item comes with its bytes (bot/delivery.py); a later waiting one is fetched from
its platform through ``media`` - without it, the call stops before that voice message,
which then waits for a call of its own.

The answer after the tone: where an item is a relayed message (its buttons have the
relay's "💬 Write to NAME": its button of role ``answer``, handlers/messages.py
``answer_of``), the question
after the messages offers it as "2" ("Write to Vera: press 2."), once the messages were
heard. "2" hands the call over to the phone transport's conversation (``converse``): the
call goes on as if the person had called in and pressed "Write to" - the relay's answer
says who will hear the message, the tone, the recording, the voice message passed on to
the volunteer by the relay (handlers/helping/relay/chat.py), the bot's answer said - until the
person hangs up. The items were heard before "2": the call counts as heard.

Button data: none. States (in memory, per chat): the tries and when the last was, the
outbox ids of the items in them, the call running; the items heard and given up until
the worker takes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from bot.transports.phone.calls.callers_number import PLATFORM
from bot.transports.phone.calls.dialling import CheckSettings, Dialling, DialSettings, Refusal
from bot.transports.phone.calls.verbs import (
    CallRunner,
    Done,
    Ended,
    Gather,
    HangUp,
    Pressed,
    Result,
    Ring,
    Say,
    TimedOut,
)
from bot.transports.phone.calls.when_to_call_again import BERLIN, Policy
from bot.transports.phone.sip.call_control import CallControl, unanswered
from bot.transports.phone.sip.voice_audio import BadAudio, pcm_wav
from bot.transports.phone.words.speech_files import PRESS
from bot.transports.phone.words.who_picked_up import (
    answer_keys,
    answered,
    check_question,
    question,
)
from bot.transports.sending import DeliveryError, send_key
from db import Database
from db.outbox import OutboxItem
from handlers.channels import CallsGivenUp, GivenUp, Report
from handlers.messages import Delete, Edit, Message, Outgoing, Voice, answer_of
from locales import Translator

log = logging.getLogger(__name__)

# While a call runs, the worker looks again after this many seconds.
RECHECK_SECONDS = 5.0
# After "press 1 to hear it again": how long the bot waits for a key before it hangs up.
LISTEN_SECONDS = 8.0
# The longest call-back (a person pressing 1 again and again).
LONGEST_CALL_SECONDS = 600.0
# How often the question "if you are NAME, press 1" is said before the bot hangs up.
ASKED_TIMES = 2
# A checked call goes on as the person's conversation, on its runner, until it ends.
Begin = Callable[[CallRunner], Awaitable[None]]

Outcome = Literal["heard", "not heard", "busy", "no answer", "failed", "not them"]
# A voice message's bytes from its platform (platform, file id), as the worker fetches them.
Media = Callable[[str, str], Awaitable[tuple[bytes, str]]]
# The key that answers a relayed message after the tone.
ANSWER = "2"
# An answered call-back goes on as the transport's conversation (chat id, the call's runner,
# the data of the button pressed first), on the same runner, until the call ends.
Converse = Callable[[str, CallRunner, str], Awaitable[None]]


@dataclass(frozen=True)
class SpokenItem:
    """One item as the call says it: its words, then a voice message's audio."""

    words: str = ""
    voice: bytes = b""
    # A relayed message's way to answer: (the label of its "Write to", its data).
    answer: tuple[str, str] | None = None


@dataclass(frozen=True)
class CallBackSettings:
    """``domain``: what follows the number in the called SIP URI (the registrar's domain,
    or a trunk's address); empty: the bot cannot call."""

    domain: str = ""
    ring_seconds: float = 30.0
    # How long the bot waits for a key after a question (``LISTEN_SECONDS``; shorter in
    # the tests that let it run out).
    listen_seconds: float = LISTEN_SECONDS
    policy: Policy = field(default_factory=Policy)
    dial: DialSettings = field(default_factory=DialSettings)
    # The check calls' own pool and caps (check_calls.py).
    checks: CheckSettings = field(default_factory=CheckSettings)


@dataclass
class Chase:
    """The tries to reach one person with the items ``items``."""

    tried: int = 0
    last: datetime | None = None
    items: set[int] = field(default_factory=set)
    task: asyncio.Task[None] | None = None


class CallingBack:
    def __init__(
        self,
        db: Database,
        stack: CallControl,
        settings: CallBackSettings,
        *,
        speak: Callable[[str, Translator | str], Awaitable[Path | None]],
        language: Callable[[str], Awaitable[Translator]],
        report: Report,
        backchannels: Iterable[tuple[str, str]] = (),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.stack = stack
        self.settings = settings
        self.speak = speak
        self.language = language
        # What came of the bot's calls goes to the features (handlers/numbers/call_notices.py).
        self.report = report
        self.backchannels = list(backchannels)
        self.clock = clock
        self.on_queued = on_queued
        # Whether a call is placed (the numbers, the caps, the month): also bridging.py's.
        self.dialling = Dialling(
            db, settings.dial, self.backchannels, clock=clock, on_queued=on_queued, report=report
        )
        # Set by whoever runs the transports (their ``fetch_media``); None: not fetched.
        self.media: Media | None = None
        # Set by whoever runs the transports (the outbox worker's reader chain): a waiting
        # item as its reader gets it, said in the same call; None: only the item handed.
        self.prepare: Callable[[OutboxItem], Awaitable[Outgoing]] | None = None
        # Set by the phone transport: the conversation an answer after the tone goes on
        # in; None: no answer is offered.
        self.converse: Converse | None = None
        self.chases: dict[str, Chase] = {}
        self._running: set[asyncio.Task[None]] = set()
        self.heard: set[int] = set()
        self.given_up: set[int] = set()
        # What each call came to, in order (chat id, outcome): for the tests and the log.
        self.outcomes: list[tuple[str, Outcome]] = []
        self._numbers = itertools.count(1)

    async def deliver(self, chat_id: str, item: Outgoing) -> str | None:
        outbox_id = _outbox_id()
        if isinstance(item, Delete | Edit):
            return None
        if outbox_id in self.heard:
            self.heard.discard(outbox_id)
            return f"call.{outbox_id}"
        if outbox_id in self.given_up:
            self.given_up.discard(outbox_id)
            raise DeliveryError("phone: not answered, given up", permanent=True)
        if not self.settings.domain:
            raise DeliveryError("phone: no domain to call", permanent=True)
        chase = self.chases.setdefault(chat_id, Chase())
        if chase.task is not None and not chase.task.done():
            raise DeliveryError("phone: calling", retry_after=RECHECK_SECONDS)
        now = self.clock()
        at = self.settings.policy.next_try(now, chase.tried, chase.last)
        if at is None:  # given up by a call that ended after this item came
            await self._give_up(chat_id, chase)
            raise DeliveryError("phone: not answered, given up", permanent=True)
        if at > now:
            raise DeliveryError("phone: waiting to call", retry_after=(at - now).total_seconds())
        refusal = await self.admit(chat_id)
        if refusal == "number's day":
            tomorrow = next_day(now)
            raise DeliveryError(
                "phone: today's call-backs to this number are made",
                retry_after=(tomorrow - now).total_seconds(),
            )
        if refusal is not None:
            await self._give_up(chat_id, chase, refusal)
            self.given_up -= {outbox_id}  # this one is refused here, the rest when they come
            raise DeliveryError(f"phone: not called ({refusal}), given up", permanent=True)
        chase.task = asyncio.create_task(self._call_back(chat_id, chase, outbox_id, item))
        # Kept till done: a call-back that gives up leaves ``chases`` before it is over.
        self._running.add(chase.task)
        chase.task.add_done_callback(self._running.discard)
        raise DeliveryError("phone: calling", retry_after=RECHECK_SECONDS)

    async def admit(self, chat_id: str) -> Refusal | None:
        """Whether a call-back to ``chat_id`` is placed now (dialling.py; then counted)."""
        running = await self.dialling.helping(PLATFORM, chat_id)
        return await self.dialling.admit(chat_id, running_help=running, call_back=True)

    async def settled(self) -> None:
        """Wait until no call-back is running."""
        while self._running:
            await asyncio.wait(set(self._running))

    async def stop(self) -> None:
        running = list(self._running)
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    # -- one call

    async def _call_back(
        self, chat_id: str, chase: Chase, outbox_id: int | None, first: Outgoing
    ) -> None:
        number = next(self._numbers)
        now = self.clock()
        items = await self.said_in_call(chat_id, outbox_id, first, now)
        chase.items |= {item_id for item_id, _ in items}
        try:
            outcome = await self._dial(chat_id, [said for _, said in items], number)
        except Exception:
            log.exception("phone: call-back %d failed", number)
            outcome = "failed"
        log.info("phone: call-back %d: %s", number, outcome)
        self.outcomes.append((chat_id, outcome))
        if outcome == "heard":
            self.heard |= chase.items
            self.chases.pop(chat_id, None)
            return
        if outcome == "not them":  # a wrong or reassigned number: no more tries
            chase.tried += 1
            await self._give_up(chat_id, chase, not_them=True)
            return
        chase.tried += 1
        chase.last = now
        if self.settings.policy.next_try(now, chase.tried, chase.last) is None:
            await self._give_up(chat_id, chase)

    async def said_in_call(
        self, chat_id: str, outbox_id: int | None, first: Outgoing, now: datetime
    ) -> list[tuple[int, SpokenItem]]:
        """What the call says: the worker's item, then the chat's later waiting items up to
        the first that cannot be said (nor played), each as the worker would send it (its
        reader chain: translated, in its spoken form)."""
        said = [(outbox_id if outbox_id is not None else -1, _spoken_item(first))]
        if self.prepare is not None and outbox_id is not None:  # none: the rest wait their call
            said += await self._said_after(chat_id, outbox_id, now, self.prepare)
        return [(item_id, this) for item_id, this in said if this.words or this.voice]

    async def _said_after(
        self,
        chat_id: str,
        outbox_id: int,
        now: datetime,
        prepare: Callable[[OutboxItem], Awaitable[Outgoing]],
    ) -> list[tuple[int, SpokenItem]]:
        """The chat's items waiting after ``outbox_id``, made by ``prepare``, up to the
        first that cannot be said (nor played)."""
        said: list[tuple[int, SpokenItem]] = []
        for waiting in await self.db.outbox.waiting(PLATFORM, chat_id, now):
            if waiting.id <= outbox_id:
                continue
            try:
                item = await prepare(waiting)
            except Exception as exc:  # not now: it waits for a call of its own
                log.warning("phone: outbox %d not prepared (%s)", waiting.id, type(exc).__name__)
                break
            if isinstance(item, Delete | Edit):
                continue
            item = await self._with_voice(item)
            if not (this := _spoken_item(item)).words and not this.voice:
                break
            said.append((waiting.id, this))
        return said

    async def _with_voice(self, item: Outgoing) -> Outgoing:
        """A waiting voice message with its bytes (fetched as the worker would), if it can."""
        if not isinstance(item, Voice) or item.content or self.media is None:
            return item
        try:
            content, _mime_type = await self.media(item.platform, item.file_id)
        except Exception as exc:  # not now: it waits for a call of its own
            log.warning("phone: a voice message could not be fetched (%s)", type(exc).__name__)
            return item
        return replace(item, content=content)

    async def _dial(self, chat_id: str, items: list[SpokenItem], number: int) -> Outcome:
        folder = Path(tempfile.mkdtemp(prefix="nachbarbot-call-"))
        try:
            return await self._dial_with(chat_id, items, number, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    async def _played(self, items: list[SpokenItem], t: Translator, folder: Path) -> list[Path]:
        """The files the call plays for ``items``: words spoken, voices decoded."""
        played: list[Path | None] = []
        for index, item in enumerate(items):
            if item.words:
                played.append(await self.speak(item.words, t))
            if item.voice:
                played.append(await self._voice_file(item.voice, folder / f"voice-{index}.wav"))
        return [path for path in played if path is not None]

    async def _voice_file(self, voice: bytes, path: Path) -> Path | None:
        try:
            data = await asyncio.to_thread(pcm_wav, voice, self.stack.settings.clock_rate)
        except BadAudio as exc:
            log.warning("phone: a voice message could not be decoded (%s)", exc)
            return None
        await asyncio.to_thread(path.write_bytes, data)
        return path

    async def _dial_with(
        self, chat_id: str, items: list[SpokenItem], number: int, folder: Path
    ) -> Outcome:
        # The person's words (their language, easy language, the phone's variants), read
        # once for the call.
        t = await self.language(chat_id)
        opening = await self.speak(_opening(t, len(items)), t)
        answer = self._answer(items)
        question = str(t.t("To hear it again, press 1. To end, press the hash key or hang up."))
        if answer is not None:
            question = str(t.t(PRESS, label=answer[0], n=ANSWER)) + "\n" + question
        again = await self.speak(question, t)
        prompts = [
            *([opening] if opening is not None else []),
            *await self._played(items, t, folder),
        ]
        runner, outcome = await self._ring(chat_id, number)
        if outcome is not None:
            return outcome
        try:
            with self._ended_if_stopped(runner):
                async with asyncio.timeout(LONGEST_CALL_SECONDS):
                    asked = await self._ask_who(chat_id, runner, t)
                    if asked is not None:
                        return asked
                    return await self._speak_to(
                        chat_id, runner, prompts, again, answer[1] if answer else None
                    )
        except TimeoutError:
            self.stack.hang_up(runner.call_id)
            return "heard"

    async def _ring(self, chat_id: str, number: int) -> tuple[CallRunner, Outcome | None]:
        """Call ``chat_id``: the call, and how it went if nobody answered."""
        runner = await CallRunner.dial(self.stack, f"sip:{chat_id}@{self.settings.domain}")
        log.info("phone: call-back %d is call %d", number, runner.call_id)
        with self._ended_if_stopped(runner):
            rang = await runner.run(Ring(self.settings.ring_seconds))
        if isinstance(rang, Ended):
            return runner, unanswered(rang.code, gave_up=rang.gave_up)
        return runner, None

    @contextlib.contextmanager
    def _ended_if_stopped(self, runner: CallRunner) -> Iterator[None]:
        """A call whose task is cancelled (:meth:`stop`: the process stops, or gives up the
        role ``call-backs``) is hung up, so that it neither rings nor speaks on while the
        next holder calls the person."""
        try:
            yield
        except asyncio.CancelledError:
            self.stack.hang_up(runner.call_id)
            raise

    async def _ask_who(
        self, chat_id: str, runner: CallRunner, t: Translator, asked: Message | None = None
    ) -> Outcome | None:
        """Before anything personal: "if you are NAME, press 1" (handlers/numbers/caller_check.py;
        a check call's ``asked``: "someone called us ... if that was you"), said twice, then
        a short wait. None when they said it is them; else how the call ended (hung up by
        the bot when no key came: an answering machine hears nothing more)."""
        if asked is None:
            user = await self.db.users.find(PLATFORM, chat_id)
            asked = question(t, user.first_name if user else "")
        asking = await self.speak(str(asked.text), t)
        said, keys = (asking,) if asking else (), answer_keys(asked)
        got: Result = Done()
        for _ in range(ASKED_TIMES):
            got = await runner.run(Say(said, keys=keys))
            if not isinstance(got, Done):
                break
        else:
            got = await runner.run(Gather(keys, self.settings.listen_seconds))
        if isinstance(got, TimedOut):
            await runner.run(HangUp())
            return "not heard"
        if not isinstance(got, Pressed):
            return "not heard"
        if answered(asked, got.key) == "me":
            return None
        await runner.run(HangUp())
        return "not them"

    async def check(
        self, chat_id: str, t: Translator, begin: Begin, asked_at: datetime | None = None
    ) -> Outcome:
        """Call ``chat_id`` to check who asked (handlers/numbers/caller_check.py; when, and
        how often a number is called, is check_calls.py's): whoever answers hears what
        happened - someone called and asked to be called back at this number (``asked_at``:
        when; None: a moment ago) - and is asked, naming nobody, whether it was them; when
        they say it is them, the call goes on as their conversation (``begin``)."""
        if not self.settings.domain:
            return "failed"
        number = next(self._numbers)
        runner, outcome = await self._ring(chat_id, number)
        if outcome is None:
            try:
                async with asyncio.timeout(LONGEST_CALL_SECONDS):
                    asked = check_question(t, asked_at, self.clock())
                    outcome = await self._ask_who(chat_id, runner, t, asked)
                    if outcome is None:
                        await begin(runner)
                        outcome = "heard"
            except TimeoutError:
                self.stack.hang_up(runner.call_id)
                outcome = "heard"
        log.info("phone: check %d: %s", number, outcome)
        self.outcomes.append((chat_id, outcome))
        return outcome

    def _answer(self, items: list[SpokenItem]) -> tuple[str, str] | None:
        """The newest relayed message's way to answer, where the call can take one."""
        if self.converse is None:
            return None
        return next((item.answer for item in reversed(items) if item.answer), None)

    async def _speak_to(
        self,
        chat_id: str,
        runner: CallRunner,
        prompts: list[Path],
        again: Path | None,
        answer: str | None = None,
    ) -> Outcome:
        """The answered call: the messages, then "press 1 to hear it again" (and "2" to
        answer, where ``answer`` is the data of a relayed message's "Write to"); heard
        once the messages were played to their end."""
        heard = False
        messages = True  # the messages are said (else the question after them)
        while True:
            keys = "1#" + (ANSWER if heard and answer and self.converse else "")
            if messages:
                got = await runner.run(Say(tuple(prompts), keys))
            else:
                wait = self.settings.listen_seconds
                got = await runner.run(Gather(keys, wait, (again,) if again else ()))
            if isinstance(got, Done):  # the messages, to their end
                heard, messages = True, False
                continue
            if isinstance(got, Pressed) and got.key == "1":
                messages = True
                continue
            if isinstance(got, Pressed) and got.key == ANSWER and answer and self.converse:
                await self.converse(chat_id, runner, answer)
                return "heard"
            if isinstance(got, TimedOut | Pressed):  # "#", or no key after the question
                await runner.run(HangUp())
            return "heard" if heard else "not heard"

    # -- given up

    async def _give_up(
        self, chat_id: str, chase: Chase, refusal: Refusal | None = None, *, not_them: bool = False
    ) -> None:
        """The coordinators are told; the items of the tries are given up - where the call
        was refused (``refusal``), all the person's waiting items: none would be called;
        ``not_them``: whoever answered said they are not the person
        (handlers/numbers/caller_check.py)."""
        self.chases.pop(chat_id, None)
        if refusal is not None:
            waiting = await self.db.outbox.waiting(PLATFORM, chat_id, self.clock())
            chase.items |= {item.id for item in waiting}
        self.given_up |= chase.items
        why: GivenUp = "not them" if not_them else "no answer"
        if refusal is not None:
            why = "month" if refusal == "month" else "not dialable"
        await self.report(CallsGivenUp(PLATFORM, chat_id, why, len(chase.items), chase.tried))


def _outbox_id() -> int | None:
    """The outbox id of the item being sent (the worker's send key, "o<id>.<n>")."""
    key = send_key()
    if key is None or not key.startswith("o"):
        return None
    try:
        return int(key[1:].split(".", 1)[0])
    except ValueError:
        return None


def _spoken_item(item: Outgoing) -> SpokenItem:
    """What the call says of ``item``: its spoken form (the reader chain's spoken link),
    without its choices (the call offers only the relay's answer); a voice message's
    caption and audio."""
    if isinstance(item, Voice):
        return SpokenItem(str(item.caption), item.content) if item.content else SpokenItem()
    words = getattr(item, "spoken", None)
    if words is None:
        return SpokenItem()
    button = answer_of(item.buttons) if isinstance(item, Message) else None
    return SpokenItem(str(words.text), answer=(button.label, button.data) if button else None)


def next_day(now: datetime) -> datetime:
    """The start of the next day in Europe/Berlin (a number's call-backs are counted by day)."""
    local = now.astimezone(BERLIN)
    start = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), BERLIN)
    return start.astimezone(now.tzinfo or UTC)


def _opening(t: Translator, count: int) -> str:
    return str(
        t.tn(
            "Hello, this is the neighbourhood help. {count} message for you:",
            "Hello, this is the neighbourhood help. {count} messages for you:",
            count,
            count=t.number(count),
        )
    )
