"""A resident a coordinator entered on the desk is checked from the first call on
(handlers/numbers/caller_check.py ``claimed``: what a person has decides, never their consent).

A coordinator types Erna's number on the desk's resident form (the real web server, the
chat's login link): Erna is the phone person of that number, with a name, a language, a
running request - and no consent, she never called. Then baresip calls the bot through
Kamailio with her number as its caller ID (a claim anyone can make). The call is a new
caller of its own (issue 98, point 3): the languages, the menu, the notice where "Get
help" keeps something - not her notice in her language at once -, and its "I agree" or
"No, thanks" are the stand-in's own (its "No, thanks" asks about what a new caller has:
"only your phone number and your language"), never hers; nothing of her request is said.
"My requests" asks her PIN or "#"; "#" ends the call; the bot calls her number (a second
baresip, her phone) and says what happened - "a moment ago someone called us and asked us
to call back at this number; if that was you, press 1" - naming nobody. Nothing the
caller agreed is carried into her call: for her, who never agreed, it begins with the
privacy notice - her consent is only her own "I agree" after hearing it. Her "2" ("it was
not me") records nothing.

Strangers asking for check calls from new numbers (choosing a PIN) spend only their share
of the city's hourly pool: her check comes at once, from the reserve, and the coordinators
are told that the strangers' share ran dry.

The order is the calls' events, never the clock."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.transports.phone.calls.callers_number import is_withheld
from bot.transports.phone.calls.dialling import CheckSettings
from bot.transports.phone.transport import Call, PhoneTransport
from bot.transports.phone.words.who_picked_up import QUESTION, question
from db import Database
from handlers.channels import CheckPoolDry, Profile
from handlers.dispatcher import Dispatcher
from handlers.messenger import backchannel_language
from handlers.numbers.call_notices import pool_dry
from handlers.numbers.caller_check import CALLING
from handlers.numbers.phone_pin import ASK, CHOOSE_PIN
from handlers.settings import HandlerSettings
from locales import translator
from tests.support.clock import Clock, daytime
from tests.support.desk_client import cora_at_the_desk, entered_for_erna, resident_form
from tests.support.sip.answers import answers_to
from tests.support.sip.calls import (
    GROUP,
    heard_texts,
    key_for,
    keys_answered,
    phone_line,
    until,
    voice_tone,
)
from tests.support.sip.fixtures import BOT_USER, PhoneFactory
from tests.support.sip.kamailio import HOST, KamailioServer

ERNA = "+492319876543"
SECRET = "Geheimer Einkauf am Hafen"


async def _entered_on_the_desk(db: Database, settings: HandlerSettings) -> int:
    """A request as /enter makes it, then Erna's number, name and language typed into the
    desk's resident form: the request is hers from now on. Its id."""
    async with cora_at_the_desk(db, settings) as (browser, base, cora):
        request = await entered_for_erna(db, cora, SECRET, "Erna, Tel. 0231 9876543")
        status, page = await resident_form(
            browser, base, request.id, number="0231 9876543", first_name="Erna", language="de"
        )
        assert status == 200, page
    return request.id


class Desk:
    """Erna entered on the desk, the bot's line, her phone and a caller with her number."""

    def __init__(
        self, phone: PhoneTransport, her_phone, caller, request_id: int, bot_uri: str
    ) -> None:
        self.phone, self.her_phone, self.caller = phone, her_phone, caller
        self.request_id, self.bot_uri = request_id, bot_uri
        self.spoken = heard_texts(phone)

    def hers(self) -> bool:
        """Whether anything of her request was said."""
        return any(SECRET in text or f"#{self.request_id}" in text for text in self.spoken)


async def _called_with_her_number(
    kamailio: KamailioServer,
    phones: PhoneFactory,
    dispatcher: Dispatcher,
    settings: HandlerSettings,
    tmp_path: Path,
) -> Desk:
    db = dispatcher.db
    request_id = await _entered_on_the_desk(db, settings)
    erna = await db.users.find("phone", ERNA)
    assert erna is not None and erna.consent_at is None and erna.first_name == "Erna"
    her_phone = await asyncio.to_thread(
        phones, ERNA, answer=True, says=voice_tone(tmp_path), pad_seconds=120
    )
    phone: PhoneTransport = await phone_line(
        dispatcher, kamailio, tmp_path, calls_to=f"{HOST}:{her_phone.sip_port}"
    )
    caller = await asyncio.to_thread(phones, ERNA, says=voice_tone(tmp_path), pad_seconds=60)
    return Desk(phone, her_phone, caller, request_id, kamailio.uri(BOT_USER))


