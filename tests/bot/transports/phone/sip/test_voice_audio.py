"""A relayed voice message as the phone plays it: OGG/Opus decoded to WAV at the call's
clock rate, as long as what was said."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from bot.speech.engine import Audio
from bot.speech.opus import ogg_opus
from bot.transports.phone.sip.voice_audio import BadAudio, pcm_wav


def _voice(seconds: float, rate: int = 22050) -> bytes:
    moment = np.arange(int(seconds * rate)) / rate
    return ogg_opus(Audio((0.4 * np.sin(2 * np.pi * 300 * moment)).astype(np.float32), rate))


@pytest.mark.parametrize("rate", [8000, 16000])
def test_an_ogg_opus_voice_becomes_wav_at_the_calls_rate_as_long_as_it_was(rate: int):
    with wave.open(io.BytesIO(pcm_wav(_voice(2.5), rate)), "rb") as file:
        assert (file.getnchannels(), file.getsampwidth(), file.getframerate()) == (1, 2, rate)
        frames = file.readframes(file.getnframes())
        seconds = file.getnframes() / rate
    assert abs(seconds - 2.5) < 0.05
    # the tone is there, not silence
    assert np.abs(np.frombuffer(frames, "<i2")).max() > 3000


def test_bytes_that_are_no_audio_are_refused():
    with pytest.raises(BadAudio):
        pcm_wav(b"not a voice message at all", 8000)
