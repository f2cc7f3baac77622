"""The patient caller's minute (issue 64, point 10;
bot/transports/phone/words/likely_choice_first.py),
through Kamailio with baresip callers: a new caller whose number hints a language hears the
greeting and that language's line alone, and - pressing nothing - every language's line
after a short pause; the hinted language's key works at once, and any key of the whole
list works from the start (a caller who knows "3" is Arabic presses it during the German
line). The main menu says its first choice first and the others after the pause.

What the bot played is read from the line (its SIP stack's ``say`` wrapped, the prompts'
words from the prompt cache); no clock is asserted, every wait is for an event."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.speech.script import Part
from bot.transports.phone.calls.answered_call import is_over
from bot.transports.phone.transport import Call, PhoneTransport
from handlers.dispatcher import Dispatcher
from handlers.reader import Medium, translator_for
from locales import SUPPORTED_LANGUAGES, language_name
from tests.support.sip.answers import answers_to
from tests.support.sip.calls import ends_of_play, key_for, keys_answered, phone_line, until
from tests.support.sip.fixtures import BOT_USER, PhoneFactory
from tests.support.sip.kamailio import KamailioServer

# Dialled the international way ("00"): the line reads them as +49 …, +90 … and +33 …
# (France: French is none of the city's languages, no hint).
FROM_DORTMUND = "00492315550181"
FROM_TURKEY = "00905321234581"
FROM_PARIS = "0033140000181"


class Played:
    """What the line gave each call to play, as the words of each prompt, in order."""

    def __init__(self, phone: PhoneTransport) -> None:
        self.words: dict[Path, tuple[Part, ...]] = {}
        self.calls: dict[int, list[tuple[Part, ...]]] = {}
        making, say = phone.prompts.file, phone.stack.say  # type: ignore[union-attr]

        async def file(words: tuple[Part, ...]) -> Path:
            path = await making(words)
            self.words[path] = words
            return path

        def saying(call_id: int, prompts: list[Path]) -> None:
            self.calls.setdefault(call_id, []).extend(self.words[p] for p in prompts)
            say(call_id, prompts)

        phone.prompts.file = file  # type: ignore[method-assign,union-attr]
        phone.stack.say = saying  # type: ignore[method-assign]

    def of(self, call: Call) -> list[tuple[Part, ...]]:
        return self.calls.get(call.call_id, [])


def languages_named(words: tuple[Part, ...]) -> set[str]:
    """The languages whose line a prompt says: their own name, in their own voice."""
    return {
        code
        for code in SUPPORTED_LANGUAGES
        for part in words
        if part.lang == code and language_name(code) in part.words
    }


async def _call(
    phone: PhoneTransport, phones: PhoneFactory, kamailio: KamailioServer, number: str
) -> tuple[object, Call]:
    before = set(phone._calls)
    caller = await asyncio.to_thread(phones, number, pad_seconds=300)
    await asyncio.to_thread(caller.dial, kamailio.uri(BOT_USER))
    await asyncio.to_thread(caller.wait_for, "CALL_ESTABLISHED")
    await until(lambda: set(phone._calls) - before, "the call came")
    return caller, phone._calls[max(set(phone._calls) - before)]


async def _hang_up(caller, call: Call) -> None:
    await asyncio.to_thread(caller.hangup)
    await until(lambda: is_over(call), "the call ended")


async def test_a_german_number_that_presses_nothing_hears_every_language_after_its_own(
    dispatcher: Dispatcher,
    kamailio: KamailioServer,
    phones: PhoneFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    from bot.transports.phone.calls import answered_call

    # The pause before the rest, short: this caller never presses, and what was played is
    # read from the line, not raced (the menu's test keeps the real pause: it reads the
    # first part before the rest comes).
    monkeypatch.setattr(answered_call, "FOLLOW_SECONDS", 0.2)
    phone = await phone_line(dispatcher, kamailio, tmp_path)
    ends = ends_of_play(phone)
    played = Played(phone)
    try:
        caller, call = await _call(phone, phones, kamailio, FROM_DORTMUND)
        await until(lambda: played.of(call), "the greeting played")
        # First the greeting and German alone ...
        assert languages_named(played.of(call)[0]) == {"de"}
        # ... then, no key pressed, every language's line in its own voice, said to its end.
        await until(lambda: len(played.of(call)) >= 2, "the languages followed")
        assert languages_named(played.of(call)[1]) == set(dispatcher.settings.languages)
        await until(lambda: len(ends) >= 2, "all said")
        assert answers_to(call) == 1  # no key was taken
        await _hang_up(caller, call)
    finally:
        await phone.stop()


async def test_the_hinted_language_is_one_key_at_once(
    dispatcher: Dispatcher, kamailio: KamailioServer, phones: PhoneFactory, tmp_path: Path
):
    phone = await phone_line(dispatcher, kamailio, tmp_path)
    ends = ends_of_play(phone)
    played = Played(phone)
    try:
        caller, call = await _call(phone, phones, kamailio, FROM_TURKEY)
        await until(lambda: len(ends) >= 1, "the greeting said")
        assert languages_named(played.of(call)[0]) == {"tr"}  # Türkçe alone, then a pause
        await keys_answered(caller, call, "1")
        person = await dispatcher.db.users.find("phone", call.chat_id)
        assert person is not None and person.language == "tr"
        await _hang_up(caller, call)
    finally:
        await phone.stop()


async def test_another_languages_key_works_during_the_hinted_line(
    dispatcher: Dispatcher, kamailio: KamailioServer, phones: PhoneFactory, tmp_path: Path
):
    phone = await phone_line(dispatcher, kamailio, tmp_path)
    played = Played(phone)
    try:
        caller, call = await _call(phone, phones, kamailio, FROM_DORTMUND)
        await until(lambda: answers_to(call) == 1 and played.of(call), "the greeting began")
        assert languages_named(played.of(call)[0]) == {"de"}  # the German line alone
        arabic = await key_for(phone, call, "lang:ar")
        assert arabic == "3"  # the whole list's key, said in the list that follows
        await keys_answered(caller, call, arabic)
        person = await dispatcher.db.users.find("phone", call.chat_id)
        assert person is not None and person.language == "ar"
        await _hang_up(caller, call)
    finally:
        await phone.stop()


async def test_without_a_hint_every_line_comes_at_once_without_a_one_language_question(
    dispatcher: Dispatcher, kamailio: KamailioServer, phones: PhoneFactory, tmp_path: Path
):
    phone = await phone_line(dispatcher, kamailio, tmp_path)
    ends = ends_of_play(phone)
    played = Played(phone)
    question = translator_for("de", True, Medium.SPOKEN).t("🌐 Please choose your language:")
    try:
        caller, call = await _call(phone, phones, kamailio, FROM_PARIS)
        await until(lambda: len(ends) >= 1, "the greeting said")
        (greeting,) = played.of(call)  # one prompt: no part held back for after a pause
        assert languages_named(greeting) == set(dispatcher.settings.languages)
        said = " ".join(part.words for part in greeting)
        assert dispatcher.settings.city in said and question.strip("🌐 :") not in said
        await _hang_up(caller, call)
    finally:
        await phone.stop()


async def test_the_menu_says_its_first_choice_first_and_the_others_after_a_pause(
    dispatcher: Dispatcher, kamailio: KamailioServer, phones: PhoneFactory, tmp_path: Path
):
    phone = await phone_line(dispatcher, kamailio, tmp_path)
    ends = ends_of_play(phone)
    played = Played(phone)
    try:
        caller, call = await _call(phone, phones, kamailio, FROM_DORTMUND)
        await until(lambda: answers_to(call) == 1, "the greeting said")
        await keys_answered(caller, call, "1")  # Deutsch: the main menu (no notice first)
        await key_for(phone, call, "menu:places")
        memory = phone.voice.choices.memory
        newest = await memory.newest_sent(call.chat_id)
        assert newest is not None
        labels = [
            label.split(" ", 1)[1] for label, _ in await memory.buttons_of(newest[0], call.chat_id)
        ]

        def newest() -> str:
            return " ".join(part.words for part in played.of(call)[-1])

        await until(lambda: labels[0] in newest(), "the menu began")
        given, menu = len(played.of(call)), newest()
        assert labels[0] in menu and not any(label in menu for label in labels[1:])
        # No key: the other choices follow, said to their end.
        await until(lambda: len(played.of(call)) > given, "the other choices followed")
        rest = newest()
        assert all(label in rest for label in labels[1:]) and labels[0] not in rest
        quiet = len(ends)
        await until(lambda: len(ends) > quiet, "all said")
        # A choice said only after the pause is the same key it always was.
        await keys_answered(caller, call, await key_for(phone, call, "menu:events"))
        await _hang_up(caller, call)
    finally:
        await phone.stop()
