"""A resident calls the bot: the phone transport in-process with the real dispatcher and
database, registered at Kamailio; baresip dials the bot's number there, hears the
languages, presses German, hears the privacy notice, agrees by keypress, hears the main
menu and "*" says it again. What the phone heard is recorded and measured."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from bot.transports.phone.stack import StackSettings
from bot.transports.phone.transport import PhoneTransport
from handlers.dispatcher import Dispatcher
from tests.support.sip.audio import sound_seconds
from tests.support.sip.fixtures import BOT_PASSWORD, BOT_USER, PhoneFactory
from tests.support.sip.kamailio import HOST, KamailioServer

RESIDENT = "4923155501"


async def _until(check, what: str) -> None:
    """Wait for ``check()`` to hold, by the events of the call (no clock asserted)."""
    for _ in range(6000):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never: {what}")


async def test_a_caller_chooses_german_agrees_and_hears_the_menu_twice(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher, caplog
):
    caplog.set_level(logging.DEBUG)
    dispatcher.settings = replace(dispatcher.settings, heard_platforms=frozenset({"phone"}))
    settings = StackSettings(
        bind=HOST,
        registrar=kamailio.registrar_uri,
        user=BOT_USER,
        password=BOT_PASSWORD,
        clock_rate=16000,
    )
    phone = PhoneTransport(dispatcher, settings)
    await phone.connect()
    try:
        await asyncio.wait_for(phone.registered.wait(), 20)
        # The caller stays on the line while its (silent) WAV lasts: longer than the test.
        caller = await asyncio.to_thread(phones, RESIDENT, pad_seconds=900)
        await asyncio.to_thread(caller.dial, kamailio.uri(BOT_USER))
        await asyncio.to_thread(caller.wait_for, "CALL_ESTABLISHED")
        await _until(lambda: phone._calls, "the call came")
        (call,) = phone._calls.values()
        # The languages, heard to their end.
        await _until(lambda: call.answers == 1 and call.quiet >= 1, "the languages said")
        assert call.choices == 10
        languages = call.last[0]
        user = await dispatcher.db.users.find("phone", call.chat_id)
        assert user is not None and user.language is None
        await asyncio.to_thread(caller.press, "1")  # Deutsch (first: the city's language)
        await asyncio.to_thread(caller.press, "#")
        await _until(lambda: call.answers == 2, "the privacy notice said")
        user = await dispatcher.db.users.find("phone", call.chat_id)
        assert user is not None and user.language == "de" and user.consent_at is None
        assert call.choices >= 1
        await asyncio.to_thread(caller.press, "1")  # consent
        await _until(lambda: call.answers == 3, "the main menu said")
        user = await dispatcher.db.users.find("phone", call.chat_id)
        assert user is not None and user.consent_at is not None
        menu = list(call.last)
        quiet = call.quiet
        await _until(lambda: call.quiet > quiet, "the menu heard to its end")
        await asyncio.to_thread(caller.press, "*")
        await _until(lambda: call.quiet > quiet + 1, "the menu heard again")
        assert call.last == menu and call.answers == 3  # repeated, not asked again
        await asyncio.to_thread(caller.hangup)
        await asyncio.to_thread(caller.wait_for, "CALL_CLOSED")
        heard = caller.heard()
        said = sound_seconds(languages)
        menu_said = sum(sound_seconds(path) for path in menu)
    finally:
        await phone.stop()
    # The phone heard the languages whole, and the menu twice, besides the notice cut
    # short by the keypress.
    assert said > 5 and menu_said > 2
    assert sound_seconds(heard) > 0.8 * (said + 2 * menu_said)
    # Nothing of the caller's number in the log.
    assert RESIDENT not in caplog.text and "+49" not in caplog.text
