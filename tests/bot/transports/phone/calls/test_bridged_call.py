"""A helper's call with a phone resident that hides both numbers (bridging.py): the helper
(the memory chat) presses "📞 Call the resident" in the main menu, gives their number
once, and the bot calls the helper's phone, then the resident's, through Kamailio - both
baresip phones registered under their numbers, each playing a tone of its own all along
as its voice. The resident is asked first, as in every call the bot makes ("if you are
..., press 1"), then offered the talk: "1", "1", and from then on each phone hears the
other's tone (nothing else is played to them after the bridge); the resident hangs up and
the helper's call ends too. With two lines both calls are made on one line (its
conference bridge). A "just talk" request from a number never checked (a first-time
caller's, whose caller ID may be anyone's): whoever answers there and says "2", not them,
is never connected to the volunteer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.city_service import composed
from bot.transports.phone.calls.outbox_calls import CallBackSettings
from bot.transports.phone.sip.line_pool import SPAN
from bot.transports.phone.transport import PhoneTransport
from bot.transports.registry import Attachment, named
from db import Database
from handlers.context import Backstage
from handlers.helping import lifecycle
from handlers.helping.bridged_calls import STATE
from handlers.settings import OfferRules
from locales import SUPPORTED_LANGUAGES
from tests.support.clock import Clock, daytime
from tests.support.help_story import grant_role_to, matched_through_lifecycle, register_volunteer
from tests.support.helping_people import verified_volunteer
from tests.support.memory_transport import MemoryTransport, button_data, texts
from tests.support.sip.answers import answers_to
from tests.support.sip.audio import Segment, segments, write_tone
from tests.support.sip.baresip import BaresipCaller
from tests.support.sip.calls import key_for, keys_answered, proven_at_the_menu, until
from tests.support.sip.fixtures import (
    BOT_PASSWORD,
    BOT_USER,
    PHONE_PASSWORD,
    PhoneFactory,
    bot_account,
)
from tests.support.sip.kamailio import KamailioServer
from tests.support.sip.tone_engine import tone_prompts

HELPER = "+491701234567"
HELPER_TYPED = "0170 1234567"
RESIDENT = "+492319876543"
# Each phone's voice: a tone of its own for longer than the test (baresip ends a call when
# its WAV runs out).
TONE_SECONDS = 300
# Heard after the bridge, to count as the other side's voice.
HEARD_SECONDS = 1.5


@pytest.fixture(scope="module")
def kamailio() -> Iterator[KamailioServer]:
    """The phones register under their numbers (E.164)."""
    users = {BOT_USER: BOT_PASSWORD, HELPER: PHONE_PASSWORD, RESIDENT: PHONE_PASSWORD}
    server = KamailioServer(users=users)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def _phone(phones: PhoneFactory, number: str, tone: Path) -> BaresipCaller:
    return await asyncio.to_thread(
        phones, number, register=True, answer=True, says=tone, pad_seconds=1
    )


async def _phones(phones: PhoneFactory, folder: Path) -> tuple[BaresipCaller, BaresipCaller]:
    """The helper's and the resident's phones, each saying a tone of its own."""
    helper = await _phone(phones, HELPER, write_tone(folder / "h.wav", TONE_SECONDS))
    tone = write_tone(folder / "r.wav", TONE_SECONDS, frequency=620)
    return helper, await _phone(phones, RESIDENT, tone)


async def _bot(
    story: MemoryTransport, kamailio: KamailioServer, lines: int, *, espeak: bool = False
) -> PhoneTransport:
    """The bot's phone line; its prompts are tones as long as their words
    (tests/support/sip/tone_engine.py), or eSpeak NG's speech (``espeak``)."""
    settings = bot_account(kamailio, outbound_proxy=kamailio.registrar_uri)
    bot = PhoneTransport(
        story.dispatcher.ports,
        settings,
        calling_back=CallBackSettings(domain=kamailio.domain, ring_seconds=20),
        clock=Clock(daytime(10)),
        lines=lines,
        prompts=None if espeak else tone_prompts(settings.clock_rate),
        voices=frozenset() if espeak else frozenset(SUPPORTED_LANGUAGES),
    )
    # Wired into the city as bot/city_service.py does: the features get its call port.
    named("phone").attach(bot, Attachment(None, None, slug="dortmund", is_main=True))
    story.dispatcher.settings = composed(story.dispatcher.settings, [bot])
    await bot.connect()
    await asyncio.wait_for(bot.registered.wait(), 20)
    return bot


