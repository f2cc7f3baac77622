"""The languages on the phone (issue 55, point 3), through Kamailio and baresip: the
caller's number hints the first language, as a phone's locale does in a chat (a caller
from +90 hears Türkçe first and "1" is Turkish), and every language is one key, at once -
the tenth on 0 (bot/speech/keys.py ``key_of``), which on this list of ten is the
tenth language, not "a person". Each language's line is its name and key in its own
voice; a new caller starts in easy language."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.transports.phone.calls.answered_call import is_over
from bot.transports.phone.transport import PhoneTransport
from handlers.dispatcher import Dispatcher
from locales import language_name
from tests.support.sip.answers import answers_to
from tests.support.sip.calls import phone_line, until
from tests.support.sip.fixtures import BOT_USER, PhoneFactory
from tests.support.sip.kamailio import KamailioServer

# Dialled the international way ("00"): the line reads them as +90 … and +49 ….
FROM_TURKEY = "00905321234567"
FROM_DORTMUND = "00492315550177"


async def _chooses(
    phone: PhoneTransport, phones: PhoneFactory, kamailio: KamailioServer, number: str, key: str
) -> tuple[str | None, list[str]]:
    """Call from ``number``, press ``key`` once the languages are said (a single key, no
    "#"); the language the caller then has and the labels of the language list."""
    before = set(phone._calls)
    caller = await asyncio.to_thread(phones, number, pad_seconds=300)
    await asyncio.to_thread(caller.dial, kamailio.uri(BOT_USER))
    await asyncio.to_thread(caller.wait_for, "CALL_ESTABLISHED")
    await until(lambda: set(phone._calls) - before, "the call came")
    call = phone._calls[max(set(phone._calls) - before)]
    await until(lambda: answers_to(call) == 1, "the languages said")
    memory = phone.voice.choices.memory
    newest = await memory.newest_sent(call.chat_id)
    assert newest is not None
    labels = [label for label, _ in await memory.buttons_of(newest[0], call.chat_id)]
    await asyncio.to_thread(caller.press, key)
    # Taken at once: the notice comes without another key, "#" or a pause to wait for.
    await until(lambda: answers_to(call) == 2, "the privacy notice said")
    person = await phone.city_ports.db.users.find("phone", call.chat_id)
    assert person is not None and person.easy_language  # easy texts on the phone
    await asyncio.to_thread(caller.hangup)
    await until(lambda: is_over(call), "the call ended")
    return person.language, labels


async def test_the_number_hints_the_first_language_and_each_is_one_key(
    dispatcher: Dispatcher, kamailio: KamailioServer, phones: PhoneFactory, tmp_path: Path
):
    phone = await phone_line(dispatcher, kamailio, tmp_path)
    try:
        language, labels = await _chooses(phone, phones, kamailio, FROM_TURKEY, "1")
        assert language == "tr" and labels[0].endswith(language_name("tr"))
        assert len(labels) == 10
        language, labels = await _chooses(phone, phones, kamailio, FROM_DORTMUND, "0")
        tenth = labels[9]
        assert language is not None and tenth.endswith(language_name(language))
        assert language != "de" and labels[0].endswith(language_name("de"))
    finally:
        await phone.stop()
