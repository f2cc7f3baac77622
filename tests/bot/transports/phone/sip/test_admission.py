"""Who may ring the line (admission.py, and the SIP edge in front of the lines, edge.py) and
what a caller may not make the bot do.

The bot registered at Kamailio takes the calls Kamailio routes to it; SIPp, sending its
INVITE straight to the bot's port from this machine, is refused with 403 and never becomes
a call - whatever its From says. With the caller's address trusted (``trusted_peers``) an
INVITE must still be addressed to the contact the bot registered. Both hold for a stack
alone and for the lines behind the edge (where the edge answers, and no line sees the
INVITE). A caller's REFER (call someone else on the organisation's account) is declined
with 603 and no call is made.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace

import pytest

from bot.transports.phone.sip.admission import Admission, contact_token
from bot.transports.phone.sip.line_pool import Lines
from bot.transports.phone.sip.stack import CallEvent, StackSettings
from tests.support.sip.fixtures import BOT_USER, bot_account
from tests.support.sip.kamailio import HOST, KamailioServer
from tests.support.sip.registered_line import RegisteredLine
from tests.support.sip.sipp import SippPhone, Step, run_scenario

RESIDENT = "+4923155501"


class _Line(RegisteredLine):
    """A stack registered at Kamailio; what it tells, kept."""

    def calls(self) -> list[CallEvent]:
        return [event for event in self.events if event.kind in ("call", "offer")]


class _Edged(_Line):
    """Two lines behind the bot's SIP edge instead of a stack alone."""

    def __init__(self, settings: StackSettings) -> None:
        super().__init__(settings)
        self.stack = Lines(settings, self._event, 2)  # type: ignore[assignment]


# How the refusal must come: from a stack alone 403 (a 100 Trying may come first); behind
# the edge 403 at once, with no 100 Trying (the edge made no transaction: no line saw it).
_REFUSED = {_Line: "uac_refused.xml", _Edged: "uac_refused_at_once.xml"}


def _registered(kamailio: KamailioServer, **more: object) -> StackSettings:
    settings = bot_account(kamailio)
    return replace(settings, **more)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", [_Line, _Edged], ids=["stack", "edge"])
async def test_only_the_registrar_rings_the_line(kamailio: KamailioServer, kind: type[_Line]):
    async with kind(_registered(kamailio)) as line:
        direct = f"{HOST}:{line.stack.port}"
        stranger = await asyncio.to_thread(
            run_scenario, direct, BOT_USER, scenario=_REFUSED[kind], caller=RESIDENT
        )
        assert stranger.returncode == 0, stranger.errors
        assert stranger.count("SuccessfulCall") == 1
        assert line.calls() == []
        if kind is _Line:  # a stack alone refuses it itself
            assert line.stack.refusals == 1
        # The same caller through the provider is a call.
        honest = await asyncio.to_thread(
            run_scenario, kamailio.domain, BOT_USER, steps=[Step(500, "")], caller=RESIDENT
        )
        assert honest.count("SuccessfulCall") == 1, honest.errors
        assert [event.kind for event in line.calls()] == ["call"]


@pytest.mark.parametrize("kind", [_Line, _Edged], ids=["stack", "edge"])
async def test_a_trusted_address_still_needs_the_registered_contact(
    kamailio: KamailioServer, kind: type[_Line]
):
    """An address of the provider's network (trusted) that skips the registrar - or
    anyone sharing that network - does not know the contact's parameter."""
    async with kind(_registered(kamailio, trusted_peers=(HOST,))) as line:
        direct = f"{HOST}:{line.stack.port}"
        result = await asyncio.to_thread(
            run_scenario, direct, BOT_USER, scenario=_REFUSED[kind], caller=RESIDENT
        )
        assert result.count("SuccessfulCall") == 1, result.errors
        assert line.calls() == []


# SIPp's Request-URI, From and To (uac_refused.xml, uac_dtmf.xml), replaced in every message.
SIPP_URI = "sip:[service]@[remote_ip]:[remote_port] SIP/2.0"
SIPP_FROM = 'From: "SIPp" <sip:[caller]@[local_ip]:[local_port]>'
SIPP_TO = "To: <sip:[service]@[remote_ip]:[remote_port]>"
BAD_REQUEST = ('<recv response="403"/>', '<recv response="400"/>')


