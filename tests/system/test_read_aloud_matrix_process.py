"""Read aloud through the real ``python -m bot run`` process on Matrix, against the real
Synapse, in direct chats encrypted as Element X creates them (tests/system/
test_read_aloud_process.py does the same on Telegram).

Eva reads Arabic - hardly. With the embedded engine, the default ``[speech]`` (eSpeak NG
in the process), she switches read aloud on in !settings by typing its number; a place's
details come as text and its location, then each as an encrypted ``m.audio`` voice
message (OGG/Opus) - picked by typing its number after the list was read aloud (a voice
does not end the choices it names); what her helper Vera writes in her own encrypted chat
comes as text, then as voice. The process restarts (nobody writes meanwhile) with a speech
server that is down: Vera's messages still reach Eva's chat, silent since the restart
(known from the first sync's full state), one after the other, as text alone. !delete
then leaves no speech of her in the outbox, nor an answer kept for her.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from mutagen.oggopus import OggOpus

from bot.transports.matrix import KEYCAPS
from db import Database
from db.users import ReadAloud
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from locales import translator
from tests.support.cli import ROOT
from tests.support.crash_story import MatrixProcess
from tests.support.forked_bot import launch_forked
from tests.support.matrix_bot import BOT_NUMBERS
from tests.support.matrix_encrypted_people import EncryptedPerson
from tests.support.matrix_people import body
from tests.support.ports import free_port
from tests.support.synapse_server import Synapse

AR = translator("ar")
RUNNING = "bot.city_service: running: matrix"
# Hang detectors, not speed bounds: a voice is made, encoded, encrypted and uploaded by a
# process that may share a busy machine with a whole test run.
HEARD = 120.0


def _settings(tmp: Path, synapse: Synapse, bot_user: str, speech: str = "") -> str:
    # INFO: the city's "running" line says the process is up.
    return (
        f'[bot]\ndatabase = "{tmp / "bot.sqlite3"}"\nlog_level = "INFO"\n'
        "[help]\nnew_user_cooldown_minutes = 0\n"
        f'[matrix]\nhomeserver = "{synapse.url}"\nuser_id = "{bot_user}"\nsync_timeout = 1\n'
        # However slow the machine, a chat's first message comes before its greeting.
        "greeting_wait_seconds = 600\n"
        f"{speech}"
    )


def _is_audio(event: dict[str, Any]) -> bool:
    return event.get("content", {}).get("msgtype") == "m.audio"


def _is_text(event: dict[str, Any]) -> bool:
    return event.get("content", {}).get("msgtype") in ("m.notice", "m.text")


def _text(event: dict[str, Any]) -> str:
    """What a message says now: an edit's new text, else its body."""
    content = event.get("content", {})
    return (content.get("m.new_content") or content).get("body", "")


def _in(room: str, test: Callable[[dict[str, Any]], bool]) -> Callable[[dict[str, Any]], bool]:
    return lambda event: event["room"] == room and test(event)


def _number(message: dict[str, Any], label: str) -> int:
    """The number a person types (or reacts with) to press the button ``label``."""
    for line in body(message).splitlines():
        number, _, rest = line.partition(" ")
        if number in KEYCAPS and label in rest:
            return KEYCAPS.index(number) + 1
    raise AssertionError(f"no button {label!r} in {body(message)!r}")


def _order(person: EncryptedPerson, event: dict[str, Any]) -> int:
    """Where ``event`` is among everything the person's client received."""
    return next(i for i, (_, seen) in enumerate(person.received) if seen is event)


async def _heard(person: EncryptedPerson, event: dict[str, Any]) -> float:
    """The voice message as Element X plays it: an encrypted file, decrypted on the
    person's own device, OGG/Opus marked as a voice message; its length in seconds."""
    content = event["content"]
    assert "url" not in content and content["file"]["url"], content  # encrypted
    assert "org.matrix.msc3245.voice" in content
    assert content["info"]["mimetype"] == "audio/ogg"
    audio = await person.download_attachment(content)
    assert audio.startswith(b"OggS") and content["info"]["size"] == len(audio)
    seconds = float(OggOpus(io.BytesIO(audio)).info.length)
    assert seconds > 1
    assert abs(content["info"]["duration"] - seconds * 1000) < 250  # as long as it plays
    assert content["org.matrix.msc1767.audio"]["duration"] == content["info"]["duration"]
    return seconds


