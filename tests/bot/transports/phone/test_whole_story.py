"""The whole help story with one phone resident, in real calls through Kamailio (baresip
is the resident's phone, its voice a tone all through each call; the bot's words are the
tone engine's, test_prompts.py, so that the words said are known and no prompt is long):

1. Erna calls, chooses German, agrees, asks for help: shopping, the description spoken
   after the tone, the postcode 44147 typed, as soon as possible, sent - in review.
2. A coordinator publishes it through the lifecycle (as the group's or desk's button
   would); Vera, a volunteer offered it, presses "I can help" (handlers/helping/offers.py
   through the dispatcher) and writes to Erna.
3. The bot calls Erna back: she hears who comes (Vera), the code word and Vera's message,
   presses "2" and answers after the tone; Vera's chat gets the voice message.
4. Erna calls again, goes to Settings, "Delete my data", "Yes, delete everything": no row
   of the database holds her number or her recordings, and her recordings' files go.

Every step waits for the call's events (answers said, the recording begun, the caller
heard), never for a time."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from bot.delivery import OutboxWorker
from bot.speech.turns import Turns
from bot.transports.phone.callbacks import BERLIN, Policy
from bot.transports.phone.calling import CallBackSettings
from bot.transports.phone.person import CallSettings
from bot.transports.phone.prompts import Prompts
from bot.transports.phone.recording import RECORDINGS
from bot.transports.phone.stack import StackSettings
from bot.transports.phone.transport import Call, PhoneTransport
from db import Database
from db.statements import fetch_all
from handlers.helping import lifecycle
from handlers.messages import Command
from locales import SUPPORTED_LANGUAGES, translator
from tests.bot.transports.phone.test_calling_back import Clock, Saying, _hang_up
from tests.bot.transports.phone.test_prompts import ToneEngine
from tests.bot.transports.phone.test_recordings import (
    _answered,
    _number,
    _offered,
    _spoken,
    _until,
)
from tests.support.help_story import grant_role_to, register_volunteer
from tests.support.memory_transport import MemoryTransport
from tests.support.sip.audio import segments, write_tone
from tests.support.sip.baresip import BaresipCaller
from tests.support.sip.fixtures import BOT_PASSWORD, BOT_USER, PhoneFactory
from tests.support.sip.kamailio import HOST, KamailioServer

ERNA = "+492319876543"
SAID = "Ich komme um drei, bis gleich!"


async def _bot(
    story: MemoryTransport, kamailio: KamailioServer, erna: BaresipCaller, tmp_path: Path
) -> tuple[PhoneTransport, ToneEngine]:
    dispatcher = story.dispatcher
    dispatcher.settings = replace(dispatcher.settings, heard_platforms=frozenset({"phone"}))
    engine = ToneEngine()
    settings = StackSettings(
        bind=HOST,
        registrar=kamailio.registrar_uri,
        user=BOT_USER,
        password=BOT_PASSWORD,
        outbound_proxy=kamailio.registrar_uri,
    )
    bot = PhoneTransport(
        dispatcher,
        settings,
        prompts=Prompts(engine, Turns(1), rate=16000),
        voices=frozenset(SUPPORTED_LANGUAGES),
        # Erna's phone is called at its own address, as a trunk would pass the call on.
        calling_back=CallBackSettings(
            domain=f"{HOST}:{erna.sip_port}", ring_seconds=20, policy=Policy(quiet=None)
        ),
        in_call=CallSettings(recordings=tmp_path / "recordings", quiet_seconds=30),
    )
    await bot.connect()
    await asyncio.wait_for(bot.registered.wait(), 20)
    return bot, engine


async def _calls_in(bot: PhoneTransport, erna: BaresipCaller, kamailio: KamailioServer) -> Call:
    calls = set(bot._calls)
    await asyncio.to_thread(erna.dial, kamailio.uri(BOT_USER))
    await _until(lambda: set(bot._calls) - calls, "the call came")
    (call_id,) = set(bot._calls) - calls
    call = bot._calls[call_id]
    await _until(lambda: call.answers == 1, "the first answer said")
    return call


async def _hangs_up(erna: BaresipCaller, call: Call) -> None:
    closed = len(erna.events)
    await asyncio.to_thread(erna.hangup)
    await asyncio.to_thread(erna.wait_for, "CALL_CLOSED", after=closed)
    await _until(lambda: call.gone, "the bot saw the end")


async def _holding(db: Database, needles: set[str]) -> list[str]:
    """The tables with a row that holds one of ``needles``."""
    tables = await fetch_all(db.outbox._tx, "SELECT name FROM sqlite_master WHERE type='table'")
    found = []
    for (table,) in tables:
        for row in await fetch_all(db.outbox._tx, f'SELECT * FROM "{table}"'):
            if any(needle in str(value) for value in row for needle in needles):
                found.append(table)
                break
    return found


async def test_one_phone_resident_from_call_to_erasure(
    kamailio: KamailioServer,
    phones: PhoneFactory,
    story: MemoryTransport,
    db: Database,
    tmp_path: Path,
):
    clock = Clock(datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN))
    vera = await register_volunteer(story, db, "vera", "de")
    await story.onboard("cora", "de")
    cora = await grant_role_to(db, "cora", "coordinator")
    await story.in_group("cora", Command("verify", str(vera)))
    voice = write_tone(tmp_path / "voice.wav", 200.0)
    erna = await asyncio.to_thread(phones, ERNA, answer=True, says=voice, pad_seconds=300)
    bot, engine = await _bot(story, kamailio, erna, tmp_path)
    spoken: list[str] = []
    speak = bot.calling.speak

    async def listening(text: str, lang: str):
        spoken.append(text)
        return await speak(text, lang)

    bot.calling.speak = listening
    t = translator("de")
    try:
        # 1. The request, by voice and keypad.
        call = await _calls_in(bot, erna, kamailio)
        await _answered(erna, call, "1#")  # Deutsch
        await _answered(erna, call, "1")  # agreed: the main menu
        await _answered(erna, call, await _number(bot, call, "menu:help"))
        await _answered(erna, call, await _number(bot, call, "hr:new"))
        await _answered(erna, call, await _number(bot, call, "hr:cat:shopping"))
        answers = call.answers
        await _spoken(erna, call)
        await _until(lambda: call.answers > answers, "where?")
        await _answered(erna, call, "44147")
        await _answered(erna, call, await _number(bot, call, "hr:when:asap"))
        done = await _offered(bot, call, "hr:langs-done")
        if done is not None:
            await _answered(erna, call, done)
        await _answered(erna, call, await _number(bot, call, "hr:send"))
        await _hangs_up(erna, call)
        assert segments(await asyncio.to_thread(erna.heard)), "Erna heard nothing"
        person = await db.users.find("phone", ERNA)
        assert person is not None and person.language == "de"
        (request,) = await db.requests.for_requester(person.id)
        assert request.state == "review" and request.voice_file_id.startswith("rec-")

        # 2. Published, taken by Vera, who writes to Erna.
        async with db.transaction():
            await lifecycle.publish(story_scene(story), await db.users.get(cora), request.id)
        await story.press("vera", f"mt:acc:{request.id}")
        request = await db.requests.get(request.id)
        assert request is not None and request.state == "matched" and request.volunteer_id == vera
        await story.text("vera", SAID)
        waiting = await db.outbox.waiting("phone", ERNA, clock() + timedelta(days=1))
        assert waiting

        # 3. The call-back: who comes, the code word, Vera's words; Erna answers.
        saying = Saying(bot)  # what the bot tells the call from now on
        worker = OutboxWorker(db, [bot], clock=clock)
        await worker.run_once()
        await saying.next()  # the messages
        await saying.next()  # the question, once they were heard
        words = "\n".join(spoken)
        assert "Vera" in words and request.door_code in words and SAID in words
        symbol = request.door_code.split()[0]
        code_named = t.gettext(lifecycle.DOOR_SYMBOLS[symbol])
        assert any(code_named in text for _, text in engine.said)  # said as a word
        await asyncio.to_thread(erna.press, "2")
        await _until(lambda: bot._calls, "the answer taken in the call")
        (answer,) = bot._calls.values()
        await _until(lambda: answer.answers == 1 and answer.recorded, "who will hear it")
        await _spoken(erna, answer)
        await _until(lambda: answer.answers >= 2, "passed on")
        (passed,) = [
            item.payload
            for item in await db.outbox.waiting("memory", "vera", clock() + timedelta(days=1))
            # the request's own voice came with the offer; this is the answer
            if item.payload.get("type") == "Voice"
            and item.payload["file_id"] != request.voice_file_id
        ]
        assert passed["platform"] == "phone"
        await _hang_up(erna)
        await bot.calling.settled()
        clock.pass_(seconds=10)
        await worker.run_once()
        assert bot.calling.outcomes == [(ERNA, "heard")]
        for item in waiting:
            state = await db.outbox.state(item.id)
            assert state is not None and state[1] is not None

        # 4. Erna deletes her data by keypress.
        recordings = {request.voice_file_id, passed["file_id"]}
        files = [bot.recordings.path(file_id) for file_id in recordings]
        assert all(path.exists() for path in files)
        call = await _calls_in(bot, erna, kamailio)
        await _answered(erna, call, await _number(bot, call, "menu:settings"))
        await _answered(erna, call, await _number(bot, call, "settings:delete"))
        await _answered(erna, call, await _number(bot, call, "delete:yes"))
        await _hangs_up(erna, call)
        # The sweep after the erasure removes her recordings, young as they are.
        await _until(lambda: not any(path.exists() for path in files), "her recordings gone")
    finally:
        await bot.stop()
    assert await db.users.find("phone", ERNA) is None
    assert await _holding(db, {ERNA, *recordings}) == []
    assert not await db.data_rights.files_in_use(RECORDINGS) & recordings


def story_scene(story: MemoryTransport):
    from handlers.context import Backstage

    return Backstage(story.dispatcher.db, story.dispatcher.settings)