async def test_a_from_or_to_without_a_host_is_answered_400_at_the_edge(
    kamailio: KamailioServer,
):
    """'sip:+4923155501;user=phone' names no host (RFC 3261 19.1.1, 25.1: a SIP URI's
    host is a host name or an address): a line's PJSIP drops such an INVITE unanswered,
    and the caller waited for a timeout (408 from the edge after 10 s). The edge answers
    400 Bad Request at once (RFC 3261 21.4.1) and no line sees it; a tel: From (no host by
    its own syntax) and a usual call still ring. SIPp is the provider here (a trusted peer
    that knows the registered contact): the registrar's choice among contacts other tests
    left there is no part of it."""
    async with _Edged(_registered(kamailio, trusted_peers=(HOST,))) as line:
        direct = f"{HOST}:{line.stack.port}"
        contact = (
            SIPP_URI,
            SIPP_URI.replace(" SIP", f";nb={line.stack.edge.plan.token} SIP"),  # type: ignore[attr-defined]
        )
        for rewrite in (
            (SIPP_FROM, f'From: "SIPp" <sip:{RESIDENT};user=phone>'),
            (SIPP_FROM, f"From: <sips:{RESIDENT}>"),
            (SIPP_TO, "To: <sip:+4923100000;user=phone>"),
        ):
            refused = await asyncio.to_thread(
                run_scenario,
                direct,
                BOT_USER,
                scenario="uac_refused_at_once.xml",
                caller=RESIDENT,
                timeout_s=20,
                rewrites=[contact, rewrite, BAD_REQUEST],
            )
            assert refused.count("SuccessfulCall") == 1, (rewrite, refused.errors)
        assert line.calls() == []
        for rewrites in ([(SIPP_FROM, f'From: "SIPp" <tel:{RESIDENT}>')], []):
            rung = await asyncio.to_thread(
                run_scenario,
                direct,
                BOT_USER,
                steps=[Step(300, "")],
                caller=RESIDENT,
                rewrites=[contact, *rewrites],
            )
            assert rung.count("SuccessfulCall") == 1, rung.errors
        assert [event.kind for event in line.calls()] == ["call", "call"]


@pytest.mark.parametrize("kind", [_Line, _Edged], ids=["stack", "edge"])
async def test_a_stopped_line_leaves_no_registration_behind(
    kamailio: KamailioServer, kind: type[_Line]
):
    """The bot that stops unregisters: the registrar then answers a call 404 at once (the
    provider's own handling: an announcement, a mailbox) instead of sending it to an
    address where nothing answers. Behind the edge the edge stayed up for it: before, the
    lines' stop killed the edge first (its watch called off ended its process group) and
    the notice line's unregistration met a closed port - the registrar kept the contact
    for its whole expiry."""
    async with kind(_registered(kamailio)):
        pass
    after = await asyncio.to_thread(
        run_scenario,
        kamailio.domain,
        BOT_USER,
        scenario="uac_refused.xml",
        caller=RESIDENT,
        timeout_s=20,
        rewrites=[('<recv response="403"/>', '<recv response="404"/>')],
    )
    assert after.count("SuccessfulCall") == 1, after.errors


async def test_a_caller_on_the_line_when_the_bot_stops_is_hung_up(kamailio: KamailioServer):
    """A caller in a call when the bot stops gets its BYE through the edge (uac_vanish.xml:
    the caller never hangs up, the call succeeds when the bot's BYE comes). Before, the
    edge was ended before the lines hung up: the BYE met a closed port, and the caller's
    phone stayed in a silent call until they hung up themselves."""
    async with _Edged(_registered(kamailio)) as line:
        caller = asyncio.create_task(
            asyncio.to_thread(
                run_scenario,
                kamailio.domain,
                BOT_USER,
                scenario="uac_vanish.xml",
                after_ms=0,
                caller=RESIDENT,
                timeout_s=60,
            )
        )
        # The call is answered, its audio on (SIPp's own wait is bounded): a stop while the
        # answer is still on its way meets a caller not yet in the call (once in a clean
        # clone's CI: "unexpected BYE" before SIPp had its 200).
        while not any(event.kind == "audio" for event in line.events) and not caller.done():
            await asyncio.sleep(0.05)
    result = await caller
    assert result.count("SuccessfulCall") == 1, result.errors


async def test_a_callers_refer_is_declined_and_calls_nobody(kamailio: KamailioServer):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as target:
        target.bind((HOST, 0))
        target.setblocking(False)
        refer_to = f"sip:09001234567@{HOST}:{target.getsockname()[1]}"
        async with _Line(_registered(kamailio)) as line:
            result = await asyncio.to_thread(
                run_scenario,
                kamailio.domain,
                BOT_USER,
                scenario="uac_refer.xml",
                caller=RESIDENT,
                extra=("-key", "refer_to", refer_to),
            )
            assert result.count("SuccessfulCall") == 1, result.errors
            assert [event.kind for event in line.calls()] == ["call"]
        # The stack has ended (its calls hung up): nothing was ever sent to the target.
        with pytest.raises(BlockingIOError):
            target.recv(4096)


