"""The lines' INVITE filter (bot/transports/phone/sip/invite_filter.py, issue 62 point 4): what
a packet contains never switches it off. Whether PJSIP's packets can be read where the
filter reads them is decided once, when a line starts, with a request the line sends itself
- and on a PJSIP build the read was not measured on the filter does not run at all, the
lines ask the places when a call comes and ``doctor`` says so.

The calls come through Kamailio (it forks each INVITE to every registered line) from SIPp;
the unreadable request is sent from a plain UDP socket, as anyone on the internet could.
Nothing here is timed: the tests wait for what SIPp logs and for the lines' answers."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import generate_latest

from bot.config import PhoneSection
from bot.metrics import Metrics
from bot.transports.phone.calls.call_settings import CallSettings
from bot.transports.phone.sip import invite_filter, line_pool
from bot.transports.phone.sip.call_control import CallEvent, StackSettings
from bot.transports.phone.sip.places import SharedPlaces
from bot.transports.phone.sip.stack import Stack
from bot.transports.phone.transport import PhoneTransport
from bot.transports.registry import Attachment, named
from handlers.dispatcher import Dispatcher
from tests.support.sip.fixtures import BOT_PASSWORD, BOT_USER, PHONE_PASSWORD, PHONE_USERS
from tests.support.sip.kamailio import HOST, KamailioServer, free_udp_port
from tests.support.sip.sipp import HeldCallers

LINES = 2
PLACES = 8
PATIENT = CallSettings(idle_seconds=3600)


@pytest.fixture(autouse=True)
def patient_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three line processes start one after the other: a loaded machine is given time."""
    monkeypatch.setattr(line_pool, "START_SECONDS", 300.0)


