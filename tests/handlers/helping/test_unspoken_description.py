"""A description written in a language the bot does not speak (Chinese) is kept, but not
in silence (from a black-box pass at the console): the summary and the coordinators' post
showed "(?)" as its language. Now the requester is told, in their language, that the
volunteers may not read it and in which languages they may write it again, and the
coordinators' post says the language is none the volunteers here speak."""

from __future__ import annotations

from dataclasses import replace

from bot.transports.console import BACKCHANNEL
from db import Database
from handlers.dispatcher import Dispatcher
from handlers.helping.render import UNSPOKEN
from handlers.messenger import backchannel_language
from locales import SUPPORTED_LANGUAGES, translator
from tests.support.terminal import Terminal, state_at_console


async def _summary_of(term: Terminal, description: str) -> str:
    for data in ("menu:help", "hr:new", "hr:cat:shopping"):
        await term.press(data)
    await term.type(description, "44147")
    await term.press("hr:when:asap")
    return await term.press("hr:langs-done")


async def test_a_description_in_another_language_is_kept_and_explained(
    dispatcher: Dispatcher, db: Database
):
    dispatcher.settings = replace(
        dispatcher.settings, backchannels=frozenset({("console", BACKCHANNEL)})
    )
    term = Terminal(dispatcher, db)
    await term.type(":as deniz", "/start")
    await term.press("lang:tr")
    await term.press("consent:yes")
    tr = translator("tr")
    every_language = [tr.language(code) for code in SUPPORTED_LANGUAGES]

    # In Turkish, the summary names only the requester's own language.
    summary = await _summary_of(term, "Markette alışveriş için yardıma ihtiyacım var")
    assert not all(name in summary for name in every_language)
    await term.press("hr:cancel")
    await term.press("menu:main")

    summary = await _summary_of(term, "我需要帮助购物")
    assert await state_at_console(dispatcher, "deniz") == "request.summary"
    assert "我需要帮助购物" in summary
    assert "(?)" not in summary
    # The languages it can be written in again, named in Turkish.
    assert all(name in summary for name in every_language)

    # Kept as written: it can still be sent, and the coordinators read why it may go unread.
    shown = await term.press("hr:send")
    assert f"[{BACKCHANNEL}]" in shown
    post = shown[shown.index(f"[{BACKCHANNEL}]") :]
    assert "我需要帮助购物" in post
    assert "(?)" not in post
    assert backchannel_language()._(UNSPOKEN) in post
