"""A line's end (stack.py ``_close``): it unregisters and waits for the registrar's answer
itself, so that pjsua's end need not wait its fixed second - and the registrar is left with
no contact of the line, which it would otherwise ring (and time out) for a caller."""

from __future__ import annotations

import asyncio

from bot.transports.phone.sip.stack import CallEvent, Stack
from tests.support.sip.fixtures import BOT_USER, bot_account
from tests.support.sip.kamailio import KamailioServer
from tests.support.sip.sipp import run_scenario


async def test_a_stopped_line_leaves_no_registration_behind(kamailio: KamailioServer):
    events: list[CallEvent] = []
    registered = asyncio.Event()

    def told(event: CallEvent) -> None:
        events.append(event)
        if event.kind == "registered" and event.value.startswith("2"):
            registered.set()

    settings = bot_account(kamailio)
    stack = Stack(settings, told)
    await stack.start()
    await asyncio.wait_for(registered.wait(), 30)
    await stack.stop()
    # The unregistration's answer is no news for the line's notes (doctor's line).
    assert [e.value for e in events if e.kind == "registered"] == ["200"]
    caller = await asyncio.to_thread(
        run_scenario, kamailio.domain, BOT_USER, caller="+4923155503", timeout_s=60
    )
    assert caller.count("SuccessfulCall") == 0
    assert f"nobody registered as {BOT_USER}" in kamailio.log_text()
