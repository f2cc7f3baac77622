"""A resident a coordinator entered on the desk is checked from the first call on
(handlers/numbers/caller_check.py ``claimed``: what a person has decides, never their consent).

A coordinator types Erna's number on the desk's resident form (the real web server, the
chat's login link): Erna is the phone person of that number, with a name, a language, a
running request - and no consent, she never called. Then baresip calls the bot through
Kamailio with her number as its caller ID (a claim anyone can make). The call is a stand-in
of its own: the privacy notice is said, but neither "No, thanks" (which would erase her,
request and all) nor "I agree" is taken for her - both wait for the call-back; nothing of
her request is said. "1" ends the call; the bot calls her number (a second baresip, her
phone), asks "if you are Erna, press 1", and after her own "1" what the caller pressed is
hers to answer: "I agree" is her agreement; "No, thanks" is the question of erasure as
/delete asks it - all her data, her request withdrawn - never "so far only your language".
The order is the calls' events, never the clock."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.transports.phone.calls.caller_id import is_withheld
from bot.transports.phone.transport import Call, PhoneTransport
from bot.transports.phone.words.who_answers import QUESTION
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.numbers.caller_check import CALLING, OFFER
from handlers.settings import HandlerSettings
from locales import translator
from tests.support.desk_client import log_in
from tests.support.memory_transport import MemoryTransport
from tests.support.sip.calls import (
    heard_texts,
    key_for,
    keys_answered,
    phone_line,
    until,
    voice_tone,
)
from tests.support.sip.fixtures import BOT_USER, PhoneFactory
from tests.support.sip.kamailio import HOST, KamailioServer
from tests.support.web_site import browser_session, csrf_of, serving

ERNA = "+492319876543"
SECRET = "Geheimer Einkauf am Hafen"


async def _entered_on_the_desk(db: Database, settings: HandlerSettings) -> int:
    """A request as /enter makes it, then Erna's number, name and language typed into the
    desk's resident form: the request is hers from now on. Its id."""
    async with serving(db, settings) as (site, base):
        chat = MemoryTransport(Dispatcher(db, build_router(), site.settings))
        async with browser_session(headers={"Accept-Language": "en"}) as browser:
            cora = await log_in(chat, db, browser)
            request = await db.requests.create(
                None,
                cora,
                state="open",
                entered_by=cora,
                category="shopping",
                description=SECRET,
                stadtbezirk="Innenstadt-Nord",
                languages=("de",),
                offline_contact="Erna, Tel. 0231 9876543",
            )
            async with browser.get(f"{base}/desk/requests/{request.id}") as page:
                token = csrf_of(await page.text())
            form = {"csrf": token, "number": "0231 9876543", "first_name": "Erna", "language": "de"}
            async with browser.post(f"{base}/desk/requests/{request.id}/phone", data=form) as r:
                assert r.status == 200, await r.text()
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
    call-back, asked for with "1"; her phone rings, the question, her "1". Her call."""
    phone, caller, spoken, t = desk.phone, desk.caller, desk.spoken, translator("de")
    db = phone.dispatcher.db
    await asyncio.to_thread(caller.dial, desk.bot_uri)
    await asyncio.to_thread(caller.wait_for, "CALL_ESTABLISHED")
    await until(lambda: phone._calls, "the call came")
    (call,) = phone._calls.values()
    await until(lambda: call.answers == 1, "the privacy notice, in German at once")
    # Not taken as Erna: a stand-in of its own, though she never agreed to anything.
    assert call.claimed == ERNA and is_withheld(call.chat_id)
    await keys_answered(caller, call, await key_for(phone, call, data))
    assert spoken[-1] == t._(OFFER)
    await keys_answered(caller, call, "#")  # back: the notice again, nothing called
    stand_in = await db.users.find("phone", call.chat_id)
    assert stand_in is not None and not phone.calling.outcomes
    state = await db.users.get_state(stand_in.id)
    assert state is None or state.state != "check"
    await keys_answered(caller, call, await key_for(phone, call, data))
    assert spoken[-1] == t._(OFFER)
    await keys_answered(caller, call, "1")
    assert spoken[-1] == t._(CALLING)
    await asyncio.to_thread(caller.wait_for, "CALL_CLOSED")  # the bot hung up
    erna = await db.users.find("phone", ERNA)
    assert erna is not None and erna.consent_at is None  # nothing given or refused for her
    request = await db.requests.get(desk.request_id)
    assert request is not None and request.requester_id == erna.id
    assert request.state == "open"
    assert not desk.hers()

    # Her phone rings: the question first (naming nobody: whoever holds the phone may not be
    # her), then what waited, hers to answer (no PIN offered before she agreed).
    await asyncio.to_thread(desk.her_phone.wait_for, "CALL_ESTABLISHED")
    question = str(t.t(QUESTION))
    await until(lambda: question in spoken, "the question, naming nobody")
    assert not any("Erna" in text for text in spoken)
    said = len(spoken)
    await asyncio.to_thread(desk.her_phone.press, "1")
    await until(lambda: [c for c in phone._calls.values() if c.chat_id == ERNA], "her call")
    (checked,) = [c for c in phone._calls.values() if c.chat_id == ERNA]
    await until(lambda: checked.answers >= 1 and len(spoken) > said, "what waited, answered")
    assert checked.checked and not checked.claimed
    return checked


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
        await _pressed_then_called_back(desk, "consent:yes")
        erna = await dispatcher.db.users.find("phone", ERNA)
        assert erna is not None and erna.consent_at is not None  # her own "1"
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
        # Asked as /delete asks: all her data, her requests withdrawn - not "only your
        # language", which was never true of her.
        asked = desk.spoken[-1]
        assert "Alle Ihre Daten löschen" in asked and "Anfragen" in asked, asked
        assert not any("bisher nur Ihre" in text for text in desk.spoken)
        await keys_answered(
            desk.her_phone, checked, await key_for(desk.phone, checked, "delete:no")
        )
        erna = await db.users.find("phone", ERNA)
        assert erna is not None and erna.consent_at is None
        request = await db.requests.get(desk.request_id)
        assert request is not None and request.requester_id == erna.id
        assert request.state == "open"
        await _ended(desk, [(ERNA, "heard")])
    finally:
        await desk.phone.stop()