def test_the_rule_reads_sources_and_request_uris():
    token = contact_token("user", "secret")
    assert token == contact_token("user", "secret") != contact_token("user", "other")
    rule = Admission.of(
        registrar="sip:192.0.2.1:5070",
        outbound_proxy="",
        trusted_peers=("198.51.100.0/24", "[2001:db8::5]:5060"),
        token=token,
    )
    to_us = f"INVITE sip:bot@203.0.113.9:5060;nb={token} SIP/2.0\r\nVia: x\r\n"
    assert rule.refuses("192.0.2.1:5070", to_us) == ""
    assert rule.refuses("192.0.2.1:5071", to_us) == "not from the provider"
    assert rule.refuses("198.51.100.77:40000", to_us) == ""
    assert rule.refuses("[2001:db8::5]:5060", to_us) == ""
    assert rule.refuses("203.0.113.50:5060", to_us) == "not from the provider"
    guessed = "INVITE sip:bot@203.0.113.9:5060;nb=0000 SIP/2.0\r\n"
    assert rule.refuses("192.0.2.1:5070", guessed) == "not to the registered contact"
    assert rule.refuses("garbage", to_us) == "not from the provider"
    # Without a registrar nor trusted peers: this machine only.
    local = Admission.of(registrar="", outbound_proxy="", trusted_peers=(), token=token)
    assert local.refuses("127.0.0.1:5999", "INVITE sip:x@y SIP/2.0") == ""
    assert local.refuses("192.0.2.1:5060", "INVITE sip:x@y SIP/2.0") == "not from the provider"


async def test_the_password_answers_the_providers_realm_only(kamailio: KamailioServer):
    """A host that is not the provider challenges the bot's call: no digest of the SIP
    password goes to it, the call ends with the challenge (401)."""
    with SippPhone("uas_challenge.xml") as stranger:
        async with _Line(_registered(kamailio)) as line:
            told: asyncio.Queue[CallEvent] = asyncio.Queue()
            await line.stack.make_call(stranger.uri, told.put_nowait)
            while (last := await asyncio.wait_for(told.get(), 60)).kind != "ended":
                pass
            assert last.value == "401"
        assert stranger.wait(timeout=30).count("SuccessfulCall") == 1


def test_doctor_says_who_may_call():
    from bot.config import PhoneSection
    from bot.transports.phone.sip.admission import check

    direct = PhoneSection(enabled=True)
    assert check(direct)[1] == "WARN" and "trusted_peers" in check(direct)[2]
    # Issue 99, point 6f: every address trusted is no trunk: said, not "ok".
    for everyone in ("0.0.0.0/0", "198.51.100.7, ::/0"):
        verdict, detail = check(PhoneSection(enabled=True, trusted_peers=everyone))[1:]
        assert verdict == "WARN" and detail.startswith("open to all"), (everyone, detail)
    provider = PhoneSection(
        enabled=True, registrar="sip:127.0.0.1:5070", trusted_peers="198.51.100.0/24"
    )
    assert check(provider) == (
        "phone callers",
        "ok",
        "calls taken from 127.0.0.1:5070, 198.51.100.0/24 only; addressed to the registered "
        "contact",
    )
    nowhere = PhoneSection(enabled=True, trusted_peers="nowhere.invalid")
    assert check(nowhere)[1] == "FAIL" and "nowhere.invalid" in check(nowhere)[2]


async def test_a_request_longer_than_a_line_reads_is_refused_513_at_the_edge(
    kamailio: KamailioServer, capfd: pytest.CaptureFixture[str]
):
    """Issue 98, point 8 (d): an INVITE through the provider with a 3,700-byte header is
    longer than a line's PJSIP reads (4,000 bytes with what the edge adds): each line
    logged seven PJSIP errors for it, so any caller could write the log. The edge answers
    it 513 Message Too Large (RFC 3261 21.5.14) and no line sees it or says a word; a
    usual call still rings."""
    async with _Edged(_registered(kamailio)) as line:
        capfd.readouterr()
        refused = await asyncio.to_thread(
            run_scenario,
            kamailio.domain,
            BOT_USER,
            scenario="uac_refused.xml",
            caller=RESIDENT,
            headers=["X-Note: " + "a" * 3700],
            rewrites=[('<recv response="403"/>', '<recv response="513"/>')],
        )
        assert refused.count("SuccessfulCall") == 1, refused.errors
        assert line.calls() == []
        rung = await asyncio.to_thread(
            run_scenario, kamailio.domain, BOT_USER, steps=[Step(300, "")], caller=RESIDENT
        )
        assert rung.count("SuccessfulCall") == 1, rung.errors
        assert [event.kind for event in line.calls()] == ["call"]
    said = capfd.readouterr()
    assert "pjsua" not in said.err.lower() and "ERROR" not in said.err, said.err[-2000:]