@pytest.fixture
def registrar() -> Iterator[KamailioServer]:
    """A Kamailio of the test's own: no contact left from another test's lines."""
    server = KamailioServer(
        users={BOT_USER: BOT_PASSWORD} | dict.fromkeys(PHONE_USERS, PHONE_PASSWORD)
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _settings(kamailio: KamailioServer) -> StackSettings:
    return StackSettings(
        bind=HOST,
        port=free_udp_port(LINES + 1),
        registrar=kamailio.registrar_uri,
        user=BOT_USER,
        password=BOT_PASSWORD,
        rtp_timeout_seconds=3600,
    )


def _request(port: int, own_port: int, number: int, method: bytes) -> bytes:
    """A request with ``method`` as written (small letters: PJSIP reads ``invite`` as an
    INVITE, it compares methods ignoring case; the filter's request line does not)."""
    kind = f"{method.decode().lower()}-{number}"
    text = (
        f" sip:{BOT_USER}@{HOST}:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {HOST}:{own_port};branch=z9hG4bK-{kind};rport\r\n"
        "Max-Forwards: 70\r\n"
        f"From: <sip:stranger@{HOST}>;tag={kind}\r\n"
        f"To: <sip:{BOT_USER}@{HOST}>\r\n"
        f"Call-ID: {kind}@{HOST}\r\n"
        f"CSeq: 1 {method.decode()}\r\n"
        f"Contact: <sip:stranger@{HOST}:{own_port}>\r\n"
        "Content-Length: 0\r\n\r\n"
    )
    return method + text.encode()


def _final_answers(ports: list[int], method: bytes) -> dict[int, str]:
    """Send a ``method`` request to each port; each port's final status line (the line
    has handled the packet once it answered it)."""
    answers: dict[int, str] = {}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.bind((HOST, 0))
        sender.settimeout(120)  # an answer that never comes fails the test, it waits no less
        own_port = sender.getsockname()[1]
        for number, port in enumerate(ports):
            sender.sendto(_request(port, own_port, number, method), (HOST, port))
        while len(answers) < len(ports):
            data, (_, port) = sender.recvfrom(65536)
            status = data.split(b"\r\n", 1)[0].decode()
            if status.startswith("SIP/2.0 1"):
                continue  # 100 Trying
            answers[port] = status  # its repetitions (no ACK comes) are the same
    return answers


async def _until(what: str, condition: object) -> None:
    """Wait (on the loop) until ``condition()`` holds: the lines tell it by events."""
    for _ in range(30000):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never: {what}")


async def test_a_request_that_does_not_read_turns_no_filter_off(
    registrar: KamailioServer, dispatcher: Dispatcher
):
    phone = PhoneTransport(dispatcher, _settings(registrar), lines=LINES, in_call=PATIENT)
    metrics = Metrics()
    city = Attachment(
        None, None, slug="dortmund", is_main=True, count=metrics.city("dortmund").transport_event
    )
    named("phone").attach(phone, city)
    await phone.connect()
    burst = HeldCallers(registrar.domain, BOT_USER, "+49231555", PLACES)
    try:
        await asyncio.wait_for(phone.registered.wait(), 60)
        await _until("the lines' filter told", lambda: phone.notes.invite_filter)
        assert phone.notes.invite_filter == "on"
        lines = phone.stack._lines  # type: ignore[attr-defined]
        ports = [line.port for line in lines]
        running = [line.process.pid for line in lines]
        # Each line and the notice line refuse a request written in small letters (PJSIP
        # would answer it; the filter's request line does not read it)...
        answers = await asyncio.to_thread(_final_answers, ports, b"options")
        assert answers == dict.fromkeys(ports, "SIP/2.0 400 Bad Request")
        # ... and count it.
        await _until("3 unreadable counted", lambda: phone.notes.unreadable_requests == 3)
        assert (
            'nachbarbot_transport_events_total{city="dortmund",event="unreadable_sip",'
            'platform="phone"} 3.0'
        ) in generate_latest(metrics.registry).decode()
        # The places are still asked before PJSIP takes a call: 8 in one instant are 8
        # answered, the 9th hears why not.
        burst.start()
        finished = await asyncio.to_thread(burst.wait_for, PLACES)
        assert finished == {number: ["answered"] for number in range(1, PLACES + 1)}, (
            burst.stop().errors
        )
        late = HeldCallers(registrar.domain, BOT_USER, "+49231666", 1)
        late.start()
        try:
            told = await asyncio.to_thread(late.wait_for, 1)
        finally:
            errors = late.stop().errors
        assert told == {1: ["early", "busy"]}, errors
        config = PhoneSection(
            enabled=True, registrar=registrar.registrar_uri, user=BOT_USER, lines=LINES
        )
        found = await invite_filter.check(config, dispatcher.db)
        assert found is not None and found[1] == "ok", found
        assert "3 requests since did not read as SIP" in found[2]
        assert [line.process.pid for line in lines] == running  # no line ended for it
    finally:
        burst.stop()
        await phone.stop()


# A line process that believes no PJSIP build was measured (as on an upgraded PJSIP).
UNMEASURED_LINE = (
    "-c",
    "import runpy; from bot.transports.phone.sip import invite_filter;"
    " invite_filter.MEASURED = frozenset();"
    " runpy.run_module('bot.transports.phone.sip.line_process', run_name='__main__')",
)


async def test_on_a_build_not_measured_the_places_are_asked_when_the_call_comes(
    registrar: KamailioServer, dispatcher: Dispatcher, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(line_pool, "LINE_COMMAND", UNMEASURED_LINE)
    phone = PhoneTransport(dispatcher, _settings(registrar), lines=LINES, in_call=PATIENT)
    await phone.connect()
    held: list[HeldCallers] = []
    try:
        await asyncio.wait_for(phone.registered.wait(), 60)
        await _until("the lines' filter told", lambda: phone.notes.invite_filter)
        assert phone.notes.invite_filter.startswith("off: PJSIP "), phone.notes.invite_filter
        assert "was not measured" in phone.notes.invite_filter
        # One call after the other, each held: every place is given once, never twice.
        for number in range(1, PLACES + 1):
            caller = HeldCallers(registrar.domain, BOT_USER, f"+4923177{number}", 1)
            held.append(caller)
            caller.start()
            assert await asyncio.to_thread(caller.wait_for, 1) == {1: ["answered"]}, (
                caller.stop().errors
            )
        late = HeldCallers(registrar.domain, BOT_USER, "+49231666", 1)
        held.append(late)
        late.start()
        assert await asyncio.to_thread(late.wait_for, 1) == {1: ["early", "busy"]}, (
            late.stop().errors
        )
        held_now = phone.stack.places.held()  # type: ignore[attr-defined]
        assert (held_now[0], held_now[1]) == (4, 4)
    finally:
        for caller in held:
            caller.stop()
        await phone.stop()
    # doctor says it plainly, by this PJSIP (the test's process believes it measured) and
    # by what the lines found.
    config = PhoneSection(enabled=True, registrar=registrar.registrar_uri, lines=LINES)
    found = await invite_filter.check(config, dispatcher.db)
    assert found is not None and found[1] == "WARN" and "not measured" in found[2], found
    monkeypatch.setattr(invite_filter, "MEASURED", frozenset())
    found = await invite_filter.check(config, dispatcher.db)
    assert found is not None and found[1] == "WARN", found
    assert found[2].startswith("off: PJSIP ") and "was not measured" in found[2], found


async def test_a_layout_that_does_not_read_the_lines_own_request_runs_no_filter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The start's check: the packet is not where this PJSIP keeps it (a build that
    changed its structure), so the filter never reads anything there."""
    monkeypatch.setattr(invite_filter, "PACKET_OFFSET", invite_filter.PACKET_OFFSET + 8)
    places = tmp_path / "places.json"
    SharedPlaces.create(places, 1)
    told: list[CallEvent] = []
    stack = Stack(StackSettings(bind=HOST, places_file=str(places), line=0, lines=1), told.append)
    await stack.start()
    try:
        assert stack._filter is not None and not stack._filter.on
        assert stack._filter.state.startswith("off: the line's own request was not found")
        await _until("the filter's state told", lambda: told)
        assert told[0].kind == "filter" and told[0].value == stack._filter.state
    finally:
        await stack.stop()


async def test_a_line_alone_refuses_what_it_cannot_read_and_lives_on(
    dispatcher: Dispatcher,
):
    """One line runs in the bot's own process: PJSIP refusing ``invite sip:…`` as a call
    (403: not from the provider) ended that process, an assertion in PJSIP's
    ``pjsip_rx_data_free_cloned``. The filter refuses it first, 400."""
    phone = PhoneTransport(
        dispatcher, StackSettings(bind=HOST, trusted_peers=("192.0.2.1",)), in_call=PATIENT
    )
    await phone.connect()
    try:
        await _until("the filter told", lambda: phone.notes.invite_filter)
        assert phone.notes.invite_filter == "on"
        port = phone.stack.port
        answers = await asyncio.to_thread(_final_answers, [port], b"invite")
        assert answers == {port: "SIP/2.0 400 Bad Request"}
        await _until("1 unreadable counted", lambda: phone.notes.unreadable_requests == 1)
        # The line still answers (OPTIONS: PJSIP's 200).
        again = await asyncio.to_thread(_final_answers, [port], b"OPTIONS")
        assert again == {port: "SIP/2.0 200 OK"}
    finally:
        await phone.stop()


def test_only_the_measured_build_is_read():
    assert invite_filter.refusal(("2.15.1", "Linux", "x86_64")) == ""
    assert "not measured" in invite_filter.refusal(("2.16", "Linux", "x86_64"))
    assert "not measured" in invite_filter.refusal(("2.15.1", "Linux", "aarch64"))
