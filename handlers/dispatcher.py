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
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from db import Database
from db.data_rights import about_value
from db.users import Arrival, User
from handlers import first_kept, read_aloud, ui
from handlers.channels import ChatClosed, Happening, Profile, Standing
from handlers.context import Backstage, Context, StaleButton
from handlers.flood_limits import NOTICES_AN_HOUR, FloodCounts, FloodNotices
from handlers.helping.render import someone
from handlers.helping.standing import standing
from handlers.messages import (
    ButtonPress,
    Command,
    Edited,
    Event,
    Incoming,
    Location,
    Media,
    Message,
    Outgoing,
    Removed,
    Sender,
    Speech,
    Text,
    Toast,
    decode,
    encode,
    shown,
)
from handlers.messenger import tell_coordinators
from handlers.numbers import caller_check, coded_acts
from handlers.reader import medium_of, reader_of, sender_in_group, starts_easy
from handlers.reader_chain import FromCache, ReaderChain, Surroundings
from handlers.router import ButtonSpec, Router
from handlers.settings import HandlerSettings
from handlers.staff import NOT_ALLOWED, Unnamed, holds, refusal
from handlers.text_safety import clean_name, clean_text
from locales import N_, Translator

log = logging.getLogger(__name__)

# How long an answer kept through a crash is still worth sending at the next start.
KEPT_ANSWERS_MAX_AGE = timedelta(hours=1)

# A text longer than its step takes (``Router.input_limits``): the limit, and what happens
# next - nothing was used, the person sends a shorter one (at the step, whose choices come
# with it). Short: with a step's choices it is one SMS in every language, easy ones too
# (tests/bot/transports/sms/test_too_long_fits.py), never "send it shorter" behind "0".
TOO_LONG = N_(
    "✂️ Too long: {length} characters, at most {limit} fit here. Nothing was changed. "
    "Please send a shorter text."
)

# To the coordinators while a flood limit stops someone (bot.max_messages_per_minute,
# bot.max_presses_per_minute): once an hour each, and no more than
# flood_limits.NOTICES_AN_HOUR people an hour, the last of them saying so.
FLOOD_NOTICES = {
    False: N_(
        "🐢 {who} sent the bot more than {count} messages within a minute. Until they slow "
        "down it answers none of them; they were asked to wait a minute."
    ),
    True: N_(
        "🐢 {who} pressed the bot's buttons more than {count} times within a minute. Until "
        "they slow down each press only asks them to wait."
    ),
}
# To the coordinators when the bot cannot write to someone who never started a chat with
# it (:meth:`Dispatcher.chat_unstarted`): no block, so nothing of theirs was ended.
CANNOT_WRITE = N_(
    "📭 The bot cannot write to {who}: they have never started a chat with it. Messages "
    "for them are not delivered until they write to the bot once. If you can reach them "
    "another way, please ask them to."
)
LAST_FLOOD_NOTICE = N_(
    "More people stopped by these limits are not named until {time}: this is the last of "
    "these notices until then."
)


