"""The edge's admission token reaches the provider's registrar only (issue 98, point 2).

The provider routes a call to the contact the bot registered, whose parameter (``;nb=…``,
admission.py) the edge asks of every INVITE. Before, every line's Contact carried it: in
each answer to a caller, in the bot's own calls to whoever it rang, in the REGISTER - and
it was made from the SIP password, the same for ever. One INVITE with the provider's
address forged as its source and that token was a call as any number.

Now no line's contact carries it; the edge writes it into the notice line's REGISTER alone
(the registrar's copy), and it is new at every start: a caller's 200 OK (SIPp through
Kamailio, the provider here) holds no ``nb=``, the INVITE a callee of the bot's gets holds
none, and an INVITE from the provider's address with the token of the start before - or
the one the password made - is refused 403 while the registrar's call rings. The
provider's own address is counted too, with a ceiling far above a real provider's: past it
the edge answers 503.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from dataclasses import replace

from bot.transports.phone.sip.admission import contact_token
from bot.transports.phone.sip.edge import PROVIDER_REQUESTS
from bot.transports.phone.sip.line_pool import Lines
from bot.transports.phone.sip.stack import CallEvent, StackSettings
from tests.support.sip.fixtures import BOT_PASSWORD, BOT_USER, bot_account
from tests.support.sip.kamailio import HOST, KamailioServer
from tests.support.sip.registered_line import RegisteredLine
from tests.support.sip.sipp import Step, run_scenario

CALLER = "+4923155566"
# The caller's 200 OK must not hold the parameter (SIPp fails the call when it does).
NO_TOKEN_IN_THE_ANSWER = (
    '<recv response="200" rtd="true" rrs="true"/>',
    '<recv response="200" rtd="true" rrs="true"><action><ereg regexp="nb=" search_in="msg"'
    ' check_it_inverse="true" assign_to="leak"/></action></recv>',
)
USED = ("</scenario>", '<Reference variables="leak"/></scenario>')
SIPP_URI = "sip:[service]@[remote_ip]:[remote_port] SIP/2.0"


class _Edged(RegisteredLine):
    """Two lines behind the bot's SIP edge, registered at Kamailio."""

    def __init__(self, settings: StackSettings) -> None:
        super().__init__(settings)
        self.stack = Lines(settings, self._event, 2)  # type: ignore[assignment]

    @property
    def token(self) -> str:
        edge = self.stack.edge  # type: ignore[attr-defined]
        assert edge is not None
        return str(edge.plan.token)

    def calls(self) -> list[CallEvent]:
        return [event for event in self.events if event.kind in ("call", "offer")]


def _with(token: str) -> tuple[str, str]:
    """SIPp's Request-URI addressed to the contact with ``token``."""
    return SIPP_URI, SIPP_URI.replace(" SIP", f";nb={token} SIP")


async def test_no_answer_to_a_caller_and_no_call_of_the_bots_carries_the_token(
    kamailio: KamailioServer,
):
    async with _Edged(bot_account(kamailio)) as line:
        assert line.token
        talked = await asyncio.to_thread(
            run_scenario,
            kamailio.domain,
            BOT_USER,
            steps=[Step(300, "")],
            caller=CALLER,
            rewrites=[NO_TOKEN_IN_THE_ANSWER, USED],
        )
        assert talked.count("SuccessfulCall") == 1, talked.errors
        assert [event.kind for event in line.calls()] == ["call"]
        # The bot's own call: what the called phone (a socket here) is sent.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as callee:
            callee.bind((HOST, 0))
            callee.settimeout(60)
            told: asyncio.Queue[CallEvent] = asyncio.Queue()
            await line.stack.make_call(
                f"sip:{CALLER}@{HOST}:{callee.getsockname()[1]}", told.put_nowait
            )
            invite = (await asyncio.to_thread(callee.recv, 65536)).decode(errors="replace")
            assert invite.startswith("INVITE ")
            assert "nb=" not in invite and line.token not in invite
            while (await asyncio.wait_for(told.get(), 60)).kind != "ended":
                pass


async def test_a_leaked_token_is_refused_after_the_next_start(kamailio: KamailioServer):
    """SIPp on the provider's address (a trusted peer) sends straight to the edge: with
    the token of this start it rings, with the one of the start before or the one the
    password made it is refused 403, and the registrar's call rings with the new token."""
    settings = replace(bot_account(kamailio), trusted_peers=(HOST,))
    async with _Edged(settings) as first:
        leaked = first.token
        rung = await asyncio.to_thread(
            run_scenario,
            f"{HOST}:{first.stack.port}",
            BOT_USER,
            steps=[Step(300, "")],
            caller=CALLER,
            rewrites=[_with(leaked)],
        )
        assert rung.count("SuccessfulCall") == 1, rung.errors
    async with _Edged(settings) as line:
        assert line.token != leaked
        for token in (leaked, contact_token(BOT_USER, BOT_PASSWORD)):
            refused = await asyncio.to_thread(
                run_scenario,
                f"{HOST}:{line.stack.port}",
                BOT_USER,
                scenario="uac_refused_at_once.xml",
                caller=CALLER,
                rewrites=[_with(token)],
            )
            assert refused.count("SuccessfulCall") == 1, refused.errors
        assert line.calls() == []
        honest = await asyncio.to_thread(
            run_scenario, kamailio.domain, BOT_USER, steps=[Step(300, "")], caller=CALLER
        )
        assert honest.count("SuccessfulCall") == 1, honest.errors
        assert [event.kind for event in line.calls()] == ["call"]


def _options(port: int, number: int, local: int) -> bytes:
    tag = uuid.uuid4().hex[:10]
    return (
        f"OPTIONS sip:{HOST}:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {HOST}:{local};branch=z9hG4bK{tag}{number};rport\r\n"
        "Max-Forwards: 70\r\n"
        f"From: <sip:provider@{HOST}>;tag={tag}\r\n"
        f"To: <sip:{HOST}:{port}>\r\n"
        f"Call-ID: {tag}{number}@provider\r\n"
        f"CSeq: {number} OPTIONS\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()


async def test_the_providers_own_address_has_a_ceiling(kamailio: KamailioServer):
    """Requests from the provider's address (a trusted peer) past PROVIDER_REQUESTS in
    the edge's counting window are answered 503; the ones before were answered 200."""
    settings = replace(bot_account(kamailio), trusted_peers=(HOST,))
    async with _Edged(settings) as line:
        port = line.stack.port
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as provider:
            provider.bind((HOST, 0))
            provider.settimeout(5)
            answers: list[bytes] = []
            # Bursts of three ceilings at once until one passed it (on a slow machine a
            # burst may straddle two windows: the next one is sent).
            for burst in range(10):
                for number in range(PROVIDER_REQUESTS * 3):
                    request = _options(port, burst * 10000 + number, provider.getsockname()[1])
                    provider.sendto(request, (HOST, port))
                while True:
                    try:
                        answers.append(provider.recv(65536))
                    except TimeoutError:
                        break
                if any(answer.startswith(b"SIP/2.0 503") for answer in answers):
                    break
        assert any(answer.startswith(b"SIP/2.0 200") for answer in answers)
        assert any(answer.startswith(b"SIP/2.0 503") for answer in answers)