async def _onboard(person: EncryptedPerson, bot_user: str, first: str, language: str) -> str:
    """An Element X chat started with ``first``; the language picked by typing its number,
    the privacy notice agreed to by reacting. Read aloud is offered before the notice and
    said aloud (heard here too) - she does not take it up now. The room."""
    room = await person.dm_like_element_x(bot_user, first)
    await person.wait_for(_in(room, lambda e: "1️⃣" in body(e)))
    mark = len(person.received)
    await person.say(room, language)
    offer = await person.wait_for(_in(room, lambda e: body(e).startswith("🔊 ")), after=mark)
    await person.wait_for(_in(room, _is_audio), after=mark, timeout=HEARD)  # the offer
    mark = len(person.received)
    await person.react(room, offer["event_id"], "3️⃣")  # 📖 No, I read myself
    notice = await person.wait_for(_in(room, lambda e: "🔒" in body(e)), after=mark)
    mark = len(person.received)
    await person.react(room, notice["event_id"], "1️⃣")
    await person.wait_for(_in(room, lambda e: "🏠" in body(e)), after=mark)
    return room


async def _seed_places(path: Path) -> None:
    db = await Database.open(path)
    try:
        await import_places(
            db, ROOT / "data/dortmund/places-sample.csv", load_gazetteer("data/dortmund")
        )
    finally:
        await db.close()


async def _seed_help(path: Path, eva: EncryptedPerson, vera: EncryptedPerson) -> None:
    """Vera helps Eva with carrying crates: a matched request, both in its relay (as the
    Telegram test seeds it; the way there is the help tests' subject)."""
    db = await Database.open(path)
    try:
        resident = await db.users.find("matrix", eva.user_id)
        helper = await db.users.find("matrix", vera.user_id)
        assert resident is not None and helper is not None
        request = await db.requests.create(
            resident.id, resident.id, category="shopping", description="Wasserkisten tragen"
        )
        await db.requests.transition(request.id, "open", None)
        await db.requests.transition(request.id, "matched", None, volunteer_id=helper.id)
        for user_id in (resident.id, helper.id):
            await db.users.set_state(user_id, "relay", {"request_id": request.id})
    finally:
        await db.close()


async def _until(
    read: Callable[[], Awaitable[list[Any]]], holds: Callable[[list[Any]], bool]
) -> list[Any]:
    """What ``read`` returns once ``holds`` accepts it (a hang detector of 60 s, polling
    every 100 ms; not a speed bound)."""
    for _ in range(600):
        rows = await read()
        if holds(rows):
            return rows
        await asyncio.sleep(0.1)
    raise AssertionError(f"the condition never held: {rows}")


async def _speeches_for(path: Path, room: str, user_id: int | None) -> list[tuple[Any, ...]]:
    """The outbox rows holding a speech to ``room`` or for ``user_id``: (sent, failed)."""
    db = await Database.open(path)
    try:
        rows = await db.transactions.fetch_all(
            "SELECT chat_id, recipient_id, payload, sent_at, failed_at FROM outbox"
        )
    finally:
        await db.close()
    return [
        (row[3], row[4])
        for row in rows
        if json.loads(row[2]).get("type") == "Speech" and (row[0] == room or row[1] == user_id)
    ]


async def _user(path: Path, person: EncryptedPerson) -> Any:
    db = await Database.open(path)
    try:
        user = await db.users.find("matrix", person.user_id)
        assert user is not None
        return user
    finally:
        await db.close()


