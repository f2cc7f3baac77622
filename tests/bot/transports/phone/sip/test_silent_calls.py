"""A call whose far end stops sending audio and never sends BYE is hung up by the bot
(stack.py, ``rtp_timeout_seconds``): a caller gone with the network, or a provider that
dropped the BYE, would else hold one of the line's places for ever.

Through Kamailio: a SIPp caller that sends a key (its only RTP) or no RTP at all and then
waits, silent, for the bot's BYE (tests/support/sip/scenarios/uac_vanish.xml, up to two
minutes); and a called SIPp phone (the bot's own call) that answers and stays silent.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.speech.turns import Turns
from bot.transports.phone.sip.stack import CallEvent, StackSettings
from bot.transports.phone.transport import PhoneTransport
from bot.transports.phone.words.speech_files import Prompts
from handlers.dispatcher import Dispatcher
from locales import SUPPORTED_LANGUAGES
from tests.support.sip.fixtures import BOT_USER, bot_account
from tests.support.sip.kamailio import KamailioServer
from tests.support.sip.registered_line import RegisteredLine
from tests.support.sip.sipp import SippPhone, Step, run_scenario
from tests.support.sip.tone_engine import ToneEngine

RESIDENT = "+4923155502"
# Short: the tests are about the silence ending the call, not about how long it takes (a
# loaded machine only hangs up later). Longer than the keypad step's own gaps (0.4 s).
TIMEOUT = 1.5


class _Line(RegisteredLine):
    """A stack registered at Kamailio; what it tells, kept."""

    def kinds(self) -> list[str]:
        # The calls' events (the account's, call -1: registered, left)
        return [event.kind for event in self.events if event.call_id != -1]


def _settings(kamailio: KamailioServer) -> StackSettings:
    return bot_account(kamailio, rtp_timeout_seconds=TIMEOUT)


@pytest.mark.parametrize("steps", [[Step(300, "1")], []], ids=["a key then silence", "no audio"])
async def test_a_caller_gone_silent_without_bye_is_hung_up(
    kamailio: KamailioServer, steps: list[Step]
):
    async with _Line(_settings(kamailio)) as line:
        vanished = await asyncio.to_thread(
            run_scenario,
            kamailio.domain,
            BOT_USER,
            scenario="uac_vanish.xml",
            steps=steps,
            after_ms=0,
            caller=RESIDENT,
            timeout_s=180,
        )
        # The scenario ends well only when the bot's BYE came (it waits two minutes).
        assert vanished.count("SuccessfulCall") == 1, vanished.errors
        assert vanished.returncode == 0, vanished.errors
        for _ in range(500):  # the "ended" event crosses to the event loop
            if "ended" in line.kinds():
                break
            await asyncio.sleep(0.02)
        assert line.kinds()[0] == "call" and "ended" in line.kinds()


async def test_a_called_phone_that_answers_and_stays_silent_is_hung_up(
    kamailio: KamailioServer,
):
    """The bot's own calls (call-backs) too: the phone answers, sends nothing and would
    hang up only after five minutes."""
    async with _Line(_settings(kamailio)) as line:
        with SippPhone("uas_answer.xml", steps=[Step(300_000)], timeout_s=400) as phone:
            told: asyncio.Queue[CallEvent] = asyncio.Queue()
            await line.stack.make_call(phone.uri, told.put_nowait)
            kinds = []
            while not kinds or kinds[-1] != "ended":
                # A minute's guard for each step; the silence ends the call in seconds.
                kinds.append((await asyncio.wait_for(told.get(), 60)).kind)
            assert "answered" in kinds


async def test_the_timeout_holds_on_every_line_of_the_bot(
    kamailio: KamailioServer, dispatcher: Dispatcher
):
    """The bot's line processes (line_pool.py) get the setting: a vanished caller of the
    whole transport, greeted (the tone engine's words, not eSpeak's) and then silent, is
    hung up there too."""
    phone = PhoneTransport(
        dispatcher.ports,
        _settings(kamailio),
        prompts=Prompts(ToneEngine(), Turns(1), rate=StackSettings.clock_rate),
        voices=frozenset(SUPPORTED_LANGUAGES),
        lines=2,
    )
    await phone.connect()
    try:
        await asyncio.wait_for(phone.registered.wait(), 60)
        vanished = await asyncio.to_thread(
            run_scenario,
            kamailio.domain,
            BOT_USER,
            scenario="uac_vanish.xml",
            after_ms=0,
            caller=RESIDENT,
            timeout_s=180,
        )
        assert vanished.count("SuccessfulCall") == 1, vanished.errors
    finally:
        await phone.stop()
