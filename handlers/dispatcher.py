"""Turns one :class:`Incoming` into the list of :class:`Outgoing` answers.

Order of decisions, the same on every transport:
1. only private chats are served here (group backchannels get their own handlers);
2. the user is looked up (created on first contact) and their language chosen;
3. the gates features registered (``Router.gates``) may take the update first - only those
   its channel can need (a channel that calls: the caller check and its PIN); before the
   privacy notice is accepted, only onboarding is reachable (a first text of any length
   onboards) and the steps that take input then; a text longer than the step it is sent
   at takes (``Router.input_limits``, the one owner of input length; an edit of an earlier
   message, which is for no step, the city's ``max_text_length``) is refused there, the
   step kept;
4. commands, buttons, edits and deletions of earlier messages (``router.amendments``: a
   relayed one), then free input in the user's conversation state, or outside any step to
   the features that take it (``router.free_input``: a running contact, a place name);
   input a step cannot use (``ctx.refuse``) is offered to ``router.refused_input`` (a
   running contact) before the step's answer is sent; a ``coded`` button pressed where a
   sender can be forged waits for the code texted to the number (handlers/numbers/coded_acts.py);
5. anything else gets a translated hint - never silence, never a traceback;
6. the answers pass the reader chain (handlers/reader_chain.py, the outbox's too) on their
   way to the person: translations, the 🔊 under them, their speech after them.

It routes updates and nothing else (tests/bot/transports/test_ports.py holds its size): the
routes are handlers/updates/private.py's and backchannel.py's, the flood limits floods.py's,
the kept answers kept_answers.py's; a chat closed and the transports' reports are chats.py's;
a transport is never handed the dispatcher: it hands its updates in through the ports the
city hands it (handlers/channels.py ``Ports.updates``), and asks them everything else (its
people's words, who is calling, where a person stands).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from db import Database
from db.people_by_number import by_number
from db.transactions import CityLockNeeded, ForPerson, refused_on_the_way
from db.users import Arrival
from handlers import read_aloud, ui
from handlers.context import Context, StaleButton
from handlers.messages import ButtonPress, Command, Edited, Incoming, Outgoing
from handlers.reader import medium_of, reader_of, sender_in_group, starts_easy
from handlers.reader_chain import FromCache, ReaderChain, Surroundings
from handlers.router import Router
from handlers.settings import HandlerSettings
from handlers.staff import unnamed_answer
from handlers.text_safety import clean_name
from handlers.updates import backchannel, kept_answers, private
from handlers.updates.chats import CANNOT_WRITE as CANNOT_WRITE
from handlers.updates.city_lock import CityLockForecast, under_the_lock_it_needs
from handlers.updates.floods import FloodGate
from handlers.updates.kept_answers import KEPT_ANSWERS_MAX_AGE as KEPT_ANSWERS_MAX_AGE
from handlers.updates.ports import city_ports
from handlers.updates.private import EDITS_NOT_SEEN as EDITS_NOT_SEEN
from handlers.updates.private import TOO_LONG as TOO_LONG

log = logging.getLogger(__name__)


class _Redo(Exception):
    """The handler's transaction is rolled back and the update handled again with a fixed
    answer: ``failed`` (the handler raised) or ``stale`` (a button no longer valid)."""

    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome


class Dispatcher:
    def __init__(
        self,
        db: Database,
        router: Router,
        settings: HandlerSettings,
        on_queued: Callable[[], None] | None = None,
        on_handled: Callable[[Incoming, float], None] | None = None,
        chain: ReaderChain | None = None,
    ) -> None:
        self.db = db
        self.router = router
        self.settings = settings
        # What turns the answers into what their reader gets; the outbox worker's is the same.
        self.chain = chain or ReaderChain()
        # Called after a commit that queued messages for others (wakes the delivery worker).
        self.on_queued = on_queued
        # Called with each handled update and the seconds it took (metrics).
        self.on_handled = on_handled
        # This process's key among several on one PostgreSQL database (bot/cluster.py), kept
        # with each handled update: only a gone process's kept answers are sent by another.
        self.process_key: int | None = None
        # Seconds on a steady clock for the flood limits; tests hold it still so that a
        # slow machine cannot stretch a burst over more than a minute.
        self.clock: Callable[[], float] = time.monotonic
        # The flood limits (handlers/updates/floods.py), on the settings and clock above.
        self.flood = FloodGate(db, lambda: self.settings, lambda: self.clock(), self._wake)
        self.floods = self.flood.counts
        # The ports made on this dispatcher (handlers/updates/ports.py), which bot/
        # city_service.py hands the city's transports: their one way in here is
        # ``ports.updates``; no transport is handed the dispatcher itself.
        self.ports = city_ports(self)
        # The kinds of update that lately needed the city's write lock (this process's).
        self.lock_forecast = CityLockForecast()

    def _wake(self) -> None:
        if self.on_queued is not None:
            self.on_queued()

    async def handle(self, incoming: Incoming) -> list[Outgoing]:
        """Answer one update. Its changes and the messages it queues for other people are
        committed together; the answers to the acting user are returned to the transport."""
        backchannel = (incoming.sender.platform, incoming.chat_id) in self.settings.backchannels
        if not incoming.is_private and not backchannel:
            return []
        if not incoming.is_private and not isinstance(
            incoming.event, Command | ButtonPress | Edited
        ):
            # The group's talk between people (_route_backchannel leaves it alone): no one's
            # row is made or touched for it - a member who never wrote to the bot has none.
            return []
        if incoming.sender.on_behalf:
            # Sent as the group or a channel: no one the bot can name (handlers/staff.py).
            return await unnamed_answer(self.db.marks, incoming, self.settings.clock())
        # Commands and presses in the backchannel count too: one member must not flood the
        # group, nor the bot with presses refused one by one (each a transaction).
        counted = incoming.is_private or isinstance(incoming.event, Command | ButtonPress)
        if counted and self.flood.flooding(incoming):
            return await self.flood.slow_down(incoming)
        started = time.perf_counter()
        queued = 0
        try:
            try:
                replies, queued = await self._handle_locked_if_needed(incoming)
            except _Redo as redo:
                # Everything the handler changed was rolled back with the transaction. The
                # update is recorded as handled all the same, with a fixed answer: a
                # redelivery must not fail in the same way again.
                replies, queued = await self._handle_locked_if_needed(incoming, redo.outcome)
        finally:
            if queued and self.on_queued:
                self.on_queued()
            if self.on_handled:
                self.on_handled(incoming, time.perf_counter() - started)
        return replies

    async def _handle_locked_if_needed(
        self, incoming: Incoming, outcome: str | None = None
    ) -> tuple[list[Outgoing], int]:
        """The update under its person's lock, with own rows first and the city's write lock
        when it needs one (handlers/updates/city_lock.py; db/postgres.py, "own rows")."""
        sender = incoming.sender
        person = f"{'number' if by_number(sender.platform) else sender.platform}:{sender.user_id}"
        return await under_the_lock_it_needs(
            self.lock_forecast,
            incoming.event,
            person,
            lambda lock: self._handle_once(incoming, outcome, lock),
        )

    async def _handle_once(
        self, incoming: Incoming, outcome: str | None = None, person: ForPerson | None = None
    ) -> tuple[list[Outgoing], int]:
        """One transaction: the duplicate check, the user, the handler, the queued messages
        and the kept answers. Kept small in statements: each is a round trip to the
        database thread, and this runs for every update."""
        platform = incoming.sender.platform
        replies: list[Outgoing] = []
        # Inline: an update's statements are short (its person's rows, a page of results),
        # so on SQLite they run without the database thread's switches (db/transactions.py).
        async with self.db.transaction(inline=True, person=person):
            ctx, arrival = await self._context(incoming)
            if arrival.handled_before:
                # Delivered again (a retry, a replay after a crash): no second effect.
                # If the bot died before answering it, the kept answers go out now.
                kept = arrival.kept_replies
                log.info(
                    "redelivered %s update: %s",
                    platform,
                    "answering again" if kept else "already answered",
                )
                return (kept_answers.kept(kept)[1] if kept else []), 0
            if outcome == "failed":
                ctx.out = [ui.something_went_wrong(ctx)]
            elif outcome == "stale":
                ctx.out = [ui.no_longer_valid(ctx)]
            else:
                try:
                    await self._route(ctx)
                except StaleButton:
                    raise _Redo("stale") from None
                except CityLockNeeded:
                    raise
                except Exception as exc:
                    if person is not None and person.own_rows and refused_on_the_way(exc):
                        # A handler that made its own error of a refused write: no failure,
                        # the update is handled again under the city's lock.
                        raise CityLockNeeded from exc
                    # Logged without the message text: user content never goes into logs.
                    log.exception("handler failed for %s event", type(incoming.event).__name__)
                    raise _Redo("failed") from exc
            # The update's last writes go with the COMMIT in one round trip.
            writes = []
            if ctx.state_changed and not ctx.user_erased:
                writes.append(self.db.users.state_statement(ctx.user.id, ctx.get_state()))
            # The answers as their reader gets them (handlers/reader_chain.py), the same
            # chain as the outbox's; a person who erased themselves is no one's reader any
            # more: nothing of theirs is kept or queued after it.
            replies = await self.chain.answers(self._surroundings(), ctx.reader, ctx.out)
            if ctx.out:
                await read_aloud.unheard(ctx)
            if incoming.update_id:
                writes.append(
                    self.db.users.finish_statement(
                        platform,
                        incoming.update_id,
                        incoming.chat_id,
                        kept_answers.keep(incoming, replies) if replies else None,
                        self.process_key,
                    )
                )
            await self.db.transactions.commit_with(writes)
        return replies, ctx.mail.queued

    def _surroundings(self) -> Surroundings:
        """The reader chain's means for answers: the voices here (the settings may change
        once the speech engine is known) and only the translations made before."""
        return Surroundings(self.db, self.settings.speech_languages, FromCache(self.db))

    async def answered(self, incoming: Incoming, outgoing: list[Outgoing]) -> None:
        """The transport sent the answers (handlers/updates/kept_answers.py)."""
        await kept_answers.answered(self.db, incoming, outgoing, self._wake)

    async def unanswered(
        self, platform: str, now: datetime | None = None
    ) -> list[tuple[Incoming, list[Outgoing]]]:
        """Answers kept for updates the bot committed but died before sending."""
        return await kept_answers.unanswered(self.db, platform, now)

    async def send_kept_answers(
        self, platform: str, send: Callable[[Incoming, list[Outgoing]], Awaitable[None]]
    ) -> None:
        """At a transport's start: send each kept answer with ``send`` and mark it sent."""
        await kept_answers.send_kept(self.db, platform, send, self._wake)

    async def _context(self, incoming: Incoming) -> tuple[Context, Arrival]:
        sender = incoming.sender
        # Shown to coordinators and partners: no line breaks, no bidi overrides, nothing
        # invisible that could make it pass for the bot's own words.
        name = clean_name(sender.display_name)
        first_name = name.split(" ")[0] if name else ""
        arrival = await self.db.users.arrive(
            sender.platform,
            sender.user_id,
            incoming.chat_id,
            first_name,
            private=incoming.is_private,
            update_id=incoming.update_id,
            easy_language=starts_easy(medium_of(sender.platform)),
            marks=incoming.marks.asked if incoming.marks is not None else (),
        )
        if incoming.marks is not None:
            incoming.marks.held = set(arrival.marks)
        user = arrival.user
        if (sender.platform, sender.user_id) in self.settings.admins and not user.has_role("admin"):
            await self.db.users.grant_role(user.id, "admin")
            user = await self.db.users.get(user.id) or user
        # In the backchannel the answers to the person acting are theirs: in their language
        # (what the group shares, the review posts, speaks the city's: group_reader).
        hinted = self.settings.newcomer_language(sender.language_hint)
        reader = (
            reader_of(user, hinted, on=sender.platform)
            if incoming.is_private
            else sender_in_group(user, hinted)
        )
        ctx = Context(
            incoming=incoming,
            user=user,
            t=reader.t,
            db=self.db,
            settings=self.settings,
            menu_sections=self.router.menu_sections,
            unchecked=self.router.unchecked,
            shows_own=self.router.shows_own,
            in_contact=arrival.in_contact,
        )
        ctx.load_state(arrival.state)
        return ctx, arrival

    async def _route(self, ctx: Context) -> None:
        """What answers the update, in the order of the module's docstring."""
        if ctx.incoming.is_private:
            await private.route(ctx, self.router)
        else:
            await backchannel.route(ctx, self.router)
