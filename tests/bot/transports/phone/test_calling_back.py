"""Being called back: the outbox's items for a phone person are said in a call the bot
makes through Kamailio to SIPp as the person's phone (answering and pressing "1" to hear
it again, busy, ringing until the bot gives up). The worker and the call-backs share a
fake clock: pauses between tries and quiet hours are passed by moving it, never waited."""

from __future__ import annotations

import asyncio
import io
import wave
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from markupsafe import Markup

from bot.delivery import OutboxWorker
from bot.speech.engine import Audio
from bot.speech.opus import ogg_opus
from bot.transports.phone.callbacks import BERLIN, Policy
from bot.transports.phone.calling import CallBackSettings
from bot.transports.phone.stack import StackSettings
from bot.transports.phone.transport import PhoneTransport
from handlers.dispatcher import Dispatcher
from handlers.messages import Message, Voice
from handlers.messenger import Messenger
from tests.support.sip.fixtures import BOT_PASSWORD, BOT_USER
from tests.support.sip.kamailio import HOST, KamailioServer
from tests.support.sip.sipp import SippPhone, Step

RESIDENT = "+492319876543"
BACKCHANNEL = ("telegram", "-1001")


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def pass_(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def _bot(
    dispatcher: Dispatcher,
    kamailio: KamailioServer,
    phone: SippPhone,
    clock: Clock,
    *,
    attempts: int = 2,
    ring_seconds: float = 20,
) -> PhoneTransport:
    dispatcher.settings = replace(
        dispatcher.settings,
        heard_platforms=frozenset({"phone"}),
        backchannels=frozenset({BACKCHANNEL}),
    )
    settings = StackSettings(
        bind=HOST,
        registrar=kamailio.registrar_uri,
        user=BOT_USER,
        password=BOT_PASSWORD,
        outbound_proxy=kamailio.registrar_uri,
    )
    calling_back = CallBackSettings(
        domain=f"{HOST}:{phone.port}",
        ring_seconds=ring_seconds,
        policy=Policy(attempts=attempts, pause=timedelta(minutes=30)),
    )
    bot = PhoneTransport(dispatcher, settings, calling_back=calling_back, clock=clock)
    await bot.connect()
    await asyncio.wait_for(bot.registered.wait(), 20)
    return bot


async def _resident(dispatcher: Dispatcher) -> int:
    user = await dispatcher.db.users.seen("phone", RESIDENT, RESIDENT, "Erna")
    await dispatcher.db.users.set_language(user.id, "de")
    return user.id


async def _queue(dispatcher: Dispatcher, user_id: int, *texts: str) -> list[int]:
    mail = Messenger(dispatcher.db, dispatcher.settings.backchannels)
    async with dispatcher.db.transaction():
        for text in texts:
            await mail.to_user(user_id, lambda t, text=text: Message(text))
    return mail.queued_ids


async def _round(worker: OutboxWorker, bot: PhoneTransport, clock: Clock) -> None:
    """One pass of the worker, the call it started to its end, and the time moved on past
    the worker's next look at the items."""
    await worker.run_once()
    await bot.calling.settled()
    clock.pass_(seconds=10)


async def test_an_answered_call_says_all_waiting_items_and_1_says_them_again(
    kamailio: KamailioServer, dispatcher: Dispatcher
):
    clock = Clock(datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN))
    said: list[list[Path]] = []
    # PJSIP offers telephone-event/8000 as payload type 121 (SIPp sends the keys with it).
    keys = SippPhone("uas_answer.xml", steps=[Step(9000, "1")], after_ms=4000, payload_type=121)
    with keys as phone:
        bot = await _bot(dispatcher, kamailio, phone, clock)
        saying = bot.stack.say
        bot.stack.say = lambda call_id, prompts: (said.append(prompts), saying(call_id, prompts))[1]  # type: ignore[method-assign]
        try:
            user_id = await _resident(dispatcher)
            ids = await _queue(
                dispatcher, user_id, "Paul kommt am Freitag.", "Das Codewort ist Apfel."
            )
            worker = OutboxWorker(dispatcher.db, [bot], clock=clock)
            await _round(worker, bot, clock)
            assert bot.calling.outcomes == [(RESIDENT, "heard")]
            await _round(worker, bot, clock)
            result = phone.wait(60)
        finally:
            await bot.stop()
    assert result.returncode == 0, result.errors
    for item_id in ids:
        state = await dispatcher.db.outbox.state(item_id)
        assert state is not None and state[1] is not None and state[2] is None
    # the greeting and both items, said again after "1" (then the question each time)
    messages = [prompts for prompts in said if len(prompts) == 3]
    assert len(messages) == 2 and messages[0] == messages[1]
    assert bot.calling.outcomes == [(RESIDENT, "heard")]