async def _taken_request(story: MemoryTransport, db: Database) -> int:
    """Vera (the memory chat) helps with the request of a phone resident."""
    vera = await register_volunteer(story, db, "vera", "de")
    await story.onboard("cora", "de")
    cora = await grant_role_to(db, "cora", "coordinator")
    await story.in_group("cora", _verify(vera))
    resident = await db.users.seen("phone", RESIDENT, RESIDENT, "")
    await db.users.set_language(resident.id, "de")
    await db.users.record_consent(resident.id)
    return await matched_through_lifecycle(db, story.dispatcher.settings, resident.id, vera, cora)


def _verify(user_id: int):
    from handlers.messages import Command

    return Command("verify", str(user_id))


class Bridged:
    """Where each phone's recording stood when the bot bridged the calls."""

    def __init__(self, bot: PhoneTransport, helper: BaresipCaller, resident: BaresipCaller):
        self.done = asyncio.Event()
        self.marks: dict[str, float] = {}
        self.ids: list[int] = []
        self.went = False
        self.called: list[str] = []  # whom the bot called, in order
        bridge, make_call = bot.stack.bridge, bot.stack.make_call

        def made(uri: str, listener, **more):  # type: ignore[no-untyped-def]
            self.called.append(uri.removeprefix("sip:").split("@")[0])
            return make_call(uri, listener, **more)

        bot.stack.make_call = made  # type: ignore[method-assign]

        async def bridged(call_id: int, other_id: int) -> bool:
            self.ids = [call_id, other_id]
            self.went = went = bool(await bridge(call_id, other_id))
            self.marks = {
                "helper": (await asyncio.to_thread(helper.hearing))[1],
                "resident": (await asyncio.to_thread(resident.hearing))[1],
            }
            self.done.set()
            return went

        bot.stack.bridge = bridged  # type: ignore[method-assign]


async def _heard_after(phone: BaresipCaller, mark: float) -> list[Segment]:
    """The sound the phone heard after ``mark``, once its recording has
    ``HEARD_SECONDS`` of it - or, where it has not, once the recording has run three times
    as long (the audio itself is the clock; the timeout only guards against a hung test).
    On a busy machine a bridged call's sound comes with gaps (a CI run at load 5 heard 1.28
    of 1.5 s); a bridge that stops carrying it still shows within the longer recording."""
    async with asyncio.timeout(60):
        while True:
            found, seconds = await asyncio.to_thread(phone.hearing)
            after = [s for s in found if s.end > mark + 0.3]
            enough = sum(s.seconds for s in after) >= HEARD_SECONDS - 0.2
            if seconds >= mark + HEARD_SECONDS + 0.5 and (
                enough or seconds >= mark + 3 * HEARD_SECONDS + 0.5
            ):
                return after
            await asyncio.sleep(0.1)


async def _call_through(
    story: MemoryTransport, db: Database, kamailio: KamailioServer, helper: BaresipCaller,
    resident: BaresipCaller, lines: int,
) -> tuple[PhoneTransport, Bridged, int]:  # fmt: skip
    request_id = await _taken_request(story, db)
    bot = await _bot(story, kamailio, lines)
    try:
        return bot, await _to_the_bridge(story, db, bot, request_id, helper, resident), request_id
    except BaseException:
        await bot.stop()
        raise


async def _to_the_bridge(
    story: MemoryTransport, db: Database, bot: PhoneTransport, request_id: int,
    helper: BaresipCaller, resident: BaresipCaller,
) -> Bridged:  # fmt: skip
    """The helper asks for the call in the chat; both phones answer, the resident presses
    1 to the question and 1 to talk."""
    bridged = Bridged(bot, helper, resident)
    menu = await story.press("vera", "menu:main")
    assert f"bc:call:{request_id}" in button_data(menu)
    asked = await story.press("vera", f"bc:call:{request_id}")
    assert "0231" in texts(asked)  # asked for a number, nothing called yet
    assert bot.bridging.outcomes == [] and not bridged.ids
    bad = await story.text("vera", "12")
    assert (await db.users.get_state(await _vera(db))).state == STATE, texts(bad)
    assert await db.call_numbers.get(await _vera(db)) is None
    await story.text("vera", HELPER_TYPED)
    assert await db.call_numbers.get(await _vera(db)) == HELPER
    # The helper's phone rings first, then the resident's: the resident presses 1 (it is
    # them), then 1 (to talk).
    await asyncio.to_thread(helper.wait_for, "CALL_ESTABLISHED", timeout=30)
    await asyncio.to_thread(resident.wait_for, "CALL_ESTABLISHED", timeout=30)
    await asyncio.to_thread(resident.press, "11")
    await asyncio.wait_for(bridged.done.wait(), 60)
    assert bridged.went, bot.bridging.outcomes
    assert bridged.called == [HELPER, RESIDENT]
    return bridged


