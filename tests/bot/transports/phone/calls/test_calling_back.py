"""Being called back: the outbox's items for a phone person are said in a call the bot
makes through Kamailio to the person's phone: baresip with the person's number as its user
answers, presses "1" to hear it again, hangs up; SIPp is busy, or rings until the bot
gives up. The worker and the call-backs share a fake clock: pauses between tries and
quiet hours are passed by moving it, never waited.

The answering phone acts on what the bot does, never after a fixed pause: the bot's
``stack.say`` is wrapped, and the question after the messages ("press 1 to hear it
again") is told to the stack only once the messages were played to their end - then the
phone presses its key or hangs up. The prompts are tones as long as their words
(tests/support/sip/tone_engine.py): what is said is known by its text, and no prompt
holds a call up for seconds; the wait for a key runs out after a second where the phone
never presses one."""

from __future__ import annotations

import asyncio
import io
import wave
from datetime import timedelta
from pathlib import Path
from typing import Any

from markupsafe import Markup

from bot.delivery import OutboxWorker
from bot.transports.phone.transport import PhoneTransport
from bot.transports.phone.words.who_picked_up import QUESTION_NAMED
from handlers.dispatcher import Dispatcher
from handlers.messages import Message, Voice
from handlers.messenger import Messenger
from locales import translator
from tests.support.clock import Clock, daytime
from tests.support.sip.baresip import BaresipCaller
from tests.support.sip.call_backs import (
    BACKCHANNEL,
    ON_THE_LINE_SECONDS,
    RESIDENT,
    Saying,
    TelegramFiles,
    call_back_line,
    hang_up,
    outbox_round,
)
from tests.support.sip.fixtures import PhoneFactory
from tests.support.sip.kamailio import HOST, KamailioServer
from tests.support.sip.sipp import SippPhone
from tests.support.sip.tone_engine import tone_prompts


async def _line(
    dispatcher: Dispatcher, kamailio: KamailioServer, domain: str, clock: Clock, **more: Any
) -> PhoneTransport:
    """``call_back_line`` with tones for prompts, at the call's clock rate."""
    return await call_back_line(dispatcher, kamailio, domain, clock, prompts=tone_prompts(), **more)


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


async def _answering_phone(phones: PhoneFactory) -> BaresipCaller:
    """The resident's phone, called at its own address through Kamailio (as a trunk would
    pass the call on); it answers at once."""
    return await asyncio.to_thread(phones, RESIDENT, answer=True, pad_seconds=ON_THE_LINE_SECONDS)


async def _it_is_them(saying: Saying, phone: BaresipCaller) -> None:
    """The question a call-back asks first (handlers/numbers/caller_check.py), and "1": it is
    them."""
    assert len(await saying.next()) == 1
    await asyncio.to_thread(phone.press, "1")


async def test_an_answered_call_says_all_waiting_items_and_1_says_them_again(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher
):
    clock = Clock(daytime(10))
    phone = await _answering_phone(phones)
    bot = await _line(dispatcher, kamailio, f"{HOST}:{phone.sip_port}", clock)
    saying = Saying(bot)
    try:
        user_id = await _resident(dispatcher)
        ids = await _queue(dispatcher, user_id, "Paul kommt am Freitag.", "Das Codewort ist Apfel.")
        worker = OutboxWorker(dispatcher.db, [bot], clock=clock)
        bot.calling.prepare = worker.prepared  # as bot/city_service.py wires it
        await worker.run_once()
        await _it_is_them(saying, phone)
        first = await saying.next()
        # The question comes once the messages were played to their end: then "1".
        assert len(await saying.next()) == 1
        await asyncio.to_thread(phone.press, "1")
        assert await saying.next() == first
        # Told to say them again: the phone hangs up (no need to hear them twice).
        await hang_up(phone)
        await bot.calling.settled()
        clock.pass_(seconds=10)
        assert bot.calling.outcomes == [(RESIDENT, "heard")]
        await outbox_round(worker, bot, clock)
    finally:
        await bot.stop()
    said = saying.said
    for item_id in ids:
        state = await dispatcher.db.outbox.state(item_id)
        assert state is not None and state[1] is not None and state[2] is None
    # the greeting and both items, told to the stack again after "1"
    messages = [prompts for prompts in said if len(prompts) == 3]
    assert len(messages) == 2 and messages[0] == messages[1]
    assert bot.calling.outcomes == [(RESIDENT, "heard")]


