"""What a phone heard, measured: a WAV's length and where in it there is sound.

``segments(path)`` splits a recording into stretches of sound and of silence by the RMS of
20 ms windows (G.711's frame): a window is sound when its RMS is above ``threshold`` (on
16-bit samples; G.711's quantisation noise of digital silence stays far below it), and gaps
of silence shorter than ``min_gap`` inside a sound (pauses between words) do not split it.
Used to check that a prompt was heard, how long it lasted, and that a pause followed.
"""

from __future__ import annotations

import math
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

WINDOW_SECONDS = 0.02
THRESHOLD = 300.0


@dataclass(frozen=True)
class Segment:
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


def snapshot(growing: Path, target: Path) -> Path:
    """What a WAV still being written holds so far, as a whole WAV at ``target``.

    libsndfile (baresip's ``sndfile`` filter) writes the header's lengths only when it closes
    the file: while the call lasts the header says 0, but the samples are in the file as
    they come. The chunks before ``data`` are read for the format, the rest is the sound."""
    raw = growing.read_bytes()
    rate, channels, at = 8000, 1, 12
    while at + 8 <= len(raw):
        name, size = raw[at : at + 4], int.from_bytes(raw[at + 4 : at + 8], "little")
        if name == b"fmt ":
            channels = int.from_bytes(raw[at + 10 : at + 12], "little")
            rate = int.from_bytes(raw[at + 12 : at + 16], "little")
        if name == b"data":
            body = raw[at + 8 :]
            break
        at += 8 + size + (size & 1)
    else:
        body = b""
    with wave.open(str(target), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(body[: len(body) - len(body) % (2 * channels)])
    return target


def samples(path: Path) -> tuple[np.ndarray, int]:
    """The first channel's samples as floats, and the sample rate."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path}: 16-bit WAV expected")
        channels, rate = wav.getnchannels(), wav.getframerate()
        raw = wav.readframes(wav.getnframes())
    data = np.frombuffer(raw, dtype="<i2").astype(np.float64)
    return data[::channels], rate


def write_tone(
    path: Path,
    seconds: float,
    *,
    frequency: float = 440.0,
    amplitude: int = 8000,
    rate: int = 8000,
    silence_after: float = 0.0,
) -> Path:
    """A sine tone as a mono 16-bit WAV (a stand-in for speech), then optional silence."""
    times = np.arange(int(seconds * rate)) / rate
    tone = (amplitude * np.sin(2 * np.pi * frequency * times)).astype("<i2")
    quiet = np.zeros(int(silence_after * rate), dtype="<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.concatenate([tone, quiet]).tobytes())
    return path


def duration(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def window_rms(path: Path, window: float = WINDOW_SECONDS) -> list[float]:
    data, rate = samples(path)
    size = max(1, int(rate * window))
    count = len(data) // size
    if count == 0:
        return []
    frames = data[: count * size].reshape(count, size)
    return [float(value) for value in np.sqrt(np.mean(frames**2, axis=1))]


def rms(path: Path) -> float:
    data, _ = samples(path)
    return float(math.sqrt(float(np.mean(data**2)))) if len(data) else 0.0


def segments(
    path: Path,
    *,
    threshold: float = THRESHOLD,
    min_gap: float = 0.3,
    min_sound: float = 0.06,
    window: float = WINDOW_SECONDS,
) -> list[Segment]:
    """The stretches with sound, in order; shorter than ``min_sound`` are dropped (clicks)."""
    found: list[Segment] = []
    start: float | None = None
    last_loud = 0.0
    for index, value in enumerate(window_rms(path, window)):
        at = index * window
        if value >= threshold:
            if start is None:
                start = at
            elif at - last_loud > min_gap:
                found.append(Segment(start, last_loud))
                start = at
            last_loud = at + window
    if start is not None:
        found.append(Segment(start, last_loud))
    return [segment for segment in found if segment.seconds >= min_sound]


def sound_seconds(path: Path, **options: float) -> float:
    """How many seconds of the recording have sound in them (the segments' total)."""
    return sum(segment.seconds for segment in segments(path, **options))
