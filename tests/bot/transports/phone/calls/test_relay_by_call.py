"""A volunteer's relayed text and voice message reach a resident on the phone line: the
help story with a phone person as the requester (handlers/helping/relay/chat.py), both queued
for the phone platform, and one call-back that says the text and plays the voice message
(fetched from the volunteer's platform as bot/city_service.py wires it), through Kamailio
to SIPp as the resident's phone. The worker and the call-backs share a fake clock (as
test_calling_back.py)."""

from __future__ import annotations

from datetime import timedelta

from bot.delivery import OutboxWorker
from db import Database
from handlers.messages import Command, Media
from tests.support.clock import Clock, daytime
from tests.support.help_story import grant_role_to, matched_through_lifecycle, register_volunteer
from tests.support.memory_transport import MemoryTransport
from tests.support.sip.call_backs import RESIDENT, TelegramFiles, call_back_line, outbox_round
from tests.support.sip.kamailio import HOST, KamailioServer
from tests.support.sip.sipp import SippPhone, Step

SAID = "Ich komme um drei, bis gleich!"


class MemoryFiles(TelegramFiles):
    """The volunteer's chat (the memory transport) as the voice message's source."""

    platform = "memory"


async def _for_the_phone(db: Database, clock: Clock) -> list:
    return await db.outbox.waiting("phone", RESIDENT, clock() + timedelta(days=1))


async def test_a_volunteers_relayed_text_is_said_in_a_call_back(
    kamailio: KamailioServer, story: MemoryTransport, db: Database
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
    # What the match told her (who comes, the code word) was said in an earlier call.
    for item in await _for_the_phone(db, clock):
        await db.outbox.mark_sent(item.id, "earlier call")
    await story.flush()

    await story.text("vera", SAID)
    await story.send("vera", Media("voice", file_id="vera-voice-1", mime_type="audio/ogg"))
    # the text, the voice message, and the line with the relay's buttons after it
    relayed, voice, after = await _for_the_phone(db, clock)
    assert voice.payload["type"] == "Voice"
    assert SAID in relayed.payload["text"] and "Vera" in relayed.payload["text"]

    files = MemoryFiles(seconds=1.5)
    spoken: list[str] = []
    played: list[str] = []
    # "1" to the question who is there (handlers/numbers/caller_check.py), then it listens.
    with SippPhone(
        "uas_answer.xml", steps=[Step(2000, "1")], after_ms=16000, payload_type=121
    ) as phone:
        bot = await call_back_line(story.dispatcher, kamailio, f"{HOST}:{phone.port}", clock)
        speak, say = bot.calling.speak, bot.stack.say

        async def listening(text: str, lang: str):
            spoken.append(text)
            return await speak(text, lang)

        bot.calling.speak = listening
        bot.stack.say = lambda call_id, prompts: (  # type: ignore[method-assign]
            played.extend(path.name for path in prompts),
            say(call_id, prompts),
        )[1]
        try:
            worker = OutboxWorker(db, [bot], clock=clock, media_sources=[files])
            bot.calling.prepare = worker.prepared  # as bot/city_service.py wires it
            bot.calling.media = worker.fetch_media  # as bot/city_service.py wires it
            await outbox_round(worker, bot, clock)
            await outbox_round(worker, bot, clock)
            result = phone.wait(60)
        finally:
            await bot.stop()
    assert result.returncode == 0, result.errors
    assert bot.calling.outcomes == [(RESIDENT, "heard")]
    assert any(SAID in text and "Vera" in text for text in spoken), spoken
    assert set(files.fetched) == {"vera-voice-1"}
    assert any(name.startswith("voice-") for name in played), played
    for item in (relayed, voice, after):
        state = await db.outbox.state(item.id)
        assert state is not None and state[1] is not None and state[2] is None
