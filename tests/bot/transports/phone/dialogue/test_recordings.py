"""Recordings and "0" for a person, in real calls through Kamailio: baresip calls the bot
(its voice a tone WAV), chooses German, agrees, then

- asks for help: a category, the description spoken after the tone and ended with "#",
  the postcode 44137 typed, "as soon as possible", the languages, send - the request is in
  review with the recorded voice (OGG/Opus, fetched from the phone transport), and the
  coordinators' backchannel has its post and voice in the outbox;
- hears the main menu end with its person, "0", presses "0" outside the
  coordinators' hours: a message after the tone, a voice for the backchannel;
- presses "0" during the hours: the call is transferred to a second phone registered at
  Kamailio, which rings and answers;
- hangs up while recorded, without "#": what they said is still the message.

The prompts are the tone engine's (tests/support/sip/tone_engine.py), and "#" cuts the
prompt before the tone: no test listens to a whole prompt. The order is the calls' events,
never the clock.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

from bot.transports.phone.calls.answered_call import is_over
from bot.transports.phone.transport import PhoneTransport
from bot.transports.phone.words.press_0_for_a_person import CHOICE
from db.statements import fetch_all
from handlers.dispatcher import Dispatcher
from handlers.reader import Medium, translator_for
from tests.support.sip.answers import answers_to
from tests.support.sip.calls import (
    GROUP,
    key_for,
    keys_answered,
    phone_line,
    proven_at_the_menu,
    spoken_after_the_tone,
    until,
    voice_tone,
)
from tests.support.sip.fixtures import BOT_USER, PhoneFactory
from tests.support.sip.kamailio import KamailioServer

# A Sunday noon, and a Tuesday morning (Berlin).
SUNDAY = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
TUESDAY = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


async def _called_in(phone: PhoneTransport, phones: PhoneFactory, kamailio, tone: Path):
    caller = await asyncio.to_thread(phones, "4923155502", says=tone, pad_seconds=30)
    await asyncio.to_thread(caller.dial, kamailio.uri(BOT_USER))
    await asyncio.to_thread(caller.wait_for, "CALL_ESTABLISHED")
    await until(lambda: phone._calls, "the call came")
    (call,) = phone._calls.values()
    await until(lambda: answers_to(call) == 1, "the languages said")
    await keys_answered(caller, call, "1")  # Deutsch: the main menu
    await proven_at_the_menu(phone, caller, call)
    return caller, call


async def _queued(dispatcher: Dispatcher, chat_id: str) -> list[dict]:
    rows = await fetch_all(
        dispatcher.db.outbox._tx,
        "SELECT payload FROM outbox WHERE chat_id = ? ORDER BY id",
        (chat_id,),
    )
    return [json.loads(row[0]) if isinstance(row[0], str) else row[0] for row in rows]


async def test_a_caller_asks_for_help_by_voice_and_postcode(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher, tmp_path: Path
):
    phone = await phone_line(dispatcher, kamailio, tmp_path)
    try:
        caller, call = await _called_in(phone, phones, kamailio, voice_tone(tmp_path))
        await keys_answered(caller, call, await key_for(phone, call, "menu:help"))
        await keys_answered(caller, call, await key_for(phone, call, "hr:new"))
        await keys_answered(caller, call, await key_for(phone, call, "hr:cat:"))
        assert call.turn.recorded  # the description: who will hear it, then the tone
        answers = answers_to(call)
        await spoken_after_the_tone(caller, call)
        await until(lambda: answers_to(call) > answers, "where?")
        assert call.turn.free_digits
        await keys_answered(caller, call, "44137")  # the postcode: five digits
        await keys_answered(caller, call, await key_for(phone, call, "hr:when:asap"))
        # A caller has the easy texts: the languages are one question, their own or more.
        await keys_answered(caller, call, await key_for(phone, call, "hr:lang-only"))
        await keys_answered(caller, call, await key_for(phone, call, "hr:send"))
        await asyncio.to_thread(caller.hangup)
        user = await dispatcher.db.users.find("phone", call.chat_id)
        assert user is not None
        (request,) = await dispatcher.db.requests.for_requester(user.id)
        assert request.state == "review"
        assert request.voice_platform == "phone" and request.voice_file_id.startswith("rec-")
        assert request.area_name
        content, mime_type = await phone.fetch_media(request.voice_file_id)
        assert content.startswith(b"OggS") and mime_type == "audio/ogg"
        posted = await _queued(dispatcher, GROUP)
        assert any(item.get("file_id") == request.voice_file_id for item in posted)
    finally:
        await phone.stop()


async def test_zero_outside_the_hours_leaves_a_voice_for_the_coordinators(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher, tmp_path: Path
):
    phone = await phone_line(
        dispatcher,
        kamailio,
        tmp_path,
        forward_to=kamailio.uri("bob"),
        coordinators_hours="Mo-Fr 09:00-17:00",
        clock=lambda: SUNDAY,
    )
    said: list[tuple[list[str], list[str] | None]] = []
    say = phone.voice.say

    async def saying(call, text: str, labels: list[str], keys: list[str] | None = None) -> None:
        said.append((labels, keys))
        await say(call, text, labels, keys)

    phone.voice.say = saying  # type: ignore[method-assign]
    make = phone.voice.rest_file

    async def making(call, rest):  # the menu's other choices, said after a pause
        said.append((rest.labels, rest.keys))
        return await make(call, rest)

    phone.voice.rest_file = making  # type: ignore[method-assign]
    try:
        caller, call = await _called_in(phone, phones, kamailio, voice_tone(tmp_path))
        # The menu ends with its person, on "0" (a new caller has the easy texts).
        person = translator_for("de", True, Medium.SPOKEN)._(CHOICE)
        # (Said after the pause, with the menu's other choices; made before its first.)
        assert any(
            labels[-1] == person and keys is not None and keys[-1] == "0"
            for labels, keys in said[-2:]
        )
        await keys_answered(caller, call, "0")
        assert call.turn.recorded
        answers = answers_to(call)
        await spoken_after_the_tone(caller, call)
        await until(lambda: answers_to(call) > answers, "thanks")
        await asyncio.to_thread(caller.hangup)
        posted = await _queued(dispatcher, GROUP)
        (voice,) = [item for item in posted if item.get("type") == "Voice"]
        assert voice["platform"] == "phone" and voice["file_id"].startswith("rec-")
        content, _ = await phone.fetch_media(voice["file_id"])
        assert content.startswith(b"OggS")
        # Named as on other posts, never by the number.
        assert all("4923155502" not in json.dumps(item) for item in posted)
    finally:
        await phone.stop()


async def test_zero_during_the_hours_transfers_the_call(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher, tmp_path: Path
):
    coordinator = await asyncio.to_thread(phones, "bob", register=True, answer=True)
    phone = await phone_line(
        dispatcher,
        kamailio,
        tmp_path,
        forward_to=kamailio.uri("bob"),
        coordinators_hours="Mo-Fr 09:00-17:00",
        clock=lambda: TUESDAY,
    )
    try:
        caller, call = await _called_in(phone, phones, kamailio, voice_tone(tmp_path))
        await asyncio.to_thread(caller.press, "0")
        await asyncio.to_thread(coordinator.wait_for, "CALL_ESTABLISHED", timeout=30)
        await until(lambda: is_over(call), "the bot left the call")
        assert await _queued(dispatcher, GROUP) == []
    finally:
        await phone.stop()


async def test_a_caller_who_hangs_up_after_speaking_still_leaves_the_message(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher, tmp_path: Path
):
    phone = await phone_line(dispatcher, kamailio, tmp_path, clock=lambda: SUNDAY)
    try:
        caller, call = await _called_in(phone, phones, kamailio, voice_tone(tmp_path))
        await keys_answered(caller, call, "0")
        await asyncio.to_thread(caller.press, "#")  # straight to the tone
        await until(lambda: call.listening is not None, "the recording began")
        listening = call.listening
        assert listening is not None
        await until(lambda: listening.spoke, "the caller heard")
        await asyncio.to_thread(caller.hangup)  # no "#": the message is what was said
        for _ in range(500):
            voices = [i for i in await _queued(dispatcher, GROUP) if i.get("type") == "Voice"]
            if voices:
                break
            await asyncio.sleep(0.02)
        (voice,) = voices
        content, _ = await phone.fetch_media(voice["file_id"])
        assert content.startswith(b"OggS")
    finally:
        await phone.stop()