async def test_a_call_back_says_nothing_to_a_line_that_gives_no_key(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher
):
    """An answering machine (or anyone who does not press 1) hears the question twice and
    nothing else: not who comes, not the code word; the call counts as a try."""
    clock = Clock(daytime(10))
    phone = await _answering_phone(phones)
    # The phone never presses a key: the wait for one is not what is tested, only its end.
    domain = f"{HOST}:{phone.sip_port}"
    bot = await _line(dispatcher, kamailio, domain, clock, listen_seconds=1)
    spoken: list[str] = []
    speak = bot.calling.speak

    async def listening(text: str, lang: str) -> Path | None:
        spoken.append(text)
        return await speak(text, lang)

    bot.calling.speak = listening  # type: ignore[method-assign]
    saying = Saying(bot)
    try:
        user_id = await _resident(dispatcher)
        ids = await _queue(dispatcher, user_id, "Das Codewort ist Apfel.")
        worker = OutboxWorker(dispatcher.db, [bot], clock=clock)
        bot.calling.prepare = worker.prepared  # as bot/city_service.py wires it
        await worker.run_once()
        await bot.calling.settled()  # the bot hung up
        assert bot.calling.outcomes == [(RESIDENT, "not heard")]
    finally:
        await bot.stop()
    t = translator("de")
    assert saying.said and all(len(prompts) == 1 for prompts in saying.said)
    assert len(saying.said) == 2  # the question, twice: the message was never played
    assert str(t.t(QUESTION_NAMED, name="Erna")) in spoken
    state = await dispatcher.db.outbox.state(ids[0])
    assert state is not None and state[1] is None and state[2] is None  # still waiting


async def test_whoever_says_it_is_not_them_ends_the_tries_and_coordinators_are_told(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher
):
    clock = Clock(daytime(10))
    phone = await _answering_phone(phones)
    bot = await _line(dispatcher, kamailio, f"{HOST}:{phone.sip_port}", clock, attempts=3)
    saying = Saying(bot)
    try:
        user_id = await _resident(dispatcher)
        [item_id] = await _queue(dispatcher, user_id, "Das Codewort ist Apfel.")
        worker = OutboxWorker(dispatcher.db, [bot], clock=clock)
        bot.calling.prepare = worker.prepared  # as bot/city_service.py wires it
        await worker.run_once()
        assert len(await saying.next()) == 1  # the question
        await asyncio.to_thread(phone.press, "2")
        await bot.calling.settled()
        assert bot.calling.outcomes == [(RESIDENT, "not them")]
        clock.pass_(seconds=10)
        await outbox_round(worker, bot, clock)
        assert bot.calling.outcomes == [(RESIDENT, "not them")]  # no more tries
    finally:
        await bot.stop()
    assert len(saying.said) == 1
    state = await dispatcher.db.outbox.state(item_id)
    assert state is not None and state[1] is None and state[2] is not None  # given up
    (told,) = await dispatcher.db.outbox.waiting(*BACKCHANNEL, clock())
    text = told.payload["text"]
    assert "Erna" in text and RESIDENT not in text and "Apfel" not in text


async def test_busy_is_tried_again_after_the_pause_then_given_up_and_coordinators_told(
    kamailio: KamailioServer, dispatcher: Dispatcher
):
    clock = Clock(daytime(10))
    with SippPhone("uas_busy.xml", calls=2) as phone:
        bot = await _line(dispatcher, kamailio, f"{HOST}:{phone.port}", clock, attempts=2)
        try:
            user_id = await _resident(dispatcher)
            [item_id] = await _queue(dispatcher, user_id, "Paul kommt am Freitag.")
            worker = OutboxWorker(dispatcher.db, [bot], clock=clock)
            bot.calling.prepare = worker.prepared  # as bot/city_service.py wires it
            await outbox_round(worker, bot, clock)
            assert bot.calling.outcomes == [(RESIDENT, "busy")]
            await outbox_round(worker, bot, clock)  # the pause is not over: no call
            assert bot.calling.outcomes == [(RESIDENT, "busy")]
            clock.pass_(minutes=31)
            await outbox_round(worker, bot, clock)
            assert bot.calling.outcomes == [(RESIDENT, "busy"), (RESIDENT, "busy")]
            state = await dispatcher.db.outbox.state(item_id)
            assert state is not None and state[1] is None  # not delivered
            await outbox_round(worker, bot, clock)
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
    clock = Clock(daytime(22))
    with SippPhone("uas_no_answer.xml") as phone:
        bot = await _line(
            dispatcher, kamailio, f"{HOST}:{phone.port}", clock, attempts=3, ring_seconds=2
        )
        try:
            user_id = await _resident(dispatcher)
            [item_id] = await _queue(dispatcher, user_id, "Paul kommt am Freitag.")
            worker = OutboxWorker(dispatcher.db, [bot], clock=clock)
            bot.calling.prepare = worker.prepared  # as bot/city_service.py wires it
            await outbox_round(worker, bot, clock)
            clock.pass_(hours=9)  # 07:00: still quiet
            await outbox_round(worker, bot, clock)
            assert bot.calling.outcomes == []
            clock.now = (clock.now + timedelta(hours=3)).replace(hour=8, minute=0, second=1)
            await outbox_round(worker, bot, clock)
            assert bot.calling.outcomes == [(RESIDENT, "no answer")]
            result = phone.wait(60)
        finally:
            await bot.stop()
    assert result.count("SuccessfulCall") == 1, result.errors
    state = await dispatcher.db.outbox.state(item_id)
    assert state is not None and state[1] is None and state[2] is None  # still waiting