async def _vera(db: Database) -> int:
    user = await db.users.find("memory", "vera")
    assert user is not None
    return user.id


async def test_the_helper_and_the_resident_hear_each_other_and_one_hanging_up_ends_both(
    kamailio: KamailioServer,
    phones: PhoneFactory,
    story: MemoryTransport,
    db: Database,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
):
    caplog.set_level(logging.DEBUG)
    helper, resident = await _phones(phones, tmp_path)
    bot, bridged, request_id = await _call_through(story, db, kamailio, helper, resident, 1)
    try:
        helper_heard = await _heard_after(helper, bridged.marks["helper"])
        resident_heard = await _heard_after(resident, bridged.marks["resident"])
        closed = len(helper.events)
        await asyncio.to_thread(resident.hangup)
        await asyncio.to_thread(helper.wait_for, "CALL_CLOSED", after=closed, timeout=30)
        await bot.bridging.settled()
    finally:
        await bot.stop()
    # Each heard the other's tone after the bridge, all along.
    assert sum(s.seconds for s in helper_heard) >= HEARD_SECONDS - 0.2, helper_heard
    assert sum(s.seconds for s in resident_heard) >= HEARD_SECONDS - 0.2, resident_heard
    assert bot.bridging.outcomes == [(request_id, "talked")]
    # No number in the bot's log; neither number reached the other phone (the bot called
    # each from its own account).
    assert HELPER not in caplog.text and RESIDENT not in caplog.text
    assert HELPER not in resident.log_text() and RESIDENT not in helper.log_text()


async def test_with_two_lines_both_calls_are_made_on_one_line(
    kamailio: KamailioServer,
    phones: PhoneFactory,
    story: MemoryTransport,
    db: Database,
    tmp_path: Path,
):
    helper, resident = await _phones(phones, tmp_path)
    bot, bridged, request_id = await _call_through(story, db, kamailio, helper, resident, 2)
    try:
        heard = await _heard_after(helper, bridged.marks["helper"])
        closed = len(resident.events)
        await asyncio.to_thread(helper.hangup)
        await asyncio.to_thread(resident.wait_for, "CALL_CLOSED", after=closed, timeout=30)
        await bot.bridging.settled()
    finally:
        await bot.stop()
    first, second = bridged.ids
    assert first // SPAN == second // SPAN
    assert sum(s.seconds for s in heard) >= HEARD_SECONDS - 0.2, heard
    assert bot.bridging.outcomes == [(request_id, "talked")]


async def test_a_resident_who_cannot_be_reached_is_said_to_the_helper_and_told_in_the_chat(
    kamailio: KamailioServer,
    phones: PhoneFactory,
    story: MemoryTransport,
    db: Database,
    tmp_path: Path,
):
    # Only the helper's phone is there: Kamailio knows nobody under the resident's number.
    helper = await _phone(phones, HELPER, write_tone(tmp_path / "h.wav", TONE_SECONDS))
    request_id = await _taken_request(story, db)
    await db.call_numbers.set(await _vera(db), HELPER)
    # Spoken words: the two prompts are heard apart (tones could run into one another).
    bot = await _bot(story, kamailio, 1, espeak=True)
    try:
        await story.press("vera", f"bc:call:{request_id}")
        await asyncio.to_thread(helper.wait_for, "CALL_ESTABLISHED", timeout=30)
        # The bot says so to the helper, then hangs up.
        await asyncio.to_thread(helper.wait_for, "CALL_CLOSED", timeout=60)
        await bot.bridging.settled()
    finally:
        await bot.stop()
    assert bot.bridging.outcomes == [(request_id, "no answer")]
    heard = await asyncio.to_thread(helper.heard)
    assert len(segments(heard)) >= 2  # "please wait", then "cannot be reached"
    await story.flush()
    assert "📵" in story.received("vera")


async def _talk_request(story: MemoryTransport, db: Database, caller_id: int) -> int:
    """Vera, on a talk shift with her number given, takes the caller's "just talk" request
    (published by Cora): the lifecycle starts the bridged call. The request's id."""
    request_id = await _talk_request_offered(story, db, caller_id)
    await story.press("vera", f"mt:acc:{request_id}")
    return request_id