# An edit of an earlier message that nothing takes (a private chat's, a command's in the
# coordinators' group): the person would wait for an answer to the corrected text.
EDITS_NOT_SEEN = N_(
    "✏️ Changes to earlier messages do not reach me here. Please send the corrected text as "
    "a new message."
)


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
        # Recent updates per sender and kind, for the flood limits (bounded: flood_limits.py).
        self.floods = FloodCounts(lambda: self.clock())
        # Who of those the limits stopped the coordinators were told of (flood_limits.py).
        self.flood_notices = FloodNotices(lambda: self.clock())
        # The notices to those who wrote as the group or a channel (handlers/staff.py).
        self.unnamed = Unnamed()

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
            return self.unnamed.answer(incoming, self.clock())
        # Commands and presses in the backchannel count too: one member must not flood the
        # group, nor the bot with presses refused one by one (each a transaction).
        counted = incoming.is_private or isinstance(incoming.event, Command | ButtonPress)
        if counted and self._flooding(incoming):
            return await self._slow_down(incoming)
        started = time.perf_counter()
        queued = 0
        try:
            try:
                replies, queued = await self._handle_once(incoming)
            except _Redo as redo:
                # Everything the handler changed was rolled back with the transaction. The
                # update is recorded as handled all the same, with a fixed answer: a
                # redelivery must not fail in the same way again.
                replies, queued = await self._handle_once(incoming, redo.outcome)
        finally:
            if queued and self.on_queued:
                self.on_queued()
            if self.on_handled:
                self.on_handled(incoming, time.perf_counter() - started)
        return replies

    async def _handle_once(
        self, incoming: Incoming, outcome: str | None = None
    ) -> tuple[list[Outgoing], int]:
        """One transaction: the duplicate check, the user, the handler, the queued messages
        and the kept answers. Kept small in statements: each is a round trip to the
        database thread, and this runs for every update."""
        platform = incoming.sender.platform
        replies: list[Outgoing] = []
        # Inline: an update's statements are short (its person's rows, a page of results),
        # so on SQLite they run without the database thread's switches (db/transactions.py).
        async with self.db.transaction(inline=True):
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
                return (_kept(kept)[1] if kept else []), 0
            if outcome == "failed":
                ctx.out = [ui.something_went_wrong(ctx)]
            elif outcome == "stale":
                ctx.out = [ui.no_longer_valid(ctx)]
            else:
                try:
                    await self._route(ctx)
                except StaleButton:
                    raise _Redo("stale") from None
                except Exception as exc:
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
                        _keep(incoming, replies) if replies else None,
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
        """The transport sent the answers: a redelivery of this update needs none.
        Nothing was kept for an update without answers, so there is nothing to mark.

        The answers said aloud (:class:`Speech`, handlers/read_aloud.py) go into the outbox
        now, with the mark: after the texts they say are out, and never lost (a process
        that dies before this sends the kept answers, speech included, at its start)."""
        speech = [item for item in outgoing if isinstance(item, Speech)]
        if not (incoming.update_id and outgoing) and not speech:
            return
        if not speech:
            # The common case: one statement, without a transaction's BEGIN and COMMIT.
            assert incoming.update_id
            await self.db.users.mark_answered(incoming.sender.platform, incoming.update_id)
            return
        async with self.db.transaction():
            for item in speech:
                await self.db.outbox.enqueue(
                    incoming.sender.platform,
                    incoming.chat_id,
                    encode(item),
                    recipient_id=item.listener or None,
                    about=about_value([item.listener or None]),
                )
            if incoming.update_id and outgoing:
                await self.db.users.mark_answered(incoming.sender.platform, incoming.update_id)
        if speech and self.on_queued:
            self.on_queued()

    async def happened(self, what: Happening) -> None:
        """What a transport reports (a call of the bot's given up, handlers/channels.py
        ``Happening``): each feature that takes its kind acts on it in a transaction of its
        own (whom to tell, in which words), and the outbox worker is woken where one
        queued something."""
        takers = self.router.happenings.get(type(what), [])
        if not takers:
            log.warning("nobody takes a report of %s", type(what).__name__)
            return
        scene = Backstage(self.db, self.settings)
        for take in takers:
            async with self.db.transaction():
                await take(scene, what)
        self._wake_for(scene)

    async def words_of(
        self, platform: str, chat_id: str, fallback: str | None = None
    ) -> Translator:
        """The words a transport says its own lines in to ``chat_id``'s person on
        ``platform`` (where no reader chain made them: a notice of its wire, a prompt), from
        their row: their language, easy language, the platform's medium; while they have
        chosen no language, ``fallback`` (else the city's)."""
        user = await self.db.users.find(platform, chat_id)
        return reader_of(user, fallback, on=platform).t

    async def chat_closed(self, platform: str, user_id: str, chat_id: str, update_id: str) -> None:
        """``user_id`` on ``platform`` closed their private chat ``chat_id`` with the bot
        (blocked it), as the service reported (``update_id``: the report's, so that one
        delivered again after that update changes nothing): :meth:`_unreachable`."""
        scene = Backstage(self.db, self.settings)
        async with self.db.transaction():
            if await self.db.users.handled(platform, update_id):
                return
            await self.db.users.note_handled(platform, update_id)
            await self._unreachable(scene, await self.db.users.find(platform, user_id), chat_id)
        self._wake_for(scene)

    async def chat_refused(self, platform: str, chat_id: str, person_id: int) -> None:
        """A send to ``person_id``'s chat ``chat_id`` on ``platform`` was refused for good
        because they closed it (bot/delivery.py, DeliveryError ``closed``: they blocked the
        bot before the service reported blocks to it, or deleted their account):
        :meth:`_unreachable`, as if the service had reported it."""
        scene = Backstage(self.db, self.settings)
        async with self.db.transaction():
            person = await self.db.users.get(person_id)
            if person is not None and person.platform == platform:
                await self._unreachable(scene, person, chat_id)
        self._wake_for(scene)

    async def chat_unstarted(
        self, platform: str, chat_id: str, person_id: int, refusal: str
    ) -> None:
        """A send to ``person_id``'s chat ``chat_id`` on ``platform`` was refused because
        they never started a chat with the bot (bot/delivery.py, DeliveryError
        ``unstarted``; ``refusal``: as the outbox kept it). No block: nothing of theirs ends
        and the chat stays their address (it works once they write). The coordinators
        are told that the bot cannot write to them - once, at the first refusal since they
        were last seen, however many messages fail after it."""
        scene = Backstage(self.db, self.settings)
        async with self.db.transaction():
            person = await self.db.users.get(person_id)
            if person is None or person.platform != platform or person.chat_id != chat_id:
                return
            refused = await self.db.outbox.refused_since(
                person.id, platform, chat_id, refusal, person.seen_at
            )
            if refused != 1:
                return
            log.info("a %s person never started their chat with the bot", platform)
            await scene.mail.to_backchannel(
                lambda t: Message(t.t(CANNOT_WRITE, who=someone(t, person))), about=[person.id]
            )
        self._wake_for(scene)

    async def _unreachable(self, scene: Backstage, person: User | None, chat_id: str) -> None:
        """The one owner of "this person closed their chat": nothing is offered or sent to
        them there (handlers/helping/matching.py ``UNREACHABLE``, ``Messenger.reachable``)
        until their next private update gives the chat back (db/users.py ``arrive``), and the
        features that take :class:`ChatClosed` act on it in this transaction (the offers
        they will not answer count as "not this time": handlers/helping/offers.py). Nothing
        if ``chat_id`` is no longer their address."""
        if person is None or not await self.db.users.close_chat(
            person.platform, person.platform_user_id, chat_id
        ):
            return
        log.info("a %s person closed their chat with the bot", person.platform)
        for take in self.router.happenings.get(ChatClosed, []):
            await take(scene, ChatClosed(person.id))

    def _wake_for(self, scene: Backstage) -> None:
        """Once committed, the outbox worker is woken if ``scene`` queued something."""
        if scene.mail.queued_ids and self.on_queued:
            self.on_queued()

    # -- who is calling (a voice line; the rule is handlers/numbers/caller_check.py's)

    async def stand_in_for(self, platform: str, number: str, stand_in: str) -> str | None:
        """A call from ``number``, whose caller ID is only a claim: where its person has
        something to give away, the call goes on as ``stand_in``, a new person of its own -
        not her language, not her consent: a call from a number nobody has hears the same,
        so the caller learns nothing of her (the language menu, the notice where something
        is kept) - until a call-back or her PIN checks it. The number it claims is returned
        (``Sender.claims`` of its updates); None: the caller is the number's person from
        the start."""
        known = await caller_check.claimed(self.db, platform, number)
        if known is None:
            return None
        new_caller = Profile(easy=starts_easy(medium_of(platform)))
        await caller_check.made(self.db, platform, stand_in, new_caller)
        return known.platform_user_id

    async def number_checked(self, platform: str, number: str, profile: Profile) -> None:
        """Whoever answered a check call to ``number`` said it is them: the number's person
        from now on, made where not there yet with ``profile``, the asking call's (its
        language and easy texts - never its consent)."""
        await caller_check.answered(self.db, platform, number, profile)

    async def standing(self, platform: str, chat_id: str) -> Standing:
        """Where ``chat_id``'s person on ``platform`` stands when a transport's shared
        engine must choose whose work comes first (the rule is
        handlers/helping/standing.py's): running help, known, or a stranger."""
        person = await self.db.users.find(platform, chat_id)
        return await standing(self.db, person)

    async def protects(self, platform: str, number: str) -> bool:
        """Whether the person of ``number`` has something to protect that no stranger at
        the number could have made (a request let through, a desk entry, a PIN: db/users.py
        ``has_own_data``): her "not me" to a check call is told to the coordinators."""
        person = await self.db.users.find(platform, number)
        return person is not None and await self.db.users.has_own_data(person.id)

    async def reserved_for(self, platform: str, number: str) -> bool:
        """Whether a check call to ``number`` may spend the reserve of the checks' pool:
        its person has a request let through or a desk entry (db/users.py
        ``has_help_or_entry``) - never a PIN alone, which anyone once called back chose."""
        person = await self.db.users.find(platform, number)
        return person is not None and await self.db.users.has_help_or_entry(person.id)

    async def unanswered(
        self, platform: str, now: datetime | None = None
    ) -> list[tuple[Incoming, list[Outgoing]]]:
        """Answers kept for updates the bot committed but died before sending.

        The transport sends them at start, before it fetches anything, so they go out once
        whether or not the platform delivers the update again (a redelivery then finds them
        sent; one that comes first gets them from the duplicate check). Not after a long
        outage, though: an answer to something asked hours ago ("here are the
        places near you") would only confuse, so those are dropped."""
        oldest = (now or datetime.now(UTC)) - KEPT_ANSWERS_MAX_AGE
        dropped = await self.db.users.drop_unanswered(platform, oldest)
        if dropped:
            log.warning(
                "%s: %d kept answers were too old to send after the restart", platform, dropped
            )
        pending = []
        for update_id, chat_id, kept in await self.db.users.unanswered(platform, oldest):
            pressed, answers = _kept(kept)
            # An answer that edits the message whose button was pressed edits it still.
            event = ButtonPress("", pressed) if pressed else Text("")
            incoming = Incoming(Sender(platform, chat_id), chat_id, event, update_id=update_id)
            pending.append((incoming, answers))
        return pending

    async def send_kept_answers(
        self, platform: str, send: Callable[[Incoming, list[Outgoing]], Awaitable[None]]
    ) -> None:
        """At a transport's start: send each kept answer with ``send`` and mark it sent."""
        for incoming, outgoing in await self.unanswered(platform):
            try:
                await send(incoming, shown(outgoing))
                await self.answered(incoming, outgoing)
            except Exception:
                log.exception("%s: sending a kept answer failed", platform)

    def _flooding(self, incoming: Incoming) -> bool:
        """Over the limit per minute? Presses are counted apart from messages and with a
        higher limit: filling in a form (districts, kinds of help, languages) takes many."""
        press = isinstance(incoming.event, ButtonPress)
        sender = (incoming.sender.platform, incoming.sender.user_id, press)
        return self.floods.count(sender) > self._limit(press)

    def _limit(self, press: bool) -> int:
        return (
            self.settings.max_presses_per_minute if press else self.settings.max_messages_per_minute
        )

    async def _slow_down(self, incoming: Incoming) -> list[Outgoing]:
        """Over the limit: a press is always answered (a short notice instead of a spinning
        button); messages get one friendly answer right at the limit, silence after that."""
        press = isinstance(incoming.event, ButtonPress)
        counted = self.floods.counted((incoming.sender.platform, incoming.sender.user_id, press))
        if not press and counted != self._limit(press) + 1:
            return []
        user = await self.db.users.find(incoming.sender.platform, incoming.sender.user_id)
        if counted == self._limit(press) + 1 and user is not None:
            await self._tell_flood(user, press)
        t = reader_of(
            user,
            self.settings.newcomer_language(incoming.sender.language_hint),
            on=incoming.sender.platform,
        ).t
        if press:
            return [Toast(t._("🐢 Not so fast, please. Wait a moment, then tap again."))]
        return [
            Message(
                t.t(
                    "🐢 That was a lot of messages at once. Please wait a minute, then "
                    "I will answer again."
                )
            )
        ]

    async def _tell_flood(self, user: User, press: bool) -> None:
        """A flood limit stops ``user`` (it began to with this update): the coordinators
        are told, by name and user number, where :class:`FloodNotices` says a notice is
        due."""
        number = self.flood_notices.due(user.platform, user.platform_user_id)
        if number is None:
            return
        log.warning("the flood limit stops a %s sender", user.platform)
        limit = self._limit(press)
        quiet = timedelta(seconds=self.flood_notices.quiet_for())
        until = self.settings.clock() + quiet

        def compose(t: Translator) -> Message:
            text = t.t(FLOOD_NOTICES[press], who=someone(t, user), count=t.number(limit))
            if number >= NOTICES_AN_HOUR:
                text += "\n" + t.t(LAST_FLOOD_NOTICE, time=t.time(until))
            return Message(text, typed_choices=False)

        await tell_coordinators(
            self.db, self.settings.backchannels, compose, about=(user.id,), wake=self.on_queued
        )

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
        )
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
        event = ctx.incoming.event
        if not ctx.incoming.is_private:
            await self._route_backchannel(ctx)
            return
        if await self._gated(ctx):
            return
        # At a step whose answer is a number, a typed number is read as one (the router's rule).
        self.router.read_typed(ctx)
        event = ctx.incoming.event
        if isinstance(event, Command):
            await self._command(ctx, event)
            return
        if isinstance(event, ButtonPress):
            await self._button(ctx, event)
            return
        # Before the notice is agreed, only a step that takes input then sees it; the rest
        # onboards first, whatever its length - a newcomer's first text is not refused.
        if ctx.user.consent_at is None and not await self._unagreed_step(ctx, event):
            if not isinstance(event, Edited | Removed):
                await self._onboarding(ctx)
            return
        if self._too_long(ctx, event):
            return
        if ctx.user.consent_at is None:
            await self._unagreed_input(ctx)
            return
        if isinstance(event, Edited | Removed):
            await self._amend(ctx, event)
            return
        await self._input(ctx, event)

    async def _gated(self, ctx: Context) -> bool:
        """Whether a gate took the update (``Router.gates``: the caller check and its PIN).
        Only the gates its channel can need are asked: a chat's message meets none of the
        phone's."""
        for gate in self.router.gates_for(ctx.incoming.sender.platform, self.settings.channels):
            if await gate.check(ctx):
                return True
        return False

    async def _command(self, ctx: Context, event: Command) -> None:
        spec = self.router.commands.get(event.name.lower())
        if spec is None:
            ctx.reply(
                ctx.t.t(
                    "🤔 I don't know the command {command}. Send /help to see what I can do.",
                    command="/" + event.name,
                ),
                ui.back_to_menu(ctx),
            )
            return
        if not await self._goes_ahead(ctx, spec.before_consent) or not self._allowed(
            ctx, spec.role
        ):
            return
        state = ctx.get_state()
        if state is not None and state.state in self.router.views:
            ctx.clear_state()  # a command moves on from a shown list (Router.views)
        await spec.callback(ctx)

    async def _button(self, ctx: Context, event: ButtonPress) -> None:
        found = self.router.find_button(event.data)
        if found is None:
            ctx.send(ui.no_longer_valid(ctx))
            said = ctx.t.t("⚠️ This button is no longer valid. Here is the main menu.")
            ctx.send(ui.main_menu(ctx, said))
            return
        button, ctx.args = found
        if await self._goes_ahead(ctx, button.before_consent) and self._allowed(ctx, button.role):
            await self._press(ctx, button)

    async def _goes_ahead(self, ctx: Context, before_consent: bool) -> bool:
        """Whether a command or a press goes ahead as far as the privacy notice goes: the
        person agreed, it works before that, or it keeps nothing where consent is asked at
        the first step that keeps something (handlers/first_kept.py). Otherwise the notice
        is asked for it, or the onboarding picks up where the person is."""
        if (
            ctx.user.consent_at is not None
            or before_consent
            or await first_kept.goes_ahead(ctx, self.router)
        ):
            return True
        if not await first_kept.ask(ctx):
            await self._onboarding(ctx)
        return False

    async def _unagreed_step(self, ctx: Context, event: Event) -> bool:
        """Whether input before the privacy notice was accepted goes to the step the person
        is at: one that takes it then (else onboarding; a change to an earlier message,
        which is not a new message, starts nothing)."""
        state = ctx.get_state()
        return (
            isinstance(event, Text)
            and state is not None
            and (
                state.state in self.router.before_consent_states
                # A postcode typed for places, where consent waits for a keeping step.
                or await first_kept.goes_ahead(ctx, self.router)
            )
        )

    async def _unagreed_input(self, ctx: Context) -> None:
        """Input before the privacy notice was accepted, to a step that takes it then
        (``_unagreed_step``)."""
        state = ctx.get_state()
        assert state is not None
        await self._step_input(ctx, state.state)

    async def _step_input(self, ctx: Context, step: str) -> None:
        """Input to the step ``step``. A refusal there (``ctx.refuse``) shows the step's
        choices after its own buttons (``Router.with_choices``), here for every step and
        refusal, not at each: numbered choices press only the newest message's, so a
        refusal without them left "1" (Cancel) pressing nothing - it became text."""
        await self.router.states[step](ctx)
        refusal = ctx.refused
        if isinstance(refusal, Message):
            refusal.buttons = self.router.with_choices(ctx, refusal.buttons)

    def _too_long(self, ctx: Context, event: Event) -> bool:
        """Whether a text is longer than the step it was sent at takes (``Router.input_limits``,
        the one owner of input length, for every transport): then the person is told the
        limit and what happens next, and nothing else happens - the step and what it holds
        stay, and their text, not taken or cut, is still theirs to shorten and send again.
        Counted as it would be kept (text_safety.clean_text), a text over the city's
        ``max_text_length`` as it came."""
        if not isinstance(event, Text | Edited):
            return False
        state = ctx.get_state()
        most = self.settings.max_text_length
        # An edit of an earlier message is not for the step the person is at now: it goes
        # to what took that message (``router.amendments``: a relayed one) or nowhere, so
        # the city's limit alone holds for it.
        step = state.state if state is not None and isinstance(event, Text) else None
        limit = self.router.input_limit(step, most)
        length = len(event.text) if len(event.text) > most else len(clean_text(event.text))
        if length <= limit:
            return False
        # With the step's choices (``Router.offer``): numbered choices press only the newest
        # message's, so without them a typed "1" would be taken as text and Skip be gone.
        ctx.reply(ctx.t.t(TOO_LONG, length=length, limit=limit), self.router.choices_at(ctx))
        return True

    async def _input(self, ctx: Context, event: Event) -> None:
        """Free input: to the step the person is at, else to the features that take it,
        else a hint."""
        state = ctx.get_state()
        if state is not None and state.state in self.router.states:
            await self._step_input(ctx, state.state)
            if ctx.refused is not None:
                for taker in self.router.refused_input:
                    if await taker(ctx):
                        ctx.withdraw_refusal()
                        break
            return
        for _, taker in self.router.free_input:
            if await taker(ctx):
                return
        if isinstance(event, Text):
            said = ctx.t.t(
                "🙂 I did not understand that. Please choose from the menu or send /help."
            )
            ctx.send(ui.main_menu(ctx, said))
        elif isinstance(event, Location | Media):
            said = ctx.t.t(
                "🙈 I cannot use this kind of message here. Please use the buttons "
                "or write a short text."
            )
            ctx.send(ui.main_menu(ctx, said))

    async def _amend(self, ctx: Context, event: Edited | Removed) -> None:
        for taker in self.router.amendments:
            if await taker(ctx):
                return
        if isinstance(event, Edited):
            # Otherwise the person would wait for an answer to the corrected text.
            ctx.reply(ctx.t.t(EDITS_NOT_SEEN))

    async def _route_backchannel(self, ctx: Context) -> None:
        """In the coordinators' group only backchannel commands and buttons exist; other
        messages there are conversation between people and are left alone."""
        event = ctx.incoming.event
        if isinstance(event, Command):
            spec = self.router.commands.get(event.name.lower())
            if spec is None or not spec.backchannel:
                # A short answer, without the main menu: its buttons do nothing here.
                ctx.reply(
                    ctx.t.t(
                        "🤔 {command} does not work in this group. Here: {commands}",
                        command="/" + event.name[:40],
                        commands=" ".join(
                            "/" + name
                            for name, command in sorted(self.router.commands.items())
                            if command.backchannel
                        ),
                    )
                )
                return
            if self._allowed(ctx, spec.role):
                await spec.callback(ctx)
        elif isinstance(event, ButtonPress):
            found = self.router.find_button(event.data)
            if found is None or not found[0].backchannel:
                ctx.stale()
            button, ctx.args = found
            if self._allowed(ctx, button.role):
                await self._press(ctx, button)
        elif isinstance(event, Edited) and event.text.startswith("/"):
            # A command corrected after it was sent (the group's talk is left alone).
            ctx.reply(ctx.t.t(EDITS_NOT_SEEN))

    async def _press(self, ctx: Context, button: ButtonSpec) -> None:
        """A button of a conversation counts only in the conversation's own steps."""
        state = ctx.get_state()
        if not button.valid_in(state.state if state else None):
            ctx.stale()
        if button.coded is not None and await coded_acts.waits(ctx, button):
            # A sender can be forged there: the act waits for the code sent to the number.
            await coded_acts.hold_press(ctx, button)
            return
        await button.callback(ctx)

    def _allowed(self, ctx: Context, role: str | None) -> bool:
        """Permission check for every command and button, whatever the client showed."""
        if holds(ctx.user, role):
            return True
        if isinstance(ctx.incoming.event, ButtonPress):
            ctx.toast(ctx.t._(NOT_ALLOWED))
            if not ctx.incoming.is_private:
                return False  # a short refusal only: the group is not spammed
        # No main-menu button in the coordinators' group: only its own buttons work there.
        said = ctx.t.t(refusal(ctx.user, role))
        ctx.reply(said, ui.back_to_menu(ctx) if ctx.incoming.is_private else None)
        return False

    async def _onboarding(self, ctx: Context) -> None:
        """Someone who has not accepted the privacy notice yet: pick up where they are."""
        await self.router.start(ctx)


def _keep(incoming: Incoming, replies: list[Outgoing]) -> str:
    """The answers of an update as kept until sent, with the message whose button was
    pressed (what an answer with ``edit`` changes, also when sent after a restart)."""
    answers = [encode(item) for item in replies]
    pressed = incoming.event.message_id if isinstance(incoming.event, ButtonPress) else None
    kept: object = {"pressed": pressed, "answers": answers} if pressed else answers
    return json.dumps(kept, ensure_ascii=False)


def _kept(text: str) -> tuple[str | None, list[Outgoing]]:
    """The pressed message (if any) and the answers of :func:`_keep` (or of a version
    that kept the answers alone)."""
    kept = json.loads(text)
    if isinstance(kept, dict):
        return kept.get("pressed"), [decode(item) for item in kept["answers"]]
    return None, [decode(item) for item in kept]