async def test_a_relayed_voice_message_is_played_in_the_call_with_the_texts(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher
):
    clock = Clock(daytime(10))
    files = TelegramFiles(seconds=1.5)
    played: list[tuple[str, int, float]] = []

    def keep(prompts: list[Path]) -> None:
        # The call's voice files are removed when it is over: read them as they are handed.
        for path in prompts:
            with wave.open(io.BytesIO(path.read_bytes()), "rb") as file:
                rate = file.getframerate()
                played.append((path.name, rate, file.getnframes() / rate))

    phone = await _answering_phone(phones)
    bot = await _line(dispatcher, kamailio, f"{HOST}:{phone.sip_port}", clock)
    saying = Saying(bot, keep)
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
        bot.calling.prepare = worker.prepared  # as bot/city_service.py wires it
        await worker.run_once()
        await _it_is_them(saying, phone)
        await saying.next()
        # The phone hangs up while the question after the messages is being said.
        assert len(await saying.next()) == 1
        await hang_up(phone)
        await bot.calling.settled()
        clock.pass_(seconds=10)
        assert bot.calling.outcomes == [(RESIDENT, "heard")]
        await outbox_round(worker, bot, clock)
    finally:
        await bot.stop()
    assert files.fetched and set(files.fetched) == {"tg-voice-1"}
    for item_id in (voice_id, text_id):
        state = await dispatcher.db.outbox.state(item_id)
        assert state is not None and state[1] is not None and state[2] is None
    # the question; greeting, caption, the voice itself at the call's rate and length, the text
    voices = [(rate, seconds) for name, rate, seconds in played if name.startswith("voice-")]
    assert len(voices) == 1
    rate, seconds = voices[0]
    assert rate == bot.stack.settings.clock_rate and abs(seconds - 1.5) < 0.05
    names = [name for name, _rate, _seconds in played]
    assert names.index(next(n for n in names if n.startswith("voice-"))) == 3
    assert bot.calling.outcomes == [(RESIDENT, "heard")]


async def test_a_premium_caller_id_is_never_called_back_and_coordinators_are_told(
    kamailio: KamailioServer, dispatcher: Dispatcher
):
    """A person whose id is a premium number (a caller ID, perhaps forged): the bot never
    dials it (locales/phone_numbers.py) - the phone sees the call to the other resident
    only -, the item is given up and the coordinators told why, without the number."""
    premium = "+499005123456"
    clock = Clock(daytime(10))
    with SippPhone("uas_busy.xml", calls=1) as phone:
        bot = await _line(dispatcher, kamailio, f"{HOST}:{phone.port}", clock, attempts=1)
        try:
            user_id = await _resident(dispatcher)
            caller = await dispatcher.db.users.seen("phone", premium, premium, "Bert")
            await _queue(dispatcher, user_id, "Paul kommt am Freitag.")
            [item_id] = await _queue(dispatcher, caller.id, "Paul kommt am Freitag.")
            worker = OutboxWorker(dispatcher.db, [bot], clock=clock)
            bot.calling.prepare = worker.prepared  # as bot/city_service.py wires it
            await outbox_round(worker, bot, clock)
            await outbox_round(worker, bot, clock)
            result = phone.wait(60)
        finally:
            await bot.stop()
    assert bot.calling.outcomes == [(RESIDENT, "busy")]
    assert result.count("SuccessfulCall") == 1, result.errors
    state = await dispatcher.db.outbox.state(item_id)
    assert state is not None and state[1] is None and state[2] is not None  # given up
    told = [
        item.payload["text"] for item in await dispatcher.db.outbox.waiting(*BACKCHANNEL, clock())
    ]
    assert any("Bert" in text and "Festnetz" in text for text in told), told
    assert not any(premium in text or "9005123456" in text for text in told)
