"""Audio as OGG/Opus, encoded in this process by libsndfile (the ``soundfile`` wheels bring
it with Opus): what Telegram plays as a voice note and Matrix clients as a voice message.

Opus takes 8, 12, 16, 24 or 48 kHz; engines give other rates (eSpeak NG 22.05 kHz), so the
audio is resampled first (``soxr``). 24 kHz keeps all of a voice at a small size.
"""

from __future__ import annotations

import io

import numpy as np
import soundfile
import soxr

from bot.speech.engine import Audio

OPUS_RATE = 24_000
OPUS_RATES = (8_000, 12_000, 16_000, 24_000, 48_000)


def ogg_opus(audio: Audio) -> bytes:
    """The audio as an OGG/Opus file."""
    samples, rate = audio.samples, audio.rate
    if rate not in OPUS_RATES:
        samples = soxr.resample(samples, rate, OPUS_RATE)
        rate = OPUS_RATE
    if not len(samples):
        samples = np.zeros(rate // 10, dtype=np.float32)  # a tenth of a second of silence
    out = io.BytesIO()
    soundfile.write(out, np.clip(samples, -1.0, 1.0), rate, format="OGG", subtype="OPUS")
    return out.getvalue()