async def _pressed_then_called_back(desk: Desk, data: str) -> Call:
    """The caller with her number presses ``data`` on the notice: it waits for the
    call-back, asked for with "1"; her phone rings, the question, her "1". Her call, at
    its first words."""
    await _caller_asked(desk, data)
    await _asked_who(desk, "1")
    phone = desk.phone
    await until(lambda: [c for c in phone._calls.values() if c.chat_id == ERNA], "her call")
    (checked,) = [c for c in phone._calls.values() if c.chat_id == ERNA]
    await until(lambda: answers_to(checked) >= 1, "her call's first words")
    assert checked.caller.checked and not checked.caller.claimed
    return checked


async def _caller_asked(desk: Desk, data: str) -> None:
    """The caller with her number answers the notice with ``data`` (the stand-in's own),
    then asks for her requests: her PIN or "#", and "#" asks for the call-back; the bot
    hangs up, nothing given or refused for her."""
    phone, caller, spoken, t = desk.phone, desk.caller, desk.spoken, translator("de")
    db = phone.city_ports.db
    await asyncio.to_thread(caller.dial, desk.bot_uri)
    await asyncio.to_thread(caller.wait_for, "CALL_ESTABLISHED")
    await until(lambda: phone._calls, "the call came")
    (call,) = phone._calls.values()
    await until(lambda: answers_to(call) == 1, "the languages, as for any new caller")
    # Not taken as Erna: a stand-in of its own, though she never agreed to anything.
    assert call.caller.claimed == ERNA and is_withheld(call.chat_id)
    for press in ("lang:de", "menu:help", data):
        await keys_answered(caller, call, await key_for(phone, call, press))
    if data == "consent:no":  # the stand-in's question, as a new caller's: kept nothing
        assert any("bisher nur Ihre" in text for text in spoken)
        await keys_answered(caller, call, await key_for(phone, call, "delete:no"))
        await keys_answered(caller, call, await key_for(phone, call, "consent:yes"))
    stand_in = await db.users.find("phone", call.chat_id)
    assert stand_in is not None and not phone.calling.outcomes
    await keys_answered(caller, call, await key_for(phone, call, "hr:mine"))
    assert spoken[-1] == t._(ASK)
    await keys_answered(caller, call, "#")
    assert spoken[-1] == t._(CALLING)
    await asyncio.to_thread(caller.wait_for, "CALL_CLOSED")  # the bot hung up
    erna = await db.users.find("phone", ERNA)
    assert erna is not None and erna.consent_at is None  # nothing given or refused for her
    request = await db.requests.get(desk.request_id)
    assert request is not None and request.requester_id == erna.id
    assert request.state == "open"
    assert not desk.hers()


async def _asked_who(desk: Desk, key: str) -> None:
    """Her phone rings: what happened first - someone called and asked to be called back
    at this number - naming nobody (whoever holds the phone may not be her); her ``key``."""
    await asyncio.to_thread(desk.her_phone.wait_for, "CALL_ESTABLISHED")
    t = translator("de")
    told = str(t.t(QUESTION))
    await until(lambda: told in desk.spoken, "what happened, naming nobody")
    assert not any("Erna" in text for text in desk.spoken)
    # Not a call-back's "a call for the person who asked us for help": what happened.
    assert str(question(t, "").text) not in desk.spoken
    await asyncio.to_thread(desk.her_phone.press, key)


async def _hears_the_notice(desk: Desk, checked: Call) -> None:
    """Her call begins with what the call asked to see - for her, who never agreed, the
    privacy notice first: nothing the caller agreed is hers (no consent, no question of
    erasure, no PIN)."""
    assert await key_for(desk.phone, checked, "consent:yes")
    assert not any("Alle Ihre Daten löschen" in text for text in desk.spoken)
    erna = await desk.phone.city_ports.db.users.find("phone", ERNA)
    assert erna is not None and erna.consent_at is None
    request = await desk.phone.city_ports.db.requests.get(desk.request_id)
    assert request is not None and request.requester_id == erna.id
    assert request.state == "open"


async def _ended(desk: Desk, outcomes: list) -> None:
    await asyncio.to_thread(desk.her_phone.hangup)
    await until(lambda: desk.phone.calling.outcomes == outcomes, "the call ended")


