"""The conference bridge's ports of the bot's own: what a call hears (a :class:`Mouth`) and
what the caller says, kept (an :class:`Ear`), kept for the endpoint's life and used again.

Since PJSIP 2.15 the conference bridge adds and removes ports asynchronously, on its clock
thread: a port destroyed right after it was removed may still be read on the next tick,
after its memory was freed. pjsua2's own player did exactly that (its destructor queues
the removal, then frees the player's pool at once; pjproject issues #4200 and #4526): the
bot made and destroyed a player for every prompt, and now and then the clock thread read
a freed one and the whole process died of a segmentation fault (seen under load, in a
thread with no Python frame). So no port of the bot's is destroyed while the endpoint
lives: each call takes a mouth (and an ear while it is recorded) from :class:`Ports` and
gives it back when it ends; they are as many as calls at once, and go with the endpoint.

Frames are asked for and given on the bridge's clock thread; what they share with the
stack's thread is behind a lock, and what ends there (a prompt said to its end) is handed
to the stack's thread (``done``). Every prompt is mono 16-bit PCM WAV (speech_files.py,
voice_audio.py); one at another rate is resampled to the calls' clock rate.
"""

from __future__ import annotations

import contextlib
import threading
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Imported only when a city takes calls (bot/transports/registry.py).
import pjsua2 as pj

FRAME_MS = 20


