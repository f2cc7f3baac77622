"""Who calls, through Kamailio from SIPp (not the bot's own SIP stack): the caller ID is the
user of the From header's URI - or, where the operator trusts the provider's word
(``[phone] caller_id = "p-asserted-identity"``), of its P-Asserted-Identity - and never
anything in a display name. A caller whose display name says "tel:+4923155599 Oma" is
+4915100000001, the number of the URI: the call claims that number ("1" German and "1"
I agree are its stand-in's, as every call from a number is until it is checked), and no
call claims +4923155599, nor is anybody of it made or agreed for. The order is the database's,
never the clock."""

from __future__ import annotations

import asyncio

from bot.transports.phone.calls.callers_number import is_withheld
from bot.transports.phone.sip.caller_header import ASSERTED
from bot.transports.phone.transport import PhoneTransport
from handlers.dispatcher import Dispatcher
from tests.support.sip.calls import heard_texts
from tests.support.sip.fixtures import BOT_USER, bot_account
from tests.support.sip.kamailio import HOST, KamailioServer
from tests.support.sip.sipp import Step, run_scenario

OMA = "+4923155599"
CALLER = "+4915100000001"
OTHER_CALLER = "+4915100000003"
ASSERTED_CALLER = "+4915100000002"


# The stand-ins of the calls, each with the number its call claims (a call from a number
# is a stand-in of its own until it is checked, handlers/numbers/caller_check.py).
_CLAIMS: dict[str, str] = {}


async def _phone(kamailio: KamailioServer, dispatcher: Dispatcher, **more: str) -> PhoneTransport:
    settings = bot_account(kamailio, **more)
    _CLAIMS.clear()
    phone = PhoneTransport(dispatcher.ports, settings)
    callers = phone.city_ports.callers
    stand_in_for = callers.stand_in_for

    async def claiming(platform: str, number: str, stand_in: str) -> str:
        _CLAIMS[stand_in] = number
        return await stand_in_for(platform, number, stand_in)

    callers.stand_in_for = claiming  # type: ignore[method-assign]
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


async def _agreed(dispatcher: Dispatcher, number: str) -> None:
    """Until a call claiming ``number`` agreed (its stand-in's consent)."""
    for _ in range(3000):  # until the keys are taken (by the database, not a clock)
        for stand_in in [key for key, claimed in _CLAIMS.items() if claimed == number]:
            user = await dispatcher.db.users.find("phone", stand_in)
            if user is not None and user.consent_at is not None:
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"no call claiming {number} agreed")


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
        assert OMA not in _CLAIMS.values()
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
        assert OMA not in _CLAIMS.values()
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
        # A caller who withholds their number (CLIR): the provider still asserts it, with
        # Privacy: id (RFC 3325). Withheld: nobody of the asserted number is made or heard.
        hidden = "+4915100000004"
        await _call(
            kamailio,
            "anonymous",
            headers=[f"P-Asserted-Identity: <sip:{hidden}@{HOST}>", "Privacy: id"],
        )
        for _ in range(3000):
            if await _consents(dispatcher) > agreed + 1:
                break
            await asyncio.sleep(0.02)
        assert await _consents(dispatcher) == agreed + 2
        assert await dispatcher.db.users.find("phone", hidden) is None
    finally:
        await phone.stop()


# The From header SIPp's scenario writes (its tag after it), to be replaced by another in
# every message of the call (tests/support/sip/sipp.py); its Contact stays a SIP URI.
SIPP_FROM = 'From: "SIPp" <sip:[caller]@[local_ip]:[local_port]>'
COMPACT = (("From:", "f:"), ("Call-ID:", "i:"), ("To:", "t:"), ("Contact:", "m:"))


async def test_the_caller_is_the_from_uris_user_however_rfc_3261_writes_it(
    kamailio: KamailioServer, dispatcher: Dispatcher
):
    """Compact header forms ("f:", "i:", "t:", "m:"), a display name of digits and a URI, a
    tel URI, a SIP URI with user=phone, and a P-Asserted-Identity the caller wrote where
    the operator trusts the From (the default): each call is the From URI's user, and the
    number in the display name or the caller's assertion is nobody's."""
    phone = await _phone(kamailio, dispatcher)
    try:
        compact = "+4915100000011"
        await _call(kamailio, compact, rewrites=COMPACT)
        await _agreed(dispatcher, compact)

        digits = "+4915100000012"
        await _call(kamailio, digits, display='"+49 231 55599 <sip:+4923155599@127.0.0.1>"')
        await _agreed(dispatcher, digits)

        tel = "+4915100000013"
        await _call(kamailio, "tel", rewrites=[(SIPP_FROM, f'From: "SIPp" <tel:{tel}>')])
        await _agreed(dispatcher, tel)

        user_phone = "+4915100000014"
        uri = f'From: "SIPp" <sip:{user_phone}@[local_ip]:[local_port];user=phone>'
        await _call(kamailio, "phone", rewrites=[(SIPP_FROM, uri)])
        await _agreed(dispatcher, user_phone)

        claimed = "+4915100000015"
        await _call(kamailio, claimed, headers=[f"P-Asserted-Identity: <sip:{OMA}@{HOST}>"])
        await _agreed(dispatcher, claimed)

        assert await dispatcher.db.users.find("phone", OMA) is None
        assert await _consents(dispatcher) == 5
    finally:
        await phone.stop()


async def test_an_anonymous_caller_is_withheld_and_hears_nothing_personal(
    kamailio: KamailioServer, dispatcher: Dispatcher
):
    """RFC 3323's anonymous From ("Anonymous" <sip:anonymous@anonymous.invalid>, Privacy:
    id) is a withheld caller: a person of that call alone, asked by keypad, who agrees for
    that call's person only - never an account named "anonymous"."""
    phone = await _phone(kamailio, dispatcher)
    heard = heard_texts(phone)
    try:
        await _call(
            kamailio,
            "anonymous",
            rewrites=[(SIPP_FROM, 'From: "Anonymous" <sip:anonymous@anonymous.invalid>')],
            headers=["Privacy: id"],
        )
        for _ in range(3000):
            if await _consents(dispatcher):
                break
            await asyncio.sleep(0.02)
        rows = await dispatcher.db.fetch_all(
            "SELECT platform_user_id FROM users WHERE platform = 'phone'"
        )
        assert [is_withheld(str(row[0])) for row in rows] == [True]
        assert heard and not any("anonymous" in text.lower() for text in heard)
    finally:
        await phone.stop()
