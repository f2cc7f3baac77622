"""Delivers the outbox: every queued message once, in order per chat, surviving outages.

A transient failure (network, 5xx, rate limit) is retried with exponential back-off, for as
long as it takes; a permanent one (the user blocked the bot, the chat is gone) is given up
and logged. Where the person closed the chat for good (DeliveryError ``closed``: they blocked
the bot, deleted their account), the worker also says so (``on_closed``, the dispatcher's
``chat_refused``): that chat is their address no more, as when the service reported the
block. Where they never started it (``unstarted``), the worker says that instead
(``on_unstarted``, the dispatcher's ``chat_unstarted``: the coordinators are told). A failure
that is neither (an answer that cannot be parsed, a bug in a sender) is
retried ``MAX_UNEXPLAINED_ATTEMPTS`` times and then given up: such a message would otherwise
be sent again and again and hold back every later message to its chat. Edits and deletions
wait until the message they change has been sent; one whose message is gone is given up.
Logs name the item and the kind of error, never the content.

A voice message whose file lives on another platform than the recipient's (a Telegram
voice for a Matrix chat) is fetched from its source - the transport of that platform, as a
``MediaSource`` (the transports' side of delivering: bot/transports/sending.py) - and handed
to the recipient's transport as bytes to upload. Fetching fails like sending: a passing
failure is retried, a file that is gone is given up.

With several processes on PostgreSQL each runs a worker: a worker claims what it sends
(``claimant``, db/outbox.py), and the bots' pace is shared (``pace``).

Each message becomes what its reader gets by the reader chain (handlers/reader_chain.py),
the dispatcher's too: its user text translated just before sending, for all due messages
of a round at once, by the translation service (bot/translation/service.py; without one,
or when it fails, as written), then the reader's modes (a 🔊 under it, its speech after
it; the recipient's row is read only when a mode's link asks for it). What follows a
message (its :class:`Speech`) is queued in the transaction that marks the message sent,
so the text always goes first and the speech is never lost. A speech becomes a voice
message here, by the :class:`Speaker` (bot/speech), for all due speeches of a round at
once like translations; an engine that fails or is slow costs that speech only (given
up), never a text. A voice still being made holds up its own chat only: the
worker delivers everyone else's messages meanwhile and sends the voice when it is ready
(then the chat's next message).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import bot.transports.registry  # noqa: F401 - every platform's medium declared (handlers/reader.py)
from bot.transports.sending import DeliveryError, MediaSource, Sender, sending
from db import Database
from db.data_rights import about_value
from db.outbox import OutboxItem
from db.postgres import Outage
from handlers.messages import (
    SPOKEN,
    Delete,
    Edit,
    Outgoing,
    Speech,
    Voice,
    decode,
    encode,
)
from handlers.reader import Reader, medium_of, reader_of
from handlers.reader_chain import ReaderChain, Reading, Surroundings, Translations

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 300.0
# Tries for a failure the sender could not explain as transient or permanent.
MAX_UNEXPLAINED_ATTEMPTS = 5
# Voices made ahead of their turn (OutboxWorker._make_ahead): how many at once, how long kept.
MAX_AHEAD = 256
AHEAD_SECONDS = 60.0
# Messages (one per chat) looked at in a round, besides the voices still being made.
ROUND = 50
# With several processes a send under way is leased (db/outbox.py): for this long, renewed
# every RENEW_SECONDS for as long as the process still holds its claim and its lock, so a
# slow but healthy send (several parts, an upload over a slow line: a Bot API upload may
# take 31 s, telegram_http.py) goes on. A renewal that fails (the lock's connection lost)
# leaves the send's cut-off where the last one put it: the send is cut off then, in doubt,
# so that nothing of it leaves this process once another process may take the message over.
# One value for every platform, not one a transport declares: no send's length needs more.
# A healthy send is renewed for as long as it runs, whatever it does (an upload; an SMS
# waiting for the gateway's pace, then its request of 20 s at most - Kannel's own retries
# to the SMSC come after it accepted the text, outside the send);
# a phone call-back is no send at all (``deliver`` starts the call and returns at once, its
# items stay unsent until heard: bot/transports/phone/calls/outbox_calls.py). What the lease
# bounds is how long a send goes on once this process can no longer tell the database, and
# how long a dead process's message waits: the cluster's, the same for any platform.
SEND_SECONDS = 20.0
RENEW_SECONDS = 5.0

# An item as it is to be sent, and what follows it once it is (handlers/reader_chain.py).
Prepared = tuple[Outgoing, tuple[Outgoing, ...]]


def backoff(attempts: int, ceiling: float = MAX_BACKOFF_S) -> float:
    return min(ceiling, 2.0 * 2**attempts)


class Speaker(Protocol):
    """Says a text aloud (bot/speech): which languages it has a voice for, and a speech as
    a voice message (OGG/Opus bytes in ``content``), raising when it cannot."""

    languages: frozenset[str]

    async def voice(self, speech: Speech) -> Voice:
        """The voice message of ``speech``."""


class OutboxWorker:
    def __init__(
        self,
        db: Database,
        senders: Sequence[Sender],
        *,
        poll_seconds: float = 2.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_backoff: float = MAX_BACKOFF_S,
        on_failure: Callable[[str, bool], None] | None = None,
        on_closed: Callable[[str, str, int], Awaitable[None]] | None = None,
        on_unstarted: Callable[[str, str, int, str], Awaitable[None]] | None = None,
        media_sources: Sequence[MediaSource] | None = None,
        translations: Translations | None = None,
        speaker: Speaker | None = None,
        claimant: int = 0,
        pace: dict[str, float] | None = None,
        chain: ReaderChain | None = None,
    ) -> None:
        self.db = db
        # What turns a message into what its reader gets; the dispatcher's is the same.
        self.chain = chain or ReaderChain()
        # With several processes on PostgreSQL (bot/cluster.py): this process's key, under
        # which it claims what it sends, and each platform's messages per second for the
        # whole cluster (a slot is taken from the shared row before each send).
        self.claimant = claimant
        self.pace = pace or {}
        self.translations = translations
        self.speaker = speaker
        self.senders = {sender.platform: sender for sender in senders}
        # By default every sender that can download its platform's files is a source.
        if media_sources is None:
            media_sources = [s for s in senders if hasattr(s, "fetch_media")]  # type: ignore[misc]
        self.media_sources = {source.platform: source for source in media_sources}
        self.poll_seconds = poll_seconds
        self.clock = clock
        self.max_backoff = max_backoff
        self.on_failure = on_failure
        # (platform, chat, person): a send refused because the person closed the chat.
        self.on_closed = on_closed
        # (platform, chat, person, the refusal as kept): the person never started the chat.
        self.on_unstarted = on_unstarted
        self._wake = asyncio.Event()
        self._stop: asyncio.Event | None = None
        # Voices being made, ahead of their turn or due, by outbox id: (last wanted, task).
        self._ahead: dict[int, tuple[float, asyncio.Future[Outgoing]]] = {}
        # The PostgreSQL server gone: said once, not a traceback each round (db/postgres.py).
        self._outage = Outage()

    def wake(self) -> None:
        """Something was queued: deliver now instead of at the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """Deliver what is due, and the voices still being made once they are; return how
        many items were sent."""
        sent = 0
        making = 0
        while True:
            self._wake.clear()  # what is queued from now on wakes the wait below
            items = await self.db.outbox.due(
                self.clock(), self._sending(), ROUND + making, claimant=self.claimant
            )
            outcomes = await self._round(items)
            sent += outcomes.count("sent")
            # The voices being made are heads of their chats: they do not take the places
            # of other chats' messages in the next round.
            making = outcomes.count("making")
            # A settled head (sent or given up) lets the next message of its chat through.
            if any(outcome in ("sent", "failed") for outcome in outcomes):
                continue
            if not making or not await self._until_made_or_woken():
                return sent

    async def _until_made_or_woken(self) -> bool:
        """Wait until a voice is made, something new is queued, or a poll's time passed;
        False when the worker is stopping."""
        waiters: list[asyncio.Future[Any]] = [asyncio.ensure_future(self._wake.wait())]
        if self._stop is not None:
            waiters.append(asyncio.ensure_future(self._stop.wait()))
        made: list[asyncio.Future[Any]] = [f for _, f in self._ahead.values() if not f.done()]
        try:
            await asyncio.wait(
                [*waiters, *made], timeout=self.poll_seconds, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiter in waiters:
                waiter.cancel()
        return self._stop is None or not self._stop.is_set()

    async def _round(self, items: list[OutboxItem]) -> list[str]:
        """Prepare the items of a round together and send each as soon as it is ready.

        Translations of a round are asked for together: a slow engine costs one timeout per
        round, not one per message. A round holds at most one message per chat (the oldest
        unsent, db/outbox.py), so sending in the order they become ready keeps every chat's
        order, and texts go out while the voices of the round are still being made."""

        async def prepared(item: OutboxItem) -> tuple[OutboxItem, Prepared | None]:
            return item, await self._prepare(item)

        tasks = [asyncio.ensure_future(prepared(item)) for item in items]
        outcomes = []
        try:
            for ready in asyncio.as_completed(tasks):
                item, ready_item = await ready
                if "lost" in outcomes:
                    # The lock was lost: the rest of the round's claims are in doubt too,
                    # left to whoever holds them now (claimed again next round if no one).
                    outcomes.append("lost")
                    continue
                if ready_item is None:
                    outcomes.append("making")  # its voice: not yet, and nothing else of its chat
                    continue
                outcomes.append(await self._deliver(item, *ready_item))
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return outcomes

    def _sending(self) -> list[str]:
        """The platforms this process sends on now. A sender may say it does not
        (``delivering`` false): Matrix sends only from the process holding its role, the
        one with the device's keys (bot/transports/matrix/crypto_state.py)."""
        return [p for p, sender in self.senders.items() if getattr(sender, "delivering", True)]

    async def _prepare(self, item: OutboxItem) -> Prepared | None:
        """The item as its reader gets it (the reader chain, handlers/reader_chain.py: its
        user text translated, a 🔊 under it) and what follows it once sent (its speech).
        None for a speech whose voice is still being made: it is not waited for here."""
        outgoing = decode(item.payload)
        if isinstance(outgoing, Speech):
            making = self._due_voice(item.id, outgoing)
            if not making.done():
                return None
            del self._ahead[item.id]
            return making.result(), ()
        reading = await self._reading(item, outgoing)
        return reading.item, reading.after

    async def _reading(self, item: OutboxItem, outgoing: Outgoing) -> Reading:
        voices = self.speaker.languages if self.speaker is not None else frozenset()
        return await self.chain.prepare(
            Surroundings(self.db, voices, self.translations),
            lambda: self._reader(item),
            outgoing,
            outbox_id=item.id,
            about=item.about,
            medium=medium_of(item.platform),
        )

    async def prepared(self, item: OutboxItem) -> Outgoing:
        """A queued item as its reader gets it (the reader chain, as :meth:`_prepare` makes
        it), for a transport that sends more of a chat's queue than it was handed (a
        call-back says every message waiting); a speech as it is (a transport that says
        things does not play what read aloud made of them), what would follow not queued."""
        outgoing = decode(item.payload)
        if isinstance(outgoing, Speech):
            return outgoing
        return (await self._reading(item, outgoing)).item

    async def _reader(self, item: OutboxItem) -> Reader:
        """Who reads ``item``: the person it goes to, from their row (a group, or a person
        gone: no one, without modes). Read only when a link of the chain asks, after the
        translations: without a voice here, never."""
        recipient = item.recipient_id
        user = await self.db.users.get(recipient) if recipient is not None else None
        # On the platform the item goes to: a phone number's person calls and texts.
        return reader_of(user, on=item.platform)

    async def _voice(self, item_id: int, speech: Speech) -> Outgoing:
        """The speech as a voice message; the speech itself if no voice could be made (it
        is then given up: the text it says went out already)."""
        if self.speaker is None or speech.lang not in self.speaker.languages:
            return speech
        try:
            return await self.speaker.voice(speech)
        except Exception as exc:  # a speech engine must never hold anything back
            log.warning("outbox %d: no voice (%s)", item_id, type(exc).__name__)
            return speech

    def _start_voice(self, item_id: int, speech: Speech) -> asyncio.Future[Outgoing]:
        """The voice of ``speech`` being made; the worker is woken when it is."""
        making = asyncio.ensure_future(self._voice(item_id, speech))
        making.add_done_callback(lambda _: self.wake())
        return making

    def _due_voice(self, item_id: int, speech: Speech) -> asyncio.Future[Outgoing]:
        """The voice of a due speech: the one made ahead, else started now; wanted again
        (not dropped as another process's while it is being made)."""
        ahead = self._ahead.get(item_id)
        if ahead is None or ahead[1].cancelled():
            ahead = (0.0, self._start_voice(item_id, speech))
        self._ahead[item_id] = (time.monotonic(), ahead[1])
        return ahead[1]

    def _make_ahead(self, item_id: int, speech: Speech) -> None:
        """Start making the voice of a speech just queued, while the texts of others are
        sent at the platform's pace: a fan-out to many listeners then waits on the pace, not
        on the engine. Held in memory only until its turn (or for a minute, when another
        process of the cluster took it), never stored; at most ``MAX_AHEAD`` at once."""
        now = time.monotonic()
        for stale in [k for k, (made, _) in self._ahead.items() if now - made > AHEAD_SECONDS]:
            self._ahead.pop(stale)[1].cancel()
        if len(self._ahead) < MAX_AHEAD:
            self._ahead[item_id] = (now, self._start_voice(item_id, speech))

    async def _mark_sent(
        self,
        item: OutboxItem,
        message_id: str | None,
        after: Sequence[Outgoing],
    ) -> None:
        """Sent; and what follows it (its speech, for one who hears every message) queued
        with the mark (not if the item is gone: its person was erased while it was sent)."""
        if not after:
            await self.db.outbox.mark_sent(item.id, message_id, claimant=self.claimant)
            return
        async with self.db.transaction():
            if not await self.db.outbox.mark_sent(item.id, message_id, claimant=self.claimant):
                return
            queued = [
                await self.db.outbox.enqueue(
                    item.platform,
                    item.chat_id,
                    encode(following),
                    recipient_id=item.recipient_id,
                    about=item.about or about_value([item.recipient_id]),
                )
                for following in after
            ]
        for outbox_id, following in zip(queued, after, strict=True):
            if isinstance(following, Speech):
                self._make_ahead(outbox_id, following)
        self.wake()

    async def _deliver(
        self, item: OutboxItem, outgoing: Outgoing, after: Sequence[Outgoing]
    ) -> str:
        """Try one item: "sent", "failed" (given up), "later" or "lost" (no longer this
        process's claim: not sent)."""
        if isinstance(outgoing, Speech):
            await self.db.outbox.give_up(item.id, "no voice", claimant=self.claimant)
            return "failed"
        # Making a spoken voice took a while: if the person was erased meanwhile, their
        # speech went with them and is not sent.
        spoken = isinstance(outgoing, Voice) and outgoing.platform == SPOKEN
        if spoken and await self.db.outbox.state(item.id) is None:
            return "failed"
        edit_id = None
        if isinstance(outgoing, Edit | Delete):
            edit_id, outcome = await self._changed_message(item, outgoing.outbox_id)
            if outcome:
                return outcome
        rate = self.pace.get(item.platform)
        if rate:
            wait = await self.db.outbox.take_slot(item.platform, 1 / rate)
            if wait:
                await asyncio.sleep(wait)
        try:
            # A voice's bytes fetched before the send's lease begins: fetching sends
            # nothing, and however long it takes, it does not eat the send's lease.
            outgoing = await self._with_media(item.platform, outgoing)
            # The lease's end by this process's clock, taken before the database records
            # it: it comes first, however long the database takes to answer.
            lease_end = asyncio.get_running_loop().time() + SEND_SECONDS
            if not await self.db.outbox.begin_attempt(
                item.id, claimant=self.claimant, lease_seconds=SEND_SECONDS
            ):
                if not self.claimant:
                    # One process: settled or erased since it was picked. Nothing to send,
                    # and its chat and the round's others go on.
                    return "failed"
                # Settled, or this process lost its lock's connection since it claimed the
                # item (the cluster takes the lock again, bot/cluster.py): another process
                # may hold the item now and send it. Not sent here; its state is left to
                # that one.
                log.warning("outbox %d: no longer claimed by this process, not sent", item.id)
                return "lost"
            with sending(f"o{item.id}"):
                message_id = await self._within_lease(lease_end, item, outgoing, edit_id)
        except DeliveryError as exc:
            if exc.permanent:
                return await self._give_up(item, str(exc), refusal=exc)
            if not exc.transient and item.attempts + 1 >= MAX_UNEXPLAINED_ATTEMPTS:
                return await self._give_up(item, str(exc))
            if self.on_failure:
                self.on_failure(item.platform, False)
            delay = exc.retry_after or backoff(item.attempts, self.max_backoff)
            return await self._retry(item, delay, str(exc), in_doubt=exc.maybe_sent)
        except Exception as exc:  # a bug in a sender must not stop delivery of the rest
            # Only the type: an exception's text may quote the message it failed on.
            log.error("outbox %d: unexpected %s while sending", item.id, type(exc).__name__)
            if item.attempts + 1 >= MAX_UNEXPLAINED_ATTEMPTS:
                return await self._give_up(item, type(exc).__name__)
            delay = backoff(item.attempts, self.max_backoff)
            return await self._retry(item, delay, type(exc).__name__)
        await self._mark_sent(item, message_id, after)
        return "sent"

    async def _within_lease(
        self, lease_end: float, item: OutboxItem, outgoing: Outgoing, edit_id: str | None
    ) -> str | None:
        """Send ``outgoing``; with several processes, only until its lease ends (see
        ``SEND_SECONDS``; renewed meanwhile): then the send is abandoned, never finished or
        repeated by this try, and it may have gone out (DeliveryError ``maybe_sent``, the
        transports' own rule for a time-out). One whose lease ended before it began is not
        sent at all."""
        sender = self.senders[item.platform]
        if not self.claimant:  # one process: no other takes its messages over
            return await sender.deliver(item.chat_id, outgoing, edit_id)
        if asyncio.get_running_loop().time() >= lease_end:
            # A send must suspend before it can be cut off: none is begun after the end.
            raise DeliveryError("the lease ended before the send began")
        bound = asyncio.timeout_at(lease_end)
        renewing = asyncio.ensure_future(self._renew_lease(item.id, bound))
        try:
            async with bound:
                return await sender.deliver(item.chat_id, outgoing, edit_id)
        except TimeoutError:
            if not bound.expired():
                raise
            raise DeliveryError("send outlasted its lease", maybe_sent=True) from None
        finally:
            renewing.cancel()
            await asyncio.gather(renewing, return_exceptions=True)

    async def _renew_lease(self, item_id: int, bound: asyncio.Timeout) -> None:
        """Every ``RENEW_SECONDS`` while the send runs, its lease renewed and its cut-off
        moved on with it - by this process's clock from before the renewal, as the first.
        A renewal refused (the claim or the lock is no longer this process's) or failed
        (the database away) moves nothing: the send is cut off where the last one put it."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            new_end = loop.time() + SEND_SECONDS
            try:
                renewed = await self.db.outbox.renew_lease(
                    item_id, claimant=self.claimant, lease_seconds=SEND_SECONDS
                )
            except Exception as exc:  # the database away: the cut-off stays
                log.warning("outbox %d: lease not renewed (%s)", item_id, type(exc).__name__)
                continue
            if renewed and not bound.expired():
                bound.reschedule(new_end)

    async def _changed_message(
        self, item: OutboxItem, outbox_id: int
    ) -> tuple[str | None, str | None]:
        """For an edit or deletion of the message ``outbox_id``: (its platform id, None)
        when it can go now, else (None, the outcome: "failed" or "later")."""
        target = await self.db.outbox.state(outbox_id)
        if target is None:
            await self.db.outbox.give_up(
                item.id, "the message it changes is gone", claimant=self.claimant
            )
            return None, "failed"
        target_id, target_sent, target_failed = target
        if target_failed or (target_sent and not target_id):
            await self.db.outbox.give_up(
                item.id, "the message it changes was never delivered", claimant=self.claimant
            )
            return None, "failed"
        if not target_sent:
            return None, await self._retry(item, 5, "waiting for the message it changes")
        return target_id, None

    async def _retry(
        self, item: OutboxItem, seconds: float, error: str, *, in_doubt: bool = False
    ) -> str:
        """Try the item again in ``seconds`` (if it is still this process's claim)."""
        await self.db.outbox.retry_later(
            item.id,
            self.clock() + timedelta(seconds=seconds),
            error,
            in_doubt=in_doubt,
            claimant=self.claimant,
        )
        return "later"

    async def fetch_media(self, platform: str, file_id: str) -> tuple[bytes, str]:
        """A file people sent on ``platform`` (a voice message), from the platform it lives
        on: for a phone call-back that plays the relayed voice messages it says."""
        source = self.media_sources.get(platform)
        if source is None:
            raise DeliveryError(f"{platform}: no files here", permanent=True)
        return await source.fetch_media(file_id)

    async def _with_media(self, platform: str, outgoing: Outgoing) -> Outgoing:
        """A voice from another platform, with its bytes from the platform it lives on.
        Without a source for it (that platform is not running) the recipient's transport
        decides (the console prints it; the others refuse it for good)."""
        if not isinstance(outgoing, Voice) or outgoing.platform == platform or outgoing.content:
            return outgoing
        source = self.media_sources.get(outgoing.platform)
        if source is None:
            return outgoing
        content, mime_type = await source.fetch_media(outgoing.file_id)
        return replace(outgoing, content=content, mime_type=outgoing.mime_type or mime_type)

    async def _give_up(
        self, item: OutboxItem, error: str, *, refusal: DeliveryError | None = None
    ) -> str:
        """Mark the item failed so its chat's queue moves on; counted and logged. A
        ``refusal`` may say that its person closed the chat for good, or never opened it
        (:meth:`_closed`)."""
        log.warning(
            "outbox %d to %s: giving up after %d tries", item.id, item.platform, item.attempts + 1
        )
        if self.on_failure:
            self.on_failure(item.platform, True)
        await self.db.outbox.give_up(item.id, error, claimant=self.claimant)
        if refusal is not None and (refusal.closed or refusal.unstarted):
            await self._closed(item, error if refusal.unstarted else None)
        return "failed"

    async def _closed(self, item: OutboxItem, unstarted: str | None = None) -> None:
        """The item's person closed its chat for good: said to ``on_closed``; or never
        started it (``unstarted``: the refusal as kept): said to ``on_unstarted`` (a
        group's chat is nobody's address). Its failure costs that notice only, never the
        delivery of the rest: logged by its kind, the person unnamed."""
        if item.recipient_id is None:
            return
        try:
            if unstarted is None and self.on_closed is not None:
                await self.on_closed(item.platform, item.chat_id, item.recipient_id)
            elif unstarted is not None and self.on_unstarted is not None:
                await self.on_unstarted(item.platform, item.chat_id, item.recipient_id, unstarted)
        except Exception as exc:
            log.error("outbox %d: the closed chat not noted (%s)", item.id, type(exc).__name__)

    async def recover(self) -> int:
        """After a crash: sends that were cut off are tried again - the user may see such a
        message twice, but never not at all."""
        interrupted = await self.db.outbox.flag_interrupted()
        if interrupted:
            log.warning(
                "outbox: %d sends were interrupted by a crash and are repeated", interrupted
            )
        return interrupted

    async def run(self, stop: asyncio.Event) -> None:
        self._stop = stop
        await self.recover()
        while not stop.is_set():
            self._wake.clear()  # before the round: a wake during it triggers the next one
            try:
                await self.run_once()
            except Exception as exc:
                if not self._outage.failed(exc):
                    log.exception("outbox delivery round failed")
            else:
                self._outage.answered()
            waiters = {asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())}
            _, pending = await asyncio.wait(
                waiters, timeout=self.poll_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            for task in pending:
                task.cancel()
        for _, ahead in self._ahead.values():
            ahead.cancel()
        self._ahead.clear()
