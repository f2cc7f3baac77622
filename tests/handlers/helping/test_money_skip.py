"""The helper asked after a shopping job how much money they laid out can skip the
question (from a black-box pass at the console: it offered no button, so a helper who did
not know the amount or did not want to say it was stuck at the step); skipped, no amount is
recorded, the requester is asked nothing, and the helper goes on to the feedback question."""

from __future__ import annotations

from db import Database
from handlers.dispatcher import Dispatcher
from tests.support.terminal import Terminal, state_at_console


async def test_the_money_question_can_be_skipped(dispatcher: Dispatcher, db: Database):
    from tests.support.help_story import matched_at_console

    term = Terminal(dispatcher, db)
    request_id = await matched_at_console(term, db, dispatcher.settings, "amira:ar", "vera:uk")
    await term.type(":as amira")
    await term.press("rl:done:")
    await term.press("rl:doney:")
    await term.type(":as vera")
    await term.press(f"rl:min:{request_id}:60")
    assert await state_at_console(dispatcher, "vera") == "relay.money"
    # A text that is no amount is refused with the way out under it, too.
    refused = await term.type("не знаю")
    assert "⏭" in refused
    assert await state_at_console(dispatcher, "vera") == "relay.money"
    skipped = await term.press(f"rl:msk:{request_id}")
    assert "[amira]" not in skipped  # the requester is asked to confirm no amount
    request = await db.requests.get(request_id)
    assert request.money_cents is None and request.money_confirmed is not True
    # On to the feedback step, whose own Skip ends it.
    assert await state_at_console(dispatcher, "vera") == "relay.feedback"
    shown = await term.press(f"rl:fb:{request_id}")
    assert "[amira]" not in shown
    assert await state_at_console(dispatcher, "vera") is None
    assert (await db.requests.get(request_id)).money_cents is None
