"""The phone line as a transport: a caller talks with the bot by keypresses, the bot
answers with its words spoken (the transport contract, bot/transports/contract.py). This
module is the wire between the lines' events and the conversation; each part of a call
lives in its own module:

- answers_said.py - what a call hears: each answer said with its keys (in pages when it has
  more than ten choices, its likely choice first), the caller's words, the goodbye;
- who_calls.py - who is calling: a known number until a call-back (or its PIN) checks it,
  a withheld caller's number to call back (the dialogues are handlers', with the PIN);
- spoken_answers.py - the tone and the recording, "0" for a person, the recordings' sweep;
- handed_call.py - a helper's bridged call into a call that is up (bridging.py);
- line_notes.py - what the lines tell of themselves (registration).

A call is a conversation (callers_number.py: the chat id is the caller's number). When its audio is
on, the call is a ``/start``: a new caller hears the greeting and the languages, each
language's line in its own voice; a known one (their number a person here already) their
language at once, and the step they were at, or the main menu. A key that means something
stops what is playing (the caller knows what they want; the "#" after an entry ended by its
length means nothing and stops nothing) and means what what_keys_mean.py says: digits press the
newest message's choices by the numbered-choices rules (numbered_choices.py, kept in memory
for the call, as the console does) or are typed text (a postcode); ``*`` says the last
answer again; ``#`` presses the message's way back - its button of role ``back``, else of
role ``menu`` (``handlers.messages.way_back``: never guessed from a label) - or asks for the
main menu (``/menu``). In a message said in pages "9" says the next page, a page's key
presses the whole list's choice, ``*`` says the question and the page again.

Each call runs on its call runner (verbs.py), as the call-backs and bridged calls
do: the transport feeds the call's events to it, and one loop per call
(answered_call.py) hands back the results - a key (:meth:`PhoneTransport.pressed`, which
gives the loop the turn's gather of the rest where the key begins digits of the caller's
own), the digits gathered (:meth:`PhoneTransport.typed`), all said
(:meth:`PhoneTransport.said_all`), a transfer's outcome, the end
(:meth:`PhoneTransport.call_over`): turn (each answer makes the call's turn, turn.py: what
is said and what is gathered) → gather → the caller's incoming update.

A call waiting for its caller (all said; not before the tone or while recording:
:meth:`PhoneTransport.waits`) that gets no key and no word for ``idle_seconds`` hears a
goodbye and is hung up once it is said
(:data:`~bot.transports.phone.words.press_0_for_a_person.IDLE_GOODBYE`, steps of that loop,
whose clock it is); a key while it is said keeps it. After "please hang up now" the bot
hangs up whatever key comes meanwhile: the caller's line must be free for the call that
checks them.

One call's updates are taken one after the other by a task of its own, in the order the
keys came; the next key waits for the answers of the last. The phone person hears every
message: the transport says everything, so the chat's read-aloud offer is left out for
its medium (``Medium.SPOKEN``, handlers/reader.py).

The outbox's items for a phone person are said in a call the bot makes (outbox_calls.py: one
call for all that waits, tried again by the policy of when_to_call_again.py, then given up and the
coordinators told, handlers/numbers/call_notices.py); a call-back that goes on as the person's
conversation runs the same loop on its runner (:meth:`PhoneTransport.converse`). With several
processes on PostgreSQL the call-backs are one process's at a time, the holder of the role
``call-backs`` (:meth:`PhoneTransport.start_taking`); calls that come are taken by every process.

Logs name calls by pjsua2's call id only: never a number, a key or a text.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config_fields import carried
from bot.speech.config import SpeechSection
from bot.transports.contract import ChatTurn, Routed, Transport, send_kept_answers, take_update
from bot.transports.phone.calls.answered_call import (
    Call,
    Caller,
    HungUp,
    converse,
    greeted,
    hinting,
    is_over,
)
from bot.transports.phone.calls.answering_settings import CallSettings
from bot.transports.phone.calls.bridging import Bridging
from bot.transports.phone.calls.callers_number import PLATFORM, caller_id, is_withheld
from bot.transports.phone.calls.check_calls import CheckCalls
from bot.transports.phone.calls.dialling import CheckSettings, DialSettings
from bot.transports.phone.calls.live_calls import CallsByNumber
from bot.transports.phone.calls.outbox_calls import RECHECK_SECONDS, CallBackSettings, CallingBack
from bot.transports.phone.calls.recording import MIME_TYPE, Recordings
from bot.transports.phone.calls.verbs import HUSH, CallRunner, Gather, HangUp
from bot.transports.phone.calls.when_to_call_again import Policy, parse_quiet_hours
from bot.transports.phone.config import PhoneSection
from bot.transports.phone.dialogue import key_takers, who_calls
from bot.transports.phone.dialogue.answers_said import CallVoice
from bot.transports.phone.dialogue.handed_call import handed
from bot.transports.phone.dialogue.spoken_answers import SpokenAnswers, Sweeps
from bot.transports.phone.sip.call_control import CallControl, CallEvent, StackSettings
from bot.transports.phone.sip.line_notes import KINDS, LineNotes
from bot.transports.phone.sip.line_pool import Lines
from bot.transports.phone.sip.stack import Stack
from bot.transports.phone.words.all_lines_busy import busy_notice
from bot.transports.phone.words.speech_files import Prompts, configured
from bot.transports.phone.words.what_keys_mean import REPEAT, Meaning
from bot.transports.sending import DeliveryError
from handlers.channels import Ports
from handlers.messages import ButtonPress, Command, Event, Incoming, Message, Outgoing, Sender
from locales.phone_numbers import language_hint

if TYPE_CHECKING:
    from bot.sections import Sections

log = logging.getLogger(__name__)


class PhoneTransport(Transport):
    platform = PLATFORM
    # The call-backs' role (module docstring): one process's memory knows a call under way.
    update_role = "call-backs"
    # The calls the line makes (:func:`_calls_out`).
    calling: CallingBack
    checks: CheckCalls
    bridging: Bridging
    pace = None

    def __init__(
        self,
        ports: Ports,
        settings: StackSettings,
        *,
        prompts: Prompts | None = None,
        voices: frozenset[str] = frozenset(),
        speech: SpeechSection | None = None,
        calling_back: CallBackSettings | None = None,
        clock: Callable[[], datetime] | None = None,
        in_call: CallSettings | None = None,
        lines: int = 0,
    ) -> None:
        # What the city hands it (bot/city_service.py; handlers/channels.py ``Ports``): the
        # way in for its updates and whatever else it asks; never the dispatcher.
        self.city_ports = city = ports
        # Call-backs placed (outbox_calls.py): alone at once, else while holding the role.
        self.delivering = ports.updates.process_key is None
        self.in_call = in_call or CallSettings()
        self.recordings = Recordings(Path(self.in_call.recordings))
        self.speech = speech or SpeechSection()
        self.settings = settings
        self._noting: set[asyncio.Task[None]] = set()
        # What the lines tell of themselves (registration).
        self.notes = LineNotes(city.db, self._later)
        self.registered = self.notes.registered
        # Lines: the SIP edge and as many processes behind it (line_pool.py); none: one
        # stack in this process, without the edge (the tests' own).
        self.stack: CallControl = (
            Lines(settings, self._on_event, lines) if lines else Stack(settings, self._on_event)
        )
        self.voice = CallVoice(city.words, self.stack, self.in_call, prompts, voices)
        self.spoken = SpokenAnswers(
            self.voice, self.in_call, self.recordings, settings.clock_rate, self._later
        )
        self.sweeps = Sweeps(self.recordings, city.db.data_rights, self._later)
        self._calls: dict[int, Call] = {}
        self._by_chat = CallsByNumber()
        self._answering: dict[str, Call] = {}
        self._chat_turn: ChatTurn | None = None
        self._sweeping: asyncio.Task[None] | None = None
        # Calls told "please hang up now": the bot hangs up, whatever key comes meanwhile.
        self.closing: set[int] = set()
        _calls_out(self, calling_back, clock)

    def ports(self) -> dict[str, Any]:
        """The calls the features ask for (the checks: a claimed or a withheld caller's
        number, handlers/numbers/caller_check.py; a helper's bridged call), given them
        where the city is wired (bot/city_service.py ``composed``)."""
        return {"check_calls": self.checks, "bridged_calls": self.bridging}

    @property
    def prompts(self) -> Prompts | None:
        return self.voice.prompts

    # -- the chat service

    async def connect(self, chat_turn: ChatTurn | None = None) -> None:
        self._chat_turn = chat_turn
        voice = self.voice
        if voice.prompts is None:
            voice.prompts, voice.voices = await configured(
                self.speech, self.city_ports.words.languages, self.settings.clock_rate
            )
        # Answers kept from calls that ended before they were said are only marked.
        await send_kept_answers(self)
        first = self.city_ports.words.newcomer_language(None)
        self.stack.set_busy_notice(await busy_notice(voice.prompts, first, voice.voices))
        await self.stack.start()
        log.info("phone: listening on port %d", self.stack.port)
        erasure = self.city_ports.db.data_rights.after_erasure
        erasure.append(self.sweeps.soon)
        # A prompt may say the erased person's words: the said ones go too.
        erasure.append(voice.prompts.forget_said)
        self._sweeping = asyncio.create_task(self.sweeps.often())
        self.checks.start()

    async def open_for_files(self) -> None:
        """Nothing to open: recordings are read from their folder (fetch_media)."""

    async def start_taking(self) -> None:
        """Holding the role: this process places the call-backs (calls come to any)."""
        self.delivering = True

    async def stop_taking(self) -> None:
        """The role gone: the call-backs under way are hung up, so that the next holder
        rings again for what was not heard never while this one's call still speaks."""
        self.delivering = False
        await self.calling.stop()

    async def stop(self) -> None:
        erasure = self.city_ports.db.data_rights.after_erasure
        with contextlib.suppress(ValueError):
            erasure.remove(self.sweeps.soon)
        if self.prompts is not None:
            with contextlib.suppress(ValueError):
                erasure.remove(self.prompts.forget_said)
        if self._sweeping is not None:
            self._sweeping.cancel()
        for call in list(self._calls.values()):
            self.call_over(call)  # its updates' task ends with the others (below)
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
        if not self.delivering:  # the role went while the worker's round was under way
            raise DeliveryError(
                "phone: call-backs are another process's", retry_after=RECHECK_SECONDS
            )
        return await self.calling.deliver(chat_id, item)

    async def fetch_media(self, file_id: str) -> tuple[bytes, str]:
        """A caller's recorded voice message (recording.py)."""
        try:
            return await asyncio.to_thread(self.recordings.read, file_id), MIME_TYPE
        except (KeyError, OSError):
            raise DeliveryError("phone: no such recording", permanent=True) from None

    # -- what pjsua2 tells

    def _on_event(self, event: CallEvent) -> None:
        if event.kind in KINDS:  # the lines' own news (line_notes.py)
            self.notes.told(event)
            return
        if event.kind == "call":
            runner = CallRunner(self.stack, event.call_id)
            came = Call(event.call_id, caller_id(event.value), runner)
            # Its first update, taken once its audio is on; keys before that follow it.
            came.keys.put_nowait(Command("start"))
            self._calls[event.call_id] = came
            log.info("phone: call %d came", event.call_id)
            self._later(converse(runner, came, self))
            return
        call = self._calls.get(event.call_id)
        if call is None or call.runner is None:
            return
        if event.kind == "audio":  # its audio on (told once a call): its updates are taken
            log.debug("phone: call %d: audio on", event.call_id)
            self._later(self._take(call))
        call.runner.feed(event)  # the call's loop's (answered_call.py), its clock's too

    # -- what the call's loop hands on (answered_call.py ``Line``)

    def said_all(self, call: Call) -> None:
        """All the call was to hear is said: what follows then, its turn's (the loop waits
        for the caller where the call waits at all, :meth:`waits`, and for the pause
        before the rest of a message said in two parts, :meth:`pause_passed`)."""
        log.debug("phone: call %d: all said", call.call_id)
        self.spoken.follow(call, self.voice.followed(call))

    def pause_passed(self, call: Call) -> None:
        self.voice.follow(call)

    def waits(self, call: Call) -> bool:
        return call.call_id not in self.closing and self.voice.waits(call)

    def pressed(self, call: Call, key: str, *, after_entry: bool = False) -> Gather | None:
        if call.call_id in self.closing:  # "please hang up now": the bot hangs up anyway
            return None
        # A key is an answer: what the message kept back for after a pause is not said.
        self.voice.drop_rest(call)
        if key_takers.taken_apart(call, key):
            return None
        if call.turn.then and self.spoken.skipped_to_tone(call, key):
            return None
        # The "#" after "44137" (an entry ended by its length) means nothing, and must not
        # cut off the answer to it the caller is waiting for (issue 64).
        asked = None if after_entry and key == "#" else call.turn.key(key)
        if asked is None:
            return None
        # The caller knows what they want: what is playing stops.
        self.voice.follow_with(call, "")
        self.voice.runner(call).start(HUSH)
        if isinstance(asked, Gather):  # digits of their own begun: the loop gathers the rest
            return asked
        call.keys.put_nowait(asked)
        return None

    def typed(self, call: Call, meaning: Meaning | None) -> None:
        """The caller's own digits, taken (None: given up)."""
        if call.call_id in self.closing or is_over(call):
            return
        if meaning is not None:
            call.keys.put_nowait(meaning)

    def call_over(self, call: Call) -> None:
        """The caller hung up: what they pressed before is still taken (digits begun and
        not ended are not), then the call's task ends; nothing more is said."""
        if self._calls.pop(call.call_id, None) is None:
            return  # told already
        log.info("phone: call %d ended", call.call_id)
        self.voice.runner(call).end()  # over for its steps too (the bot stops: not yet)
        self.closing.discard(call.call_id)
        self._by_chat.drop(call)
        self.voice.follow_with(call, "")
        self.voice.drop_rest(call)
        if call.handed is not None and not call.handed.done():
            call.handed.set_result("")
        if call.listening is not None:  # its message first, then the end (recording)
            call.listening.stop.set()
            return
        call.keys.put_nowait(HungUp())

    def transfer_went(self, call: Call, went: bool) -> None:
        self.spoken.transfer_went(call, went)

    async def goodbye(self, call: Call, *, longest: bool) -> Path | None:
        return await self.voice.goodbye(call, longest=longest)

    # -- one call's updates

    async def _take(self, call: Call) -> None:
        if not call.caller.checked:
            try:
                await who_calls.claim(self, call)
            except Exception:
                log.exception("phone: call %d: who is calling could not be read", call.call_id)
                self.voice.runner(call).start(HangUp())
        self._by_chat.settled(call)
        while not isinstance(meaning := await call.keys.get(), HungUp):
            try:
                await self.meant(call, meaning)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("phone: call %d: an update failed", call.call_id)
        if call.chat_id not in self._by_chat:  # no newer call of theirs needs them
            self.voice.call_choices.forget(call.chat_id)

    async def meant(self, call: Call, meaning: Meaning | Event | CallEvent) -> None:
        """What a key (or an event the call goes on with) of ``call`` means, taken in the
        call's order."""
        if isinstance(meaning, CallEvent):  # a key before the greeting
            await self._early_key(call, meaning.value)
        elif meaning == REPEAT:
            if call.turn.pages is not None:
                await self.voice.say_page(call, call.turn.pages, again=True)
            else:
                self.voice.play(call, list(call.turn.said))
            self.spoken.after(call)
        elif call.turn.asks_for_person(meaning):
            await self.spoken.person(call)
        else:
            event = await self.voice.event_of(call, meaning)
            if event is not None:
                await self._event_taken(call, event)

    async def _early_key(self, call: Call, key: str) -> None:
        """A key pressed before the greeting was made, now that it is: the call's loop
        takes it from the greeting's choices. A caller who hung up meanwhile (a busy
        machine made the greeting later) has no loop any more, and what she pressed before
        is still taken (:meth:`call_over`): a choice, "*" or "#" here, in her order; a
        digit that would begin digits of her own is not (nobody gathers the rest)."""
        if not greeted(call):  # the greeting failed: the key would only come back
            return
        if not is_over(call):
            self.voice.runner(call).feed(CallEvent("key", call.call_id, key))
            return
        asked = call.turn.key(key)
        if asked is not None and not isinstance(asked, Gather):
            await self.meant(call, asked)

    async def _event_taken(self, call: Call, event: Event) -> None:
        """``event`` of the caller: the bot's update, whose answers this call says. The
        update says whose number the call claims unchecked (its person's data waits for a
        call-back to it or their PIN, handlers/numbers/caller_check.py, phone_pin.py), or
        that the call is checked (a call-back its holder confirmed, a right PIN)."""
        incoming = Incoming(
            # The number hints the language, as a phone's locale does in a chat; a withheld
            # caller is nobody to reach after the call (a request asks for a number first).
            sender=Sender(
                PLATFORM,
                call.chat_id,
                language_hint=language_hint(hinting(call)),
                withheld=is_withheld(call.chat_id),
                claims=call.caller.claimed,
                checked=bool(call.caller.checked),
                pin_proven=call.caller.checked == "pin",
            ),
            chat_id=call.chat_id,
            event=event,
            update_id=uuid.uuid4().hex,
        )
        self.voice.update_begins(call)
        # The answers go to this call (a new call of the same caller has answers of its own).
        # Kept by the update's chat: a right PIN renames the call meanwhile (``proven``).
        chat_id = call.chat_id
        self._answering[chat_id] = call
        try:
            if self._chat_turn is not None:
                async with self._chat_turn(PLATFORM, chat_id):
                    await take_update(self, incoming)
            else:
                await take_update(self, incoming)
        finally:
            if self._answering.get(chat_id) is call:
                del self._answering[chat_id]
        log.debug("phone: call %d: an update taken, %d prompts", call.call_id, len(call.saying))
        self.voice.asked(call)
        self.spoken.after(call)

    async def send_answer(self, answer: Routed) -> None:
        call = self._answering.get(answer.chat_id)
        if call is None or answer.elsewhere:
            return  # not theirs: nothing to say it to
        if is_over(call):  # she hung up: nothing said, but what her keys meet is kept
            await self.voice.kept_unsaid(call, answer.item, answer.edit_message_id)
            return
        await self.voice.answer(call, answer.item, answer.edit_message_id)
        if isinstance(answer.item, Message) and answer.item.closing:
            self.close(call)

    def close(self, call: Call) -> None:
        """``call`` ends once all is said ("please hang up now": its line must be free for
        the call that checks it); a key meanwhile changes nothing."""
        self.closing.add(call.call_id)
        self.voice.follow_with(call, "hang up")

    def _later(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._noting.add(task)
        task.add_done_callback(self._noting.discard)

    def rename(self, call: Call, chat_id: str) -> None:
        """``call`` is ``chat_id``'s now (who_calls.py, :meth:`proven`)."""
        self._by_chat.drop(call)
        # A call claiming a number renamed to its stand-in takes nothing from a checked call
        # of that number that is up (a call-back going on): its choices stay.
        if call.chat_id not in self._by_chat:
            self.voice.call_choices.forget(call.chat_id)
        call.chat_id = chat_id
        self._by_chat.renamed(call)

    # -- a call-back that goes on as a conversation (outbox_calls.py: the answer after the tone)

    def proven(self, chat_id: str, then: Event) -> None:
        """The claimed call on ``chat_id`` proved by its PIN (who_calls.py ``proven``)."""
        who_calls.proven(self, self._by_chat.get(chat_id), then)

    async def converse(self, chat_id: str, runner: CallRunner, data: str) -> None:
        """The call-back on ``runner`` to ``chat_id`` goes on as a call of theirs that
        began with the button ``data`` pressed, on the same runner, until it ends."""
        call = Call(runner.call_id, chat_id, runner, caller=Caller(checked="call-back"))
        self._calls[runner.call_id] = call
        self._by_chat.settled(call)
        self._later(self._take(call))
        call.keys.put_nowait(ButtonPress(data))
        await converse(runner, call, self, answered=True)  # answered: its audio is on


def _domain(registrar: str) -> str:
    """The registrar's domain ("sip:sipgate.de;transport=udp": "sipgate.de")."""
    return registrar.split(":", 1)[1].split(";", 1)[0] if ":" in registrar else ""


def service(config: Sections, ports: Ports) -> PhoneTransport:
    """The city's phone line (``[phone]``), not yet listening."""
    phone = config.section(PhoneSection)
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
        caller_id=phone.caller_id,
        srtp=phone.srtp,
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
            countries=phone.call_countries,
            per_number_day=phone.calls_per_number_day,
            monthly=phone.monthly_calls,
            reserve_percent=phone.call_reserve_percent,
        ),
        checks=CheckSettings(
            per_day=phone.check_calls_per_day,
            per_hour=phone.check_calls_per_hour,
            per_caller_hour=phone.checks_per_caller_hour,
            reserve_percent=phone.check_calls_reserve_percent,
        ),
    )
    in_call: CallSettings = carried(CallSettings, phone)
    return PhoneTransport(
        ports,
        settings,
        speech=config.speech,
        calling_back=calling_back,
        in_call=in_call,
        # Always behind the SIP edge (edge.py), a trunk's calls too.
        lines=phone.lines,
    )


