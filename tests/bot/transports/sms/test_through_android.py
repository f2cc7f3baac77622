"""The SMS transport with the Android gateway app (its fake, tests/support/sms): a signed
``sms:received`` webhook is handled and answered through the app's ``POST /message``; a
webhook signed with another key is refused and changes nothing."""

from __future__ import annotations

import json

import aiohttp

from bot.delivery import OutboxWorker
from bot.transports.sms.budget import Budget
from bot.transports.sms.gateways import Android
from bot.transports.sms.transport import SmsTransport
from db import Database
from handlers.dispatcher import Dispatcher
from handlers.messages import Message, encode
from tests.support.sms.android_gateway import FakeAndroidGateway

RESIDENT = "+4917633333333"


async def test_a_signed_text_is_answered_through_the_apps_api_and_a_forged_one_refused(
    android_gateway: FakeAndroidGateway, dispatcher: Dispatcher, db: Database
) -> None:
    app = android_gateway
    gateway = Android(app.url, app.username, app.password, app.signing_key)
    sms = SmsTransport(dispatcher.ports, db, gateway, Budget(db, 100, []))
    await sms.connect()
    try:
        # The operator registers the bot's address with the app, as docs/sms.md says.
        hook = {"url": f"http://127.0.0.1:{sms.port}/sms", "event": "sms:received"}
        async with (
            aiohttp.ClientSession(headers=gateway.headers) as web,
            web.post(f"{app.url}/webhooks", json=hook) as made,
        ):
            assert made.status == 201

        (forged,) = await app.receive_sms(RESIDENT, "Hallo", key="a guessed key")
        assert forged.status == 403
        assert app.sent == [] and await db.users.find("sms", RESIDENT) is None

        (signed,) = await app.receive_sms(RESIDENT, "Hallo")
        assert signed.status == 200
        (picker,) = app.sent
        assert picker.phone_numbers == [RESIDENT]
        # All ten languages in one text: the Arabic and Persian names make it UCS-2, and
        # the icons go all the same (issue 80, point 1).
        assert "1 Deutsch" in picker.text.splitlines()

        (chosen,) = await app.receive_sms(RESIDENT, "1")
        assert chosen.status == 200
        user = await db.users.find("sms", RESIDENT)
        assert user is not None and user.language == "de"

        # A notice through the outbox goes by the app too, with an id the app keeps.
        await db.outbox.enqueue("sms", RESIDENT, encode(Message("Erinnerung: morgen 10 Uhr")))
        await OutboxWorker(db, [sms]).run_once()
        reminder = app.sent[-1]
        assert (reminder.text, reminder.phone_numbers) == ("Erinnerung: morgen 10 Uhr", [RESIDENT])
        assert reminder.body.get("id")
    finally:
        await sms.stop()


async def test_a_webhook_the_app_posts_again_is_handled_once(
    android_gateway: FakeAndroidGateway, dispatcher: Dispatcher, db: Database
) -> None:
    """The app posts an event again (the same body, the same event ``id``) when its call got
    no 2xx in time; the bot answered the first, so the second changes nothing and texts
    nothing. The same words texted again are a new event, with a new ``id`` but the same
    ``messageId`` (a hash of the content): answered again."""
    app = android_gateway
    gateway = Android(app.url, app.username, app.password, app.signing_key)
    sms = SmsTransport(dispatcher.ports, db, gateway, Budget(db, 100, []))
    await sms.connect()
    url = f"http://127.0.0.1:{sms.port}/sms"
    try:
        (hallo,) = await app.receive_sms(RESIDENT, "Hallo", url=url)
        assert hallo.status == 200
        answered = len(app.sent)
        assert answered > 0

        again = await app.post_again(hallo)
        assert again.status == 200
        assert json.loads(again.body)["id"] == json.loads(hallo.body)["id"]
        assert len(app.sent) == answered

        (chosen,) = await app.receive_sms(RESIDENT, "1", url=url)
        assert chosen.status == 200
        user = await db.users.find("sms", RESIDENT)
        assert user is not None and user.language == "de"
        agreed = len(app.sent)
        assert agreed > answered
        await app.post_again(chosen)
        assert len(app.sent) == agreed

        (twice,) = await app.receive_sms(RESIDENT, "1", url=url)
        assert twice.status == 200
        first, second = (json.loads(d.body) for d in (chosen, twice))
        assert first["payload"]["messageId"] == second["payload"]["messageId"]
        assert first["id"] != second["id"]
        assert len(app.sent) > agreed
    finally:
        await sms.stop()
