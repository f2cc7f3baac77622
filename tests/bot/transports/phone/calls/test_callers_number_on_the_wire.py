"""Who calls, through Kamailio from SIPp (not the bot's own SIP stack): the caller ID is the
user of the From header's URI - or, where the operator trusts the provider's word
(``[phone] caller_id = "p-asserted-identity"``), of its P-Asserted-Identity - and never
anything in a display name. A caller whose display name says "tel:+4923155599 Oma" is
+4915100000001, the number of the URI: "1" (German) and "1" (I agree) make and agree for
that caller, and nobody of +4923155599 is made or agreed for. The order is the database's,
never the clock."""

from __future__ import annotations

import asyncio

from bot.transports.phone.sip.caller_header import ASSERTED
from bot.transports.phone.transport import PhoneTransport
from handlers.dispatcher import Dispatcher
from tests.support.sip.fixtures import BOT_USER, bot_account
from tests.support.sip.kamailio import HOST, KamailioServer
from tests.support.sip.sipp import Step, run_scenario

OMA = "+4923155599"
CALLER = "+4915100000001"
OTHER_CALLER = "+4915100000003"
ASSERTED_CALLER = "+4915100000002"


async def _phone(kamailio: KamailioServer, dispatcher: Dispatcher, **more: str) -> PhoneTransport:
    settings = bot_account(kamailio, **more)
    phone = PhoneTransport(dispatcher, settings)
    await phone.connect()
    await asyncio.wait_for(phone.registered.wait(), 20)
    return phone


async def _call(kamailio: KamailioServer, caller: str, **more) -> None:
    """SIPp calls the bot, presses "1" (the first language: the main menu), "2" (Get help,
    which keeps something: the privacy notice first, handlers/first_kept.py) and "1" (I
    agree), hangs up."""
    result = await asyncio.to_thread(
        run_scenario,
        kamailio.domain,
        BOT_USER,
        steps=[Step(1500, "121")],
        after_ms=1000,
        caller=caller,
        **more,
    )
    assert result.returncode == 0, result.errors
    assert (result.count("SuccessfulCall"), result.count("FailedCall")) == (1, 0)


async def _agreed(dispatcher: Dispatcher, chat_id: str) -> None:
    for _ in range(3000):  # until the keys are taken (by the database, not a clock)
        user = await dispatcher.db.users.find("phone", chat_id)
        if user is not None and user.consent_at is not None:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{chat_id} never agreed")


async def _consents(dispatcher: Dispatcher) -> int:
    rows = await dispatcher.db.fetch_all(
        "SELECT id FROM users WHERE platform = 'phone' AND consent_at IS NOT NULL"
    )
    return len(rows)


async def test_a_display_name_with_another_number_is_not_the_caller(
    kamailio: KamailioServer, dispatcher: Dispatcher
):
    phone = await _phone(kamailio, dispatcher)
    try:
        await _call(kamailio, CALLER, display='"tel:+4923155599 Oma"')
        await _agreed(dispatcher, CALLER)
        assert await dispatcher.db.users.find("phone", OMA) is None
        # Quotes, a URI and angle brackets inside the display name, escaped as RFC 3261 says.
        await _call(kamailio, OTHER_CALLER, display=r'"\"Oma\" <sip:+4923155599@127.0.0.1>"')
        await _agreed(dispatcher, OTHER_CALLER)
        assert await dispatcher.db.users.find("phone", OMA) is None
    finally:
        await phone.stop()


async def test_the_providers_assertion_names_the_caller_where_it_is_trusted(
    kamailio: KamailioServer, dispatcher: Dispatcher
):
    phone = await _phone(kamailio, dispatcher, caller_id=ASSERTED)
    try:
        # The From says Oma (anyone may write it); the provider asserts another number.
        await _call(
            kamailio,
            OMA,
            headers=[f"P-Asserted-Identity: <sip:{ASSERTED_CALLER}@{HOST}>"],
        )
        await _agreed(dispatcher, ASSERTED_CALLER)
        assert await dispatcher.db.users.find("phone", OMA) is None
        # Without the provider's word the call is withheld: a From alone is nobody. (The
        # withheld caller agrees for a person of that call alone, found by its consent.)
        agreed = await _consents(dispatcher)
        await _call(kamailio, OMA)
        for _ in range(3000):
            if await _consents(dispatcher) > agreed:
                break
            await asyncio.sleep(0.02)
        assert await _consents(dispatcher) == agreed + 1
        assert await dispatcher.db.users.find("phone", OMA) is None
    finally:
        await phone.stop()
