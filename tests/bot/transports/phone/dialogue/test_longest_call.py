"""A call lasts ``[phone] longest_call_seconds`` at most, however many keys its caller
presses: each call holds one of the line's places, and a caller (or a robot) pressing a key
now and then - never idle - kept one for ever; twenty of them kept the whole line. At its
longest the caller hears a goodbye that no key stops, and the bot hangs up (transport.py,
dialogue/answers_said.py).

baresip calls the bot through Kamailio, chooses German and then presses "9" (a choice the
menu does not have: the bot answers each) every half second until the call is closed; the
bot's idle wait is an hour, so only the longest time can end the call."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace

from bot.transports.phone.calls.answering_settings import CallSettings
from bot.transports.phone.transport import PhoneTransport
from bot.transports.phone.words.press_0_for_a_person import LONGEST_GOODBYE
from handlers.dispatcher import Dispatcher
from tests.support.sip.answers import answers_to
from tests.support.sip.calls import until
from tests.support.sip.fixtures import BOT_USER, PhoneFactory, bot_account
from tests.support.sip.kamailio import KamailioServer

RESIDENT = "4923155504"


async def test_a_caller_pressing_keys_is_hung_up_at_the_longest(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher
):
    dispatcher.settings = replace(dispatcher.settings, languages=("de", "en"))
    settings = bot_account(kamailio)
    in_call = CallSettings(idle_seconds=3600, longest_call_seconds=6)
    phone = PhoneTransport(dispatcher.ports, settings, in_call=in_call)
    await phone.connect()
    stop = threading.Event()
    try:
        await asyncio.wait_for(phone.registered.wait(), 20)
        caller = await asyncio.to_thread(phones, RESIDENT, pad_seconds=900)
        await asyncio.to_thread(caller.dial, kamailio.uri(BOT_USER))
        await asyncio.to_thread(caller.wait_for, "CALL_ESTABLISHED")
        await until(lambda: phone._calls, "the call came")
        (call,) = phone._calls.values()
        await until(lambda: answers_to(call) == 1, "the languages said")
        await asyncio.to_thread(caller.press, "1")
        await until(lambda: answers_to(call) == 2, "the menu said")

        def keep_pressing() -> None:
            while not stop.wait(0.5):
                caller.press("9")

        presser = threading.Thread(target=keep_pressing, daemon=True)
        presser.start()
        closed = await asyncio.to_thread(caller.wait_for, "CALL_CLOSED", timeout=120)
        assert closed is not None
        assert answers_to(call) > 3  # the keys were taken all along
        words = await phone.voice.words(call)
        assert call.saying[-1] == await phone.voice.prompt(words._(LONGEST_GOODBYE), words)
    finally:
        stop.set()
        await phone.stop()