def pcm_of(path: Path, rate: int) -> bytes:
    """The WAV file ``path`` as mono signed 16-bit samples at ``rate`` a second (OSError
    when it cannot be read, ValueError when it is no such WAV). The bot's own prompts are
    made so (speech_files.py): their frames are taken as they are, and numpy is loaded only for
    another file - loaded at start, it made every line process (four calls each) 10 MB
    larger (bench/RESULTS.md)."""
    try:
        with wave.open(str(path), "rb") as file:
            if file.getsampwidth() != 2:
                raise ValueError("not 16-bit PCM")
            channels, own_rate = file.getnchannels(), file.getframerate()
            frames = file.readframes(file.getnframes())
    except (wave.Error, EOFError) as exc:
        raise ValueError("not a WAV file") from exc
    frames = frames[: len(frames) // 2 * 2]  # whole samples (a cut file may end in half)
    if channels == 1 and own_rate == rate:
        return frames
    import numpy as np

    samples = np.frombuffer(frames, dtype="<i2")
    if channels > 1:
        samples = samples[: len(samples) // channels * channels].reshape(-1, channels)
        samples = samples.mean(axis=1).astype("<i2")
    if own_rate != rate and len(samples):
        length = round(len(samples) * rate / own_rate)
        at = np.arange(length) * (own_rate / rate)
        samples = np.interp(at, np.arange(len(samples)), samples).astype("<i2")
    return samples.tobytes()


def _frame_bytes(rate: int) -> int:
    return rate * FRAME_MS // 1000 * 2


def _format(rate: int) -> Any:
    audio = pj.MediaFormatAudio()
    audio.init(pj.PJMEDIA_FORMAT_PCM, rate, 1, FRAME_MS * 1000, 16)
    return audio


class Mouth(pj.AudioMediaPort):
    """What one call hears: one prompt's audio at a time, a frame a tick. ``done(serial)``
    is called (on the clock thread: it must only hand over) when a prompt was said to its
    end; a prompt stopped (:meth:`stop`) never ends."""

    def __init__(self, rate: int, done: Callable[[Any, int], None]) -> None:
        super().__init__()
        self._done = done
        self._frame_bytes = _frame_bytes(rate)
        self._lock = threading.Lock()
        self._pcm = b""
        self._at = 0
        self._serial = 0
        self._owner: Any = None
        self.createPort("mouth", _format(rate))

    def play(self, owner: Any, pcm: bytes) -> int:
        """Start saying ``pcm`` (instead of anything it was saying); its serial."""
        with self._lock:
            self._serial += 1
            self._pcm, self._at, self._owner = pcm, 0, owner
            return self._serial

    def stop(self) -> None:
        with self._lock:
            self._pcm, self._at, self._owner = b"", 0, None

    def onFrameRequested(self, frame: Any) -> None:
        size = self._frame_bytes
        with self._lock:
            if not self._pcm:
                frame.type = pj.PJMEDIA_FRAME_TYPE_NONE
                return
            chunk = self._pcm[self._at : self._at + size]
            self._at += size
            ended = self._at >= len(self._pcm)
            owner, serial = self._owner, self._serial
            if ended:
                self._pcm, self._at, self._owner = b"", 0, None
        frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
        frame.buf = pj.ByteVector(chunk.ljust(size, b"\0"))
        if ended:
            self._done(owner, serial)


class Ear(pj.AudioMediaPort):
    """What the caller says, kept in memory while it is open: a port the call's audio is
    sent to (only the caller's voice: the prompts go to the call, not here). ``level`` is
    the newest frame's mean loudness on PJSIP's scale (0-255). pjsua2's AudioMediaRecorder
    was not used: its WAV stayed empty until the endpoint ended (the SWIG object was never
    destroyed)."""

    def __init__(self, rate: int) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._open = False
        self.level = 0
        self._frames: list[bytes] = []
        self._silence = b"\0" * _frame_bytes(rate)
        self.createPort("ear", _format(rate))

    def open(self) -> None:
        with self._lock:
            self._frames, self.level, self._open = [], 0, True

    def close(self) -> bytes:
        """What it heard since it was opened; it hears nothing more until opened again."""
        with self._lock:
            self._open = False
            heard, self._frames = b"".join(self._frames), []
            return heard

    def onFrameReceived(self, frame: Any) -> None:
        with self._lock:
            if not self._open:
                return
            if frame.type != pj.PJMEDIA_FRAME_TYPE_AUDIO or not frame.size:
                self._frames.append(self._silence)
                self.level = 0
                return
            data = bytes(frame.buf)
            self._frames.append(data)
        samples = memoryview(data).cast("h")
        self.level = min(255, sum(map(abs, samples)) // max(1, len(samples)) // 128)


class Ports:
    """The mouths and ears not in use, made when none is spare (as many as calls at once;
    the stack's thread only)."""

    def __init__(self, rate: int, done: Callable[[Any, int], None]) -> None:
        self.rate = rate
        self._done = done
        self._mouths: list[Mouth] = []
        self._ears: list[Ear] = []
        self.made = 0

    def mouth(self) -> Mouth:
        if self._mouths:
            return self._mouths.pop()
        self.made += 1
        return Mouth(self.rate, self._done)

    def ear(self) -> Ear:
        ear = self._ears.pop() if self._ears else None
        if ear is None:
            self.made += 1
            ear = Ear(self.rate)
        ear.open()
        return ear

    def give_back_mouth(self, mouth: Mouth, audio: Any) -> None:
        mouth.stop()
        _disconnect(mouth, audio)
        self._mouths.append(mouth)

    def give_back_ear(self, ear: Ear, audio: Any) -> bytes:
        _disconnect(audio, ear)
        heard = ear.close()
        self._ears.append(ear)
        return heard

    def keep_past_the_endpoint(self) -> None:
        """The endpoint ends: its bridge goes with it, and a port destroyed after it would
        ask a bridge that is gone. The spares are never destroyed: Python forgets them
        without deleting what PJSIP holds (``thisown``), and they are kept until the
        process ends (a few a stack: as many as its calls at once)."""
        ports: list[Any] = [*self._mouths, *self._ears]
        for port in ports:
            port.thisown = False
            _PAST_THEIR_ENDPOINT.append(port)
        self._mouths.clear()
        self._ears.clear()


# The ports of endpoints that ended (:meth:`Ports.keep_past_the_endpoint`).
_PAST_THEIR_ENDPOINT: list[Any] = []


def _disconnect(source: Any, sink: Any) -> None:
    if source is None or sink is None:
        return
    with contextlib.suppress(Exception):  # the call's audio is gone already
        source.stopTransmit(sink)
