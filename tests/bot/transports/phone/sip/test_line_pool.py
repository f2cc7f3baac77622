"""More calls at once than one PJSIP takes (4): the phone's lines (bot/transports/phone/
line_pool.py), line processes behind the bot's SIP edge (edge.py), which registers for them
at Kamailio (the provider) and gives each call to one line.

SIPp makes 10 calls at once through Kamailio, each from a number of its own; the bot runs 3
lines (12 calls at most). Every call is answered by one line only and its keys are taken:
10 callers chose German and agreed. A call the bot makes goes out through a line too."""

from __future__ import annotations

import asyncio
import os
import signal
import socket

import pytest

from bot.config import PhoneSection
from bot.transports.phone.sip import registration
from bot.transports.phone.sip.call_control import CallEvent, StackSettings
from bot.transports.phone.sip.edge import EdgeFailed, options_answered
from bot.transports.phone.sip.line_pool import SPAN, Lines, line_settings
from bot.transports.phone.transport import PhoneTransport
from handlers.dispatcher import Dispatcher
from tests.support.sip.calls import callers
from tests.support.sip.fixtures import BOT_USER, bot_account
from tests.support.sip.kamailio import HOST, KamailioServer
from tests.support.sip.sipp import SippPhone, Step, callers_at_once

CALLS = 10
PREFIX = "+49231555"


async def _agreed(dispatcher: Dispatcher) -> int:
    """The callers who chose German and agreed (each call's own: a stand-in until its
    number is checked, handlers/numbers/caller_check.py)."""
    return await callers(dispatcher.db, agreed=True, language=dispatcher.settings.languages[0])


async def test_ten_calls_at_once_are_taken_by_three_lines(
    kamailio: KamailioServer, dispatcher: Dispatcher
):
    settings = bot_account(kamailio)
    phone = PhoneTransport(dispatcher.ports, settings, lines=3)
    await phone.connect()
    try:
        await asyncio.wait_for(phone.registered.wait(), 30)
        result = await asyncio.to_thread(
            callers_at_once,
            kamailio.domain,
            BOT_USER,
            PREFIX,
            CALLS,
            # The language, "Get help" (it keeps something: its notice first), "I agree".
            # The callers stay on the line well after their keys: a bot slowed by a busy
            # machine takes the last key after the caller is gone otherwise (0 agreed).
            [Step(1500, "121")],
            after_ms=12000,
        )
        assert result.returncode == 0, result.errors
        assert (result.count("SuccessfulCall"), result.count("FailedCall")) == (CALLS, 0)
        agreed = 0
        for _ in range(3000):  # until every caller's keys are taken (by the database)
            agreed = await _agreed(dispatcher)
            if agreed == CALLS:
                break
            await asyncio.sleep(0.02)
        assert agreed == CALLS
        config = PhoneSection(enabled=True, registrar=kamailio.registrar_uri, user=BOT_USER)
        assert (await registration.check(config, dispatcher.db))[1] == "ok"
    finally:
        await phone.stop()


async def test_a_call_the_bot_makes_goes_out_through_a_line(
    kamailio: KamailioServer, dispatcher: Dispatcher
):
    settings = StackSettings(bind=HOST)
    phone = PhoneTransport(dispatcher.ports, settings, lines=2)
    await phone.connect()
    answerer = SippPhone("uas_answer.xml", steps=[Step(300)], after_ms=300)
    answerer.start()
    try:
        told: asyncio.Queue[CallEvent] = asyncio.Queue()
        call_id = await phone.stack.make_call(answerer.uri, told.put_nowait)
        assert call_id // SPAN in (0, 1)
        events: list[CallEvent] = []
        while not events or events[-1].kind != "ended":
            events.append(await asyncio.wait_for(told.get(), 60))
        assert [event.kind for event in events if event.kind in ("answered", "ended")] == [
            "answered",
            "ended",
        ]
        assert events[-1].value == "200"
        # Typed events of the call the bot made, by the call id make_call gave.
        assert {event.call_id for event in events} == {call_id}
    finally:
        answerer.stop()
        await phone.stop()


def test_each_line_has_a_loopback_port_and_takes_its_audio_on_loopback():
    """5 lines and the notice line (the sixth), behind the edge; the notice line alone
    registers, with the edge's public address as its contact. A
    line's RTP is on 127.0.0.1 like its SIP, at any port: ``rtp_port`` and its range are
    the media relay's (media_relay.py), the only way a call's audio comes in."""
    settings = StackSettings(
        bind="0.0.0.0",
        port=5060,
        public_address="203.0.113.7",
        registrar="sip:sipgate.de",
        user="1234567e0",
        password="pw",
        rtp_port=4000,
        rtp_ports=100,
    )
    lines = [line_settings(settings, number, 5, 7001 + number, 7000) for number in range(6)]
    assert [(line.sip_bind, line.port) for line in lines] == [
        ("127.0.0.1", 7001 + number) for number in range(6)
    ]
    assert [line.rtp_port for line in lines] == [0] * 6
    assert [line.registers for line in lines] == [False] * 5 + [True]
    assert [line.notice for line in lines] == [False] * 5 + [True]
    assert {line.outbound_proxy for line in lines} == {"sip:127.0.0.1:7000"}
    # No token: the edge adds it to the REGISTER alone (test_contact_token.py).
    assert lines[5].contact == "<sip:1234567e0@203.0.113.7:5060>"
    anywhere = line_settings(StackSettings(), 3, 5)
    assert (anywhere.port, anywhere.rtp_port) == (0, 0)