async def test_a_caller_with_her_number_agrees_for_nobody_she_agrees_herself(
    kamailio: KamailioServer,
    phones: PhoneFactory,
    dispatcher: Dispatcher,
    settings: HandlerSettings,
    tmp_path: Path,
):
    desk = await _called_with_her_number(kamailio, phones, dispatcher, settings, tmp_path)
    try:
        checked = await _pressed_then_called_back(desk, "consent:yes")
        await _hears_the_notice(desk, checked)  # the caller's "I agree" is not hers
        await keys_answered(
            desk.her_phone, checked, await key_for(desk.phone, checked, "consent:yes")
        )
        erna = await dispatcher.db.users.find("phone", ERNA)
        assert erna is not None and erna.consent_at is not None  # her own, after the notice
        await _ended(desk, [(ERNA, "heard")])
    finally:
        await desk.phone.stop()


async def test_no_thanks_with_her_number_erases_nothing_she_is_asked_all_her_data(
    kamailio: KamailioServer,
    phones: PhoneFactory,
    dispatcher: Dispatcher,
    settings: HandlerSettings,
    tmp_path: Path,
):
    desk = await _called_with_her_number(kamailio, phones, dispatcher, settings, tmp_path)
    db = dispatcher.db
    try:
        checked = await _pressed_then_called_back(desk, "consent:no")
        # Not asked to erase anything: the caller's "No, thanks" is not hers either.
        await _hears_the_notice(desk, checked)
        assert not any("Alle Ihre Daten löschen" in text for text in desk.spoken)
        erna = await db.users.find("phone", ERNA)
        assert erna is not None and erna.language == "de" and erna.first_name == "Erna"
        await _ended(desk, [(ERNA, "heard")])
    finally:
        await desk.phone.stop()


async def test_she_did_not_call_her_no_records_nothing(
    kamailio: KamailioServer,
    phones: PhoneFactory,
    dispatcher: Dispatcher,
    settings: HandlerSettings,
    tmp_path: Path,
):
    """Told that someone called from her number, she says it was not her: nothing of the
    caller's "I agree" is hers, her call ends."""
    desk = await _called_with_her_number(kamailio, phones, dispatcher, settings, tmp_path)
    try:
        await _caller_asked(desk, "consent:yes")
        await _asked_who(desk, "2")
        await asyncio.to_thread(desk.her_phone.wait_for, "CALL_CLOSED")  # the bot hung up
        await until(lambda: desk.phone.calling.outcomes == [(ERNA, "not them")], "not them")
        assert not [c for c in desk.phone._calls.values() if c.chat_id == ERNA]
        erna = await dispatcher.db.users.find("phone", ERNA)
        assert erna is not None and erna.consent_at is None
        assert not desk.hers()
    finally:
        await desk.phone.stop()


STRANGER, ANOTHER = "+4923155591", "+4923155592"


async def test_strangers_asking_for_pins_do_not_put_off_her_check(
    kamailio: KamailioServer,
    phones: PhoneFactory,
    dispatcher: Dispatcher,
    settings: HandlerSettings,
    tmp_path: Path,
):
    """Two check calls an hour, half of them a reserve: a stranger's check from a new
    number (choosing a PIN) spent the strangers' share; the next stranger's waits for the
    next hour and the coordinators are told - and her check, asked for by the call with
    her number, still comes in a moment."""
    desk = await _called_with_her_number(kamailio, phones, dispatcher, settings, tmp_path)
    checks = desk.phone.checks
    clock = Clock(daytime(10))
    checks.clock = desk.phone.calling.clock = clock
    checks.settings = CheckSettings(per_day=4, per_hour=2, reserve_percent=50)
    now = clock()
    try:
        # A stranger's check placed this hour: neither number has anything to protect.
        assert not await checks.protects(STRANGER) and not await checks.protects(ANOTHER)
        assert await checks._count(STRANGER, now, False)
        assert not await checks._count(ANOTHER, now, False)  # the rest is the reserve
        later = await checks.ask(ANOTHER, CHOOSE_PIN, Profile())
        assert later == now.replace(hour=11)
        # The coordinators are told the strangers' share of the hour ran dry.
        (told,) = await dispatcher.db.outbox.waiting("memory", GROUP, now)
        dry = pool_dry(backchannel_language(), CheckPoolDry("phone", "hour", True, 1))
        assert told.payload["text"].startswith(str(dry.text))
        # Who used today's checks, by name: numbers of nobody here, never a number.
        assert STRANGER not in told.payload["text"]

        # Her number is claimed: her check is placed at once, from the reserve.
        await _caller_asked(desk, "consent:yes")
        await _asked_who(desk, "1")
        await until(lambda: [c for c in desk.phone._calls.values() if c.chat_id == ERNA], "her")
        await _ended(desk, [(ERNA, "heard")])
    finally:
        await desk.phone.stop()
