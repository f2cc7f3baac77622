"""The SIP edge's configuration (bot/transports/phone/sip/edge.py), as Kamailio itself reads
it (``kamailio -c``), for the ways a city's ``[phone]`` can be written; and the edge
running: it answers, and stops with the bot."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from bot.transports.phone.sip import edge as edge_module
from bot.transports.phone.sip.admission import contact_token
from bot.transports.phone.sip.call_control import StackSettings
from bot.transports.phone.sip.edge import (
    CALLS_PER_LINE,
    FLOOD_REQUESTS,
    Edge,
    EdgePlan,
    check,
    check_config,
    kamailio_binary,
    options_answered,
)
from tests.support.sip.kamailio import free_udp_port

PROVIDER = StackSettings(
    bind="127.0.0.1",
    port=5060,
    registrar="sip:127.0.0.1:5070",
    user="1234567e0",
    password="secret-88",
)
TRUNK = StackSettings(bind="0.0.0.0", port=5060, trusted_peers=("198.51.100.0/24", "10.1.2.3:5080"))
BEHIND_NAT = StackSettings(
    bind="0.0.0.0",
    port=5060,
    public_address="203.0.113.7",
    registrar="sip:127.0.0.1",
    outbound_proxy="sip:127.0.0.1:5090;transport=udp",
    user="bot",
    password="pw",
)


def _plan(settings: StackSettings, lines: int = 5) -> EdgePlan:
    ports = list(range(20001, 20001 + lines))
    return EdgePlan.of(settings, inner=20000, lines=ports, notice=20001 + lines)


@pytest.mark.parametrize(
    "settings", [PROVIDER, TRUNK, BEHIND_NAT], ids=["provider", "trunk", "nat"]
)
def test_the_written_configuration_loads_in_kamailio(settings: StackSettings, tmp_path: Path):
    edge = Edge(_plan(settings), tmp_path)
    binary = edge.write()
    assert check_config(binary, edge.config_path, edge.defines) == ""
    assert edge.config_path.stat().st_mode & 0o077 == 0  # it holds the contact's token


def test_only_the_provider_is_in_the_address_file_and_the_token_is_asked(tmp_path: Path):
    edge = Edge(_plan(PROVIDER), tmp_path)
    edge.write()
    assert (tmp_path / "addresses").read_text().split() == [
        "1",
        "127.0.0.1",
        "32",
        "5070",
        "provider",
    ]
    text = edge.config_path.read_text()
    assert contact_token(PROVIDER.user, PROVIDER.password) in text
    # Every line and the notice line is a destination; a line holds CALLS_PER_LINE calls.
    defined = " ".join(edge.defines)
    for port in range(20001, 20007):
        assert f"sip:127.0.0.1:{port}" in defined
    assert f"PER_LINE={CALLS_PER_LINE}" in edge.defines


def test_without_a_provider_only_this_machine_may_send(tmp_path: Path):
    edge = Edge(_plan(StackSettings(bind="127.0.0.1", port=5060)), tmp_path)
    edge.write()
    rows = sorted((tmp_path / "addresses").read_text().splitlines())
    assert rows == ["1 127.0.0.0 8 0 provider", "1 [::1] 128 0 provider"]
    assert "WITH_TOKEN" not in edge.config_path.read_text()  # no registered contact


def test_a_configuration_kamailio_refuses_is_named(tmp_path: Path):
    broken = tmp_path / "broken.cfg"
    broken.write_text('#!KAMAILIO\nloadmodule "no_such_module.so"\n')
    assert check_config(kamailio_binary(), broken) != ""


def test_a_check_that_never_ends_is_a_named_fault_not_an_escape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # The edge's watcher starts it again after an EdgeFailed only: a check that ran past its
    # time and raised TimeoutExpired instead would end the watcher, and the edge for good.
    stuck = tmp_path / "kamailio"
    stuck.write_text("#!/bin/sh\nexec sleep 30\n")
    stuck.chmod(0o755)
    monkeypatch.setattr(edge_module, "CHECK_SECONDS", 0.2)
    assert "did not finish" in check_config(str(stuck), tmp_path / "any.cfg")


async def test_the_edge_runs_answers_and_stops(tmp_path: Path):
    port = free_udp_port(2)
    settings = StackSettings(bind="127.0.0.1", port=port)
    edge = Edge(EdgePlan.of(settings, inner=port + 1, lines=[9], notice=10), tmp_path)
    await edge.start()
    try:
        assert edge.running
        assert options_answered("127.0.0.1", port) and options_answered("127.0.0.1", port + 1)
    finally:
        await edge.stop()
    assert not edge.running
    assert not options_answered("127.0.0.1", port)


def _request(edge_port: int, request_line: str, sock: socket.socket) -> bytes:
    """``request_line`` and the headers of an INVITE, sent from ``sock``."""
    source, local = sock.getsockname()
    tag = uuid.uuid4().hex[:10]
    return (
        f"{request_line}\r\n"
        f"Via: SIP/2.0/UDP {source}:{local};branch=z9hG4bK{tag};rport\r\n"
        "Max-Forwards: 70\r\n"
        f"From: <sip:+4923155501@{source}>;tag={tag}\r\n"
        f"To: <sip:bot@127.0.0.1:{edge_port}>\r\n"
        f"Call-ID: {tag}@test\r\n"
        f"CSeq: 1 {request_line.split()[0]}\r\n"
        f"Contact: <sip:+4923155501@{source}:{local}>\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()


def _ask(edge_port: int, request_line: str, source: str = "127.0.0.1") -> str:
    """Send one request (:func:`_request`) from ``source``; the status line answered ("" when
    none within 10 s: only ever waited for where an answer must come)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((source, 0))
        sock.settimeout(10.0)
        sock.sendto(_request(edge_port, request_line, sock), ("127.0.0.1", edge_port))
        try:
            return sock.recv(4096).split(b"\r\n", 1)[0].decode()
        except TimeoutError:
            return ""


