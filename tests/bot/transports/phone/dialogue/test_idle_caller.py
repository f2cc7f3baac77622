"""A caller who is on the line (their phone sends audio all along) but presses no key and
says nothing hears a short goodbye once the bot waited ``[phone] idle_seconds`` for them,
and the bot hangs up (transport.py): such a call would else hold one of the line's places.

baresip calls the bot through Kamailio with a silent WAV that lasts far longer than the
test, and presses nothing: after the languages are said and the wait is over, the bot says
one more prompt - the goodbye, in the city's language as the caller chose none - and the
caller's phone sees the call closed by the bot.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from bot.transports.phone.calls.answered_call import is_over
from bot.transports.phone.calls.answering_settings import CallSettings
from bot.transports.phone.transport import PhoneTransport
from bot.transports.phone.words.press_0_for_a_person import IDLE_GOODBYE
from handlers.dispatcher import Dispatcher
from tests.support.sip.answers import answers_to
from tests.support.sip.audio import segments
from tests.support.sip.calls import until
from tests.support.sip.fixtures import BOT_USER, PhoneFactory, bot_account
from tests.support.sip.kamailio import KamailioServer

RESIDENT = "4923155503"


async def _until(check, what: str) -> None:
    """Wait for ``check()`` to hold (a guard of five minutes, no clock asserted)."""
    await until(check, what, seconds=300)


async def test_a_caller_who_does_nothing_hears_goodbye_and_is_hung_up(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher, caplog
):
    caplog.set_level(logging.INFO)
    # A city of two languages: the caller waits out the languages before the bot waits for
    # them, and ten languages' lines would take half a minute to say.
    dispatcher.settings = replace(dispatcher.settings, languages=("de", "en"))
    settings = bot_account(kamailio)
    phone = PhoneTransport(dispatcher.ports, settings, in_call=CallSettings(idle_seconds=3))
    await phone.connect()
    try:
        await asyncio.wait_for(phone.registered.wait(), 20)
        # The caller's phone sends (silent) audio far longer than the test: only the
        # missing keys and words can end the call.
        caller = await asyncio.to_thread(phones, RESIDENT, pad_seconds=900)
        await asyncio.to_thread(caller.dial, kamailio.uri(BOT_USER))
        await asyncio.to_thread(caller.wait_for, "CALL_ESTABLISHED")
        await _until(lambda: phone._calls, "the call came")
        (call,) = phone._calls.values()
        await _until(lambda: answers_to(call) == 1, "the languages said")
        languages = list(call.turn.said)
        await _until(lambda: is_over(call), "the bot hung up")
        closed = await asyncio.to_thread(caller.wait_for, "CALL_CLOSED", timeout=60)
        assert closed is not None
        # One prompt more than the languages: the goodbye, said to its end before the BYE.
        said = call.saying
        goodbye = said[-1]
        assert goodbye not in languages and len(said) == len(languages) + 1
        words = await phone.voice.words(call)  # the caller's: the city's language, none chosen
        assert goodbye == await phone.voice.prompt(words._(IDLE_GOODBYE), words)
        stretches, _ = await asyncio.to_thread(caller.hearing)
        last = segments(goodbye)[-1]
        assert stretches and abs(stretches[-1].seconds - last.seconds) <= 0.25
    finally:
        await phone.stop()
    assert answers_to(call) == 1  # no key was taken for one
    assert "goodbye" in caplog.text and RESIDENT not in caplog.text
