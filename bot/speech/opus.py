"""Audio as OGG/Opus, encoded in this process by libopus through PyAV (its wheels bring
FFmpeg with libopus, its resampler and the Ogg muxer): what Telegram plays as a voice note
and Matrix clients as a voice message.

Opus takes 8, 12, 16, 24 or 48 kHz; engines give other rates (eSpeak NG 22.05 kHz), so the
encoder resamples to 24 kHz, which keeps all of a voice at a small size. Set for speech
("voip", 24 kbit/s) at complexity 1 of 10: on a slow core the higher complexities took three
times as long (0.14 s for ten seconds of speech instead of 0.05 s) for a voice message
that is as clear, and a fan-out to many listeners waits on it (bench/speech_bench.py).

The audio starts at time 0 (``pts``): without it the muxer counts the encoder's delay twice
and the file says it is 6.5 ms longer than what was said (Chromium's decoder showed it,
tests/bot/speech/test_decoded_in_chromium.py).
"""

from __future__ import annotations

import io

import numpy as np

from bot.speech.engine import Audio

OPUS_RATE = 24_000
BIT_RATE = 24_000
COMPLEXITY = 1


def ogg_opus(audio: Audio) -> bytes:
    """The audio as an OGG/Opus file."""
    import av  # PyAV (FFmpeg) loads in 0.1 s: only a process that speaks pays for it

    samples = np.clip(audio.samples, -1.0, 1.0).astype(np.float32)
    if not len(samples):
        samples = np.zeros(audio.rate // 10, dtype=np.float32)  # a tenth of a second of silence
    out = io.BytesIO()
    with av.open(out, "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=OPUS_RATE, layout="mono")
        stream.bit_rate = BIT_RATE
        stream.options = {"application": "voip", "compression_level": str(COMPLEXITY)}
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = audio.rate
        frame.pts = 0
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()
