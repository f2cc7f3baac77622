"""A caller's recordings are kept as long as a row names them (the personal-data map's
``FILES``): a help request's voice keeps its file; once the person is erased it goes at the
next sweep, as does a file nothing names; a file younger than the grace stays (its row may
not be written yet), but one an erasure left unnamed goes at once. Erasure tells the keepers
of files (``DataRights.after_erasure``) which files it left unnamed.
Real database and handlers through the in-memory chat; the files' ages are set, not waited
for."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from bot.transports.phone.calls.recording import GRACE_SECONDS, Recordings, sweep
from db import Database
from handlers.messages import Media
from tests.support.help_story import NORDMARKT
from tests.support.memory_transport import MemoryTransport, button_data

RATE = 8000


def _spoken(seconds: float = 1.0) -> bytes:
    at = np.arange(int(seconds * RATE)) / RATE
    return (8000 * np.sin(2 * np.pi * 440 * at)).astype("<i2").tobytes()


def _aged(recordings: Recordings, file_id: str) -> None:
    old = time.time() - GRACE_SECONDS - 60
    os.utime(recordings.path(file_id), (old, old))


async def _request_by_voice(chat: MemoryTransport, who: str, file_id: str) -> None:
    await chat.onboard(who, "de")
    await chat.press(who, "menu:help")
    await chat.press(who, "hr:new")
    await chat.press(who, "hr:cat:shopping")
    await chat.send(who, Media("voice", file_id, 1.0, "audio/ogg"))
    await chat.location(who, *NORDMARKT)
    await chat.press(who, "hr:when:asap")
    out = await chat.press(who, "hr:langs-done")
    assert "hr:send" in button_data(out)
    await chat.press(who, "hr:send")


async def test_a_request_keeps_its_recording_until_the_person_is_erased(
    chat: MemoryTransport, db: Database, tmp_path: Path
):
    recordings = Recordings(tmp_path / "recordings")
    named = recordings.keep(_spoken(), RATE)
    unnamed = recordings.keep(_spoken(), RATE)
    young = recordings.keep(_spoken(), RATE)
    _aged(recordings, named.file_id)
    _aged(recordings, unnamed.file_id)
    await _request_by_voice(chat, "ida", named.file_id)
    ida = await db.users.find("memory", "ida")
    assert ida is not None
    (request,) = await db.requests.for_requester(ida.id)
    assert request.voice_file_id == named.file_id

    assert await sweep(recordings, db.data_rights) == 1
    assert recordings.path(named.file_id).exists()
    assert not recordings.path(unnamed.file_id).exists()
    assert recordings.path(young.file_id).exists()

    told: list[set[str]] = []
    db.data_rights.after_erasure.append(told.append)
    await chat.text("ida", "/delete")
    await chat.press("ida", "delete:yes")
    assert told == [{named.file_id}]  # the files the erasure left unnamed
    assert await sweep(recordings, db.data_rights) == 1
    assert not recordings.path(named.file_id).exists()
    assert recordings.path(young.file_id).exists()


async def test_an_erased_persons_young_recording_goes_at_once(
    chat: MemoryTransport, db: Database, tmp_path: Path
):
    """Erased means gone: a recording made a moment ago, which the grace would keep, goes
    with its person at the sweep after the erasure, not minutes later."""
    recordings = Recordings(tmp_path / "recordings")
    fresh = recordings.keep(_spoken(), RATE)
    stranger = recordings.keep(_spoken(), RATE)  # young and unnamed: its row may be coming
    await _request_by_voice(chat, "ida", fresh.file_id)
    told: list[set[str]] = []
    db.data_rights.after_erasure.append(told.append)
    await chat.text("ida", "/delete")
    await chat.press("ida", "delete:yes")
    (unnamed,) = told
    assert await sweep(recordings, db.data_rights, unnamed) == 1
    assert not recordings.path(fresh.file_id).exists()
    assert recordings.path(stranger.file_id).exists()
