"""A homeserver out of reach: the start goes on (in an installation of several cities one
city's homeserver down holds up no other city: tests/system/test_cities_matrix.py) and says
once that it cannot be reached, naming the homeserver and no secret; a configured token the
homeserver does not know, or a wrong password, ends the start with AccountRefused (``python
-m bot run`` leaves a further city out and exits 1 for the main one, docs/operations.md);
one that goes away after a good start is tried again for as long as it takes, said once when
it goes and once when it answers again."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp import web

from bot.config import MatrixSection
from bot.transports.contract import AccountRefused
from bot.transports.matrix import MatrixTransport
from bot.transports.matrix.login import LoginFailed
from bot.transports.matrix.parts import _Client
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from tests.support.ports import free_port
from tests.support.synapse_server import Synapse

TOKEN = "syt_not_to_be_logged_4f2a"
BOT = "@nachbarbot:example.org"


def _transport(db: Database, homeserver: str, token: str = TOKEN) -> MatrixTransport:
    config = MatrixSection(homeserver=homeserver, user_id=BOT, access_token=token)
    return MatrixTransport(Dispatcher(db, build_router(), HandlerSettings()).ports, db, config)


async def test_a_start_that_cannot_reach_the_homeserver_goes_on_and_says_so_once(
    db: Database, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO)
    homeserver = f"http://127.0.0.1:{free_port()}"  # nobody listens
    transport = _transport(db, homeserver)
    # Not refused, and not held for ever (a hang detector, not a speed bound).
    await asyncio.wait_for(transport.connect(), 120)
    assert f"the homeserver {homeserver} cannot be reached" in caplog.text
    # Said once, not at each of matrix-nio's tries.
    assert caplog.text.count("cannot be reached") == 1
    assert TOKEN not in caplog.text
    await transport.stop()


async def test_a_token_the_homeserver_does_not_know_ends_the_start(db: Database, synapse: Synapse):
    transport = _transport(db, synapse.url)
    with pytest.raises(AccountRefused, match="M_UNKNOWN_TOKEN") as refused:
        await transport.connect()
    assert isinstance(refused.value.__cause__, LoginFailed)
    assert TOKEN not in str(refused.value)
    await transport.stop()


async def test_a_wrong_password_ends_the_start_as_a_refused_account(db: Database, synapse: Synapse):
    """Synapse answers the password login with 403 M_FORBIDDEN: the account is refused
    (trying again is no use), not the homeserver out of reach."""
    account = synapse.register("wrongpasswordbot")
    wrong = "not-the-password-7c1e"
    config = MatrixSection(homeserver=synapse.url, user_id=account["user_id"], password=wrong)
    transport = MatrixTransport(Dispatcher(db, build_router(), HandlerSettings()).ports, db, config)
    with pytest.raises(AccountRefused, match="M_FORBIDDEN") as refused:
        await transport.connect()
    assert wrong not in str(refused.value)
    await transport.stop()


async def test_a_homeserver_that_goes_away_is_tried_again_and_said_once(
    caplog: pytest.LogCaptureFixture,
):
    caplog.set_level(logging.INFO)
    port = free_port()
    client = _Client(f"http://127.0.0.1:{port}", BOT)
    client.access_token = TOKEN
    asked = asyncio.Event()

    async def whoami(_request: web.Request) -> web.Response:
        asked.set()
        return web.json_response({"user_id": BOT, "device_id": "BOTDEVICE"})

    app = web.Application()
    app.router.add_get("/_matrix/client/v3/account/whoami", whoami)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        request = asyncio.create_task(client.whoami())
        # The homeserver is away: said once, and tried again...
        for _ in range(600):  # a hang detector, not a speed bound
            if "cannot be reached" in caplog.text:
                break
            await asyncio.sleep(0.05)
        assert caplog.text.count("cannot be reached") == 1
        assert not request.done()
        # ...until it is back: the same request is answered, and that is said too.
        await web.TCPSite(runner, "127.0.0.1", port).start()
        response = await asyncio.wait_for(request, 120)
        assert response.user_id == BOT and asked.is_set()
        assert caplog.text.count("answers again") == 1
        assert caplog.text.count("cannot be reached") == 1
        assert TOKEN not in caplog.text
    finally:
        await client.close()
        await runner.cleanup()