async def _talk_request_offered(story: MemoryTransport, db: Database, caller_id: int) -> int:
    """The caller's "just talk" request, published by Cora and offered to Vera (on a talk
    shift, her number given), not taken yet. The request's id."""
    await story.onboard("vera", "de")
    vera = await _vera(db)
    await verified_volunteer(
        db, vera, kinds=("talk",), talk_shift=("wd-am", "wd-pm", "wd-ev", "we-am", "we-pm", "we-ev")
    )
    await db.call_numbers.set(vera, HELPER)
    await story.onboard("cora", "de")
    cora = await grant_role_to(db, "cora", "coordinator")
    story.dispatcher.settings = replace(
        story.dispatcher.settings, offer_rules=OfferRules(), clock=Clock(daytime(10))
    )
    scene = Backstage(db, story.dispatcher.settings)
    async with db.transaction():
        request = await lifecycle.submit(
            scene,
            await db.users.get(caller_id),
            {
                "category": "talk",
                "description": "Ich möchte ein bisschen reden",
                "stadtbezirk": "Innenstadt-Nord",
                "lat": 51.523,
                "lon": 7.456,
                "languages": ("de",),
            },
        )
        await lifecycle.publish(scene, await db.users.get(cora), request.id)
    assert vera in await db.volunteers.offered(request.id)
    return request.id


async def test_a_first_time_numbers_talk_request_never_connects_whoever_answers(
    kamailio: KamailioServer,
    phones: PhoneFactory,
    story: MemoryTransport,
    db: Database,
    tmp_path: Path,
):
    """A caller whose number was new asked to "just talk" (a caller ID anyone may set):
    Vera, on a talk shift, takes it and the bot calls her and that number - whoever answers
    there is asked first; "2", not them, and nobody is connected: Vera's chat is told."""
    helper, resident = await _phones(phones, tmp_path)
    caller = await db.users.seen("phone", RESIDENT, RESIDENT, "")  # as a first call leaves it
    await db.users.set_language(caller.id, "de")
    await db.users.record_consent(caller.id)
    bot = await _bot(story, kamailio, 1)
    bridged = Bridged(bot, helper, resident)
    try:
        request_id = await _talk_request(story, db, caller.id)
        # Vera's phone rings, then the caller's number: someone else answers there.
        await asyncio.to_thread(helper.wait_for, "CALL_ESTABLISHED", timeout=30)
        await asyncio.to_thread(resident.wait_for, "CALL_ESTABLISHED", timeout=30)
        await asyncio.to_thread(resident.press, "2")
        await asyncio.to_thread(helper.wait_for, "CALL_CLOSED", timeout=60)
        await bot.bridging.settled()
    finally:
        await bot.stop()
    assert bot.bridging.outcomes == [(request_id, "not them")]
    assert bridged.called == [HELPER, RESIDENT] and not bridged.ids  # never connected
    await story.flush()
    assert "jemand anderes abgenommen" in story.received("vera")


