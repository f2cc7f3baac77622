"""A try of a send is cut off after ``ATTEMPT_SECONDS`` (issue 77 leftovers, point 5): other
processes take a message whose send is under way only once the try is surely over
(db/outbox.py ``TAKEOVER_SECONDS``), so the worker must keep its tries that short. A try cut
off may have gone out: it is tried again later, in doubt."""

from __future__ import annotations

import asyncio

import pytest
from markupsafe import Markup

from bot import delivery
from bot.delivery import OutboxWorker
from db import Database
from handlers.messages import Message, Outgoing, Recipient, encode


SANITY_SECONDS = 60


class NeverDone:
    """A sender whose network call never ends."""

    platform = "telegram"

    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def deliver(
        self, chat_id: str, item: Outgoing, edit_message_id: str | None = None
    ) -> str | None:
        self.started.set()
        await asyncio.Event().wait()
        raise AssertionError("never")


async def test_a_try_that_outlasts_its_bound_is_cut_off_and_tried_again_in_doubt(
    db: Database, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(delivery, "ATTEMPT_SECONDS", 0.05)
    async with db.transaction():
        item = Message(Markup("hello"), to=Recipient("telegram", "c1"))
        message = await db.outbox.enqueue("telegram", "c1", encode(item))
    sender = NeverDone()
    worker = OutboxWorker(db, [sender])
    # Without the bound the round never ends: given up on well past any busy machine's slack.
    await asyncio.wait_for(worker.run_once(), SANITY_SECONDS)
    assert sender.started.is_set()
    rows = await db.fetch_all(
        "SELECT sent_at, failed_at, attempts, in_doubt, attempt_started_at, last_error"
        " FROM outbox WHERE id = ?",
        (message,),
    )
    sent_at, failed_at, attempts, in_doubt, started, error = tuple(rows[0])
    assert (sent_at, failed_at, attempts, in_doubt, started) == (None, None, 1, 1, None)
    assert "too long" in error
