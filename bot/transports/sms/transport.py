"""Text messages (SMS) as a transport: a person's id and chat are their number in E.164.

**Incoming.** The gateway calls the bot's own HTTP site (``[sms] listen``/``port``, path
``/sms``): served by this transport as the Telegram webhook serves its own
(bot/transports/telegram_webhook.py), answered only after the text is handled, so a text
whose handling was cut off is passed on again by the gateway. The gateway proves the request
(bot/transports/sms/gateways.py); the sender's number is read with ``phonenumbers`` (a
local number in ``[sms] country``). A text with the gateway's id (Kannel's ``%I``, the
Android app's event ``id``) is its update: passed on again once handled (smsbox's
``http-request-retry``, the app's webhook retries, after an answer lost or late), it is
answered 200 and does nothing (``_take_once``; the handled updates of
db/users.py, kept ``handled_update_days``). Then, in this order:

- a number the bot does not know is answered only while today's first contacts have room
  (budget.py ``first_contact``: a share kept for the city's area codes and numbers seen
  before); past them no account is made and it is told once a day, within a cap
  (budget.py ``may_tell_turned_away``), that the bot answers it again tomorrow and which
  number to call (``call_instead``: ``[sms] call_instead``, else the phone line's). Its STOP
  is the STOP rule's, as every number's.
- STOP, START (or their words in one of the bot's languages, however typed: keywords.py)
  and the code that ends the notices of a help under way a STOP kept: the STOP rule
  (handlers/numbers/text_stops.py, asked through the city's port ``Ports.stops``) decides and
  words what they do; the transport carries - it recognises the word, keeps the number's
  state (store.py, a flag :meth:`SmsTransport.deliver` checks: the outbox gives a text to a
  stopped number up for good, never retries it), counts the code texts (budget.py
  ``take_code``, counted only with the STOP committed: ``Budget.codes_with``) and sends the
  answers, its own texts once the transaction is committed and a code's through the outbox,
  committed with the STOP (``_StopWire``).
- "0" while a text was cut to fit ("More: send 0", paging.py ``MORE``): its
  next part. Choices count from 1 and always come in the first text, so "0" never means
  anything else.
- "/word" is the command (/delete, /mydata: the privacy notice names them).
- a typed number pressing a choice of the newest text (bot/transports/numbered_choices.py).
- anything else is a text for the handlers (the first one starts the onboarding).

While the number's person has chosen no language (a first text), the text tells it
(handlers/helping/text_language.py ``first_text_language``: its letters, its words, the
number's country as a weaker hint, ``locales.phone_numbers.language_hint`` as a caller's
number is): the update's ``language_hint`` and the transport's own answers (STOP, turned
away) speak it where the city offers it, with the language choice still offered.

After STOP the answers to the person's own texts still go (they asked); nothing else does
until START, but the notices of a help she starts by text after it (the STOP rule's
``asking``, around the handling).

**Outgoing.** A message comes in its texted form, made by the reader chain's texted link
(handlers/media/texted_form.py: plain text, its choices numbered, a notice's short form, no
invisible marks, no icons; an item no chain made is formed by the same rules here); the
transport adds its own promises (paging.py: the STOP line in a notice's first text, with
its choices, "More: send 0") and fits it to the wire, paged into two segments (segments.py
``fit``: GSM-7 or UCS-2; a notice within three texts, a segment more each if need be) and
taken from the budget (budget.py: the month, its reserve for the notices of running help,
the number's caps an hour and a day) before it goes: a text the budget has no room for is
refused for good. Edits go as new texts (a phone changes
nothing it showed); toasts, reactions, deletions and voices are not sent. Texts go at most
``[sms] max_messages_per_second`` (the gateway's rate: the transport's ``pace``, kept here
alone and shared through the outbox in a cluster). Logs hold the kind of a failure, never
a text or a number.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web
from markupsafe import Markup

from bot.transports.contract import ChatTurn, Routed, Transport, send_kept_answers, take_update
from bot.transports.numbered_choices import typed_event
from bot.transports.phone.config import PhoneSection
from bot.transports.sending import DeliveryError, send_key
from bot.transports.sms.budget import Budget, Held, limits_of
from bot.transports.sms.checking import Checking
from bot.transports.sms.config import SmsSection
from bot.transports.sms.gateways import Android, Gateway, Kannel, Received, Refused, Request
from bot.transports.sms.keywords import keyword
from bot.transports.sms.paging import MORE, body_of, more_line
from bot.transports.sms.segments import count, cut, fit
from bot.transports.sms.store import PLATFORM, SmsStore
from db import Database
from db.clock import BERLIN, to_text
from db.users import User
from handlers.channels import Ports, Report
from handlers.media.texted_form import form_of, without_invisible_marks
from handlers.messages import (
    ButtonPress,
    Command,
    Incoming,
    Message,
    Outgoing,
    Sender,
    Text,
    typed_number,
)
from locales import Translator
from locales.phone_numbers import e164, language_hint, textable

if TYPE_CHECKING:
    from bot.sections import Sections

log = logging.getLogger(__name__)

PATH = "/sms"
# The longest text a gateway passes on: Kannel joins up to 255 parts of a concatenated text
# (67 UCS-2 characters each), and smsbox's get-url carries it in its request line (``%b``),
# each character up to 3 bytes of UTF-8 and each byte escaped ("%D9"). aiohttp's own limit
# (8190 characters) answered 400 before the text was read: about 1,350 Arabic or Cyrillic
# characters and the texter heard nothing, not even the city's "too long" (max_text_length).
MOST_PARTS = 255
MOST_CHARS = MOST_PARTS * 67
# A gateway's request (its line, or the Android app's body, where a character may be six
# in JSON: "\u0645") is at most that text and a little more; anything bigger is not from it.
MAX_REQUEST = MOST_CHARS * 9 + 4096
# The pace's clock and wait (a test stands in for them, not for the event loop's own).
_clock = time.monotonic
_sleep = asyncio.sleep
# A number today's first contacts turned away is told so at most once within this.
TOLD_AGAIN_AFTER = timedelta(days=1)


Running = Callable[[], Awaitable[bool]]
# Within take_text's transaction: the texts it sends once that is committed (None outside).
_HELD: ContextVar[list[Callable[[], Awaitable[object]]] | None] = ContextVar(
    "sms_held", default=None
)


class SmsTransport(Transport):
    platform = PLATFORM
    delivering = True

    def __init__(
        self,
        ports: Ports,
        db: Database,
        gateway: Gateway,
        budget: Budget,
        *,
        country: str = "DE",
        listen: str = "127.0.0.1",
        port: int = 0,
        pace: float | None = None,
        call_instead: str = "",
    ) -> None:
        # What the city hands it (bot/city_service.py; handlers/channels.py ``Ports``): the
        # way in for its updates and whatever else it asks; never the dispatcher.
        self.city_ports: Ports = ports
        # The number a texter turned away is told to call, as people read it ("" none).
        self.call_instead = call_instead
        self.db = db
        self.gateway = gateway
        self.budget = budget
        self.store = SmsStore(db.transactions)
        # Answers to a number not checked lately, past their share: held (checking.py).
        self.checking = Checking(
            budget,
            ports.told,
            lambda number, text, t: self._tell(number, Markup(text), t, whole=True),
            self._codes_paused,
        )
        self.country = country
        self.listen = listen
        self.port = port
        self._pace = pace
        # Alone, the transport keeps its pace itself (in a cluster the outbox worker also
        # shares one per bot): the monotonic time of the next free slot.
        self._next_slot = 0.0
        self.chat_turn: ChatTurn | None = None
        # Alone, one number's texts are handled one at a time (as polled updates are): a
        # number's lock and how many of its texts hold or wait for it, kept only while one
        # does (numbers come from outside: the table holds the texts being handled).
        self._turns: dict[str, tuple[asyncio.Lock, int]] = {}
        self._runner: web.AppRunner | None = None

    # -- the contract ------------------------------------------------------------------

    @property
    def update_role(self) -> str | None:
        return None  # the gateway calls whichever process it reaches

    @property
    def pace(self) -> float | None:
        # The gateway's rate ([sms] max_messages_per_second): Kannel would queue a burst,
        # but an operator's SMPP account or one phone takes only so many texts a second.
        return self._pace

    def ports(self) -> dict[str, Any]:
        """The hour's code texts for the features (handlers/numbers/coded_acts.py ``issued``):
        the budget counts them (budget.py ``take_code``), given where the city is wired."""
        return {"code_texts": self.budget}

    async def connect(self, chat_turn: ChatTurn | None = None) -> None:
        self.chat_turn = chat_turn
        await send_kept_answers(self)
        app = web.Application(client_max_size=MAX_REQUEST)
        app.router.add_route("*", PATH, self._receive)
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=10.0, max_line_size=MAX_REQUEST
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.listen, self.port)
        await site.start()
        if not self.port:
            server = getattr(site, "_server", None)
            sockets = getattr(server, "sockets", None) or []
            if sockets:
                self.port = sockets[0].getsockname()[1]

    async def open_for_files(self) -> None:
        """Texts carry no files."""

    async def start_taking(self) -> None:
        """No role: texts are taken in :meth:`connect`."""

    async def stop_taking(self) -> None:
        """No role."""

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        close = getattr(self.gateway, "close", None)
        if close is not None:
            await close()

    async def fetch_media(self, file_id: str) -> tuple[bytes, str]:
        raise DeliveryError("texts carry no files", permanent=True)

    # -- incoming ----------------------------------------------------------------------

    async def _receive(self, request: web.Request) -> web.Response:
        got = Request(
            query=request.rel_url.raw_query_string.encode(),
            headers=dict(request.headers),
            body=await request.read(),
        )
        try:
            received = self.gateway.received(got, time.time())
        except Refused as exc:
            log.warning("sms: a request was refused (%s)", str(exc).split(":", 1)[0])
            return web.Response(status=403)
        if received is None:
            return web.Response(status=200)
        number = e164(received.sender, self.country)
        if number is None:
            log.info("sms: a text from something that is not a phone number was dropped")
            return web.Response(status=200)
        if number == e164(self.gateway.sender, self.country):
            # A text "from" the bot's own number (forged, or its own answer routed back):
            # answered, each answer would come back as a text to answer again.
            log.warning("sms: a text from the bot's own number was dropped")
            return web.Response(status=200)
        if not textable(number):
            # A premium, satellite or toll-free sender (it may be forged): nothing is kept
            # and nothing is texted to it, not even a first contact's answer.
            log.info("sms: a text from a number the bot does not text was dropped")
            return web.Response(status=200)
        try:
            async with self._turn(number):
                await self._take_once(number, received)
        except Exception as exc:
            # Handled or not, answered 200: a gateway would pass it on again and again.
            log.error("sms: a text could not be handled: %s", type(exc).__name__)
        return web.Response(status=200)

    async def _take_once(self, number: str, received: Received) -> None:
        """A text, unless the gateway passed it on before (the same id, within the days
        handled updates are kept): smsbox calls its get-url again when its first call got
        no answer in time. Asked within the number's turn, so a call again that comes
        while the first is still being handled waits for it and then finds it handled.
        What the transport handles itself (STOP, START, a code, "0") is recorded with it
        (:meth:`take_text`); a text for the dispatcher with its handling (its update id)."""
        if received.id and await self.db.users.handled(PLATFORM, received.id):
            log.info("sms: a text the gateway passed on again was handled before")
            return
        await self.take_text(number, received.text, received.id)

    def _turn(self, number: str) -> Any:
        if self.chat_turn is not None:
            return self.chat_turn(PLATFORM, number)
        return self._own_turn(number)

    @contextlib.asynccontextmanager
    async def _own_turn(self, number: str) -> AsyncIterator[None]:
        lock, texts = self._turns.get(number, (asyncio.Lock(), 0))
        self._turns[number] = (lock, texts + 1)
        try:
            async with lock:
                yield
        finally:
            lock, texts = self._turns[number]
            if texts == 1:
                del self._turns[number]
            else:
                self._turns[number] = (lock, texts - 1)

    async def _reader(self, number: str) -> Translator:
        """The words of ``number``'s person in a text (language, easy language, the SMS
        variants), from their row: for what no reader chain made (the transport's own)."""
        return await self.city_ports.words.words_of(PLATFORM, number)

    async def take_text(self, number: str, text: str, gateway_id: str = "") -> None:
        """One text from ``number`` (E.164), as the module's docstring says; ``gateway_id``
        the gateway's id of it ("" none), its update id. What the transport does itself
        (STOP, START, a code, "0", a number turned away) and the record that the text was
        handled are one transaction, and its texts go once that is committed
        (:meth:`_tell`): cut off before the commit (a crash, a failure), nothing of it
        stays and the text passed on again is done and confirmed once; after it, the text
        passed on again is found handled (a crash before the texts went costs their
        confirmation, never a second one; a code's text is in the outbox, committed with
        the rest: :meth:`_queue`). A text for the handlers is taken after that
        transaction, recorded with its own handling (the dispatcher's update id)."""
        with self.checking.handling():
            await self._take_text(number, text, gateway_id)

    async def _take_text(self, number: str, text: str, gateway_id: str) -> None:
        held: list[Callable[[], Awaitable[object]]] = []
        token = _HELD.set(held)
        try:
            # A code text taken from the hour's counts only with this transaction committed.
            async with self.budget.codes_with(), self.db.transactions.transaction():
                incoming = await self._route(number, text, gateway_id, held)
                if incoming is None and gateway_id:
                    await self.db.users.note_handled(PLATFORM, gateway_id)
        finally:
            _HELD.reset(token)
        for send in held:
            await send()
        if incoming is not None:
            # A help she starts with it after STOP is hers to hear of (the STOP rule); the
            # features' codes too (an act's, an erasure's) are counted with their handling.
            wire = self._stop_wire(self._nobodys())
            async with self.city_ports.stops.asking(wire, number), self.budget.codes_with():
                await take_update(self, incoming)

    async def _route(
        self, number: str, text: str, gateway_id: str, held: list[Callable[[], Awaitable[object]]]
    ) -> Incoming | None:
        """What ``text`` is (:meth:`take_text`'s transaction, ``held`` its texts to send
        after it): done here (None), or the update for the handlers."""
        word = keyword(text)
        user = await self.db.users.find(PLATFORM, number)
        hint = None if user is not None and user.language else self._written_in(text, number)
        t = self.city_ports.words.reader_words(PLATFORM, user, hint)
        if user is None and word != "stop" and not await self.budget.first_contact(number):
            await self._turned_away(number, t)
            return None
        # STOP, START and the code that ends a help's notices: the STOP rule's.
        if await self.city_ports.stops.take(self._stop_wire(t), number, text, word, user):
            return None
        # A code that shows the number's holder is there (checking.py).
        if await self.checking.code_back(number, text, t):
            return None
        if typed_number(text) == MORE and await self.store.more(number):
            held.append(lambda: self._send_more(number))
            return None
        event: Text | ButtonPress | Command = Text(text)
        name, _, args = text.strip().removeprefix("/").partition(" ")
        if text.strip().startswith("/") and name:
            # "/delete", "/mydata", as the privacy notice names them.
            event = Command(name=name.lower(), args=args.strip())
        elif typed_number(text) is not None:
            newest = await self.store.newest(number)
            if newest is not None and newest[1]:
                # A number none of the choices is comes marked, to be answered with them.
                event = typed_event(text, newest[2])
                if isinstance(event, ButtonPress):
                    event = replace(event, message_id=newest[0])
        incoming = Incoming(
            sender=Sender(PLATFORM, number, language_hint=hint),
            chat_id=number,
            event=event,
            is_private=True,
            message_id=None if isinstance(event, ButtonPress) else f"in{secrets.token_hex(6)}",
            update_id=gateway_id or None,
        )
        return incoming

    def _written_in(self, text: str, number: str) -> str | None:
        """The language of a person who chose none yet: their text's, else their number's
        country's - one the city offers, else None (the city's first)."""
        return self.city_ports.words.written_in(text, language_hint(number))

    async def _turned_away(self, number: str, t: Translator) -> None:
        """A new number today's first contacts turn away: told once a day, while the day's
        cap of such texts has room (asked first, so that only a number told is kept - and
        counts as seen before tomorrow), when the bot answers again and whom to call."""
        # Told today already: nothing more, and no slot of the day's taken for it (each
        # repeat would spend one of its prefix's and the day's).
        since = to_text(datetime.now(UTC) - TOLD_AGAIN_AFTER)
        if await self.store.told_since(number, "turned", since):
            return
        if not (
            await self.budget.may_tell_turned_away(number)
            and await self._first_told(number, "turned")
        ):
            return
        await self._tell(number, self.city_ports.told.turned_away(t, self.call_instead), t)

    async def _first_told(self, number: str, word: str) -> bool:
        """Whether ``word`` ("turned") is told now: not within a day of the last."""
        return await self.store.claim_told(
            number, word, to_text(datetime.now(UTC) - TOLD_AGAIN_AFTER)
        )

    async def _queue(
        self, number: str, text: Markup, person: User, *, secret: bool = False
    ) -> None:
        """A text of the transport's own that must not be lost (a code; a limit told once a
        day) for ``person``, whose help is under way: into the outbox within
        :meth:`take_text`'s transaction, so that it leaves if and only if that commits -
        even when the process ends right after the commit (the outbox worker sends it then,
        :meth:`deliver`, past the STOP that kept those notices). Before, it was sent after
        the commit, and a crash there left a code out that never reached the number.
        ``secret``: it carries a code, which the outbox row keeps only until it is sent
        or given up (handlers/messenger.py ``to_chat``, db/outbox.py ``enqueue``)."""
        await self.city_ports.chats.keep_for(PLATFORM, number, text, person.id, secret=secret)
        held = _HELD.get()
        if held is not None:
            held.append(self._wake)  # the worker, once it is committed
        else:
            await self._wake()

    async def _wake(self) -> None:
        if self.budget.on_queued is not None:
            self.budget.on_queued()

    async def _codes_paused(self) -> None:
        """After a check code not right (checking.py): reported as the STOP rule reports
        its own codes' (the city's wrong codes of the hour at their limit)."""
        await self.city_ports.stops.codes_paused(self._stop_wire(self._nobodys()))

    def _nobodys(self) -> Translator:
        return self.city_ports.words.nobodys(PLATFORM)

    def _stop_wire(self, t: Translator) -> _StopWire:
        """What the STOP rule asks of this transport for one text, in ``t``'s words."""
        return _StopWire(self, t)

    def _running(self, number: str) -> Running:
        """Whether help is under way for ``number``'s person: asked once, when needed."""
        known: list[bool] = []

        async def running() -> bool:
            if not known:
                known.append(await self.budget.helping(PLATFORM, number))
            return known[0]

        return running

    # -- outgoing ----------------------------------------------------------------------

    async def send_answer(self, answer: Routed) -> None:
        await self._send_item(answer.chat_id, answer.item, alongside=answer.alongside)

    async def deliver(
        self, chat_id: str, item: Outgoing, edit_message_id: str | None = None
    ) -> str | None:
        # A notice: the reserve and a number's spent caps are open to one of running help,
        # and so is a number whose STOP kept them.
        running = self._running(chat_id)
        if await self.store.blocked(chat_id, running):
            raise DeliveryError("sms: the number sent STOP", permanent=True)
        return await self._send_item(chat_id, item, running)

    async def _send_item(
        self,
        number: str,
        item: Outgoing,
        running: Running | None = None,
        *,
        alongside: bool = False,
    ) -> str | None:
        # The reader the chain's texted link made the item for (and its form), else from
        # their row; an item no chain made (kept from before, a test) is formed here by the
        # same rules.
        note = getattr(item, "reader", None)
        t = note.t if note is not None else await self._reader(number)
        form = getattr(item, "texted", None) or form_of(item, t)
        if form is None:
            return None  # toasts, reactions, deletions, voices: nothing a text can carry
        fitted = fit(form, t)
        message_id = await self._send_now(number, fitted.first, running, answer=running is None)
        if message_id is None:
            return None  # held for a check (checking.py): nothing was sent
        if alongside and not fitted.rest:
            # With an answer's message (a place's address after its details): that message
            # keeps its rest for "0" and its typed choices (numbered_choices.py).
            return message_id
        await self.store.keep_more(number, fitted.rest)
        await self.store.note_newest(number, message_id, list(form.listed), form.typed)
        return message_id

    async def _send_more(self, number: str) -> None:
        t = await self._reader(number)
        rest = await self.store.more(number)
        fitted = cut(rest, more_line(t))
        if await self._send_now(number, fitted.first, answer=True) is not None:
            await self.store.keep_more(number, fitted.rest)

    async def _tell(self, number: str, text: Markup, t: Translator, *, whole: bool = False) -> None:
        """One of the transport's own texts (STOP, START, a code to send back, a number
        turned away) in its texted form, as every other text: plain, and without the
        direction marks a reader's translator puts around a value in Arabic and Farsi (a
        code wrapped in them showed boxes on simple phones, issue 80 point 6). Within
        :meth:`take_text`'s transaction it is held and goes once that is committed. An
        answer, held for a check where the number was not checked lately (checking.py) -
        but for the check's own texts (``whole``: from the number's whole caps, a budget
        that refuses them refuses in silence)."""
        held = _HELD.get()
        if held is not None:
            held.append(lambda: self._tell(number, text, t, whole=whole))
            return
        form = form_of(Message(text), t)
        if form is None:
            return
        if not whole:
            await self._send_now(number, body_of(form, t), answer=True)
            return
        with contextlib.suppress(DeliveryError):
            await self._send_now(number, body_of(form, t))

    async def _tell_capped(self, number: str, until: datetime) -> None:
        """A number past its texts of the hour or day learns, once a cap period (budget.py
        ``take``'s ``capped``), that the bot answers again at ``until`` and whom to call if
        it is urgent: outside the number's cap (it is past it), within the month's budget."""
        t = await self._reader(number)
        local = until.astimezone(BERLIN)
        today = self.budget.clock().astimezone(BERLIN).date()
        text = self.city_ports.told.capped(t, local, local.date() == today, self.call_instead)
        form = form_of(Message(text), t)
        if form is not None:
            with contextlib.suppress(DeliveryError):
                await self._send_now(number, body_of(form, t), own_cap=False)

    async def _send_now(
        self,
        number: str,
        text: str,
        running: Running | None = None,
        *,
        own_cap: bool = True,
        answer: bool = False,
    ) -> str | None:
        """Send one text within the budget; its id (the gateway's, else one of ours), or
        None when it was held for a check. ``running``: a notice, which may be one of
        running help; ``own_cap``: counted in the number's texts of the hour and day (all
        but the one that says they are used up); ``answer``: an answer to the number's
        text, from its unchecked share unless it was checked lately (checking.py).
        The one way out: no invisible mark (of direction, a zero-width space, a soft
        hyphen …) leaves in a text, whatever made it (texted_form.py), nor a control
        character but the line break (:func:`_without_controls`)."""
        text = _without_controls(without_invisible_marks(text))
        capped = (lambda until: self._tell_capped(number, until)) if own_cap else None
        if answer and self.checking.held_now(number):
            return None  # with an answer of the same text held
        limits = self.budget.limits
        unchecked = (
            answer
            and bool(limits.per_number_hour or limits.per_number_day)
            and not await self.checking.checked(number)
        )
        try:
            taken = await self.budget.take(
                count(text), number if own_cap else None, running, capped, unchecked=unchecked
            )
        except Held:
            await self.checking.hold(number, await self._reader(number))
            return None
        if not taken:
            raise DeliveryError("sms: the budget has no room for the text", permanent=True)
        await self._wait_for_slot()
        gateway_id = await self.gateway.send(number, text, send_key())
        return gateway_id or secrets.token_hex(8)

    async def _wait_for_slot(self) -> None:
        """Every text at the gateway's pace: an operator's SMPP account or one phone takes
        only so many a second (Kannel would queue a burst, a phone refuse it)."""
        if not self._pace:
            return
        now, interval = _clock(), 1 / self._pace
        # Late by less than a slot (a sleep overshoots, a send took a moment): the schedule
        # holds, so that the rate is the configured one on average; after a pause it starts
        # again from now.
        slot = self._next_slot if now - self._next_slot < interval else now
        self._next_slot = slot + interval
        if slot > now:
            await _sleep(slot - now)


class _StopWire:
    """What the STOP rule (handlers/numbers/text_stops.py) asks of the transport for one
    text (handlers/channels.py ``StopWire``): the number's line (the store), the code texts
    the budget counts, the reader's words ``words``, and the transport's own ways of
    answering."""

    platform = PLATFORM

    def __init__(self, transport: SmsTransport, words: Translator) -> None:
        self.transport = transport
        self.words = words

    @property
    def line(self) -> SmsStore:
        return self.transport.store

    @property
    def codes(self) -> Budget:
        return self.transport.budget

    @property
    def report(self) -> Report:
        return self.transport.budget.report

    def clock(self) -> datetime:
        return self.codes.clock()

    async def first_contact(self, number: str) -> bool:
        return await self.codes.first_contact(number)

    async def tell(self, number: str, text: Markup) -> None:
        await self.transport._tell(number, text, self.words)

    async def queue(self, number: str, text: Markup, person: User, *, secret: bool = False) -> None:
        await self.transport._queue(number, text, person, secret=secret)


def _without_controls(text: str) -> str:
    """``text`` without control characters (Unicode's Cc) but the line break; a tab is a
    space. A texter's own words echoed back ("\"441\x0037\" is no place I know") carried a
    NUL, which a phone shows as "@" (GSM 7-bit's first letter) and Kannel may cut at."""
    return "".join(
        " " if ch == "\t" else ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc"
    )


def service(config: Sections, ports: Ports) -> SmsTransport:
    """The city's text messages (``[sms]``), not yet connected."""
    section = config.section(SmsSection)
    phone = config.section(PhoneSection)
    gateway: Gateway
    if section.gateway == "android":
        gateway = Android(
            section.url, section.username, section.password or "", section.incoming_secret or ""
        )
    else:
        gateway = Kannel(
            section.url,
            section.username,
            section.password or "",
            section.sender,
            section.incoming_secret or "",
        )
    budget = Budget(
        ports.db,
        section.monthly_segments,
        ports.chats.backchannels,
        limits=limits_of(section),
        on_queued=ports.wake,
        report=ports.report,
        running=ports.callers.running,
    )
    return SmsTransport(
        ports,
        ports.db,
        gateway,
        budget,
        country=section.country,
        listen=section.listen,
        port=section.port,
        pace=section.max_messages_per_second or None,
        call_instead=section.call_instead or (phone.number if phone.enabled else ""),
    )
