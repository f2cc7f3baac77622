"""``python -m bot doctor`` says which languages read aloud speaks: all ten with the
embedded engine; with a speech server, the configured voices, and a failure with its
reason when the server refuses the key or is down (the real process, the fake speech
server of tests/support)."""

from __future__ import annotations

import asyncio

from tests.support.cli import run_bot
from tests.support.fake_speech_server import FakeSpeechServer
from tests.support.ports import free_port


async def _doctor(tmp_path, **env: str) -> list[str]:
    result = await asyncio.to_thread(
        run_bot, "doctor", database=tmp_path / "d.sqlite3", env=env, timeout=120
    )
    return [line for line in result.stdout.splitlines() if "read aloud" in line]


async def test_doctor_names_the_languages_read_aloud(tmp_path):
    [line] = await _doctor(tmp_path)
    assert line.startswith("ok") and "espeak: all languages" in line, line

    server = FakeSpeechServer(key="k", voices=frozenset({"thorsten"}))
    await server.start()
    try:
        [line] = await _doctor(
            tmp_path,
            NACHBARBOT_SPEECH__ENGINE="http",
            NACHBARBOT_SPEECH__URL=server.url,
            NACHBARBOT_SPEECH__VOICES="de=thorsten",
            NACHBARBOT_SPEECH__API_KEY="k",
        )
        assert line.startswith("WARN") and "no voice for" in line and "de," not in line, line
        assert server.requests and server.requests[-1]["voice"] == "thorsten"
        # A wrong key: the operator is told what the server said.
        [line] = await _doctor(
            tmp_path,
            NACHBARBOT_SPEECH__ENGINE="http",
            NACHBARBOT_SPEECH__URL=server.url,
            NACHBARBOT_SPEECH__VOICES="de=thorsten",
            NACHBARBOT_SPEECH__API_KEY="wrong",
        )
        assert line.startswith("FAIL") and "answered 401" in line, line
    finally:
        await server.stop()
    [line] = await _doctor(
        tmp_path,
        NACHBARBOT_SPEECH__ENGINE="http",
        NACHBARBOT_SPEECH__URL=f"http://127.0.0.1:{free_port()}",
        NACHBARBOT_SPEECH__VOICES="de=thorsten",
    )
    assert line.startswith("FAIL") and "not reachable" in line, line
