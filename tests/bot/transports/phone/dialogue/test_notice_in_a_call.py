"""The whole privacy notice in a call, through Kamailio and baresip (issue 64, point 1): a
new caller presses 3 ("All details") and hears part one of the notice - one purpose, whole -
ending with the consent keys and "Next" on 9; 9 says part two, and "1" agrees from a part.
What is heard is what the line made into audio (the words of each prompt file)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.speech.script import PRESS, Part, parts
from bot.transports.phone import transport
from bot.transports.phone.transport import PhoneTransport
from bot.transports.phone.words.keypad import MORE_KEY
from db.personal_data import PURPOSES
from handlers.dispatcher import Dispatcher
from handlers.reader import Medium, translator_for
from tests.support.sip.calls import key_for, keys_answered, phone_line, until
from tests.support.sip.fixtures import BOT_USER, PhoneFactory
from tests.support.sip.kamailio import KamailioServer

CALLER = "00492315550164"


def _heard(phone: PhoneTransport) -> list[str]:
    """The words of every prompt the line makes, in order."""
    assert phone.prompts is not None
    heard: list[str] = []
    make = phone.prompts.file

    async def noting(words: tuple[Part, ...]) -> Path:
        heard.append("\n".join(part.words for part in words))
        return await make(words)

    phone.prompts.file = noting  # type: ignore[method-assign]
    return heard


def _key_line(label: str, key: str) -> str:
    t = translator_for("de", True, Medium.SPOKEN)  # a new caller: easy German
    return "\n".join(p.words for p in parts(t.gettext(PRESS).format(label=label, n=key), [], t))


async def test_key_3_says_the_notice_in_parts_9_the_next_and_1_agrees(
    dispatcher: Dispatcher,
    kamailio: KamailioServer,
    phones: PhoneFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(transport, "KEY_PAUSE", 600.0)  # no key waits for another
    phone = await phone_line(dispatcher, kamailio, tmp_path)
    heard = _heard(phone)
    t = translator_for("de", True, Medium.SPOKEN)
    try:
        caller = await asyncio.to_thread(phones, CALLER, pad_seconds=300)
        await asyncio.to_thread(caller.dial, kamailio.uri(BOT_USER))
        await asyncio.to_thread(caller.wait_for, "CALL_ESTABLISHED")
        await until(lambda: phone._calls, "the call came")
        call = next(iter(phone._calls.values()))
        await until(lambda: call.answers == 1, "the languages said")
        await keys_answered(caller, call, "1")  # Deutsch: the notice's first layer
        assert await key_for(phone, call, "privacy:details") == "3"
        await keys_answered(caller, call, "3")
        part = heard[-1]
        # "Part one of fifteen": one purpose a part, the number said as words.
        assert len(PURPOSES) == 15 and "Teil eins von fünfzehn." in part.splitlines(), part
        ending = [
            _key_line("✅ " + t._("I agree"), "1"),
            _key_line("❌ " + t._("No, thanks"), "2"),
            _key_line("➡️ " + t._("Next"), MORE_KEY),
        ]
        assert part.splitlines()[-3:] == ending, part
        await keys_answered(caller, call, MORE_KEY)  # "Next"
        assert "Teil zwei von fünfzehn." in heard[-1].splitlines(), heard[-1]
        assert heard[-1].splitlines()[-3:] == ending
        await keys_answered(caller, call, "1")  # agreed, from part two
        user = await dispatcher.db.users.find("phone", call.chat_id)
        assert user is not None and user.consent_at is not None
        assert await key_for(phone, call, "menu:help")  # the main menu
        await asyncio.to_thread(caller.hangup)
        await until(lambda: call.audio.gone, "the call ended")
    finally:
        await phone.stop()
