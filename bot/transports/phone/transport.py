"""The phone line as a transport: a caller talks with the bot by keypresses, the bot
answers with its words spoken (the transport contract, bot/transports/contract.py).

A call is a conversation (caller_id.py: the chat id is the caller's number). When its audio is
on, the call is a ``/start``: a new caller hears the greeting and the languages, each
language's line in its own voice; a known one (their number a person here already) their
language at once, and the step they were at, or the main menu. Every answer that is a
message is said (prompts.py) and played after what the call is playing; a key that means
something stops what is playing (the caller knows what they want; the "#" after an entry
ended by its length means nothing and stops nothing) and means what keypad.py says: digits
press the newest message's choices by the numbered-choices rules (numbered_choices.py, kept in
memory for the call, as the console does) or are typed text (a postcode); ``*`` says the
last answer again; ``#`` presses the message's way back - its button of role ``back``,
else of role ``menu`` (``handlers.messages.way_back``: never guessed from a label) - or
asks for the main menu (``/menu``). A message of more than ten choices is said in pages
(keypad.py ``page_of``; the call keeps the page, answered_call.py ``Call.page``): "9" says
the next page, a page's key presses the whole list's choice, ``*`` says the question and
the page again, and the list that comes again after a tick is said from the page that
holds the choice pressed (:meth:`PhoneTransport._turn_to`).

Each call runs on its call runner (call_runner.py), as the call-backs and bridged calls
do: the transport feeds the call's events to it, and one loop per call
(answered_call.py) hands back the results - a key (:meth:`PhoneTransport.pressed`), all
said (:meth:`PhoneTransport.said_all`), a transfer's outcome, the end
(:meth:`PhoneTransport.call_over`). A call waiting for its caller (all said; not before the
tone or while recording) that gets no key and no word for ``idle_seconds`` hears a
goodbye and is hung up once it is said
(:data:`~bot.transports.phone.to_a_person.IDLE_GOODBYE`, steps of that loop); a key while
it is said keeps it. The dialogues of a feature - a withheld caller's number
(handlers/number_entry.py), "we call you back first" (handlers/caller_check.py), the PIN
(handlers/phone_pin.py, pin_line.py) - are handlers'; the transport says their messages, and
check_calls.py places the calls that check who asked (when, how often, tried again). After
"please hang up now" the bot hangs up whatever key comes meanwhile: the caller's line must be
free for that call.

One call's updates are taken one after the other by a task of its own, in the order the
keys came; the next key waits for the answers of the last. The phone person hears every
message: the transport says everything, so the chat's read-aloud offer is left out for
its medium (``Medium.SPOKEN``, handlers/reader.py).

The outbox's items for a phone person are said in a call the bot makes (outbox_calls.py: one
call for all that waits, tried again by the policy of call_back_policy.py, then given up and the
coordinators told, handlers/call_notices.py); a call-back that goes on as the person's
conversation runs the same loop on its runner (:meth:`PhoneTransport._converse`).

Logs name calls by pjsua2's call id only: never a number, a key or a text.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from markupsafe import Markup

from bot.speech.config import SpeechSection
from bot.speech.engine import SpeechEngine, SpeechError
from bot.speech.script import Part
from bot.transports.contract import ChatTurn, Routed, Transport, send_kept_answers, take_update
from bot.transports.numbered_choices import NumberedChoices, numbered
from bot.transports.phone import invite_filter, pin_line, registration, said_first
from bot.transports.phone.answered_call import Call, CallMeBack, HungUp, Paged, converse
from bot.transports.phone.bridging import Bridging, LiveCall
from bot.transports.phone.busy_notice import busy_notice
from bot.transports.phone.call_back_policy import Policy, parse_quiet_hours
from bot.transports.phone.call_control import CallControl, CallEvent, StackSettings
from bot.transports.phone.call_runner import (
    HUSH,
    CallRunner,
    Done,
    HangUp,
    Record,
    Recorded,
    Say,
    Transfer,
)
from bot.transports.phone.call_settings import CallSettings
from bot.transports.phone.caller_id import caller_id, is_withheld, withheld
from bot.transports.phone.check_call_store import Waiting
from bot.transports.phone.check_calls import WITHHELD, CheckCalls, profile_of_waiting
from bot.transports.phone.choices import CallChoices
from bot.transports.phone.dialling import CheckSettings, DialSettings
from bot.transports.phone.keypad import (
    BACK,
    MORE,
    MORE_KEY,
    NEXT_PAGE,
    REPEAT,
    Meaning,
    Typed,
    finish_number,
    keys_said,
    on_page,
    page_count,
    page_holding,
    paged,
)
from bot.transports.phone.line_pool import Lines
from bot.transports.phone.outbox_calls import CallBackSettings, CallingBack
from bot.transports.phone.prompts import Prompts, spoken_parts
from bot.transports.phone.recording import (
    ERASED_KEPT,
    MIME_TYPE,
    SWEEP_SECONDS,
    Listening,
    Recordings,
    sweep,
    tone_wav,
)
from bot.transports.phone.said_first import FOLLOW_SECONDS, Said, keys_of
from bot.transports.phone.stack import Stack
from bot.transports.phone.to_a_person import (
    AFTER_TONE,
    CONNECTING,
    IDLE_GOODBYE,
    NOBODY,
    NOTHING_HEARD,
    PERSON,
    offers_person,
)
from bot.transports.phone.to_a_person import CHOICE as PERSON_CHOICE
from bot.transports.sending import DeliveryError
from handlers.caller_check import (
    REFUSED,
    Profile,
    Refusal,
    calling,
    claimed,
    free,
    made,
    offer,
    profile_of,
    takes_offer,
    then_data,
)
from handlers.dialable import language_hint, parse_countries
from handlers.dispatcher import Dispatcher
from handlers.messages import (
    ButtonPress,
    Command,
    Edit,
    Event,
    Incoming,
    Media,
    Message,
    Outgoing,
    Sender,
    Text,
    finish,
    next_part,
    way_back,
)
from handlers.number_entry import NumberEntry, NumberStep, asks_number
from handlers.phone_pin import PinStep, chooses
from handlers.reader import reader_of, translator_of
from handlers.spoken_words import said_of
from locales import Translator, negotiate

log = logging.getLogger(__name__)

PLATFORM = "phone"
# How long digits begun wait for the next key, in seconds (then they are sent).
KEY_PAUSE = 2.0


class PhoneTransport(Transport):
    platform = PLATFORM
    update_role = None
    pace = None
    # A phone person's items are said in a call the bot makes (outbox_calls.py).
    delivering = True

    def __init__(
        self,
        dispatcher: Dispatcher,
        settings: StackSettings,
        *,
        prompts: Prompts | None = None,
        voices: frozenset[str] = frozenset(),
        speech: SpeechSection | None = None,
        calling_back: CallBackSettings | None = None,
        clock: Callable[[], datetime] | None = None,
        in_call: CallSettings | None = None,
        lines: int = 1,
    ) -> None:
        self.dispatcher = dispatcher
        self.in_call = in_call or CallSettings()
        self.recordings = Recordings(self.in_call.recordings)
        # Recordings an erasure left unnamed: removed at the next sweep, whatever their age.
        self._erased_files: set[str] = set()
        self._tone: Path | None = None
        self._sweeping: asyncio.Task[None] | None = None
        self.speech = speech or SpeechSection()
        self.settings = settings
        self.prompts = prompts
        self.voices = voices
        # More than one line: as many processes, PLACES_PER_LINE calls each (line_pool.py).
        self.stack: CallControl = (
            Lines(settings, self._on_event, lines) if lines > 1 else Stack(settings, self._on_event)
        )
        self.call_choices = CallChoices()
        self.choices = NumberedChoices(self.call_choices, lambda chat_id: False)
        self._calls: dict[int, Call] = {}
        self._by_chat: dict[str, Call] = {}
        self._answering: dict[str, Call] = {}
        self._noting: set[asyncio.Task[None]] = set()
        self._message_ids = itertools.count(1)
        self._chat_turn: ChatTurn | None = None
        self.registered: asyncio.Event = asyncio.Event()
        # The lines' INVITE filter (invite_filter.py): its state as the lines' start found
        # it, the requests it could not read, and the city's counter of them (attach.py).
        self.invite_filter = ""
        self.unreadable_requests = 0
        self.count: Callable[[str, int], None] | None = None
        self._filter_notes: asyncio.Lock | None = None
        self.calling = CallingBack(
            dispatcher.db,
            self.stack,
            calling_back or CallBackSettings(domain=_domain(settings.registrar)),
            speak=self._prompt,
            language=self._reader_of,
            backchannels=dispatcher.settings.backchannels,
            on_queued=lambda: dispatcher.on_queued() if dispatcher.on_queued else None,
            **({"clock": clock} if clock else {}),
        )
        self.calling.converse = self._converse
        # The calls that check who asked (check_calls.py), kept until placed.
        self.checks = CheckCalls(
            dispatcher.db, self.calling, begin=self._checked, words=self._check_words
        )
        # Calls told "please hang up now": the bot hangs up, whatever key comes meanwhile.
        self._closing: set[int] = set()
        # A helper's call with a phone resident, both numbers hidden (bridging.py).
        self.bridging = Bridging(
            dispatcher.db,
            self.stack,
            self.calling.settings,
            speak=self._prompt,
            backchannels=dispatcher.settings.backchannels,
            on_queued=self.calling.on_queued,
            **({"clock": clock} if clock else {}),
            dialling=self.calling.dialling,
        )
        self.bridging.live = self._live

    # -- the chat service

    async def connect(self, chat_turn: ChatTurn | None = None) -> None:
        self._chat_turn = chat_turn
        if self.prompts is None:
            self.prompts, self.voices = await _prompts(
                self.speech, self.dispatcher.settings.languages, self.settings.clock_rate
            )
        # Answers kept from calls that ended before they were said are only marked.
        await send_kept_answers(self)
        first = self.dispatcher.settings.newcomer_language(None)
        self.stack.set_busy_notice(await busy_notice(self.prompts, first, self.voices))
        await self.stack.start()
        log.info("phone: listening on port %d", self.stack.port)
        self.dispatcher.db.data_rights.after_erasure.append(self._sweep_soon)
        self._sweeping = asyncio.create_task(self._sweep_often())
        self.checks.start()

    async def open_for_files(self) -> None:
        """Nothing to open: recordings are read from their folder (fetch_media)."""

    async def start_taking(self) -> None:
        """Calls are taken from the start (no role)."""

    async def stop_taking(self) -> None:
        """Calls are taken until the end (no role)."""

    async def stop(self) -> None:
        with contextlib.suppress(ValueError):
            self.dispatcher.db.data_rights.after_erasure.remove(self._sweep_soon)
        if self._sweeping is not None:
            self._sweeping.cancel()
        for call in list(self._calls.values()):
            self.call_over(call)
            if call.taking is not None:
                call.taking.cancel()
        await self.calling.stop()
        await self.checks.stop()
        await self.bridging.stop()
        # What runs on its own (a registration's note, a sweep): ended first.
        for task in list(self._noting):
            task.cancel()
        await asyncio.gather(*self._noting, return_exceptions=True)
        await self.stack.stop()
        if self.prompts is not None:
            self.prompts.close()
            if self.speech.engine == "http":  # the embedded engine is the process's
                await self.prompts.engine.close()

    async def deliver(
        self, chat_id: str, item: Outgoing, edit_message_id: str | None = None
    ) -> str | None:
        return await self.calling.deliver(chat_id, item)

    async def fetch_media(self, file_id: str) -> tuple[bytes, str]:
        """A caller's recorded voice message (recording.py)."""
        try:
            return await asyncio.to_thread(self.recordings.read, file_id), MIME_TYPE
        except (KeyError, OSError):
            raise DeliveryError("phone: no such recording", permanent=True) from None

    # -- what pjsua2 tells

    def _filter_told(self, event: CallEvent) -> None:
        """The lines' INVITE filter: its state and the requests it could not read, kept
        for ``doctor`` (invite_filter.py) and counted for the metrics."""
        if event.kind == "filter":
            if event.value == self.invite_filter:
                return  # a line started again found what the others did
            self.invite_filter = event.value
            if event.value != invite_filter.ON:
                log.warning("phone: the lines' INVITE filter is %s", event.value)
            noting = self._note_filter(state=event.value)
        else:
            more = int(event.value)
            self.unreadable_requests += more
            if self.count is not None:
                self.count("unreadable_sip", more)
            noting = self._note_filter(unreadable=more)
        task = asyncio.create_task(noting)
        self._noting.add(task)
        task.add_done_callback(self._noting.discard)

    async def _note_filter(self, *, state: str | None = None, unreadable: int = 0) -> None:
        # One note after the other: each reads and writes the kept figures.
        if self._filter_notes is None:
            self._filter_notes = asyncio.Lock()
        async with self._filter_notes:
            await invite_filter.note(self.dispatcher.db, state=state, unreadable=unreadable)

    def _on_event(self, event: CallEvent) -> None:
        if event.kind == "registered":
            noting = asyncio.create_task(registration.note(self.dispatcher.db, event.value))
            self._noting.add(noting)
            noting.add_done_callback(self._noting.discard)
            if event.value.startswith("2"):
                log.info("phone: registered (%s)", event.value)
                self.registered.set()
            else:
                log.warning("phone: the registrar refused (%s)", event.value)
                self.registered.clear()
            return
        if event.kind in ("filter", "unreadable"):
            self._filter_told(event)
            return
        if event.kind == "call":
            runner = CallRunner(self.stack, event.call_id)
            came = Call(event.call_id, caller_id(event.value), runner)
            self._calls[event.call_id] = came
            self._by_chat[came.chat_id] = came
            log.info("phone: call %d came", event.call_id)
            self._later(converse(runner, came, self))
            return
        call = self._calls.get(event.call_id)
        if call is None or call.runner is None:
            return
        if event.kind == "audio" and call.taking is None:
            log.debug("phone: call %d: audio on", event.call_id)
            call.taking = asyncio.create_task(self._take(call))
            call.keys.put_nowait(Command("start"))
        elif event.kind != "audio":  # the rest is the call's loop's (answered_call.py)
            call.runner.feed(event)

    # -- what the call's loop hands on (answered_call.py ``Line``)

    def said_all(self, call: Call) -> None:
        """All the call was to hear is said: what follows then, and the wait for the caller."""
        log.debug("phone: call %d: all said", call.call_id)
        call.audio.quiet += 1
        then, call.audio.then = call.audio.then, None
        if then is not None:
            then()
        self._rest_after_pause(call)
        self._wait_for_caller(call)

    def pressed(self, call: Call, key: str) -> None:
        if call.call_id in self._closing:  # "please hang up now": the bot hangs up anyway
            return
        # A key is the caller there: the wait starts again (a key that is only the first
        # digit of an entry and says nothing still ends in a goodbye when no more come).
        self._wait_for_caller(call)
        # A key is an answer: what the message kept back for after a pause is not said.
        self._drop_rest(call)
        if call.handed is not None:  # the bridged call's (its offer's "1"), not the dialogue's
            if key == "1" and not call.handed.done():
                call.handed.set_result(key)
            return
        if call.audio.listening is not None:  # a key ends the recording, and means nothing else
            call.audio.listening.stop.set()
            return
        if call.entry is not None:
            self._number_key(call, call.entry, key)
            return
        if call.pin is not None:
            pin_line.key(self, call, call.pin, key)
            return
        if call.waiting is not None and takes_offer(key):
            self._runner(call).start(HUSH)
            call.keys.put_nowait(CallMeBack())
            return
        call.waiting = None
        if call.audio.then is not None and self._skipped_to_tone(call, key):
            return
        if call.pause is not None:
            call.pause.cancel()
            call.pause = None
        # A page's keys: its choices and "More" on 9, each at once.
        keyed = int(MORE_KEY) if call.pages is not None else call.choices
        meaning = call.keypad.press(key, 0 if call.free_digits else keyed)
        if meaning is not None or call.keypad.digits:
            # The caller knows what they want: what is playing stops. Only then: a key
            # that means nothing (the "#" after "44137", whose places are being said)
            # must not cut off the answer the caller is waiting for (issue 64).
            call.audio.then = None
            self._runner(call).start(HUSH)
        if meaning is not None:
            call.keys.put_nowait(meaning)
        if call.keypad.waiting:  # more digits, or the "#" that may end an entry
            loop = asyncio.get_running_loop()
            call.pause = loop.call_later(KEY_PAUSE, self._paused, call)

    def _runner(self, call: Call) -> CallRunner:
        """The runner the call's steps run on (one made for a call set up by hand)."""
        if call.runner is None:
            call.runner = CallRunner(self.stack, call.call_id)
        return call.runner

    def _paused(self, call: Call) -> None:
        call.pause = None
        meaning = call.keypad.pause()
        if meaning is not None:
            call.keys.put_nowait(meaning)

    def call_over(self, call: Call) -> None:
        """The caller hung up: what they pressed before is still taken (digits begun and
        not ended are not), then the call's task ends; nothing more is said."""
        if call.audio.gone:
            return
        log.info("phone: call %d ended", call.call_id)
        self._calls.pop(call.call_id, None)
        self._closing.discard(call.call_id)
        if self._by_chat.get(call.chat_id) is call:
            del self._by_chat[call.chat_id]
        call.audio.gone = True
        call.audio.then = None
        self._drop_rest(call)
        if call.handed is not None and not call.handed.done():
            call.handed.set_result("")
        self._not_idle(call)
        if call.pause is not None:
            call.pause.cancel()
        if call.audio.listening is not None:  # its message first, then the end (_record)
            call.audio.listening.stop.set()
            return
        call.keys.put_nowait(HungUp())

    # -- one call's updates

    async def _take(self, call: Call) -> None:
        if not call.checked:
            try:
                await self._claim(call)
            except Exception:
                log.exception("phone: call %d: who is calling could not be read", call.call_id)
                self._runner(call).start(HangUp())
        while not isinstance(meaning := await call.keys.get(), HungUp):
            try:
                await self._meant(call, meaning)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("phone: call %d: an update failed", call.call_id)
        if call.chat_id not in self._by_chat:  # no newer call of theirs needs them
            self.call_choices.forget(call.chat_id)

    async def _meant(
        self, call: Call, meaning: Meaning | Event | NumberStep | CallMeBack | PinStep
    ) -> None:
        if isinstance(meaning, NumberStep):
            await self._number(call, meaning)
            return
        if isinstance(meaning, PinStep):
            await pin_line.step(self, call, meaning)
            return
        if call.pin is not None and call.pin.mode == "ask":
            return  # the call's start: it waits for the PIN (pin_line.py)
        if isinstance(meaning, CallMeBack):
            await self._call_me_back(call)
            return
        if meaning == REPEAT and call.pages is not None:
            await self._say_page(call, call.pages, again=True)
            self._record_after(call)
            return
        if meaning == REPEAT:
            self._play(call, list(call.audio.last))
            self._record_after(call)
            return
        if meaning == Typed(MORE_KEY) and call.next_choice is not None and call.pages is None:
            meaning = Typed(str(call.next_choice))  # the next part, said on 9
        if meaning == Typed(PERSON) and not call.free_digits:
            await self._person(call)
            return
        call.ticked = None
        if isinstance(meaning, Typed) and call.pages is not None:
            pages = call.pages
            chosen = on_page(meaning.digits, len(pages.data), call.page, pages.finish)
            if not isinstance(chosen, int):
                if chosen == NEXT_PAGE:
                    call.page = (call.page + 1) % page_count(len(pages.data), pages.finish)
                # The next page; a key no choice of the page has: the page again.
                await self._say_page(call, pages)
                return
            meaning, call.ticked = Typed(str(chosen)), pages.data[chosen - 1]
        event: Event
        if meaning == BACK:
            event = ButtonPress(call.back) if call.back else Command("menu")
        elif isinstance(meaning, Typed):
            pressed = await self.choices.typed(call.chat_id, meaning.digits)
            event = ButtonPress(pressed.data) if pressed else Text(meaning.digits)
        else:
            assert not isinstance(meaning, str)
            event = meaning
        if call.claimed and not free(event):
            await self._offer_check(call, event)
            return
        if chooses(event):
            await pin_line.pressed(self, call)
            return
        if asks_number(is_withheld(call.chat_id), event):
            await self._number(call, event)
            return
        incoming = Incoming(
            # The number hints the language, as a phone's locale does in a chat.
            sender=Sender(PLATFORM, call.chat_id, language_hint=language_hint(call.chat_id)),
            chat_id=call.chat_id,
            event=event,
            update_id=f"{uuid.uuid4().hex}:{next(call.steps)}",
        )
        call.audio.saying = []
        call.recorded = ""
        # The answers go to this call (a new call of the same caller has answers of its own).
        self._answering[call.chat_id] = call
        try:
            if self._chat_turn is not None:
                async with self._chat_turn(PLATFORM, call.chat_id):
                    await take_update(self, incoming)
            else:
                await take_update(self, incoming)
        finally:
            if self._answering.get(call.chat_id) is call:
                del self._answering[call.chat_id]
        log.debug(
            "phone: call %d: an update taken, %d prompts", call.call_id, len(call.audio.saying)
        )
        if call.audio.saying:
            call.audio.last = call.audio.saying
            call.answers += 1
        self._record_after(call)

    # -- answers

    async def send_answer(self, answer: Routed) -> None:
        call = self._answering.get(answer.chat_id)
        item = answer.item
        if call is None or call.audio.gone or answer.elsewhere:
            return  # the caller hung up (or it is not theirs): nothing to say it to
        self._drop_rest(call)  # a new answer: what the last one kept back is not said
        note = getattr(item, "reader", None)
        if note is not None:  # the reader chain's spoken link: whose words to say it in
            call.reader = translator_of(note)
        # What of it is said (handlers/spoken_words.py); a toast too ("Passed on." after a
        # recording): else only silence.
        words = said_of(item, toasts=True)
        if isinstance(item, Message | Edit):
            typed = await self.choices.typing(call.chat_id, item, answer.edit_message_id)
            listed = numbered(item.buttons) if typed else []
            message_id = str(next(self._message_ids))
            await self.choices.sent(call.chat_id, message_id, item, typed=typed)
            call.choices = len(listed)
            call.back = way_back(item.buttons) if typed else None
            call.free_digits = isinstance(item, Message) and bool(item.request_location)
            assert words is not None
            t = await self._words(call)
            data = [data for _, data in listed]
            done = finish(item.buttons) if typed else None
            following = next_part(item.buttons) if typed else None
            call.next_choice = data.index(following) + 1 if following in data else None
            self._turn_to(call, data, done)
            call.pages = None
            if typed and paged(len(listed)) and not call.free_digits:
                call.pages = Paged(str(words.text), list(words.labels), data, done, t._(MORE))
            labels, keys = keys_said(
                words.labels if typed else [],
                data,
                free_digits=call.free_digits,
                person=t._(PERSON_CHOICE) if offers_person(listed) else None,
                page=call.page,
                done=done,
                more=t._(MORE),
                next_at=None if call.free_digits else call.next_choice,
            )
            split = None
            if typed and not call.free_digits and call.pages is None:
                split = await self._said_first(call, str(words.text), labels, keys, listed)
            if split is None:
                await self._say(call, str(words.text), labels, keys)
            else:  # the likely choice first, the rest after a pause (said_first.py)
                first, rest = split
                # The rest's audio made before the first part plays: the speech engine's
                # work beside a prompt playing in this process cut its first seconds on a
                # busy machine (test_calling_in.py).
                kept = await self._rest_file(call, rest) if rest is not None else None
                await self._say(call, first.text, first.labels, first.keys)
                if kept is not None:
                    call.audio.saying.append(kept)
                    call.rest = kept
            if isinstance(item, Message) and item.recorded:
                call.recorded = str(item.recorded)
                t = await self._words(call)
                await self._say(call, str(item.recorded) + "\n" + t._(AFTER_TONE), [])
        elif words is not None:
            await self._say(call, str(words.text), [])

    async def _said_first(
        self,
        call: Call,
        text: str,
        labels: list[str],
        keys: list[str] | None,
        listed: list[tuple[str, str]],
    ) -> tuple[Said, Said | None] | None:
        """The message as said_first.py says it (a first part, and a rest after a pause or
        None): the main menu; the languages to a new caller. None: said whole."""
        every_key = keys_of(labels, keys)
        if offers_person(listed):
            return said_first.main_menu(text, labels, every_key)
        if not listed or not all(data.startswith("lang:") for _, data in listed):
            return None
        person = await self.dispatcher.db.users.find(PLATFORM, call.chat_id)
        if person is not None and person.language is not None:
            return None  # a known caller changing their language: the question and all
        hint = negotiate(language_hint(call.chat_id), default="")
        hinted = hint if hint in self.dispatcher.settings.languages else None
        return said_first.languages(text, labels, every_key, hinted)

    async def _rest_file(self, call: Call, rest: Said) -> Path | None:
        """The audio of the rest of a message said in two parts (None: nothing to say),
        said after the first part and a pause without a key (:meth:`said_all`); "*" says
        both."""
        assert self.prompts is not None
        words = spoken_parts(
            rest.text, rest.labels, await self._words(call), self.voices, rest.keys
        )
        if not words:
            return None
        try:
            return await self.prompts.file(words)
        except SpeechError as exc:
            raise DeliveryError(f"phone: not said ({type(exc).__name__})") from None

    def _drop_rest(self, call: Call) -> None:
        """What a message kept back for after a pause is not said (a key came, or a newer
        answer, or the call is over)."""
        call.rest = None
        if call.following is not None:
            call.following.cancel()
            call.following = None

    def _rest_after_pause(self, call: Call) -> None:
        """The rest of a message said in two parts, once a pause without a key passed."""
        if call.rest is not None and call.following is None:
            loop = asyncio.get_running_loop()
            call.following = loop.call_later(FOLLOW_SECONDS, self._follow, call)

    def _follow(self, call: Call) -> None:
        """The pause after a message's first part passed without a key: its rest."""
        call.following = None
        rest, call.rest = call.rest, None
        if rest is not None and not call.audio.gone:
            self._play(call, [rest])

    @staticmethod
    def _turn_to(call: Call, data: list[str], done: str | None) -> None:
        """The page a new message of choices ``data`` is said from: after a choice pressed
        on a page that this message has too (a tick: the list again, its ✅ changed), the
        page that holds it - the finish's, the page it was pressed on - so that ticking
        several on page 2 stays there; else the first."""
        ticked, call.ticked = call.ticked, None
        if ticked is None or ticked not in data or not paged(len(data)):
            call.page = 0
        elif ticked != done:
            call.page = page_holding(len(data), data.index(ticked) + 1, finish_number(data, done))

    async def _say_page(self, call: Call, pages: Paged, *, again: bool = False) -> None:
        """The call's page of ``pages`` (its text before it ``again``: "*"), as an answer."""
        labels, keys = keys_said(
            pages.labels,
            pages.data,
            free_digits=False,
            person=None,
            page=call.page,
            done=pages.done,
            more=pages.more,
        )
        call.audio.saying = []
        await self._say(call, pages.text if again else "", labels, keys)
        if call.audio.saying:
            call.audio.last = call.audio.saying
            if not again:  # "*" says, it is not asked
                call.answers += 1

    async def _say(
        self, call: Call, text: str, labels: list[str], keys: list[str] | None = None
    ) -> None:
        assert self.prompts is not None
        words: tuple[Part, ...] = spoken_parts(
            text, labels, await self._words(call), self.voices, keys
        )
        if not words:
            return
        try:
            path = await self.prompts.file(words)
        except SpeechError as exc:
            raise DeliveryError(f"phone: not said ({type(exc).__name__})") from None
        call.audio.saying.append(path)
        self._play(call, [path])

    async def _prompt(self, text: str, reader: Translator | str) -> Path | None:
        """A text said to ``reader`` (their translator, or a language) as a prompt file
        (None: nothing to say)."""
        assert self.prompts is not None
        words = spoken_parts(text, [], reader, self.voices)
        if not words:
            return None
        try:
            return await self.prompts.file(words)
        except SpeechError as exc:
            raise DeliveryError(f"phone: not said ({type(exc).__name__})") from None

    async def _reader_of(self, chat_id: str) -> Translator:
        """The words of ``chat_id``'s person on the phone, from their row: their language
        (a newcomer's: the city's), easy language, the phone's variants."""
        user = await self.dispatcher.db.users.find(PLATFORM, chat_id)
        newcomer = self.dispatcher.settings.newcomer_language(language_hint(chat_id))
        return reader_of(user, newcomer, on=PLATFORM).t

    async def _words(self, call: Call) -> Translator:
        """The caller's words: their newest answer's reader, else read once for the call."""
        if call.reader is None:
            call.reader = await self._reader_of(call.chat_id)
        return call.reader

    # -- recordings and "0" for a person (recording.py, to_a_person.py)

    async def _sweep(self) -> None:
        try:
            removed = await sweep(
                self.recordings, self.dispatcher.db.data_rights, self._erased_files
            )
        except Exception:
            log.exception("phone: looking for recordings no row names failed")
            return
        # Kept until gone (an erasure's sweep may read before its commit); bounded.
        self._erased_files = {
            file_id
            for file_id in list(self._erased_files)[-ERASED_KEPT:]
            if self.recordings.path(file_id).exists()
        }
        if removed:
            log.info("phone: %d recordings removed (no row names them)", removed)

    async def _sweep_often(self) -> None:
        while True:
            await self._sweep()
            await asyncio.sleep(SWEEP_SECONDS)

    def _sweep_soon(self, unnamed: set[str]) -> None:
        """After an erasure (its transaction still open: the sweep's reads wait for it);
        ``unnamed``: the files it left unnamed, removed at once, young as they may be."""
        self._erased_files |= unnamed
        self._later(self._sweep())

    def _play(self, call: Call, prompts: list[Path]) -> None:
        """Play ``prompts`` to the call: the bot speaks, the caller is not waited for."""
        self._not_idle(call)
        self._runner(call).start(Say(tuple(prompts), wait=False, after=True))

    # -- a caller who does nothing (``idle_seconds``; the goodbye is the call's loop's)

    def _wait_for_caller(self, call: Call) -> None:
        """All is said (or a key came) and the call waits for the caller: after
        ``idle_seconds`` without a key or a word, goodbye. Not while recording or
        before the tone."""
        self._not_idle(call)
        if call.audio.gone or call.audio.listening is not None or call.audio.then is not None:
            return
        if call.handed is not None:  # a helper is offered or talking: nobody waits for keys
            return
        call.audio.idle_at = asyncio.get_running_loop().time() + self.in_call.idle_seconds

    def _not_idle(self, call: Call) -> None:
        call.audio.idle_at = None

    def waited_out(self, call: Call) -> bool:
        """Whether the call waited for its caller its ``idle_seconds``: the goodbye."""
        at = call.audio.idle_at
        if at is None or asyncio.get_running_loop().time() < at:
            return False
        call.audio.idle_at = None
        return not call.audio.gone and call.audio.listening is None

    async def goodbye(self, call: Call) -> Path | None:
        """The goodbye's prompt, in the caller's words (noted as said)."""
        self._drop_rest(call)
        t = await self._words(call)
        said = await self._prompt(t._(IDLE_GOODBYE), t)
        if said is not None:
            call.audio.saying.append(said)
        return said

    async def _say_line(self, call: Call, line: str) -> None:
        """One of the transport's own lines (marked with N_), in the caller's words."""
        t = await self._words(call)
        await self._say(call, t._(line), [])

    def _later(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self._noting.add(task)
        task.add_done_callback(self._noting.discard)

    def _record_after(self, call: Call) -> None:
        """The newest message takes a spoken answer: the tone after what is being said,
        then the recording."""
        if not call.recorded or call.audio.gone:
            return
        if self._tone is None:
            assert self.prompts is not None
            self._tone = tone_wav(self.prompts.folder / "tone.wav", self.settings.clock_rate)
        self._play(call, [self._tone])
        call.audio.then = lambda: self._start_recording(call)

    def _skipped_to_tone(self, call: Call, key: str) -> bool:
        """ "#" while a message that takes a spoken answer is said: straight to the tone."""
        if key != "#" or not call.recorded:
            return False
        self._runner(call).start(HUSH)
        self._record_after(call)
        return True

    def _start_recording(self, call: Call) -> None:
        if call.audio.gone or call.audio.listening is not None:
            return
        self._not_idle(call)
        call.audio.listening = Listening(self.in_call.quiet_seconds, self.in_call.record_seconds)
        self._later(self._record(call, call.audio.listening))

    async def _record(self, call: Call, listening: Listening) -> None:
        """Record until a key, the quiet, the most or the end of the call; what was said
        goes to the bot as a voice message of the caller's."""
        voice = None
        try:
            got = await self._runner(call).run(Record(listening))
            if isinstance(got, Recorded) and listening.spoke and got.pcm:
                rate = self.settings.clock_rate
                voice = await asyncio.to_thread(self.recordings.keep, got.pcm, rate)
        except Exception:
            log.exception("phone: call %d: the recording failed", call.call_id)
        finally:
            call.audio.listening = None
        log.debug("phone: call %d: recorded (%s)", call.call_id, "kept" if voice else "none")
        if voice is not None:
            call.keys.put_nowait(Media("voice", voice.file_id, voice.seconds, MIME_TYPE))
        elif not call.audio.gone:
            await self._say_line(call, NOTHING_HEARD)
            self._play(call, list(call.audio.last))
            self._record_after(call)
        if call.audio.gone:
            call.keys.put_nowait(HungUp())

    async def _person(self, call: Call) -> None:
        """ "0": a coordinator during their hours, else a message for them."""
        if self.in_call.forwards_now():
            log.info("phone: call %d: transferred", call.call_id)
            await self._say_line(call, CONNECTING)
            call.audio.then = lambda: self._later(self._forward(call))
        else:
            call.keys.put_nowait(Command("coordinators"))

    async def _forward(self, call: Call) -> None:
        asked = await self._runner(call).run(Transfer(self.in_call.forward_to))
        if not isinstance(asked, Done):
            self.transfer_went(call, False)

    def transfer_went(self, call: Call, went: bool) -> None:
        if went:
            self._runner(call).start(HangUp())  # the caller talks with the coordinator
            return
        log.info("phone: call %d: the transfer failed", call.call_id)

        async def message() -> None:
            await self._say_line(call, NOBODY)
            call.keys.put_nowait(Command("coordinators"))

        self._later(message())

    # -- a helper's bridged call into a call that is up (bridging.py ``live``)

    def _live(self, number: str) -> LiveCall | None:
        """The call of ``number``'s own person that is up (one that came from a number
        nobody had yet, or one a call-back checked - never a stand-in for a claimed
        number), not recording, typing, being transferred or handed already: the helper of
        their request is connected into it."""
        call = self._by_chat.get(number)
        if (
            call is None
            or call.claimed
            or call.runner is None
            or call.audio.gone
            or call.audio.then is not None
            or call.audio.listening is not None
            or call.entry is not None
            or call.handed is not None
        ):
            return None
        return _Handed(self, call)

    # -- a call-back that goes on as a conversation (outbox_calls.py: the answer after the tone)

    async def _converse(
        self, chat_id: str, runner: CallRunner, data: str, *, check: bool = False
    ) -> None:
        """The call-back on ``runner`` to ``chat_id`` goes on as a call of theirs that
        began with the button ``data`` pressed, on the same runner, until it ends; the call
        that checked a caller (``check``) offers a PIN first (pin_line.py)."""
        call = Call(runner.call_id, chat_id, runner, checked=True)
        self._calls[runner.call_id] = call
        self._by_chat[chat_id] = call
        first = await pin_line.first_of_check(self, call, data) if check else ButtonPress(data)
        call.taking = asyncio.create_task(self._take(call))
        call.keys.put_nowait(first)
        await converse(runner, call, self)

    # -- a withheld caller's number to call back (handlers/number_entry.py)

    def _number_key(self, call: Call, entry: NumberEntry, key: str) -> None:
        self._runner(call).start(HUSH)
        step = entry.key(key)
        if step is not None:
            call.keys.put_nowait(step)

    async def _number(self, call: Call, meaning: Any) -> None:
        """The number entry: asked for (``meaning`` the press that waits), its steps."""
        if not isinstance(meaning, NumberStep):
            call.entry = NumberEntry(meaning, self.dispatcher.settings.call_countries)
            meaning = NumberStep("ask")
        entry = call.entry
        if entry is None:
            return
        if meaning.step == "back":
            call.entry = None
            await self._meant(call, BACK)
            return
        if meaning.step == "confirmed" and entry.number is not None:
            call.entry = None
            await self._check_typed(call, entry.number, entry.then)
            return
        await self._say_message(call, entry.message(meaning.step, await self._words(call)))

    # -- who is calling (handlers/caller_check.py)

    async def _claim(self, call: Call) -> None:
        """A call from the number of a person the bot knows goes on as a person of its own
        (their language and consent) until a call-back checks it."""
        if is_withheld(call.chat_id):
            return
        db = self.dispatcher.db
        known = await claimed(db, PLATFORM, call.chat_id)
        if known is None:
            return  # a new caller: nothing of theirs to give away
        stand_in = withheld()
        await made(db, PLATFORM, stand_in, profile_of(known))
        log.info("phone: call %d: a known number, unchecked", call.call_id)
        self._rename(call, stand_in)
        call.claimed = known.platform_user_id
        # Their PIN, where they chose one, before anything else (pin_line.py).
        await pin_line.ask_at_start(self, call, known)

    def _rename(self, call: Call, chat_id: str) -> None:
        if self._by_chat.get(call.chat_id) is call:
            del self._by_chat[call.chat_id]
        self.call_choices.forget(call.chat_id)
        call.chat_id = chat_id
        self._by_chat[chat_id] = call

    async def _offer_check(self, call: Call, event: Event) -> None:
        """What the caller pressed waits for a call-back to their number (OFFER)."""
        await self._say_message(call, offer(await self._words(call)))
        call.waiting = event

    async def _call_me_back(self, call: Call) -> None:
        waiting, call.waiting = call.waiting, None
        # The number claimed, or a new caller's own (a PIN is chosen in a checked call only).
        number = call.claimed or ("" if is_withheld(call.chat_id) else call.chat_id)
        if waiting is None or not number:
            return
        at = await self.checks.ask(number, number, then_data(waiting), Profile())
        await self._check_asked(call, at, typed=False)

    async def _check_typed(self, call: Call, number: str, then: Event) -> None:
        """A withheld caller's typed number: the request is made in a call to it, once its
        holder said it is them (handlers/caller_check.py), never in this call."""
        profile = profile_of(await self.dispatcher.db.users.find(PLATFORM, call.chat_id))
        log.info("phone: call %d: a number to call back was typed", call.call_id)
        at = await self.checks.ask(WITHHELD, number, then_data(then), profile)
        await self._check_asked(call, at, typed=True)

    async def _check_asked(self, call: Call, at: datetime | Refusal, *, typed: bool) -> None:
        """The caller hears when the check call comes and the call ends, or why it does not
        come (and the call goes on)."""
        if not isinstance(at, datetime):
            await self._say_alone(call, REFUSED[at])
            return
        t = await self._words(call)
        await self._say_message(
            call, calling(t, typed=typed, when=None if self.checks.soon(at) else at)
        )
        self._closing.add(call.call_id)
        call.audio.then = lambda: self._runner(call).start(HangUp())

    async def _checked(self, number: str, waiting: Waiting, runner: CallRunner) -> None:
        """Whoever answered the check call to ``number`` said it is them: their conversation,
        beginning with what waited (a person not there yet made with the asking call's
        language and consent), a PIN offered first (pin_line.py)."""
        await made(self.dispatcher.db, PLATFORM, number, profile_of_waiting(waiting))
        await self._converse(number, runner, waiting.data, check=True)

    async def _check_words(self, number: str, profile: Profile) -> Translator:
        """The words the check call asks in: the number's person's, else the asking call's
        language."""
        if await self.dispatcher.db.users.find(PLATFORM, number) is not None:
            return await self._reader_of(number)
        newcomer = self.dispatcher.settings.newcomer_language(language_hint(number))
        return reader_of(None, profile.language or newcomer, on=PLATFORM).t

    async def _say_alone(self, call: Call, line: str) -> None:
        """One of the transport's lines (marked with N_) as the call's whole answer."""
        await self._say_message(call, Message(Markup((await self._words(call))._(line))))

    async def _say_message(self, call: Call, message: Message) -> None:
        """A dialogue's message (handlers/caller_check.py, number_entry.py) as the call's
        whole answer (what "*" repeats): its text, which names its keys itself."""
        call.audio.saying, call.recorded, call.choices = [], "", 0
        call.pages = None
        await self._say(call, str(message.text), [])
        call.audio.last = call.audio.saying
        call.answers += 1


class _Handed:
    """A call that is up, handed to a helper's bridged call (bridging.py ``LiveCall``)."""

    def __init__(self, line: PhoneTransport, call: Call) -> None:
        self.line, self.call = line, call

    @property
    def runner(self) -> CallRunner:
        return self.line._runner(self.call)

    async def offer(self, prompt: Path | None, seconds: float) -> bool:
        call = self.call
        if call.audio.gone:
            return False
        call.handed = asyncio.get_running_loop().create_future()
        if call.pause is not None:
            call.pause.cancel()
            call.pause = None
        self.line._not_idle(call)
        log.info("phone: call %d: a helper's call is offered", call.call_id)
        self.runner.start(Say((prompt,) if prompt else (), wait=False))
        try:
            return await asyncio.wait_for(asyncio.shield(call.handed), seconds) == "1"
        except TimeoutError:
            return False

    def release(self) -> None:
        call = self.call
        call.handed = None
        if call.audio.gone:
            return
        if call.audio.last:  # where they were: the last answer again
            self.line._play(call, list(call.audio.last))
        else:
            self.line._wait_for_caller(call)


async def _prompts(
    section: SpeechSection, languages: tuple[str, ...], rate: int
) -> tuple[Prompts, frozenset[str]]:
    """The prompts of the configured engine (``[speech]``: a speech server, else the
    embedded eSpeak NG, which a phone line needs even where read aloud is off), and the
    languages it speaks."""
    from bot.speech.engines import embedded, embedded_turns, parse_voices
    from bot.speech.http_engine import HttpEngine
    from bot.speech.turns import Turns

    engine: SpeechEngine
    if section.engine == "http":
        engine = HttpEngine(
            section.url,
            parse_voices(section.voices),
            model=section.model,
            api_key=section.api_key,
            timeout_seconds=section.timeout_seconds,
        )
        turns = Turns(HttpEngine.parallel)
    else:
        engine, turns = embedded(), embedded_turns()
    voices = await engine.languages(languages)
    prompts = Prompts(engine, turns, rate=rate, timeout_seconds=section.timeout_seconds)
    return prompts, voices


def _domain(registrar: str) -> str:
    """The registrar's domain ("sip:sipgate.de;transport=udp": "sipgate.de")."""
    return registrar.split(":", 1)[1].split(";", 1)[0] if ":" in registrar else ""


def service(config: Any, dispatcher: Dispatcher, db: Any) -> PhoneTransport:
    """The city's phone line (``[phone]``), not yet listening."""
    phone = config.phone
    settings = StackSettings(
        bind=phone.bind,
        port=phone.port,
        rtp_port=phone.rtp_port,
        public_address=phone.public_address,
        registrar=phone.registrar,
        user=phone.user,
        password=phone.password or "",
        clock_rate=phone.clock_rate,
        outbound_proxy=phone.outbound_proxy,
        trusted_peers=phone.peers(),
        realm=phone.realm,
        rtp_timeout_seconds=phone.rtp_timeout_seconds,
    )
    calling_back = CallBackSettings(
        domain=phone.call_domain or _domain(phone.registrar),
        ring_seconds=phone.ring_seconds,
        policy=Policy(
            attempts=phone.call_attempts,
            pause=timedelta(minutes=phone.call_pause_minutes),
            quiet=parse_quiet_hours(phone.quiet_hours),
        ),
        dial=DialSettings(
            countries=parse_countries(phone.call_countries),
            per_number_day=phone.calls_per_number_day,
            monthly=phone.monthly_calls,
            reserve_percent=phone.call_reserve_percent,
        ),
        checks=CheckSettings(
            per_day=phone.check_calls_per_day,
            per_hour=phone.check_calls_per_hour,
            per_caller_hour=phone.checks_per_caller_hour,
        ),
    )
    in_call = CallSettings(
        forward_to=phone.forward_to,
        coordinators_hours=phone.coordinators_hours,
        recordings=Path(phone.recordings),
        record_seconds=phone.record_seconds,
        quiet_seconds=phone.quiet_seconds,
        idle_seconds=phone.idle_seconds,
    )
    return PhoneTransport(
        dispatcher,
        settings,
        speech=config.speech,
        calling_back=calling_back,
        in_call=in_call,
        # Several lines ring at once only through a registrar (a trunk calls one address).
        lines=phone.lines if phone.registrar else 1,
    )
