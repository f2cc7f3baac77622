"""The bridge's ports of the bot's own (bridge_ports.py): a mouth says a prompt frame by
frame and tells once when it was said to its end; an ear keeps only what came while it was
open; a port given back is the next one taken, so that none is destroyed while the
endpoint lives (the crash they replace is described there). The frames are asked for
here as the bridge's clock thread asks, on a real pjsua2 endpoint without a sound card;
in calls they are heard through Kamailio (test_whole_story.py, test_recordings.py)."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pjsua2 as pj
import pytest

from bot.transports.phone.sip.bridge_ports import FRAME_MS, Ports, pcm_of

RATE = 8000
FRAME_BYTES = RATE * FRAME_MS // 1000 * 2


@pytest.fixture
def ports() -> Iterator[Ports]:
    endpoint = pj.Endpoint()
    endpoint.libCreate()
    config = pj.EpConfig()
    config.uaConfig.threadCnt = 0
    config.logConfig.level = 0
    config.logConfig.consoleLevel = 0
    config.medConfig.clockRate = RATE
    config.medConfig.sndClockRate = RATE
    endpoint.libInit(config)
    endpoint.libStart()
    endpoint.audDevManager().setNullDev()
    made = Ports(RATE, lambda owner, serial: said.append((owner, serial)))
    said.clear()
    try:
        yield made
    finally:
        made.keep_past_the_endpoint()
        endpoint.libDestroy()


said: list[tuple[object, int]] = []


def _frame(port: object) -> tuple[int, bytes]:
    frame = pj.MediaFrame()
    frame.size = FRAME_BYTES
    port.onFrameRequested(frame)  # type: ignore[attr-defined]
    return int(frame.type), bytes(frame.buf)


def test_a_mouth_says_a_prompt_to_its_end_once(ports: Ports):
    mouth = ports.mouth()
    pcm = bytes(range(256)) * 3  # 768 bytes: two whole frames and a part
    serial = mouth.play("call", pcm)
    frames = [_frame(mouth) for _ in range(3)]
    assert [kind for kind, _ in frames] == [pj.PJMEDIA_FRAME_TYPE_AUDIO] * 3
    assert b"".join(data for _, data in frames) == pcm.ljust(3 * FRAME_BYTES, b"\0")
    assert said == [("call", serial)]
    # Then silence, and no second end.
    assert _frame(mouth)[0] == pj.PJMEDIA_FRAME_TYPE_NONE
    assert said == [("call", serial)]


def test_a_prompt_stopped_or_replaced_never_ends(ports: Ports):
    mouth = ports.mouth()
    first = mouth.play("call", b"\1" * FRAME_BYTES * 2)
    _frame(mouth)
    mouth.stop()
    assert _frame(mouth)[0] == pj.PJMEDIA_FRAME_TYPE_NONE
    second = mouth.play("call", b"\2" * FRAME_BYTES)
    assert second != first
    assert _frame(mouth) == (pj.PJMEDIA_FRAME_TYPE_AUDIO, b"\2" * FRAME_BYTES)
    assert said == [("call", second)]


def test_an_ear_keeps_only_what_came_while_it_was_open(ports: Ports):
    ear = ports.ear()
    frame = pj.MediaFrame()
    frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
    frame.buf = pj.ByteVector(b"\x00\x40" * (FRAME_BYTES // 2))
    frame.size = FRAME_BYTES
    ear.onFrameReceived(frame)
    assert ear.level > 0
    heard = ports.give_back_ear(ear, None)
    assert heard == b"\x00\x40" * (FRAME_BYTES // 2)
    ear.onFrameReceived(frame)  # a frame after it was given back: not kept
    assert ear.close() == b""
    again = ports.ear()
    assert again is ear
    assert ports.give_back_ear(again, None) == b""


def test_ports_given_back_are_taken_again_not_made_anew(ports: Ports):
    for _ in range(5):  # calls one after another
        mouth, ear = ports.mouth(), ports.ear()
        ports.give_back_ear(ear, None)
        ports.give_back_mouth(mouth, None)
    assert ports.made == 2
    together = [ports.mouth() for _ in range(3)]  # three calls at once
    assert len({id(mouth) for mouth in together}) == 3
    assert ports.made == 4


def test_a_prompt_made_at_the_calls_rate_is_taken_as_it_is(tmp_path: Path):
    path = tmp_path / "mono8k.wav"
    tone = (np.sin(np.arange(800) / 5) * 8000).astype("<i2").tobytes()
    with wave.open(str(path), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(RATE)
        file.writeframes(tone)
    assert pcm_of(path, RATE) == tone


def test_a_prompt_is_read_at_the_calls_rate(tmp_path: Path):
    path = tmp_path / "stereo16k.wav"
    tone = (np.sin(np.arange(1600) / 5) * 8000).astype("<i2")
    with wave.open(str(path), "wb") as file:
        file.setnchannels(2)
        file.setsampwidth(2)
        file.setframerate(16000)
        file.writeframes(np.repeat(tone, 2).tobytes())
    samples = np.frombuffer(pcm_of(path, RATE), dtype="<i2")
    assert len(samples) == 800  # 0.1 s at 8 kHz, one channel
    assert abs(int(samples[100]) - int(tone[200])) < 50
    path.write_bytes(b"not a wave")
    with pytest.raises(ValueError):
        pcm_of(path, RATE)
