"""A voice message as the phone plays it: OGG/Opus (a volunteer's relayed voice message, as
Telegram and Matrix keep them) decoded to mono 16-bit PCM WAV at the call's clock rate.

PyAV (already the read-aloud encoder's, bot/speech/opus.py) decodes and resamples: its
wheels bring FFmpeg with libopus and the resampler, nothing else is installed. Any format
FFmpeg reads is taken the same way (a phone recording is WAV already).
"""

from __future__ import annotations

import io
import wave

import av
import numpy as np

# Longer than any voice message a chat allows: a file that says more is cut, not refused.
LONGEST_SECONDS = 15 * 60


class BadAudio(ValueError):
    """The bytes are not audio PyAV can read."""


def pcm(data: bytes, rate: int) -> np.ndarray:
    """The audio of ``data`` as mono signed 16-bit samples at ``rate`` a second."""
    most = LONGEST_SECONDS * rate
    chunks: list[np.ndarray] = []
    try:
        with av.open(io.BytesIO(data), "r") as container:
            if not container.streams.audio:
                raise BadAudio("no audio stream")
            resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
            kept = 0
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
                    kept += chunks[-1].size
                if kept >= most:
                    break
            else:
                for out in resampler.resample(None):
                    chunks.append(out.to_ndarray().reshape(-1))
    except av.error.FFmpegError as exc:
        raise BadAudio(type(exc).__name__) from None
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype="<i2")
    return samples[:most].astype("<i2")


def pcm_wav(data: bytes, rate: int) -> bytes:
    """``data`` (OGG/Opus or another audio file) as mono 16-bit PCM WAV at ``rate``."""
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes(pcm(data, rate).tobytes())
    return out.getvalue()