async def test_busy_is_tried_again_after_the_pause_then_given_up_and_coordinators_told(
    kamailio: KamailioServer, dispatcher: Dispatcher
):
    clock = Clock(datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN))
    with SippPhone("uas_busy.xml", calls=2) as phone:
        bot = await _bot(dispatcher, kamailio, phone, clock, attempts=2)
        try:
            user_id = await _resident(dispatcher)
            [item_id] = await _queue(dispatcher, user_id, "Paul kommt am Freitag.")
            worker = OutboxWorker(dispatcher.db, [bot], clock=clock)
            await _round(worker, bot, clock)
            assert bot.calling.outcomes == [(RESIDENT, "busy")]
            await _round(worker, bot, clock)  # the pause is not over: no call
            assert bot.calling.outcomes == [(RESIDENT, "busy")]
            clock.pass_(minutes=31)
            await _round(worker, bot, clock)
            assert bot.calling.outcomes == [(RESIDENT, "busy"), (RESIDENT, "busy")]
            state = await dispatcher.db.outbox.state(item_id)
            assert state is not None and state[1] is None  # not delivered
            await _round(worker, bot, clock)
            result = phone.wait(60)
        finally:
            await bot.stop()
    assert result.count("SuccessfulCall") == 2, result.errors
    state = await dispatcher.db.outbox.state(item_id)
    assert state is not None and state[1] is None and state[2] is not None  # given up
    told = await dispatcher.db.outbox.waiting(*BACKCHANNEL, clock())
    assert len(told) == 1
    text = told[0].payload["text"]
    assert "Erna" in text and "2" in text and RESIDENT not in text
    assert told[0].recipient_id is None


async def test_no_call_in_the_quiet_hours_and_no_answer_is_a_try(
    kamailio: KamailioServer, dispatcher: Dispatcher
):
    clock = Clock(datetime(2026, 11, 24, 22, 0, tzinfo=BERLIN))
    with SippPhone("uas_no_answer.xml") as phone:
        bot = await _bot(dispatcher, kamailio, phone, clock, attempts=3, ring_seconds=2)
        try:
            user_id = await _resident(dispatcher)
            [item_id] = await _queue(dispatcher, user_id, "Paul kommt am Freitag.")
            worker = OutboxWorker(dispatcher.db, [bot], clock=clock)
            await _round(worker, bot, clock)
            clock.pass_(hours=9)  # 07:00: still quiet
            await _round(worker, bot, clock)
            assert bot.calling.outcomes == []
            clock.now = datetime(2026, 11, 25, 8, 0, 1, tzinfo=BERLIN)
            await _round(worker, bot, clock)
            assert bot.calling.outcomes == [(RESIDENT, "no answer")]
            result = phone.wait(60)
        finally:
            await bot.stop()
    assert result.count("SuccessfulCall") == 1, result.errors
    state = await dispatcher.db.outbox.state(item_id)
    assert state is not None and state[1] is None and state[2] is None  # still waiting


class TelegramFiles:
    """Telegram's side of a relayed voice message: its OGG/Opus by file id."""

    platform = "telegram"

    def __init__(self, seconds: float) -> None:
        moment = np.arange(int(seconds * 24000)) / 24000
        tone = (0.4 * np.sin(2 * np.pi * 300 * moment)).astype(np.float32)
        self.voice = ogg_opus(Audio(tone, 24000))
        self.fetched: list[str] = []

    async def fetch_media(self, file_id: str) -> tuple[bytes, str]:
        self.fetched.append(file_id)
        return self.voice, "audio/ogg"


async def test_a_relayed_voice_message_is_played_in_the_call_with_the_texts(
    kamailio: KamailioServer, dispatcher: Dispatcher
):
    clock = Clock(datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN))
    files = TelegramFiles(seconds=1.5)
    played: list[tuple[str, int, float]] = []

    def keep(prompts: list[Path]) -> None:
        # The call's voice files are removed when it is over: read them as they are handed.
        for path in prompts:
            with wave.open(io.BytesIO(path.read_bytes()), "rb") as file:
                rate = file.getframerate()
                played.append((path.name, rate, file.getnframes() / rate))

    # The phone hangs up while the question after the messages is being said.
    with SippPhone("uas_answer.xml", after_ms=11000, payload_type=121) as phone:
        bot = await _bot(dispatcher, kamailio, phone, clock)
        saying = bot.stack.say
        bot.stack.say = lambda call_id, prompts: (keep(prompts), saying(call_id, prompts))[1]  # type: ignore[method-assign]
        try:
            user_id = await _resident(dispatcher)
            mail = Messenger(dispatcher.db, dispatcher.settings.backchannels)
            async with dispatcher.db.transaction():
                await mail.to_user(
                    user_id,
                    lambda t: Voice(
                        "tg-voice-1", "telegram", caption=Markup("🎤 Paul"), mime_type="audio/ogg"
                    ),
                )
                await mail.to_user(user_id, lambda t: Message("Paul kommt um drei."))
            voice_id, text_id = mail.queued_ids
            worker = OutboxWorker(dispatcher.db, [bot], clock=clock, media_sources=[files])
            await _round(worker, bot, clock)
            assert bot.calling.outcomes == [(RESIDENT, "heard")]
            await _round(worker, bot, clock)
            result = phone.wait(60)
        finally:
            await bot.stop()
    assert result.returncode == 0, result.errors
    assert files.fetched and set(files.fetched) == {"tg-voice-1"}
    for item_id in (voice_id, text_id):
        state = await dispatcher.db.outbox.state(item_id)
        assert state is not None and state[1] is not None and state[2] is None
    # greeting, caption, the voice itself at the call's rate and length, the text
    voices = [(rate, seconds) for name, rate, seconds in played if name.startswith("voice-")]
    assert len(voices) == 1
    rate, seconds = voices[0]
    assert rate == bot.stack.settings.clock_rate and abs(seconds - 1.5) < 0.05
    names = [name for name, _rate, _seconds in played]
    assert names.index(next(n for n in names if n.startswith("voice-"))) == 2
    assert bot.calling.outcomes == [(RESIDENT, "heard")]
