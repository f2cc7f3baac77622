"""Issue 80, point 6: a choice's label is said before its key as one choice, without its
stops - easy language's "Nein. Behalten." was said "Nein. Behalten.: zwei.", a pause and an
end of sentence inside the choice. The phone's question to delete everything, through the
phone transport with the real dispatcher (tests/support/sip/keypad_phone.py), what it says
recorded, in all ten languages, usual and easy."""

from __future__ import annotations

import re

import pytest

from db import Database
from handlers.dispatcher import Dispatcher
from handlers.messages import Command
from locales import SUPPORTED_LANGUAGES
from tests.support.sip.keypad_phone import hearing, keypad_phone, known_caller

# A stop inside what is said, before more words ("Nein. Behalten.: zwei").
_STOP_WITHIN = re.compile(r"[.!?\u061f](?=\s*\S)")


@pytest.mark.parametrize("easy", [False, True], ids=["usual", "easy"])
@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
async def test_the_choices_are_said_without_their_stops(
    dispatcher: Dispatcher, db: Database, lang: str, easy: bool
) -> None:
    phone, call, _ = keypad_phone(dispatcher)
    said = hearing(phone)
    try:
        await known_caller(phone, call, db, lang, easy=easy)
        before = len(said)
        await phone.meant(call, Command("delete"))
        t = await phone.voice.words(call)  # the answer's reader
        heard = "\n".join(part.words for words in said[before:] for part in words)
        keep = t._("No, keep it")
        choices = [line for line in heard.splitlines() if keep.split()[0].strip(".,،") in line]
        assert choices, (lang, heard)
        # Its last two lines are the two choices, each with its key: one sentence each.
        for line in heard.splitlines()[-2:]:
            assert not _STOP_WITHIN.search(line), (lang, easy, line)
    finally:
        phone.prompts.close()  # type: ignore[union-attr]
