"""The whole privacy notice in a call, through Kamailio and baresip (issue 64, point 1;
issue 80, point 4): a new caller presses 3 ("All details") and hears first what is kept of
a caller - how long, who hears it, their rights - ending with the consent keys and "The rest,
for volunteers and coordinators" on 9; 9 says the rest's part one (one purpose of another
role, whole), and "1" agrees from a part. What is heard is what the line made into audio
(the words of each prompt file)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.speech.script import PRESS, Part, parts
from bot.transports.phone.calls.answered_call import is_over
from bot.transports.phone.transport import PhoneTransport
from bot.transports.phone.words import what_keys_mean
from bot.transports.phone.words.what_keys_mean import MORE_KEY
from db.personal_data import CALLERS, PURPOSES
from handlers.dispatcher import Dispatcher
from handlers.privacy_purposes import CALLER_HEAD
from handlers.reader import Medium, translator_for
from tests.support.sip.answers import answers_to
from tests.support.sip.calls import key_for, keys_answered, offered, phone_line, until
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


def _said(text: str) -> str:
    t = translator_for("de", True, Medium.SPOKEN)  # a new caller: easy German
    return "\n".join(p.words for p in parts(t.gettext(text), [], t))


async def test_key_3_says_what_is_kept_of_the_caller_first_and_the_rest_on_9(
    dispatcher: Dispatcher,
    kamailio: KamailioServer,
    phones: PhoneFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(what_keys_mean, "KEY_PAUSE", 600.0)  # no key waits for another
    phone = await phone_line(dispatcher, kamailio, tmp_path)
    heard = _heard(phone)
    t = translator_for("de", True, Medium.SPOKEN)
    try:
        caller = await asyncio.to_thread(phones, CALLER, pad_seconds=300)
        await asyncio.to_thread(caller.dial, kamailio.uri(BOT_USER))
        await asyncio.to_thread(caller.wait_for, "CALL_ESTABLISHED")
        await until(lambda: phone._calls, "the call came")
        call = next(iter(phone._calls.values()))
        await until(lambda: answers_to(call) == 1, "the languages said")
        await keys_answered(caller, call, "1")  # Deutsch
        await key_for(phone, call, "")  # the answer's choices are kept
        if await offered(phone, call, "privacy:details") is None:
            # Where consent is asked at the first step that keeps something: asking for help.
            await keys_answered(caller, call, await key_for(phone, call, "menu:help"))
        assert await key_for(phone, call, "privacy:details") == "3"
        await keys_answered(caller, call, "3")
        part = heard[-1].splitlines()
        # What is kept of the caller, first; nothing of the other roles' purposes.
        assert part[0] == _said(CALLER_HEAD), part
        assert "Teil eins von" not in "\n".join(part) and "Matrix" not in "\n".join(part)
        the_rest = _key_line("➡️ " + t._("The rest, for volunteers and coordinators"), MORE_KEY)
        ending = [
            _key_line("✅ " + t._("I agree"), "1"),
            _key_line("❌ " + t._("No, thanks"), "2"),
        ]
        assert part[-3:] == [*ending, the_rest], part
        await keys_answered(caller, call, MORE_KEY)  # the rest
        rest = len([p for p in PURPOSES if p.key not in CALLERS])
        assert rest == 5 and "Teil eins von fünf." in heard[-1].splitlines(), heard[-1]
        assert heard[-1].splitlines()[-3:] == [*ending, _key_line("➡️ " + t._("Next"), MORE_KEY)]
        await keys_answered(caller, call, "1")  # agreed, from the rest
        user = await dispatcher.db.users.find("phone", call.chat_id)
        assert user is not None and user.consent_at is not None
        await asyncio.to_thread(caller.hangup)
        await until(lambda: is_over(call), "the call ended")
    finally:
        await phone.stop()
