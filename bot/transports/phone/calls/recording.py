"""What a caller says after the tone: recorded, made a voice message, kept for the bot.

Where the bot takes a spoken answer (a message with ``recorded``: a request's description,
a message for a helper or for the coordinators) the transport says who will hear it, plays
a short tone (:func:`tone_wav`, made here) and records the call (the caller's frames kept
by the stack, bot/transports/phone/sip/stack.py) until a key is pressed (``#``), the
caller is quiet for ``quiet_seconds`` (:class:`Listening`, the caller's level read every
``LEVEL_EVERY`` seconds), ``most_seconds`` have passed, or the caller hangs up.

What was said becomes OGG/Opus (bot/speech/opus.py, the voice format of the whole bot) and is
kept in :class:`Recordings` under a file id ``rec-<32 hex>``: it is what Telegram's servers
are for a Telegram voice - the phone transport's ``fetch_media`` reads it, in the bot and in
the web process (the desk plays it). A recording in which nothing was heard (never above
``SPEECH_LEVEL``) is not kept.

A recording is kept as long as a row names it (the personal-data map's ``FILES``,
db/personal_data.py): :func:`sweep` removes the files no row names any more - right after
an erasure and every ``SWEEP_SECONDS`` (the transport) - but none younger than
``GRACE_SECONDS`` (its row may not be written yet).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import time
import wave
from collections.abc import Awaitable, Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.speech.engine import Audio
from bot.speech.opus import ogg_opus
from bot.transports.phone.personal_data import DECLARED
from db.data_rights import DataRights

# The tone before the recording: a short beep.
TONE_HZ = 880.0
TONE_SECONDS = 0.35
# The caller's level (0-255, PJSIP's) above which they speak.
SPEECH_LEVEL = 8
# How often the level is read while recording, in seconds.
LEVEL_EVERY = 0.1
# The phone's declaration of these files (its part of the personal-data map).
(RECORDINGS,) = (files for files in DECLARED.files if files.name == "phone recordings")
FILE_ID = re.compile(RECORDINGS.ids)
MIME_TYPE = "audio/ogg"
# A file no row names is removed once it is this old (a call's recording becomes a row
# within seconds), looked for this often and after each erasure.
GRACE_SECONDS = 120.0
# Ids of recordings an erasure left unnamed, kept until their files are gone: at most.
ERASED_KEPT = 1000
SWEEP_SECONDS = 300.0


def tone_wav(path: Path, rate: int) -> Path:
    """The beep as a mono 16-bit WAV at ``rate`` (softened at both ends: no click)."""
    count = int(TONE_SECONDS * rate)
    at = np.arange(count) / rate
    samples = 0.4 * np.sin(2 * np.pi * TONE_HZ * at)
    fade = min(count // 2, int(0.02 * rate))
    ramp = np.linspace(0.0, 1.0, fade)
    samples[:fade] *= ramp
    samples[count - fade :] *= ramp[::-1]
    pcm = (samples * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return path


def pcm_audio(pcm: bytes, rate: int) -> Audio:
    """16-bit mono PCM (what the stack keeps of a caller) as samples."""
    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2").astype(np.float32) / 32768
    return Audio(samples, rate)


@dataclass(frozen=True)
class Voice:
    """A kept recording: its file id and length."""

    file_id: str
    seconds: float


class Recordings:
    """The recordings kept in ``folder`` (made private), each an OGG/Opus file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, file_id: str) -> Path:
        if not FILE_ID.fullmatch(file_id):
            raise KeyError(file_id)
        return self.folder / f"{file_id}.ogg"

    def keep(self, pcm: bytes, rate: int) -> Voice:
        """What the caller said (16-bit mono PCM at ``rate``) as a kept voice message."""
        audio = pcm_audio(pcm, rate)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        file_id = "rec-" + secrets.token_hex(16)
        path = self.path(file_id)
        made = path.with_suffix(".part")
        made.write_bytes(ogg_opus(audio))
        os.replace(made, path)
        return Voice(file_id, round(audio.seconds, 2))

    def read(self, file_id: str) -> bytes:
        return self.path(file_id).read_bytes()

    def unnamed(self, in_use: set[str], now: float, erased: AbstractSet[str] = frozenset()) -> int:
        """Remove the kept files not in ``in_use`` older than ``GRACE_SECONDS``, and those
        of ``erased`` (an erasure left them unnamed: no row is still to come) whatever their
        age; how many."""
        removed = 0
        if not self.folder.is_dir():
            return 0
        for path in self.folder.glob("rec-*.ogg"):
            with contextlib.suppress(FileNotFoundError):
                if path.stem in in_use:
                    continue
                if path.stem not in erased and now - path.stat().st_mtime < GRACE_SECONDS:
                    continue
                path.unlink()
                removed += 1
        return removed


async def sweep(
    recordings: Recordings, rights: DataRights, erased: AbstractSet[str] = frozenset()
) -> int:
    """Remove the recordings no row names any more (``erased``: at once); how many."""
    in_use = await rights.files_in_use(RECORDINGS)
    return await asyncio.to_thread(recordings.unnamed, in_use, time.time(), erased)


def heard_speech(levels: list[int]) -> bool:
    return any(level > SPEECH_LEVEL for level in levels)


class Listening:
    """Whether a recording should end, from the levels read one after the other: after
    ``quiet_seconds`` without speech (counted from its start, too) or ``most_seconds``;
    ``stop`` set: it ends now (a key, the caller hung up)."""

    def __init__(self, quiet_seconds: float, most_seconds: float) -> None:
        self.stop = asyncio.Event()
        self.quiet_reads = max(1, round(quiet_seconds / LEVEL_EVERY))
        self.most_reads = max(1, round(most_seconds / LEVEL_EVERY))
        self.levels: list[int] = []
        self._quiet = 0

    def heard(self, level: int) -> bool:
        """Take one level; whether the recording ends now."""
        self.levels.append(level)
        self._quiet = 0 if level > SPEECH_LEVEL else self._quiet + 1
        return self._quiet >= self.quiet_reads or len(self.levels) >= self.most_reads

    @property
    def spoke(self) -> bool:
        return heard_speech(self.levels)


async def listen(stack_level: Callable[[], Awaitable[int]], listening: Listening) -> None:
    """Read the caller's level until ``listening`` says the recording ends or its ``stop``
    is set; ``stack_level()``: the level now."""
    stop = listening.stop
    while not stop.is_set():
        level = await stack_level()
        if level < 0 or listening.heard(level):
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), LEVEL_EVERY)
