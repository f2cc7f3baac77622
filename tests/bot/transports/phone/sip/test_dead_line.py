"""A line process that dies with its calls (bot/transports/phone/sip/line_pool.py): the SIP edge
(edge.py) forgets them at once, through its control socket (edge_control.py).

One line of 4 places behind the edge, full with 4 callers (SIPp through Kamailio, held until
the bot hangs up). The line's process is killed: each of its callers gets a BYE from the edge
(their call ends, not silence until their phone gives up), the line is started again, and the
next 4 callers are all answered by it - the edge counts the line's places as free. Before,
the edge counted the dead line's 4 calls until they timed out (4 hours): the next callers
heard the busy notice, and the 4 callers of the dead line a silent call.

Nothing is timed: the test waits for SIPp's log of what each call got and for the line's
new process (a slow machine only makes it wait longer)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator

import pytest

from bot.transports.phone.sip.call_control import CALLS_PER_LINE
from handlers.dispatcher import Dispatcher
from tests.support.sip.fixtures import BOT_USER
from tests.support.sip.held_lines import all_answered, held_phone, own_registrar, wait_until
from tests.support.sip.kamailio import KamailioServer
from tests.support.sip.sipp import HeldCallers


@pytest.fixture
def registrar() -> Iterator[KamailioServer]:
    with own_registrar() as server:
        yield server


@pytest.mark.usefixtures("quick_restarts")
async def test_a_line_that_dies_is_forgotten_by_the_edge_its_callers_hear_the_end(
    registrar: KamailioServer, dispatcher: Dispatcher
):
    phone, lines = await held_phone(dispatcher, registrar, 1)
    line = lines._lines[0]
    first = HeldCallers(registrar.domain, BOT_USER, "+49231555", CALLS_PER_LINE)
    then = HeldCallers(registrar.domain, BOT_USER, "+49231666", CALLS_PER_LINE)
    try:
        await all_answered(phone, first, CALLS_PER_LINE)
        dead = line.process
        assert dead is not None
        dead.send_signal(signal.SIGKILL)

        # Each caller of the dead line: a BYE, answered (their call is over).
        await asyncio.to_thread(
            wait_until, lambda: len(first.ended()) == CALLS_PER_LINE, "the callers' calls ended"
        )
        await asyncio.to_thread(
            wait_until,
            lambda: line.process not in (None, dead) and bool(line.port),
            "the line runs again",
        )
        then.start()
        served = await asyncio.to_thread(then.wait_for, CALLS_PER_LINE)
        # Every next caller answered by the line, none sent to the busy notice.
        assert served == {n: ["answered"] for n in range(1, CALLS_PER_LINE + 1)}, then.stop().errors
        # Counted as 4 by the bot's line (its events come through a pipe, after the 200)
        # and by the edge, the notice line none.
        await asyncio.to_thread(
            wait_until, lambda: len(line.calls) == CALLS_PER_LINE, "the line holds the calls"
        )
        edge = lines.edge
        assert edge is not None
        counted = await asyncio.to_thread(
            lambda: (edge.control.calls_of("0"), edge.control.calls_of("notice"))
        )
        assert counted == (CALLS_PER_LINE, 0)
    finally:
        first.stop()
        then.stop()
        await phone.stop()
