"""Read aloud through the real ``python -m bot run`` process on the fake Bot API server, with
the embedded engine (eSpeak NG) as configured by default: a resident switches it on in
/settings and gets each answer (a place's details from a poster's link too) as text, then
as a voice note (sendVoice, an OGG/Opus upload); a relayed message from her helper comes as
text and voice; a speech server that is down changes nothing for the text; /delete leaves
no speech of her in the outbox. Or, chosen instead, a 🔊 under each message: nothing is
said unasked, a tap says that message."""

from __future__ import annotations

import io
import json
from pathlib import Path

from mutagen.oggopus import OggOpus

from db import Database
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from tests.support.cli import ROOT
from tests.support.crash_story import GROUP, BotProcess
from tests.support.fake_telegram import FakeTelegram
from tests.support.forked_bot import launch_forked
from tests.support.ports import free_port

AMIRA, VERA = 5101, 5102


async def _seed(path: Path) -> int:
    """Amira (Arabic) and her helper Vera in a running help contact; a place's number."""
    db = await Database.open(path)
    data = ROOT / "data" / "dortmund"
    await import_places(db, data / "places-sample.csv", load_gazetteer(str(data)))
    [(place,)] = await db.transactions.fetch_all("SELECT MIN(id) FROM places")
    ids = {}
    for uid, name, lang in ((AMIRA, "Amira", "ar"), (VERA, "Vera", "de")):
        user = await db.users.seen("telegram", str(uid), str(uid), name)
        await db.users.set_language(user.id, lang)
        await db.users.record_consent(user.id)
        ids[uid] = user.id
    request = await db.requests.create(
        ids[AMIRA], ids[AMIRA], category="shopping", description="Wasserkisten tragen"
    )
    await db.requests.transition(request.id, "open", None)
    await db.requests.transition(request.id, "matched", None, volunteer_id=ids[VERA])
    for user_id in ids.values():
        await db.users.set_state(user_id, "relay", {"request_id": request.id})
    await db.close()
    return int(place)


def _settings(tmp: Path, fake: FakeTelegram, speech: str = "") -> str:
    return (
        f'[bot]\ndatabase = "{tmp / "bot.sqlite3"}"\nlog_level = "WARNING"\n'
        f'[telegram]\napi_base_url = "{fake.url}"\npoll_timeout = 1\n'
        f'[help]\ntelegram_backchannel = "{GROUP}"\nnew_user_cooldown_minutes = 0\n'
        f"{speech}"
    )


async def _settings_of(fake: FakeTelegram, who: int):
    """The settings screen ``who`` gets for /settings."""
    mark = len(fake.calls)
    fake.send_text(who, "/settings")
    return await fake.wait_for("sendMessage", chat_id=who, after=mark)


def _opus_seconds(upload: dict) -> float:
    audio = OggOpus(io.BytesIO(upload["content"]))
    return float(audio.info.length)


async def test_read_aloud_through_the_real_process(tmp_path: Path, fake_telegram: FakeTelegram):
    fake = fake_telegram
    place = await _seed(tmp_path / "bot.sqlite3")
    bot = BotProcess(tmp_path, fake, settings=_settings(tmp_path, fake), launch=launch_forked)
    await bot.start()
    try:
        screen = await _settings_of(fake, AMIRA)
        assert any(b.get("callback_data") == "ra:on" for row in screen.buttons for b in row)
        assert not fake.calls_to("sendVoice", chat_id=AMIRA)  # nothing read aloud yet

        mark = len(fake.calls)
        fake.press(AMIRA, "ra:on", screen)
        done = await fake.wait_for("sendMessage", chat_id=AMIRA, after=mark)
        voice = await fake.wait_for("sendVoice", chat_id=AMIRA, after=mark)
        assert fake.calls.index(done) < fake.calls.index(voice)  # the text first
        assert voice.params["voice"]["content"].startswith(b"OggS")
        assert _opus_seconds(voice.params["voice"]) > 1
        assert int(voice.params["duration"]) >= 1

        # A place's details, as a poster's QR code opens them: text, then voice.
        mark = len(fake.calls)
        fake.send_text(AMIRA, f"/start place_{place}")
        details = await fake.wait_for("sendMessage", chat_id=AMIRA, after=mark)
        heard = await fake.wait_for("sendVoice", chat_id=AMIRA, after=mark)
        assert fake.calls.index(details) < fake.calls.index(heard)
        assert _opus_seconds(heard.params["voice"]) > 1

        # Her helper writes: the message comes as text, then as voice.
        mark = len(fake.calls)
        fake.send_text(VERA, "Ich bin um 14:30 bei dir")
        text = await fake.wait_for("sendMessage", chat_id=AMIRA, after=mark)
        assert "14:30" in text.text
        # Her chat's messages go in the order they were written: the voices of the place's
        # details (its venue, its text) before this text, and this text's voice after it.
        said = await fake.wait_for(
            "sendVoice", chat_id=AMIRA, after=fake.calls.index(text) + 1, timeout=60
        )
        assert _opus_seconds(said.params["voice"]) < 20  # her helper's line, not a place's week
        assert not fake.calls_to("sendVoice", chat_id=VERA)  # Vera did not switch it on

        # /delete: once she is gone no speech of hers waits anywhere.
        mark = len(fake.calls)
        fake.send_text(AMIRA, "/delete")
        ask = await fake.wait_for("sendMessage", chat_id=AMIRA, after=mark)
        await fake.wait_for("sendVoice", chat_id=AMIRA, after=mark)  # heard too
        fake.press(AMIRA, "delete:yes", ask)
        await fake.wait_for(
            "editMessageText", chat_id=AMIRA, after=fake.calls.index(ask) + 1, timeout=30
        )
        voices = len(fake.calls_to("sendVoice", chat_id=AMIRA))
        # Her helper is told; after that nothing more is said to her.
        await fake.wait_for("sendMessage", chat_id=VERA, after=mark)
        assert len(fake.calls_to("sendVoice", chat_id=AMIRA)) == voices
    finally:
        bot.stop()
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        assert await db.users.find("telegram", str(AMIRA)) is None
        rows = await db.transactions.fetch_all("SELECT chat_id, payload FROM outbox")
        for chat_id, payload in rows:
            if json.loads(payload).get("type") == "Speech":
                assert chat_id != str(AMIRA), "a speech of an erased person was kept"
    finally:
        await db.close()


