"""The phone's menus have levels a keypad can press at once (issue 55, point 3): no level
over nine choices, or ten with the tenth on 0 (bot/speech/keys.py ``key_of``) - the
languages, the privacy notice, the main menu and the twelve kinds of help (in two levels:
the most asked, then "more"), in all ten languages; the whole privacy notice, one key
away from the easy one, comes with "I agree". A new person on the phone starts in
easy language (handlers/reader.py ``starts_easy``), and the greeting before the languages
is one short line. A form's tick lists of more than ten (the languages, the districts, the
kinds of help, each with "✔️ Done") are heard in pages (bot/transports/phone/words/what_keys_mean.py
``keys_said``): what a caller hears of every level is at most ten keys, each one choice at
once, every choice on a page and "Done" on each. The in-memory chat with the platform
"phone" stands for the transport."""

from __future__ import annotations

import pytest

import bot.transports.registry  # noqa: F401 - declares the phone's medium
from bot.speech.keys import MOST_KEYED, TENTH_KEY, key_of
from bot.transports.numbered_choices import numbered
from bot.transports.phone.words.what_keys_mean import keys_said, page_count
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.helping.vocabulary import HELP_CATEGORIES
from handlers.messages import Outgoing, finish
from handlers.settings import HandlerSettings
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


def heard(out: list[Outgoing]) -> list[str]:
    """The newest message's choices (their data) as a caller hears them, page by page (all
    of them, in order): each page at most ten keys, none of them typed beyond one digit,
    and the list's finish (its ✔️ Done) on every page of a longer list."""
    buttons = messages(out)[-1].buttons
    listed = numbered(buttons)
    labels, data = [label for label, _ in listed], [data for _, data in listed]
    done = finish(buttons)
    # A longer list's "✔️ Done" says it is the finish (its role): it is said on every page.
    assert len(data) <= MOST_KEYED or (done or "").endswith("-done"), done
    pages = page_count(len(data), data.index(done) + 1 if done in data else None)
    found: list[str] = []
    for page in range(pages if len(data) > MOST_KEYED else 1):
        said, keys = keys_said(
            labels,
            data,
            free_digits=False,
            person=None,
            page=page,
            done=done,
            more="More",
        )
        keys = keys or [key_of(number, len(said)) for number in range(1, len(said) + 1)]
        assert len(keys) == len(said) <= MOST_KEYED, said
        assert all(len(key) == 1 for key in keys) and len(set(keys)) == len(keys), keys
        if len(data) > MOST_KEYED and done is not None:
            assert said[-2] == labels[data.index(done)]
        found += [data[labels.index(label)] for label in said if label in labels]
    assert set(found) == set(data), "every choice on a page"
    return data


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
    # The menu at once (consent waits for the first step that keeps something,
    # handlers/first_kept.py), and no greeting again (the line's first greeting named the
    # bot; a returning caller's menu begins with one word, "👋 Willkommen!").
    assert "menu:help" in level(out) and "consent:yes" not in level(out)
    first_line = readable(str(messages(out)[-1].text)).splitlines()[0]
    assert first_line != readable(translator(lang)._("👋 Welcome!")) and "👋" not in first_line
    out = await phone.press(CALLER, "menu:help")
    notice = level(out)
    assert "consent:yes" in notice and "privacy:details" in notice
    # The whole notice one key away, and agreed to right there (a caller has no older
    # message to press); then the help the caller chose.
    out = await phone.press(CALLER, "privacy:details")
    assert level(out)[0] == "consent:yes"
    out = await phone.press(CALLER, "consent:yes")
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


@pytest.mark.parametrize("lang", ["de", "ar"])
async def test_the_tick_lists_a_caller_meets_are_heard_in_pages_of_one_key_each(
    phone: MemoryTransport, lang: str
):
    await phone.text(CALLER, "/start")
    await phone.press(CALLER, f"lang:{lang}")
    await phone.press(CALLER, "consent:yes")
    # A volunteer's registration: the districts, the kinds of help, the languages.
    out = await phone.press(CALLER, "menu:volunteer")
    out = await phone.press(CALLER, "vo:reg")
    districts = heard(out)
    assert "vo:area-done" in districts and len(districts) > MOST_KEYED
    ticked = next(data for data in districts if data.startswith("vo:bz:"))
    out = await phone.press(CALLER, ticked)
    assert heard(out) == districts  # the list again, heard the same way
    await phone.press(CALLER, "vo:area-done")  # the own point: a postcode typed, or skipped
    out = await phone.press(CALLER, "vo:nopt")
    kinds = heard(out)
    assert "vo:cats-done" in kinds
    assert {f"vo:cat:{kind}" for kind in HELP_CATEGORIES} <= set(kinds)
    out = await phone.press(CALLER, kinds[0])
    out = await phone.press(CALLER, "vo:cats-done")
    languages = heard(out)
    assert "vo:langs-done" in languages
    assert {f"vo:lang:{code}" for code in SUPPORTED_LANGUAGES} <= set(languages)


async def test_a_help_requests_more_languages_are_heard_in_pages(phone: MemoryTransport):
    await phone.text(CALLER, "/start")
    await phone.press(CALLER, "lang:de")
    await phone.press(CALLER, "consent:yes")
    await phone.press(CALLER, "menu:help")
    await phone.press(CALLER, "hr:new")
    await phone.press(CALLER, "hr:cat:shopping")
    await phone.text(CALLER, "Bitte Milch und Brot kaufen.")  # what (a caller speaks it)
    await phone.text(CALLER, "44147")
    out = await phone.press(CALLER, "hr:when:asap")
    assert "hr:lang-more" in level(out)
    out = await phone.press(CALLER, "hr:lang-more")
    languages = heard(out)
    assert "hr:langs-done" in languages
    assert {f"hr:lang:{code}" for code in SUPPORTED_LANGUAGES} <= set(languages)