def _flood_until_silent(port: int, request_line: str) -> list[list[str]]:
    """Batches of ``FLOOD_REQUESTS`` requests from 127.0.0.2, until a batch is not answered
    in full (at most 20); what each batch got. After each batch an OPTIONS from 127.0.0.1
    (the provider here, never counted): the edge's one worker takes its public socket's
    requests in turn, so once that is answered every answer of the batch is here - no
    waiting for an answer that may not come, and a slow machine answers the same (pike
    counts 30 in 2 s; a batch is sent at once)."""
    batches: list[list[str]] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as stranger:
        stranger.bind(("127.0.0.2", 0))
        while len(batches) < 20 and (not batches or len(batches[-1]) == FLOOD_REQUESTS):
            for _ in range(FLOOD_REQUESTS):
                stranger.sendto(_request(port, request_line, stranger), ("127.0.0.1", port))
            assert _ask(port, f"OPTIONS sip:127.0.0.1:{port} SIP/2.0") == "SIP/2.0 200 OK"
            stranger.setblocking(False)
            batch: list[str] = []
            with contextlib.suppress(BlockingIOError):
                while True:
                    batch.append(stranger.recv(4096).split(b"\r\n", 1)[0].decode())
            batches.append(batch)
    return batches


async def test_the_edge_refuses_strangers_a_wrong_contact_and_methods_in_small_letters(
    tmp_path: Path,
):
    """Answers the edge gives itself, with no line behind it (a request it let through
    would get 100 Trying, then 408 from a line that is not there)."""
    port = free_udp_port(2)
    settings = StackSettings(
        bind="127.0.0.1", port=port, trusted_peers=("127.0.0.1",), user="bot", password="pw"
    )
    plan = EdgePlan.of(settings, inner=port + 1, lines=[9], notice=10)
    plan = replace(plan, token=contact_token("bot", "pw"))  # as with a registrar
    edge = Edge(plan, tmp_path)
    await edge.start()
    try:
        to_us = f"sip:bot@127.0.0.1:{port};nb={plan.token}"
        # A provider's request in small letters never reaches a line (PJSIP ends on one).
        assert await asyncio.to_thread(_ask, port, f"invite {to_us} SIP/2.0") == (
            "SIP/2.0 405 Method Not Allowed"
        )
        wrong = f"INVITE sip:bot@127.0.0.1:{port};nb=000000 SIP/2.0"
        assert await asyncio.to_thread(_ask, port, wrong) == "SIP/2.0 403 Forbidden"
        # Another address: 403, and nothing at all once it sends more than pike allows
        # (its tree of addresses learns a new source over a few times the density).
        stranger = await asyncio.to_thread(_flood_until_silent, port, f"INVITE {to_us} SIP/2.0")
        assert len(stranger[0]) == FLOOD_REQUESTS  # no more than pike allows: all answered
        assert {answer for batch in stranger for answer in batch} == {"SIP/2.0 403 Forbidden"}
        assert len(stranger[-1]) < FLOOD_REQUESTS  # then some, and later all, not at all
    finally:
        await edge.stop()


async def test_doctor_checks_kamailio_its_configuration_and_the_running_edge(tmp_path: Path):
    from bot.config import PhoneSection

    port = free_udp_port(2)
    phone = PhoneSection(
        enabled=True,
        bind="127.0.0.1",
        port=port,
        registrar="sip:127.0.0.1:5070",
        user="bot",
        password="pw",
    )
    name, status, detail = await asyncio.to_thread(check, phone)
    assert (name, status) == ("phone SIP edge", "WARN") and "is the bot running?" in detail
    settings = StackSettings(bind="127.0.0.1", port=port, registrar=phone.registrar)
    edge = Edge(EdgePlan.of(settings, inner=port + 1, lines=[9], notice=10), tmp_path)
    await edge.start()
    try:
        # Kamailio answers doctor's probe (403: doctor is no provider), so the edge runs.
        assert (await asyncio.to_thread(check, phone))[1] == "ok"
    finally:
        await edge.stop()


def test_the_provider_is_told_a_reachable_address_never_any():
    """Via, Record-Route and the registered contact carry an address the provider reaches:
    the public one behind NAT, else - bound to any address - this machine's address toward
    the provider, never 0.0.0.0."""
    provider = EdgePlan.of(
        StackSettings(bind="0.0.0.0", port=5060, registrar="sip:192.0.2.1"),
        inner=1,
        lines=[2],
        notice=3,
    )
    assert provider.public_address not in ("0.0.0.0", "127.0.0.1")
    assert _plan(BEHIND_NAT).public_address == "203.0.113.7"
    assert _plan(PROVIDER).public_address == ""  # bound to one address: that one