def _calls_out(
    phone: PhoneTransport,
    calling_back: CallBackSettings | None,
    clock: Callable[[], datetime] | None,
) -> None:
    """The calls the line makes: the call-backs (outbox_calls.py), the calls that check
    who asked (check_calls.py) and a helper's call with a phone resident (bridging.py)."""
    ports, clocked = phone.city_ports, {"clock": clock} if clock else {}
    phone.calling = CallingBack(
        ports.db,
        phone.stack,
        calling_back or CallBackSettings(domain=_domain(phone.settings.registrar)),
        speak=phone.voice.prompt,
        language=phone.voice.reader_of,
        report=ports.report,
        backchannels=ports.chats.backchannels,
        on_queued=ports.wake,
        **clocked,
    )
    phone.calling.converse = phone.converse
    # The calls that check who asked, kept until placed.
    phone.checks = CheckCalls(
        ports.db,
        phone.calling,
        begin=lambda *a: who_calls.checked(phone, *a),
        words=lambda *a: who_calls.check_words(phone, *a),
        proven=phone.proven,
        protects=lambda number: ports.callers.protects(PLATFORM, number),
        reserved=lambda number: ports.callers.reserved_for(PLATFORM, number),
    )
    # Both numbers hidden.
    phone.bridging = Bridging(
        ports.db,
        phone.stack,
        phone.calling.settings,
        speak=phone.voice.prompt,
        report=ports.report,
        backchannels=ports.chats.backchannels,
        on_queued=phone.calling.on_queued,
        **clocked,
        dialling=phone.calling.dialling,
    )
    # A helper's bridged call into a call of the resident's that is up (handed_call.py).
    phone.bridging.live = lambda number: handed(phone.voice, phone._by_chat.get(number))
