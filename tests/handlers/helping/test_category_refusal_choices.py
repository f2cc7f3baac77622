"""A text at "🤝 What do you need help with?" is refused with the categories under the
refusal, and one at the request's summary with Send and Change, not only Cancel (from a
black-box pass at the console): numbered choices press only the newest message's, so after
"👆 Please use the buttons above." a "1" meant for the first category - or for Send -
pressed the refusal's one button, Cancel, and the request written so far was gone."""

from __future__ import annotations

from db import Database
from handlers.dispatcher import Dispatcher
from tests.support.terminal import Terminal, state_at_console


def _shown(term: Terminal, name: str) -> list[str]:
    return [button.data for button in term.console._buttons.get(name, [])]


async def test_a_text_at_the_categories_keeps_them_and_the_description(
    dispatcher: Dispatcher, db: Database
):
    term = Terminal(dispatcher, db)
    await term.type(":as olha", "/start")
    await term.press("lang:uk")
    await term.press("consent:yes")
    await term.type("Потрібна допомога з покупками в магазині")
    await term.press("hr:with")
    assert "hr:cat:shopping" in _shown(term, "olha")
    refused = await term.type("44147")
    assert "[1]" in refused
    assert await state_at_console(dispatcher, "olha") == "request.category"
    # The typed 1 is the first category, and the description written before is kept.
    await term.type("1")
    assert await state_at_console(dispatcher, "olha") == "request.where"


async def test_a_text_at_the_summary_keeps_send_and_the_draft(dispatcher: Dispatcher, db: Database):
    term = Terminal(dispatcher, db)
    await term.type(":as olha", "/start")
    await term.press("lang:uk")
    await term.press("consent:yes")
    for data in ("menu:help", "hr:new", "hr:cat:shopping"):
        await term.press(data)
    await term.type("Потрібна допомога з покупками в магазині", "44147")
    await term.press("hr:when:asap")
    await term.press("hr:langs-done")
    assert await state_at_console(dispatcher, "olha") == "request.summary"
    refused = await term.type("так")
    assert "[1]" in refused
    assert "hr:send" in _shown(term, "olha") and "hr:change" in _shown(term, "olha")
    assert await state_at_console(dispatcher, "olha") == "request.summary"
