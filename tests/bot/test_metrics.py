"""The Prometheus endpoint reports what the dispatcher, the worker and the database know."""

from __future__ import annotations

import aiohttp
from markupsafe import Markup

from bot.delivery import OutboxWorker
from bot.metrics import Metrics
from bot.transports.sending import DeliveryError
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import Command, Incoming, Message, Sender, encode
from handlers.settings import HandlerSettings
from tests.support.ports import free_port


class Failing:
    platform = "telegram"

    async def deliver(self, chat_id, item, edit_message_id=None):
        raise DeliveryError("502")


async def test_metrics_endpoint(db: Database, tmp_path):
    metrics = Metrics()
    dortmund = metrics.city("dortmund", db)
    # A second city served by the same process: its own figures, under its own label.
    other = await Database.open(tmp_path / "unna.sqlite3")
    unna = metrics.city("unna", other)
    port = free_port()
    await metrics.serve("127.0.0.1", port)
    try:
        dispatcher = Dispatcher(db, build_router(), HandlerSettings(), on_handled=dortmund.handled)
        for n in range(3):
            await dispatcher.handle(
                Incoming(Sender("telegram", f"u{n}", "U"), f"u{n}", Command("start"))
            )
        user = await db.users.find("telegram", "u0")
        await db.requests.create(user.id, user.id, category="shopping")
        async with db.transaction():
            item = await db.outbox.enqueue("telegram", "u0", encode(Message(Markup("x"))))
        await OutboxWorker(db, [Failing()], on_failure=dortmund.delivery_failed).run_once()
        await Dispatcher(other, build_router(), HandlerSettings(), on_handled=unna.handled).handle(
            Incoming(Sender("telegram", "u9", "U"), "u9", Command("start"))
        )
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/metrics") as response,
        ):
            text = await response.text()
        assert response.status == 200
        assert 'nachbarbot_updates_handled_total{city="dortmund",platform="telegram"} 3.0' in text
        assert 'nachbarbot_updates_handled_total{city="unna",platform="telegram"} 1.0' in text
        assert 'nachbarbot_handler_latency_seconds_count{city="dortmund"} 3.0' in text
        assert 'nachbarbot_outbox_depth{city="dortmund"} 1.0' in text
        assert 'nachbarbot_outbox_depth{city="unna"} 0.0' in text
        assert 'nachbarbot_requests{city="dortmund",state="review"} 1.0' in text
        assert 'nachbarbot_requests{city="unna",state="review"}' not in text
        assert 'nachbarbot_reminders_pending{city="dortmund"} 0.0' in text
        assert (
            'nachbarbot_delivery_failures_total{city="dortmund",kind="transient",'
            'platform="telegram"} 1.0' in text
        )
        # Read again at each scrape.
        await db.outbox.mark_sent(item, "1")
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/metrics") as response,
        ):
            assert 'nachbarbot_outbox_depth{city="dortmund"} 0.0' in await response.text()
    finally:
        await metrics.stop()
        await other.close()
