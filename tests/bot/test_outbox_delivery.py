"""The outbox: queued with the change, delivered once, in order, through outages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from markupsafe import Markup
from telegram.error import NetworkError, TimedOut

from bot.delivery import OutboxWorker
from bot.transports.sending import DeliveryError
from db import Database
from handlers.dispatcher import Dispatcher
from handlers.messages import Command, Edit, Incoming, Message, Outgoing, Recipient, Sender, encode
from handlers.router import Router
from handlers.settings import HandlerSettings
from tests.support.clock import Clock
from tests.support.fake_telegram import FakeTelegram


class FakeSender:
    platform = "fake"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str | None]] = []
        self.failures: list[DeliveryError] = []

    async def deliver(
        self, chat_id: str, item: Outgoing, edit_message_id: str | None = None
    ) -> str | None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((chat_id, str(item.text), edit_message_id))
        return f"m{len(self.sent)}"


def message(text: str, chat: str = "c1") -> dict:
    return encode(Message(Markup(text), to=Recipient("fake", chat)))


async def test_messages_for_others_commit_with_the_change(db: Database):
    router = Router()

    @router.command("notify", "x", before_consent=True)
    async def notify(ctx):
        await ctx.db.users.set_state(ctx.user.id, "notified")
        await ctx.mail.to_chat(Recipient("fake", "ben"), Message(Markup("for ben")))
        ctx.reply(Markup("done"))

    @router.command("broken", "x", before_consent=True)
    async def broken(ctx):
        await ctx.db.users.set_state(ctx.user.id, "half-done")
        await ctx.mail.to_chat(Recipient("fake", "ben"), Message(Markup("never")))
        raise RuntimeError("boom")

    woken = []
    dispatcher = Dispatcher(db, router, HandlerSettings(), on_queued=lambda: woken.append(1))

    def incoming(name: str) -> Incoming:
        return Incoming(Sender("memory", "anna", "Anna"), "anna", Command(name))

    replies = await dispatcher.handle(incoming("notify"))
    assert [str(r.text) for r in replies] == ["done"]
    assert await db.outbox.pending() == 1 and woken == [1]
    await dispatcher.handle(incoming("broken"))
    # The failed handler's change and its queued message were rolled back together.
    assert await db.outbox.pending() == 1
    user = await db.users.find("memory", "anna")
    assert (await db.users.get_state(user.id)).state == "notified"


async def test_order_per_chat_backoff_and_exactly_once(db: Database):
    sender, clock = FakeSender(), Clock()
    worker = OutboxWorker(db, [sender], clock=clock)
    for text in ("one", "two", "three"):
        await db.outbox.enqueue("fake", "c1", message(text))
    await db.outbox.enqueue("fake", "c2", message("other chat"))
    sender.failures = [DeliveryError("502")]  # the first attempt meets an outage
    assert await worker.run_once() == 1  # c1 waits for its first message; c2 goes through
    assert sender.sent == [("c2", "other chat", None)]
    assert await worker.run_once() == 0  # back-off: nothing due yet
    clock.now += timedelta(seconds=10)
    assert await worker.run_once() == 3
    assert [text for chat, text, _ in sender.sent if chat == "c1"] == ["one", "two", "three"]
    clock.now += timedelta(hours=1)
    assert await worker.run_once() == 0  # nothing is sent twice
    assert await db.outbox.pending() == 0


async def test_rate_limit_waits_as_told(db: Database):
    sender, clock = FakeSender(), Clock()
    worker = OutboxWorker(db, [sender], clock=clock)
    await db.outbox.enqueue("fake", "c1", message("hi"))
    sender.failures = [DeliveryError("429", retry_after=30)]
    await worker.run_once()
    clock.now += timedelta(seconds=20)
    assert await worker.run_once() == 0
    clock.now += timedelta(seconds=15)
    assert await worker.run_once() == 1


async def test_permanent_failure_is_given_up_and_does_not_block_the_chat(db: Database):
    sender, clock = FakeSender(), Clock()
    worker = OutboxWorker(db, [sender], clock=clock)
    first = await db.outbox.enqueue("fake", "c1", message("blocked"))
    await db.outbox.enqueue("fake", "c1", message("after"))
    sender.failures = [DeliveryError("403", permanent=True)]
    assert await worker.run_once() == 1
    assert sender.sent == [("c1", "after", None)]
    assert (await db.outbox.state(first))[2] is not None


async def test_a_chat_closed_by_its_person_is_given_up_and_said_once(db: Database):
    """A send refused because the person closed the chat (DeliveryError ``closed``) is given
    up, not repeated, and said to ``on_closed`` with the chat and its person; a group's
    refusal names nobody."""
    sender = FakeSender()
    closed: list[tuple[str, str, int]] = []

    async def on_closed(platform: str, chat_id: str, person_id: int) -> None:
        closed.append((platform, chat_id, person_id))

    worker = OutboxWorker(db, [sender], on_closed=on_closed)
    person = await db.users.seen("fake", "p1", "c1", "")
    first = await db.outbox.enqueue("fake", "c1", message("offer"), recipient_id=person.id)
    await db.outbox.enqueue("fake", "g1", message("to a group", "g1"))
    await db.outbox.enqueue("fake", "c1", message("after"), recipient_id=person.id)
    sender.failures = [DeliveryError("closed", closed=True), DeliveryError("gone", closed=True)]
    assert await worker.run_once() == 1
    assert closed == [("fake", "c1", person.id)]
    assert (await db.outbox.state(first))[2] is not None
    assert await worker.run_once() == 0
    assert len(closed) == 1


async def test_edit_waits_for_its_message(db: Database):
    sender, clock = FakeSender(), Clock()
    worker = OutboxWorker(db, [sender], clock=clock)
    original = await db.outbox.enqueue("fake", "c1", message("offer"))
    await db.outbox.enqueue("fake", "c2", encode(Edit(original, Markup("taken"))))
    sender.failures = [DeliveryError("timeout")]  # the original is delayed by an outage
    await worker.run_once()
    assert sender.sent == []
    clock.now += timedelta(seconds=30)
    await worker.run_once()
    assert sender.sent[0] == ("c1", "offer", None)
    clock.now += timedelta(seconds=30)
    await worker.run_once()
    assert sender.sent[1] == ("c2", "taken", "m1")


async def test_pending_messages_survive_a_restart(tmp_path):
    path = tmp_path / "crash.sqlite3"
    db = await Database.open(path)
    await db.outbox.enqueue("fake", "c1", message("survives"))
    await db.close()  # the bot dies before delivering
    db = await Database.open(path)
    sender = FakeSender()
    assert await OutboxWorker(db, [sender]).run_once() == 1
    assert await OutboxWorker(db, [sender]).run_once() == 0
    assert sender.sent == [("c1", "survives", None)]
    await db.close()


# The Telegram transport's own answers to the Bot API's errors: no row is read or written
# (the database is only the dispatcher's, which a delivery does not use), so one backend;
# the outbox's SQL is the other tests', on both.
ONE_BACKEND = pytest.mark.parametrize("backend", ["sqlite"])


@ONE_BACKEND
@pytest.mark.parametrize(("status", "permanent"), [(502, False), (403, True), (400, True)])
async def test_telegram_errors_are_classified(
    fake_telegram: FakeTelegram, telegram_bot, status: int, permanent: bool
):
    fake_telegram.failures["sendMessage"] = [status]
    with pytest.raises(DeliveryError) as err:
        await telegram_bot.deliver("42", Message(Markup("hi")))
    assert err.value.permanent is permanent
    assert await telegram_bot.deliver("42", Message(Markup("hi"))) is not None


@ONE_BACKEND
@pytest.mark.parametrize(
    ("chat", "refusal", "closed"),
    [
        ("42", "Forbidden: bot was blocked by the user", True),
        ("42", "Forbidden: user is deactivated", True),
        ("-1001", "Forbidden: bot was kicked from the group chat", False),
        ("42", "Forbidden: bot can't initiate conversation with a user", False),
    ],
)
async def test_telegram_says_when_a_person_closed_the_chat(
    fake_telegram: FakeTelegram, telegram_bot, chat: str, refusal: str, closed: bool
):
    fake_telegram.closed_chats[chat] = refusal
    with pytest.raises(DeliveryError) as err:
        await telegram_bot.deliver(chat, Message(Markup("hi")))
    assert err.value.permanent
    assert err.value.closed is closed
    # Never started: no closed chat, but said so (the coordinators are told, not a block).
    assert err.value.unstarted is ("initiate" in refusal)
    # Its words name no one: what the outbox keeps and logs of it is the kind only.
    assert chat not in str(err.value)


@ONE_BACKEND
async def test_telegram_rate_limit_reports_retry_after(fake_telegram: FakeTelegram, telegram_bot):
    # python-telegram-bot's rate limiter retries a 429 itself; when it runs out of retries
    # the outbox is told how long to wait.
    fake_telegram.failures["sendMessage"] = [429, 429, 429, 429, 429]
    with pytest.raises(DeliveryError) as err:
        await telegram_bot.deliver("42", Message(Markup("hi")))
    assert not err.value.permanent


@pytest.mark.both_backends
@pytest.mark.parametrize(("maybe_sent", "in_doubt"), [(True, 1), (False, 0)])
async def test_a_try_that_may_have_gone_out_is_in_doubt_when_repeated(
    db: Database, maybe_sent: bool, in_doubt: int
):
    """A time-out after the request left (the service may have delivered it) is repeated
    like a send cut off by a crash: in doubt, the one case a person may see it twice."""
    sender, clock = FakeSender(), Clock()
    worker = OutboxWorker(db, [sender], clock=clock)
    item = await db.outbox.enqueue("fake", "c1", message("hello"))
    sender.failures = [DeliveryError("TimedOut", maybe_sent=maybe_sent)]
    assert await worker.run_once() == 0
    clock.now += timedelta(minutes=1)
    assert await worker.run_once() == 1
    rows = await db.fetch_all("SELECT in_doubt, sent_at FROM outbox WHERE id = ?", (item,))
    assert rows[0][0] == in_doubt and rows[0][1] is not None


@pytest.mark.parametrize(
    ("error", "maybe_sent"),
    [
        (TimedOut(), True),  # the request went, its answer did not come
        (TimedOut("Pool timeout: All connections in the connection pool are occupied."), False),
        (NetworkError("httpx.ConnectError: All connection attempts failed"), False),
        (NetworkError("httpx.RemoteProtocolError: Server disconnected"), True),
        (NetworkError("Bad Gateway"), False),
    ],
)
def test_telegram_says_whether_a_failed_send_may_have_gone_out(error, maybe_sent):
    from bot.transports.telegram import _delivery_error

    assert _delivery_error(error).maybe_sent is maybe_sent