async def test_read_aloud_on_matrix_through_the_real_process(tmp_path: Path, synapse: Synapse):
    database = tmp_path / "bot.sqlite3"
    await _seed_places(database)
    registration = synapse.register(f"readaloudbot{next(BOT_NUMBERS)}")
    bot_user = registration["user_id"]
    env = {"NACHBARBOT_MATRIX__ACCESS_TOKEN": registration["access_token"]}
    bot = MatrixProcess(
        tmp_path,
        _settings(tmp_path, synapse, bot_user),
        env,
        ready=RUNNING,
        ready_within=180,
        stop_within=60,
        launch=launch_forked,
    )
    eva, vera = EncryptedPerson(synapse, "eva"), EncryptedPerson(synapse, "vera")
    await eva.start()
    await vera.start()
    try:
        await bot.start()
        # Up, and its device's keys published: only now does a first message reach it.
        await eva.wait_for_keys_of(bot_user)
        room, vera_room = await asyncio.gather(
            _onboard(eva, bot_user, "مرحبا", "3"),  # العربية
            _onboard(vera, bot_user, "Hallo", "1"),  # Deutsch
        )
        vera_onboarded = len(vera.received)  # her offer heard: nothing more is said to her
        user = await _user(database, eva)
        assert user.language == "ar" and not user.read_aloud

        # Read aloud on in !settings, by typing the button's number.
        mark = len(eva.received)
        await eva.say(room, "!settings")
        screen = await eva.wait_for(_in(room, lambda e: "🔇" in body(e)), after=mark)
        mark = len(eva.received)
        await eva.say(room, str(_number(screen, AR._("Read everything aloud"))))
        done = await eva.wait_for(
            _in(room, lambda e: _is_text(e) and body(e).startswith("🔊 ")), after=mark
        )
        voice = await eva.wait_for(_in(room, _is_audio), after=mark, timeout=HEARD)
        assert _order(eva, done) < _order(eva, voice)  # the text first, then its voice
        await _heard(eva, voice)
        assert (await _user(database, eva)).read_aloud == ReadAloud.EVERY

        # A place's details: a district's places, the first one's details and location -
        # then the details said aloud, then the place's name and address.
        mark = len(eva.received)
        await eva.say(room, "Innenstadt-West")
        await eva.wait_for(_in(room, lambda e: "📏" in body(e)), after=mark)
        await eva.wait_for(_in(room, _is_audio), after=mark, timeout=HEARD)  # the list, heard
        mark = len(eva.received)
        await eva.say(room, "1")
        details = await eva.wait_for(_in(room, _is_text), after=mark)
        where = await eva.wait_for(
            _in(room, lambda e: e["content"].get("msgtype") == "m.location"), after=mark
        )
        assert where["content"]["geo_uri"].startswith("geo:51.5")
        assert body(where) in body(details)  # the place's name heads its details
        said = await eva.wait_for(_in(room, _is_audio), after=mark, timeout=HEARD)
        named = await eva.wait_for(
            _in(room, lambda e: _is_audio(e) and e is not said), after=mark, timeout=HEARD
        )
        assert _order(eva, details) < _order(eva, where) < _order(eva, said) < _order(eva, named)
        # All the details take longer to say than the name and address alone.
        assert await _heard(eva, said) > await _heard(eva, named)

        # Her helper writes in her own encrypted chat: text, then voice.
        await _seed_help(database, eva, vera)
        mark, vera_mark = len(eva.received), len(vera.received)
        await vera.say(vera_room, "Ich bin um 14:30 bei dir")
        text = await eva.wait_for(_in(room, lambda e: "14:30" in body(e)), after=mark)
        spoken = await eva.wait_for(_in(room, _is_audio), after=mark, timeout=HEARD)
        assert _order(eva, text) < _order(eva, spoken)
        await _heard(eva, spoken)
        # Passed on: the bot's 👌 on Vera's words (she hears nothing: she did not ask to).
        await vera.wait_for(
            _in(vera_room, lambda e: e.get("type") == "m.reaction"), after=vera_mark
        )
        # The homeserver holds none of it readable.
        stored = synapse.stored_events(room)
        assert {e["type"] for e in stored if "state_key" not in e} == {"m.room.encrypted"}
        assert "14:30" not in json.dumps(stored, ensure_ascii=False)

        # The same installation with a speech server that is down.
        restart = len(eva.received)
        bot.stop()
        down = f"http://127.0.0.1:{free_port()}"  # nothing listens there
        speech = f'[speech]\nengine = "http"\nurl = "{down}"\nvoices = "ar=kareem,de=thorsten"\n'
        bot.config.write_text(_settings(tmp_path, synapse, bot_user, speech), encoding="utf-8")
        await bot.start()
        mark = len(eva.received)
        await vera.say(vera_room, "Bis gleich")
        await eva.wait_for(_in(room, lambda e: "Bis gleich" in body(e)), after=mark)
        # Its voice was given up: the next text is not held back behind it.
        await vera.say(vera_room, "Ich klingle zweimal")
        await eva.wait_for(_in(room, lambda e: "zweimal" in body(e)), after=mark)
        user = await _user(database, eva)
        speeches = await _until(
            lambda: _speeches_for(database, room, user.id),
            lambda rows: any(failed for _, failed in rows),  # given up with the server down
        )
        assert any(sent for sent, _ in speeches)  # said by eSpeak NG before the restart

        # !delete, confirmed by reacting: afterwards nothing of hers is said or kept.
        mark, vera_mark = len(eva.received), len(vera.received)
        await eva.say(room, "!delete")
        ask = await eva.wait_for(_in(room, lambda e: "🗑" in body(e)), after=mark)
        yes = KEYCAPS[_number(ask, AR._("Yes, delete everything")) - 1]
        await eva.react(room, ask["event_id"], yes)
        await eva.wait_for(_in(room, lambda e: "✅" in _text(e)), after=mark)
        # Her helper is told the help ended: the erasure and its aftermath are done.
        await vera.wait_for(_in(vera_room, _is_text), after=vera_mark)
        assert not [e for r, e in eva.received[restart:] if r == room and _is_audio(e)]
        assert not [e for _, e in vera.received[vera_onboarded:] if _is_audio(e)]
    finally:
        bot.stop()
        await eva.stop()
        await vera.stop()

    db = await Database.open(database)
    try:
        assert await db.users.find("matrix", eva.user_id) is None
        kept = await db.transactions.fetch_all(
            "SELECT replies FROM processed_updates WHERE chat_id = ?", (room,)
        )
        assert not [row for row in kept if row[0]], "answers to her were kept"
    finally:
        await db.close()
    assert await _speeches_for(database, room, user.id) == [], "a speech of hers was kept"