@pytest.mark.parametrize("lines", [1, 2])
async def test_a_talk_request_whose_caller_is_on_the_line_is_connected_into_that_call(
    kamailio: KamailioServer,
    phones: PhoneFactory,
    story: MemoryTransport,
    db: Database,
    tmp_path: Path,
    lines: int,
):
    """The caller, her call hers by her PIN (every call from a number is a stand-in until
    it is checked, handlers/numbers/caller_check.py), is still on the line when Vera takes
    her "just talk" request: Vera's phone rings and she is connected into that call - the number is
    never rung (whoever holds it may not be the caller). With two lines Vera's call is made
    on the caller's line."""
    helper = await _phone(phones, HELPER, write_tone(tmp_path / "h.wav", TONE_SECONDS))
    tone = write_tone(tmp_path / "r.wav", TONE_SECONDS, frequency=620)
    caller = await asyncio.to_thread(phones, RESIDENT, says=tone, pad_seconds=1)
    person = await db.users.seen("phone", RESIDENT, RESIDENT, "")  # as a first call leaves it
    await db.users.set_language(person.id, "de")
    await db.users.record_consent(person.id)
    bot = await _bot(story, kamailio, lines)
    bridged = Bridged(bot, helper, caller)
    try:
        await asyncio.to_thread(caller.dial, kamailio.uri(BOT_USER))
        await asyncio.to_thread(caller.wait_for, "CALL_ESTABLISHED", timeout=30)
        await until(lambda: bot._calls, "the call came")
        (call,) = bot._calls.values()
        await until(lambda: answers_to(call), "the languages said")
        # Every call from a number is a stand-in until it is checked: her PIN makes it hers.
        await keys_answered(caller, call, await key_for(bot, call, "lang:de"))
        await proven_at_the_menu(bot, caller, call)
        assert call.chat_id == RESIDENT and not call.caller.claimed  # the number's own person
        request_id = await _talk_request(story, db, person.id)
        await asyncio.to_thread(helper.wait_for, "CALL_ESTABLISHED", timeout=30)
        await until(lambda: call.handed is not None, "the offer said in the caller's call")
        await asyncio.to_thread(caller.press, "1")
        await asyncio.wait_for(bridged.done.wait(), 60)
        assert bridged.went and bridged.ids == [bridged.ids[0], call.call_id]
        assert bridged.ids[0] // SPAN == call.call_id // SPAN  # one line's bridge
        heard = await _heard_after(helper, bridged.marks["helper"])
        closed = len(helper.events)
        await asyncio.to_thread(caller.hangup)
        await asyncio.to_thread(helper.wait_for, "CALL_CLOSED", after=closed, timeout=30)
        await bot.bridging.settled()
    finally:
        await bot.stop()
    assert bridged.called == [HELPER]  # the caller's number was never rung
    assert sum(s.seconds for s in heard) >= HEARD_SECONDS - 0.2, heard
    assert bot.bridging.outcomes == [(request_id, "talked")]


async def test_a_second_call_from_the_callers_number_never_takes_her_place(
    kamailio: KamailioServer,
    phones: PhoneFactory,
    story: MemoryTransport,
    db: Database,
    tmp_path: Path,
):
    """The caller is on the line when her "just talk" request is offered; then a second
    call comes with her number as its caller ID (anyone can send it). It is a stand-in of
    its own (she has a request now, handlers/numbers/caller_check.py), and it never takes
    her call's place among the calls a number is found by: Vera, taking the request, is
    still connected into the caller's own call, and no number is rung (before, the second
    call replaced hers under the number and its renaming then dropped both, so her number
    was rung while she was busy on the line)."""
    helper = await _phone(phones, HELPER, write_tone(tmp_path / "h.wav", TONE_SECONDS))
    tone = write_tone(tmp_path / "r.wav", TONE_SECONDS, frequency=620)
    caller = await asyncio.to_thread(phones, RESIDENT, says=tone, pad_seconds=1)
    spoofer = await asyncio.to_thread(phones, RESIDENT, says=tone, pad_seconds=1)
    person = await db.users.seen("phone", RESIDENT, RESIDENT, "")
    await db.users.set_language(person.id, "de")
    await db.users.record_consent(person.id)
    bot = await _bot(story, kamailio, 1)
    bridged = Bridged(bot, helper, caller)
    try:
        await asyncio.to_thread(caller.dial, kamailio.uri(BOT_USER))
        await asyncio.to_thread(caller.wait_for, "CALL_ESTABLISHED", timeout=30)
        await until(lambda: bot._calls, "the call came")
        (call,) = bot._calls.values()
        await until(lambda: answers_to(call), "the languages said")
        await keys_answered(caller, call, await key_for(bot, call, "lang:de"))
        await proven_at_the_menu(bot, caller, call)  # her PIN: the call is hers
        request_id = await _talk_request_offered(story, db, person.id)
        await asyncio.to_thread(spoofer.dial, kamailio.uri(BOT_USER))
        await asyncio.to_thread(spoofer.wait_for, "CALL_ESTABLISHED", timeout=30)
        await until(lambda: len(bot._calls) == 2, "the second call came")
        (second,) = (other for other in bot._calls.values() if other is not call)
        await until(lambda: second.caller.claimed == RESIDENT, "the second call taken as a claim")
        await story.press("vera", f"mt:acc:{request_id}")
        await asyncio.to_thread(helper.wait_for, "CALL_ESTABLISHED", timeout=30)
        await until(lambda: call.handed is not None, "the offer said in the caller's call")
        assert second.handed is None
        await asyncio.to_thread(caller.press, "1")
        await asyncio.wait_for(bridged.done.wait(), 60)
        assert bridged.went and bridged.ids == [bridged.ids[0], call.call_id]
        await asyncio.to_thread(caller.hangup)
        await bot.bridging.settled()
    finally:
        await bot.stop()
    assert bridged.called == [HELPER]  # the caller's number was never rung
