"""A provider that offers SRTP gets an encrypted call; the lines stay plain on loopback
(issue 98, point 1: "SRTP where the provider offers it").

baresip calls the bot through Kamailio (the provider) and the bot's SIP edge offering SRTP
only (``mediaenc=srtp-mand``: SDES, ``RTP/SAVP`` with ``a=crypto``), as an encrypted trunk
does, and presses "1" (RFC 4733 events, inside its SRTP). The answer it gets is
``RTP/SAVP`` with a crypto line of the relay's; the line hears the "1"; the media relay
carries the caller's side as ``RTP/SAVP`` and the line's as ``RTP/AVP`` from 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import re

from bot.transports.phone.sip.call_control import CallEvent
from bot.transports.phone.sip.line_pool import Lines
from bot.transports.phone.sip.stack import StackSettings
from tests.support.sip.calls import until
from tests.support.sip.fixtures import BOT_USER, PhoneFactory, bot_account
from tests.support.sip.kamailio import KamailioServer
from tests.support.sip.registered_line import RegisteredLine
from tests.support.sip.relay_query import sides


class _Edged(RegisteredLine):
    """A line behind the bot's SIP edge and its media relay, registered at Kamailio."""

    def __init__(self, settings: StackSettings) -> None:
        super().__init__(settings)
        self.lines = Lines(settings, self._event, 1)
        self.stack = self.lines  # type: ignore[assignment]

    def pressed(self) -> list[str]:
        return [event.value for event in self.events if event.kind == "key"]


def _answer(trace: str) -> str:
    """The SDP of the 200 OK to the caller's INVITE, from baresip's SIP trace."""
    for message in re.split(r"\n(?=\S+ \S+ SIP/2\.0\r?$|SIP/2\.0 \d{3})", trace, flags=re.M):
        if message.startswith("SIP/2.0 200") and re.search(r"^CSeq: *\d+ INVITE", message, re.M):
            return message
    raise AssertionError(f"no 200 OK to the INVITE in the trace:\n{trace[-4000:]}")


async def test_an_srtp_offer_is_answered_encrypted_and_its_keys_reach_the_line(
    kamailio: KamailioServer, phones: PhoneFactory
):
    caller = phones("provider", mediaenc="srtp-mand", sip_trace=True)
    async with _Edged(bot_account(kamailio)) as line:
        caller.dial(kamailio.uri(BOT_USER))
        began = ("CALL_ESTABLISHED", "CALL_CLOSED")
        began_as = await asyncio.to_thread(caller.wait_for_any, began, timeout=60)
        assert began_as.type == "CALL_ESTABLISHED", caller.log_text()
        answer = _answer(caller.sip_messages())
        assert re.search(r"^m=audio \d+ RTP/SAVP ", answer, re.M), answer
        assert re.search(r"^a=crypto:\d+ AES_CM_128_HMAC_SHA1_(80|32) inline:", answer, re.M)
        relay = line.lines.relay
        assert relay is not None
        calls = sides(relay.plan.control)
        assert len(calls) == 1, calls
        (parties,) = calls.values()
        protocols = sorted(side.protocol for side in parties)
        assert protocols == ["RTP/AVP", "RTP/SAVP"], parties
        (inside,) = [side for side in parties if side.protocol == "RTP/AVP"]
        assert inside.host == "127.0.0.1"
        caller.press("1")
        await until(lambda: "1" in line.pressed(), "the caller's encrypted key reached the line")
        caller.hangup()
        await until(lambda: any(e.kind == "ended" for e in line.events), "the call ended")
    assert line.pressed() == ["1"]


def _offer(trace: str) -> str:
    """The INVITE a phone received, from baresip's SIP trace."""
    for message in re.split(r"\n(?=\S+ \S+ SIP/2\.0\r?$|SIP/2\.0 \d{3})", trace, flags=re.M):
        if message.startswith("INVITE "):
            return message
    raise AssertionError(f"no INVITE in the trace:\n{trace[-4000:]}")


async def test_the_bots_own_call_offers_srtp_where_the_provider_takes_only_that(
    kamailio: KamailioServer, phones: PhoneFactory
):
    """[phone] srtp: the bot's own call (a call-back) is offered to the provider as
    ``RTP/SAVP`` with the relay's SDES keys; a phone that takes encrypted media only
    answers it, and its "1" (RFC 4733 inside SRTP) reaches the line, plain on loopback.
    Without it the offer is plain RTP, which such a phone refuses (488)."""
    callee = phones("bob", answer=True, mediaenc="srtp-mand", sip_trace=True)
    events: list[CallEvent] = []
    async with _Edged(bot_account(kamailio, srtp=True)) as line:
        call = await line.lines.make_call(callee.contact, events.append)
        await until(lambda: any(e.kind == "answered" for e in events), "the phone answered")
        offer = _offer(callee.sip_messages())
        assert re.search(r"^m=audio \d+ RTP/SAVP ", offer, re.M), offer
        assert re.search(r"^a=crypto:\d+ AES_CM_128_HMAC_SHA1_(80|32) inline:", offer, re.M)
        relay = line.lines.relay
        assert relay is not None
        (parties,) = sides(relay.plan.control).values()
        assert sorted(side.protocol for side in parties) == ["RTP/AVP", "RTP/SAVP"], parties
        (inside,) = [side for side in parties if side.protocol == "RTP/AVP"]
        assert inside.host == "127.0.0.1"
        callee.press("1")
        await until(
            lambda: any(e.kind == "key" and e.value == "1" for e in events),
            "the phone's encrypted key reached the line",
        )
        line.lines.hang_up(call)
        await until(lambda: any(e.kind == "ended" for e in events), "the call ended")
