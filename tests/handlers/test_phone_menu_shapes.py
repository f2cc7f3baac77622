"""The phone's menus have levels a keypad can press at once (issue 55, point 3): no level
over nine choices, or ten with the tenth on 0 (handlers/spoken_words.py ``key_of``) - the
languages, the privacy notice, the main menu and the twelve kinds of help (in two levels:
the most asked, then "more"), in all ten languages; the whole privacy notice, one key
away from the easy one, comes with "I agree". A new person on the phone starts in
easy language (handlers/reader.py ``starts_easy``), and the greeting before the languages
is one short line. The in-memory chat with the platform "phone" stands for the transport."""

from __future__ import annotations

import pytest

import bot.transports.registry  # noqa: F401 - declares the phone's medium
from bot.transports.numbered_choices import numbered
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.helping.vocabulary import HELP_CATEGORIES
from handlers.messages import Outgoing
from handlers.settings import HandlerSettings
from handlers.spoken_words import MOST_KEYED, TENTH_KEY, key_of
from locales import SUPPORTED_LANGUAGES, translator
from tests.support.memory_transport import MemoryTransport, messages, readable, texts

CALLER = "+4923155501"


def level(out: list[Outgoing]) -> list[str]:
    """The newest message's choices (their data), checked to fit a keypad's level."""
    choices = [data for _, data in numbered(messages(out)[-1].buttons)]
    assert choices and len(choices) <= MOST_KEYED, choices
    if len(choices) == MOST_KEYED:
        assert key_of(MOST_KEYED, MOST_KEYED) == TENTH_KEY
    return choices


@pytest.fixture
def phone(db: Database, settings: HandlerSettings) -> MemoryTransport:
    # The phone's medium (spoken) comes with its platform, from the transport's descriptor.
    return MemoryTransport(Dispatcher(db, build_router(), settings), platform="phone")


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
async def test_every_level_a_caller_walks_fits_the_keypad(
    phone: MemoryTransport, db: Database, lang: str
):
    out = await phone.text(CALLER, "/start")
    languages = level(out)
    assert len(languages) == len(SUPPORTED_LANGUAGES)  # all ten, the tenth on 0
    person = await db.users.find("phone", CALLER)
    assert person is not None and person.easy_language  # easy texts by default
    # The greeting before the ten lines: one short line and the question.
    assert len(texts(out).splitlines()) <= 3
    out = await phone.press(CALLER, f"lang:{lang}")
    notice = level(out)
    assert "consent:yes" in notice and "privacy:details" in notice
    # The whole notice one key away, and agreed to right there (a caller has no older
    # message to press).
    out = await phone.press(CALLER, "privacy:details")
    assert level(out)[0] == "consent:yes"
    out = await phone.press(CALLER, "consent:yes")
    assert "menu:help" in level(out)
    # The menu's greeting on the phone: one word (the line's first greeting named the bot).
    first_line = readable(str(messages(out)[-1].text)).splitlines()[0]
    assert first_line == readable(translator(lang)._("👋 Welcome!"))
    out = await phone.press(CALLER, "menu:help")
    assert "hr:new" in level(out)
    out = await phone.press(CALLER, "hr:new")
    first = [data for data in level(out) if data.startswith("hr:cat:")]
    out = await phone.press(CALLER, "hr:cat-more")
    rest = [data for data in level(out) if data.startswith("hr:cat:")]
    # Every kind of help reachable, in two levels.
    assert len(set(first) | set(rest)) == len(first) + len(rest) == len(HELP_CATEGORIES)
    # A person in a chat still starts with the usual texts.
    chat = MemoryTransport(phone.dispatcher)
    await chat.text("anna", "/start")
    anna = await db.users.find("memory", "anna")
    assert anna is not None and not anna.easy_language