async def test_a_speech_server_that_is_down_changes_nothing_for_the_text(
    tmp_path: Path, fake_telegram: FakeTelegram
):
    fake = fake_telegram
    await _seed(tmp_path / "bot.sqlite3")
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    speech = f'[speech]\nengine = "http"\nurl = "{down}"\nvoices = "ar=kareem"\n'
    bot = BotProcess(
        tmp_path, fake, settings=_settings(tmp_path, fake, speech), launch=launch_forked
    )
    await bot.start()
    try:
        screen = await _settings_of(fake, AMIRA)
        mark = len(fake.calls)
        fake.press(AMIRA, "ra:on", screen)
        await fake.wait_for("sendMessage", chat_id=AMIRA, after=mark)
        mark = len(fake.calls)
        fake.send_text(VERA, "Bis gleich")
        await fake.wait_for(
            "sendMessage", lambda c: "Bis gleich" in c.text, chat_id=AMIRA, after=mark, timeout=30
        )
        # The voice was given up: the next text is not held back behind it.
        mark = len(fake.calls)
        fake.send_text(VERA, "Ich klingle zweimal")
        await fake.wait_for(
            "sendMessage", lambda c: "zweimal" in c.text, chat_id=AMIRA, after=mark, timeout=60
        )
        assert not fake.calls_to("sendVoice", chat_id=AMIRA)
    finally:
        bot.stop()


def _tap(call) -> str:
    """The data of the 🔊 under a sent message (its last row, alone)."""
    [tap] = call.buttons[-1]
    assert tap["callback_data"].startswith("ra:say:") and tap["text"].startswith("🔊")
    return tap["callback_data"]


async def test_on_a_tap_through_the_real_process(tmp_path: Path, fake_telegram: FakeTelegram):
    fake = fake_telegram
    place = await _seed(tmp_path / "bot.sqlite3")
    bot = BotProcess(tmp_path, fake, settings=_settings(tmp_path, fake), launch=launch_forked)
    await bot.start()
    try:
        screen = await _settings_of(fake, AMIRA)
        mark = len(fake.calls)
        fake.press(AMIRA, "ra:tap", screen)
        _tap(await fake.wait_for("sendMessage", chat_id=AMIRA, after=mark))

        mark = len(fake.calls)
        fake.send_text(AMIRA, f"/start place_{place}")
        details = await fake.wait_for("sendMessage", chat_id=AMIRA, after=mark)
        tap = _tap(details)
        # Her helper writes: the text comes with its own 🔊.
        fake.send_text(VERA, "Ich bin um 14:30 bei dir")
        relayed = await fake.wait_for(
            "sendMessage", lambda c: "14:30" in c.text, chat_id=AMIRA, after=mark, timeout=30
        )
        relayed_tap = _tap(relayed)
        assert relayed_tap != tap
        assert not fake.calls_to("sendVoice", chat_id=AMIRA)  # nothing said unasked

        # A tap says that message; another tap the other one, longer or shorter as it is.
        mark = len(fake.calls)
        fake.press(AMIRA, tap, details)
        said = await fake.wait_for("sendVoice", chat_id=AMIRA, after=mark)
        mark = len(fake.calls)
        fake.press(AMIRA, relayed_tap, relayed)
        said_too = await fake.wait_for("sendVoice", chat_id=AMIRA, after=mark)
        for voice in (said, said_too):
            assert voice.params["voice"]["content"].startswith(b"OggS")
        # The place's details say much more than her helper's one line.
        assert _opus_seconds(said.params["voice"]) > _opus_seconds(said_too.params["voice"])
        assert len(fake.calls_to("sendVoice", chat_id=AMIRA)) == 2

        # /delete: the words kept for her 🔊 go with her.
        mark = len(fake.calls)
        fake.send_text(AMIRA, "/delete")
        ask = await fake.wait_for("sendMessage", chat_id=AMIRA, after=mark)
        fake.press(AMIRA, "delete:yes", ask)
        await fake.wait_for("sendMessage", chat_id=VERA, after=mark)  # told
    finally:
        bot.stop()
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        assert await db.users.find("telegram", str(AMIRA)) is None
        assert await db.transactions.fetch_all("SELECT id FROM spoken_texts") == []
    finally:
        await db.close()