@pytest.mark.usefixtures("quick_restarts")
async def test_a_line_that_dies_ends_its_calls_and_is_started_again(
    kamailio: KamailioServer, dispatcher: Dispatcher
):
    phone = PhoneTransport(dispatcher.ports, StackSettings(bind=HOST), lines=2)
    await phone.connect()
    lines = phone.stack
    assert isinstance(lines, Lines)
    answerer = SippPhone("uas_answer.xml", steps=[Step(30000)], after_ms=300)
    answerer.start()
    try:
        told: asyncio.Queue[CallEvent] = asyncio.Queue()
        call_id = await lines.make_call(answerer.uri, told.put_nowait)
        while (await asyncio.wait_for(told.get(), 60)).kind != "answered":
            pass
        line = lines._lines[call_id // SPAN]
        dead = line.process
        assert dead is not None
        dead.kill()
        while (await asyncio.wait_for(told.get(), 60)).kind != "ended":
            pass
        for _ in range(1500):  # until the line runs again (its new process said its port)
            if line.process is not None and line.process is not dead and line.port:
                break
            await asyncio.sleep(0.02)
        assert line.process is not dead and line.process is not None
        assert line.process.returncode is None and not line.calls
    finally:
        answerer.stop()
        await phone.stop()


async def test_a_sip_port_that_is_taken_stops_the_start_and_says_why():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind((HOST, 0))
        port = taken.getsockname()[1]
        lines = Lines(StackSettings(bind=HOST, port=port), lambda event: None, 2)
        with pytest.raises(EdgeFailed, match="the SIP edge ended at its start"):
            await lines.start()
    assert lines.edge is not None and not lines.edge.running
    assert all(line.process is None for line in lines._lines)


async def test_a_lines_loopback_port_taken_before_it_binds_is_chosen_again(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    """The pool chooses the lines' loopback ports, then starts the lines; a port another
    program binds meanwhile (any UDP socket bound to "any port" may get it - seen in CI once
    the lines' RTP took "any port" on loopback) no longer fails the bot's start: it starts
    again on other ports. A taken port the operator configured still stops it (above)."""
    from bot.transports.phone.sip import line_pool as lines_module

    real = lines_module.loopback_ports
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        held = taken.getsockname()[1]
        given: list[list[int]] = []

        def first_taken(count: int) -> list[int]:
            ports = real(count)
            # The edge's inner port, line 0's, the notice line's: the first time, line 0's is
            # the one taken.
            if count == 3 and not any(len(each) == 3 for each in given):
                ports[1] = held
            given.append(ports)
            return ports

        monkeypatch.setattr(lines_module, "loopback_ports", first_taken)
        lines = Lines(StackSettings(bind=HOST), lambda event: None, 1)
        try:
            await lines.start()
            assert "its loopback port was taken meanwhile" in caplog.text
            assert all(line.settings.port != held for line in lines._lines)
            assert all(line.process is not None for line in lines._lines)
        finally:
            await lines.stop()


@pytest.mark.usefixtures("quick_restarts")
async def test_a_line_that_ends_while_starting_says_how(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    """A line process that dies before it said it started (an error in its Python, a crash
    of the SIP stack) is named with its exit code or signal, not just "it ended", and tried
    once more before the start fails."""
    from bot.transports.phone.sip import line_pool as lines_module

    monkeypatch.setattr(
        lines_module, "settings_frame", lambda settings: {"no such setting": 1}
    )  # the line's StackSettings(**frame) raises: its Python ends with exit code 1
    lines = Lines(StackSettings(bind=HOST), lambda event: None, 1)
    with pytest.raises(RuntimeError, match="line 0 did not start: it ended with exit code 1"):
        await lines.start()
    assert caplog.text.count("starting it again") == 1


@pytest.mark.usefixtures("quick_restarts")
async def test_a_line_that_says_nothing_while_starting_is_ended_and_named(
    monkeypatch: pytest.MonkeyPatch,
):
    """A line process stuck before it started (it never answers) does not hold the bot's
    start for ever: it is ended after START_SECONDS and named."""
    from bot.transports.phone.sip import line_pool as lines_module

    # A process that says nothing (stuck, as a line once was in a clean-clone run).
    monkeypatch.setattr(lines_module, "LINE_COMMAND", ("-c", "import time; time.sleep(60)"))
    monkeypatch.setattr(lines_module, "START_SECONDS", 1.0)
    lines = Lines(StackSettings(bind=HOST), lambda event: None, 1)
    with pytest.raises(RuntimeError, match="line 0 did not start: nothing from it within 1 s"):
        await lines.start()
    assert lines._lines[0].process is None


@pytest.mark.usefixtures("quick_restarts")
async def test_an_edge_that_dies_is_started_again_and_the_lines_call_through_it():
    """Kamailio's main process killed (a crash): its workers go with it, a new edge takes the
    port, and a call the bot makes leaves through it."""
    lines = Lines(StackSettings(bind=HOST), lambda event: None, 1)
    await lines.start()
    answerer = SippPhone("uas_answer.xml", steps=[Step(300)], after_ms=300)
    answerer.start()
    try:
        edge = lines.edge
        assert edge is not None and edge.process is not None
        dead = edge.process
        os.kill(dead.pid, signal.SIGKILL)
        for _ in range(3000):  # until a new edge answers (RESTART_PAUSE, then its start)
            if edge.process not in (None, dead) and options_answered(HOST, lines.port):
                break
            await asyncio.sleep(0.02)
        assert edge.running and edge.process is not dead
        told: asyncio.Queue[CallEvent] = asyncio.Queue()
        await lines.make_call(answerer.uri, told.put_nowait)
        while (last := await asyncio.wait_for(told.get(), 60)).kind != "ended":
            pass
        assert last.value == "200"
    finally:
        answerer.stop()
        await lines.stop()
