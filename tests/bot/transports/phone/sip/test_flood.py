"""A packet storm at the phone (issue 82, point 1): 300 well-formed INVITEs a second for 10 s
from an address that is not the provider's (SIPp on 127.0.0.2; the provider, Kamailio, is on
127.0.0.1) to the bot's SIP port, while a resident's call is up. The bot's SIP edge (edge.py)
answers them 403, then nothing while the source floods, so no line process sees one: the
lines and the edge are the same running processes afterwards, no call came of the storm,
and the call in progress keeps taking keys - the caller chose a language before the storm
and agrees after it (the database shows both), then hangs up as usual.

Before the edge, the line pool's own INVITE filter let each line's PJSIP take such INVITEs
into a call slot first: about 100 a second to a line crashed it (a PJSIP assertion in
``pj_ioqueue_register_sock2``) and cut the call in progress.

Nothing here is timed but the storm itself: the test waits for the caller's first key to be
taken before it starts, and for SIPp's own ends."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from bot.transports.phone.sip.line_pool import Lines
from handlers.dispatcher import Dispatcher
from tests.support.sip.calls import callers
from tests.support.sip.fixtures import BOT_USER
from tests.support.sip.held_lines import held_phone, own_registrar
from tests.support.sip.kamailio import HOST, KamailioServer
from tests.support.sip.sipp import Step, flood, run_scenario

LINES = 2
RATE = 300
SECONDS = 10
STRANGER = "127.0.0.2"
CALLER = "+4923155599"
# The caller's second keys come this long after the first: after the storm, on any machine
# that sends it in time; during it on one that does not (the call must take them either way).
LATER_MS = 12500


@pytest.fixture
def registrar() -> Iterator[KamailioServer]:
    with own_registrar() as server:
        yield server


def _processes(lines: Lines) -> list[tuple[int, int | None]]:
    """Each line's and the edge's process: its id and exit code (None: running)."""
    running = [line.process for line in lines._lines]
    if lines.edge is not None:
        running.append(lines.edge.process)
    assert all(process is not None for process in running)
    return [(process.pid, process.returncode) for process in running if process is not None]


async def _until(found: object, what: str) -> None:
    """Wait until the coroutine function ``found`` says yes (by the database, not a clock
    of the test's: two minutes at most, for a loaded machine)."""
    for _ in range(6000):
        if await found():  # type: ignore[operator]
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never: {what}")


async def test_a_storm_of_invites_from_a_stranger_leaves_every_line_up_and_the_call_talking(
    registrar: KamailioServer, dispatcher: Dispatcher
):
    phone, lines = await held_phone(dispatcher, registrar, LINES)
    users = dispatcher.db.users
    try:
        await asyncio.wait_for(phone.registered.wait(), 60)
        before = _processes(lines)
        # The language at once; "Get help" and "I agree" long after (LATER_MS).
        call = asyncio.create_task(
            asyncio.to_thread(
                run_scenario,
                registrar.domain,
                BOT_USER,
                steps=[Step(1500, "1"), Step(LATER_MS, "21")],
                caller=CALLER,
                timeout_s=120,
            )
        )

        async def chose_a_language() -> bool:
            return await callers(dispatcher.db) == 1  # its call's own (a stand-in)

        await _until(chose_a_language, "the caller's first key was taken")
        storm = await asyncio.to_thread(
            flood, f"{HOST}:{lines.port}", BOT_USER, source=STRANGER, rate=RATE, seconds=SECONDS
        )
        assert storm.count("OutgoingCall") == RATE * SECONDS, storm.errors
        assert _processes(lines) == before  # every line and the edge: up, never restarted

        async def agreed() -> bool:
            return await callers(dispatcher.db, agreed=True) == 1

        await _until(agreed, "the caller's keys after the storm were taken")
        talked = await call
        assert (talked.returncode, talked.count("SuccessfulCall")) == (0, 1), talked.errors
        assert await users.find("phone", "+4923100000") is None  # no call came of the storm
        assert await callers(dispatcher.db) == 1
        assert _processes(lines) == before
    finally:
        await phone.stop()
