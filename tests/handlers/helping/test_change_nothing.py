"""A requester at "✏️ What do you want to change?" who changes their mind goes back to the
summary of their request, all of it kept (from a black-box pass at the console: the
question offered only the five answers, no way back, so a person who wanted to change
nothing had to pick an answer to give again or cancel the whole draft)."""

from __future__ import annotations

from db import Database
from handlers.dispatcher import Dispatcher
from tests.support.terminal import Terminal, state_at_console


async def test_changing_nothing_goes_back_to_the_summary(dispatcher: Dispatcher, db: Database):
    term = Terminal(dispatcher, db)
    await term.type(":as amira", "/start")
    await term.press("lang:ar")
    await term.press("consent:yes")
    for data in ("menu:help", "hr:new", "hr:cat:shopping"):
        await term.press(data)
    await term.type("أحتاج مساعدة في التسوق من السوبرماركت", "44147")
    await term.press("hr:when:asap")
    summary = await term.press("hr:langs-done")
    user = await db.users.find("console", "amira")
    before = await db.users.get_state(user.id)
    await term.press("hr:change")
    shown = await term.press("hr:changeback")
    # The same summary again, in Arabic, with Send: nothing asked again, nothing lost.
    assert shown.strip() == summary.strip()
    assert "hr:send" in [button.data for button in term.console._buttons["amira"]]
    after = await db.users.get_state(user.id)
    assert (after.state, after.data) == (before.state, before.data)
    assert await state_at_console(dispatcher) == before.state
