"""A caller ends a postcode with "#" ("44137#", as many phone menus teach), through
Kamailio: baresip calls the bot, chooses German, agrees, asks for places, types 44137
and, while the places are said, "#". The "#" means nothing there (what_keys_mean.py: the end of
an entry that ended by its length), so the places answer is played to its end, never
stopped (issue 64: it was cut off after 0.3 s).

What the bot played and stopped is read from its SIP stack's commands (``say``,
``hush``), and "played to its end" from the call's own event (``quiet``: all said); the
order is the calls' events, never the clock.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.transports.phone.words import what_keys_mean
from handlers.dispatcher import Dispatcher
from tests.support.sip.answers import answers_to
from tests.support.sip.calls import ends_of_play, key_for, keys_answered, phone_line, until
from tests.support.sip.fixtures import BOT_USER, PhoneFactory
from tests.support.sip.kamailio import KamailioServer


async def test_the_hash_after_a_postcode_lets_the_places_be_heard_whole(
    kamailio: KamailioServer,
    phones: PhoneFactory,
    dispatcher: Dispatcher,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    # The "#" is pressed once the places are being said: however long a busy machine
    # takes to say them, it still comes within the pause that waits for it (a guard,
    # not a measure).
    monkeypatch.setattr(what_keys_mean, "KEY_PAUSE", 600.0)
    phone = await phone_line(dispatcher, kamailio, tmp_path)
    ends = ends_of_play(phone)
    commands: list[str] = []
    assert phone.stack is not None
    say, hush = phone.stack.say, phone.stack.hush

    def saying(call_id: int, prompts: list[Path]) -> None:
        commands.append("say")
        say(call_id, prompts)

    def hushing(call_id: int) -> None:
        commands.append("hush")
        hush(call_id)

    phone.stack.say = saying  # type: ignore[method-assign]
    phone.stack.hush = hushing  # type: ignore[method-assign]
    keys: list[str] = []
    pressed = phone.pressed

    def pressing(call, key: str, **how: bool):  # type: ignore[no-untyped-def]
        asked = pressed(call, key, **how)
        keys.append(key)
        return asked

    phone.pressed = pressing  # type: ignore[method-assign]
    try:
        caller = await asyncio.to_thread(phones, "4923155507", pad_seconds=60)
        await asyncio.to_thread(caller.dial, kamailio.uri(BOT_USER))
        await asyncio.to_thread(caller.wait_for, "CALL_ESTABLISHED")
        await until(lambda: phone._calls, "the call came")
        (call,) = phone._calls.values()
        await until(lambda: answers_to(call) == 1, "the languages said")
        await keys_answered(caller, call, "1")  # Deutsch: the main menu (places need no notice)
        await keys_answered(caller, call, await key_for(phone, call, "menu:places"))
        assert call.turn.free_digits  # where? a postcode
        await keys_answered(caller, call, "44137")  # the places: being said now
        playing, quiet, answers = len(commands), len(ends), answers_to(call)
        assert commands[-1] == "say"  # the places, after the "7" stopped the question
        await asyncio.to_thread(caller.press, "#")
        await until(lambda: keys[-1:] == ["#"], "the # came")
        assert "hush" not in commands[playing:], "the # stopped the places"
        await until(lambda: len(ends) > quiet, "the places said to their end")
        assert "hush" not in commands[playing:]
        assert answers_to(call) == answers  # the "#" meant nothing: no way back, no menu
        await asyncio.to_thread(caller.hangup)
    finally:
        await phone.stop()
