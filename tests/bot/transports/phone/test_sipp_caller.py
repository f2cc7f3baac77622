"""Another caller than baresip: SIPp (its own SIP and RTP, keypad tones as RFC 4733 events
made by ``play_dtmf``) calls the bot through Kamailio, presses "1" for the first language,
"2" for help (it keeps something: the privacy notice first) and "1" to agree, and hangs
up; the keys pressed before hanging up are taken. Its caller ID is only a claim: the language
and the consent are the call's own stand-in's, nothing is written to the number's person
(handlers/numbers/caller_check.py)."""

from __future__ import annotations

import asyncio

from bot.config import PhoneSection
from bot.transports.phone.sip import registration
from bot.transports.phone.transport import PhoneTransport
from db.users import User
from handlers.dispatcher import Dispatcher
from tests.support.sip.fixtures import BOT_USER, bot_account
from tests.support.sip.kamailio import KamailioServer
from tests.support.sip.sipp import Step, run_scenario

CALLER = "+492319876543"


async def test_a_sipp_caller_chooses_a_language_and_agrees(
    kamailio: KamailioServer, dispatcher: Dispatcher
):
    settings = bot_account(kamailio)
    phone = PhoneTransport(dispatcher.ports, settings)
    await phone.connect()
    try:
        await asyncio.wait_for(phone.registered.wait(), 20)
        config = PhoneSection(enabled=True, registrar=kamailio.registrar_uri, user=BOT_USER)
        for _ in range(500):  # doctor reads the registration the bot keeps
            if (await registration.check(config, dispatcher.db))[1] == "ok":
                break
            await asyncio.sleep(0.02)
        assert (await registration.check(config, dispatcher.db))[1] == "ok"
        result = await asyncio.to_thread(
            run_scenario,
            kamailio.domain,
            BOT_USER,
            # The language, "Get help" (it keeps something: its notice first), "I agree".
            steps=[Step(1500, "121")],
            after_ms=1000,
            caller=CALLER,
        )
        assert result.returncode == 0, result.errors
        assert (result.count("SuccessfulCall"), result.count("FailedCall")) == (1, 0)
        agreed: list[User] = []
        for _ in range(3000):  # until the keys are taken (by the database, not a clock)
            agreed = [
                user
                for (chat,) in await dispatcher.db.fetch_all(
                    "SELECT platform_user_id FROM users"
                    " WHERE platform = 'phone' AND consent_at IS NOT NULL",
                    (),
                )
                if (user := await dispatcher.db.users.find("phone", str(chat))) is not None
            ]
            if agreed:
                break
            await asyncio.sleep(0.02)
        [stand_in] = agreed
        assert stand_in.platform_user_id != CALLER
        assert stand_in.language == dispatcher.settings.languages[0]
        assert await dispatcher.db.users.find("phone", CALLER) is None
    finally:
        await phone.stop()
