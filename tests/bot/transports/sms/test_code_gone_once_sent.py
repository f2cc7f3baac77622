"""A code is a secret: the text with the code that ends a help's notices too waits in the
outbox (transport.py ``_queue``, committed with its STOP) and keeps its body while it is not
confirmed sent - a failed try, a crash, is sent again with the code - but once it is handed
to the gateway (or given up) the row no longer holds the code: its body is cleared by the
same statement that marks it sent (db/outbox.py ``mark_sent``, ``give_up``). The code still
works (only its hash is kept, store.py), and the person's export shows no code. Before, the
code sat in plain text in the outbox until the retention removed the row. With the real
dispatcher and outbox worker and a recording gateway, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.delivery import OutboxWorker
from bot.transports.sending import DeliveryError
from bot.transports.sms.budget import Budget
from bot.transports.sms.transport import SmsTransport
from db import Database
from db.clock import to_text
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.privacy import export_file
from handlers.settings import HandlerSettings
from tests.support.sms.codes import _CODE, code_in
from tests.support.sms.gateways import RecordingKannel

pytestmark = pytest.mark.both_backends

NUMBER = "+4917622223333"


class FailingKannel(RecordingKannel):
    """Refuses its next ``failing`` texts (a gateway away), then records them."""

    def __init__(self) -> None:
        super().__init__()
        self.failing = 0
        self.permanent = False

    async def send(self, to: str, text: str, key: str | None = None) -> str | None:
        if self.failing:
            self.failing -= 1
            raise DeliveryError("gateway away", permanent=self.permanent)
        return await super().send(to, text, key)


async def _rows(db: Database) -> list[str]:
    """The payloads of the outbox's texts to the number."""
    rows = await db.fetch_all(
        "SELECT payload FROM outbox WHERE platform = 'sms' AND chat_id = ?", (NUMBER,)
    )
    return [str(row[0]) for row in rows]


async def _due_now(db: Database) -> None:
    """A text waiting for its next try is due now."""
    async with db.transaction():
        await db.execute(
            "UPDATE outbox SET next_attempt_at = ? WHERE sent_at IS NULL AND failed_at IS NULL",
            (to_text(datetime.now(UTC) - timedelta(seconds=1)),),
        )


async def _helped_and_stopped(
    db: Database, settings: HandlerSettings
) -> tuple[SmsTransport, FailingKannel, OutboxWorker]:
    dispatcher = Dispatcher(db, build_router(), settings)
    gateway = FailingKannel()
    sms = SmsTransport(dispatcher.ports, db, gateway, Budget(db, 1000, []))
    await sms.take_text(NUMBER, "Hallo")
    user = await db.users.find("sms", NUMBER)
    assert user is not None
    await db.requests.create(user.id, user.id, category="shopping", description="Einkauf")
    await sms.take_text(NUMBER, "STOP")
    gateway.sent.clear()
    return sms, gateway, OutboxWorker(db, [sms], chain=dispatcher.chain)


def _codes(rows: list[str]) -> list[str]:
    return [found for row in rows for found in _CODE.findall(row)]


async def test_the_code_leaves_the_outbox_once_sent(
    db: Database, settings: HandlerSettings
) -> None:
    sms, gateway, worker = await _helped_and_stopped(db, settings)
    # Not yet sent: the row holds it. A failed try keeps it for the next.
    gateway.failing = 1
    await worker.run_once()
    assert not gateway.sent
    (waiting,) = _codes(await _rows(db))
    await _due_now(db)
    await worker.run_once()
    ((to, told),) = gateway.sent
    code = code_in(told)
    assert to == NUMBER and code == waiting
    rows = await _rows(db)
    assert rows and not _codes(rows), rows

    # Her export shows no code.
    user = await db.users.find("sms", NUMBER)
    assert user is not None
    _, exported = await export_file(db, user)
    assert code not in exported.decode()

    # The code still works: the notices of her help stop too.
    await sms.take_text(NUMBER, code)
    assert await sms.store.stop_state(NUMBER) == "all"


async def test_a_code_given_up_leaves_the_outbox_too(
    db: Database, settings: HandlerSettings
) -> None:
    _, gateway, worker = await _helped_and_stopped(db, settings)
    assert _codes(await _rows(db))
    gateway.failing, gateway.permanent = 1, True
    await worker.run_once()
    assert not gateway.sent
    rows = await _rows(db)
    assert rows and not _codes(rows), rows
