"""The answer after the tone inside a call-back: a volunteer's relayed text is said to a
phone resident in a call the bot makes (through Kamailio to baresip as the resident's
phone); after it the question offers "Write to Vera: press 2."; the phone presses "2",
cuts the relay's prompt (who will hear it) with "#", speaks after the tone (its WAV is a
tone all through the call) and ends with "#": the volunteer's chat gets the resident's
voice message as a relayed one (handlers/helping/relay/chat.py), the same path as a caller's
"Write to" when they called in. The items said count as delivered once heard, and only
then. The phone acts on the bot's events, never after fixed pauses."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.delivery import OutboxWorker
from bot.transports.phone.calls.answering_settings import CallSettings
from db import Database
from handlers.messages import Command
from tests.support.clock import Clock, daytime
from tests.support.help_story import grant_role_to, matched_through_lifecycle, register_volunteer
from tests.support.memory_transport import MemoryTransport
from tests.support.sip.answers import answers_to
from tests.support.sip.audio import write_tone
from tests.support.sip.call_backs import (
    ON_THE_LINE_SECONDS,
    RESIDENT,
    Saying,
    call_back_line,
    hang_up,
    outbox_round,
)
from tests.support.sip.calls import spoken_after_the_tone, until
from tests.support.sip.fixtures import PhoneFactory
from tests.support.sip.kamailio import HOST, KamailioServer
from tests.support.sip.tone_engine import tone_prompts

SAID = "Ich komme um drei, bis gleich!"


async def _voices_for(db: Database, chat_id: str, clock: Clock) -> list[dict]:
    waiting = await db.outbox.waiting("memory", chat_id, clock() + timedelta(days=1))
    return [item.payload for item in waiting if item.payload.get("type") == "Voice"]


async def test_the_resident_answers_a_relayed_message_after_the_tone(
    kamailio: KamailioServer,
    phones: PhoneFactory,
    story: MemoryTransport,
    db: Database,
    tmp_path: Path,
):
    clock = Clock(daytime(10))
    vera = await register_volunteer(story, db, "vera", "de")
    await story.onboard("cora", "de")
    cora = await grant_role_to(db, "cora", "coordinator")
    await story.in_group("cora", Command("verify", str(vera)))
    resident = await db.users.seen("phone", RESIDENT, RESIDENT, "Erna")
    await db.users.set_language(resident.id, "de")
    await db.users.record_consent(resident.id)
    await matched_through_lifecycle(db, story.dispatcher.settings, resident.id, vera, cora)
    later = clock() + timedelta(days=1)
    for item in await db.outbox.waiting("phone", RESIDENT, later):
        await db.outbox.mark_sent(item.id, "earlier call")  # the match, said before
    await story.flush()
    await story.text("vera", SAID)
    relayed = await db.outbox.waiting("phone", RESIDENT, later)
    assert relayed and await _voices_for(db, "vera", clock) == []

    voice = write_tone(tmp_path / "voice.wav", 90.0)  # the resident speaks all along
    phone = await asyncio.to_thread(
        phones, RESIDENT, answer=True, says=voice, pad_seconds=ON_THE_LINE_SECONDS
    )
    bot = await call_back_line(
        story.dispatcher,
        kamailio,
        f"{HOST}:{phone.sip_port}",
        clock,
        in_call=CallSettings(recordings=tmp_path / "recordings", quiet_seconds=30),
        prompts=tone_prompts(),
    )
    spoken: list[str] = []
    speak = bot.calling.speak

    async def listening(text: str, lang: str):
        spoken.append(text)
        return await speak(text, lang)

    bot.calling.speak = listening
    saying = Saying(bot)
    try:
        worker = OutboxWorker(db, [bot], clock=clock)
        bot.calling.prepare = worker.prepared  # as bot/city_service.py wires it
        await worker.run_once()
        await saying.next()  # who is there? (handlers/numbers/caller_check.py)
        await asyncio.to_thread(phone.press, "1")
        await saying.next()  # the messages
        await saying.next()  # then the question, once they were heard
        assert any("Vera" in text and "2" in text for text in spoken), spoken
        for item in relayed:  # not yet: marked when the worker comes back
            state = await db.outbox.state(item.id)
            assert state is not None and state[1] is None
        await asyncio.to_thread(phone.press, "2")
        await until(lambda: bot._calls, "the call went on as a conversation")
        (call,) = bot._calls.values()
        await until(lambda: answers_to(call) == 1 and call.turn.recorded, "who will hear it")
        assert "Vera" in call.turn.recorded
        await spoken_after_the_tone(phone, call)
        await until(lambda: answers_to(call) >= 2, "passed on")
        passed = await _voices_for(db, "vera", clock)
        assert len(passed) == 1
        assert passed[0]["platform"] == "phone" and passed[0]["file_id"].startswith("rec-")
        content, _ = await bot.fetch_media(passed[0]["file_id"])
        assert content.startswith(b"OggS")
        assert RESIDENT not in str(passed[0])
        await hang_up(phone)
        await bot.calling.settled()
        clock.pass_(seconds=10)
        assert bot.calling.outcomes == [(RESIDENT, "heard")]
        await outbox_round(worker, bot, clock)
    finally:
        await bot.stop()
    for item in relayed:
        state = await db.outbox.state(item.id)
        assert state is not None and state[1] is not None and state[2] is None
