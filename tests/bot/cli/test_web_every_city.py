"""``python -m bot web`` - the web as a process of its own beside the bot
(deploy/nachbarbot-web.service, or several behind a proxy) - serves every city's map and desk
that has a port, as ``run`` does (docs/configuration.md, "Each city's web"). Before, it
served the main city's alone: with the web in its own process, Unna's coordinators had no
desk and Unna's map did not answer."""

from __future__ import annotations

import os

import aiohttp

from tests.support import browser
from tests.support.bot_process import launch_bot
from tests.support.cli import stop_bot
from tests.support.ports import free_port
from tests.support.two_cities import write_cities


async def _answers(base: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(f"{base}/") as page:
        return page.status, await page.text()


async def test_the_web_alone_serves_every_citys_map_and_desk(tmp_path):
    ports = {"dortmund": free_port(), "unna": free_port()}
    config = write_cities(
        tmp_path,
        str(tmp_path / "nachbarbot.sqlite3"),
        dortmund=f'[web]\nlisten = "127.0.0.1"\nport = {ports["dortmund"]}\n',
        unna=f"[web]\nport = {ports['unna']}\n",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NACHBARBOT_")}
    log = tmp_path / "web.log"
    process = launch_bot(config, env, log, "web")

    async def serving() -> bool:
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            for port in ports.values():
                async with (
                    aiohttp.ClientSession() as http,
                    http.get(f"http://127.0.0.1:{port}/desk") as desk,
                ):
                    assert desk.status == 403  # the desk's entrance: only for coordinators
        except aiohttp.ClientConnectionError:
            return False
        return True

    try:
        await browser.wait_until(serving, timeout=60)
        for port in ports.values():
            status, page = await _answers(f"http://127.0.0.1:{port}")
            assert status == 200, log.read_text(errors="replace")[-3000:]
            assert 'id="map"' in page
    finally:
        await stop_bot(process)
    assert process.returncode == 0, log.read_text(errors="replace")[-3000:]
