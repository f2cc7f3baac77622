"""Which channel a resident without a chat uses, on the desk (issue 55, point 9): the review
card and the request's page say "📞 on the phone" or "💬 by SMS", and "⛔ texts stopped"
for a number that sent STOP; asking such a person a question is refused with why, and
nothing is queued. Through the real web server, the chat's login link and the settings the
transport registry gives (bot/transports/registry.py)."""

from __future__ import annotations

from dataclasses import replace

from bot.transports.sms.store import SmsStore
from db import Database
from db.statements import fetch_one
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from tests.support.channels import channels
from tests.support.desk_client import at_the_desk
from tests.support.memory_transport import MemoryTransport, readable
from tests.support.web_site import serving

PHONE, SMS = "+4923155501", "+4917655502"


def _registry_settings(settings: HandlerSettings) -> HandlerSettings:
    return replace(settings, channels=channels("phone", "sms"))


async def _resident(db: Database, platform: str, number: str) -> int:
    person = await db.users.seen(platform, number, number, "")
    await db.users.set_language(person.id, "de")
    await db.users.record_consent(person.id)
    request = await db.requests.create(
        person.id, person.id, category="shopping", description="Einkauf", stadtbezirk="Hörde"
    )
    return request.id


async def _queued(db: Database) -> int:
    row = await fetch_one(db.transactions, "SELECT COUNT(*) FROM outbox", ())
    return row[0] if row else 0


async def test_the_desk_shows_the_channel_and_a_stop_refuses_the_question(
    db: Database, settings: HandlerSettings
):
    by_phone = await _resident(db, "phone", PHONE)
    by_sms = await _resident(db, "sms", SMS)
    async with serving(db, _registry_settings(settings)) as (site, base):
        chat = MemoryTransport(Dispatcher(db, build_router(), site.settings))
        async with at_the_desk(chat, db, base) as desk:
            _, queue = await desk.get("/desk/queue")
            assert readable(queue).count("📞 on the phone") == 1
            assert readable(queue).count("💬 by SMS") == 1
            assert "texts stopped" not in queue
            _, page = await desk.get(f"/desk/requests/{by_sms}")
            assert "💬 by SMS" in page and "📞" not in page.split('id="request-facts"')[1][:600]
            _, page = await desk.get(f"/desk/requests/{by_phone}")
            assert "📞 on the phone" in page

            await SmsStore(db.transactions).stop(SMS)
            _, page = await desk.get(f"/desk/requests/{by_sms}")
            assert "💬 by SMS · ⛔ texts stopped" in readable(page)
            before = await _queued(db)
            status, answer = await desk.post(
                f"/desk/queue/{by_sms}/ask", {"text": "Welcher Laden?"}
            )
            assert status == 409 and "sent STOP" in readable(answer)
            assert "Your question was sent" not in answer
            assert await _queued(db) == before

            # After START the same question goes.
            await SmsStore(db.transactions).start(SMS)
            status, answer = await desk.post(
                f"/desk/queue/{by_sms}/ask", {"text": "Welcher Laden?"}
            )
            assert status == 200 and "Your question was sent" in answer
            assert await _queued(db) == before + 1
