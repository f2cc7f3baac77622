"""One owner of input length (issue 77 follow-up): the router's declared ``input_limits``,
enforced by the dispatcher before any step sees a text, for every transport. A text one
over a step's limit is refused, saying the limit; the step and what it holds stay and
nothing is stored - not, as a feedback was, cut short without the person knowing. A text
of exactly the limit is taken whole. Here the feedback after help (handlers/helping/
relay/chat.py) through the dispatcher and the outbox, and the console (the real connector) at
a request's description; Telegram's steps in
tests/bot/transports/test_telegram_reason_too_long.py."""

from __future__ import annotations

from dataclasses import replace

from db import Database
from handlers import build_router
from handlers.dispatcher import TOO_LONG, Dispatcher
from handlers.helping.requests_flow import MAX_TEXT
from handlers.router import WRITTEN_LIMIT
from locales import translator
from tests.support.help_story import at_feedback
from tests.support.memory_transport import MemoryTransport, texts
from tests.support.terminal import Terminal


def test_every_declared_limit_is_a_step_within_the_citys_limit():
    router = build_router()
    assert router.input_limits
    for state, longest in router.input_limits.items():
        assert state in router.states, state
        assert 0 < longest <= WRITTEN_LIMIT, state


async def _feedback(db: Database) -> list[str]:
    return [row[0] for row in await db.fetch_all("SELECT text FROM feedback")]


async def test_a_feedback_one_over_the_limit_is_refused_and_one_at_it_kept_whole(
    story: MemoryTransport, db: Database
):
    amira, _request = await at_feedback(story, db)
    before = await db.users.get_state(amira)
    assert before is not None and before.state == "relay.feedback"

    feedback = ("Alles gut gelaufen, danke! " * WRITTEN_LIMIT)[: WRITTEN_LIMIT - 4] + "ENDE"
    out = texts(await story.text("amira", "z" + feedback))
    de = translator("de")
    assert de.t(TOO_LONG, length=WRITTEN_LIMIT + 1, limit=WRITTEN_LIMIT) in out
    after = await db.users.get_state(amira)
    assert after is not None and (after.state, after.data) == (before.state, before.data)
    assert await _feedback(db) == []

    await story.text("amira", feedback)
    assert await _feedback(db) == [feedback]
    assert await db.users.get_state(amira) is None


async def test_the_console_refuses_a_description_one_over_the_limit_and_takes_one_at_it(
    dispatcher: Dispatcher, db: Database
):
    person = await db.users.seen("console", "amira", "amira", "Amira")
    await db.users.set_language(person.id, "de")
    await db.users.record_consent(person.id)
    terminal = Terminal(dispatcher, db)
    # The city's own limit above the step's (the tests' settings have 500).
    dispatcher.settings = replace(dispatcher.settings, max_text_length=2 * MAX_TEXT)
    await terminal.type("/start")
    await terminal.press("menu:help")
    await terminal.press("hr:new")
    await terminal.press("hr:cat:shopping")
    before = await db.users.get_state(person.id)
    assert before is not None and before.state == "request.description"

    description = ("Einkaufen am Dienstag. " * MAX_TEXT)[: MAX_TEXT - 4] + "ENDE"
    out = await terminal.type("z" + description)
    assert translator("de").number(MAX_TEXT) in out and "✂️" in out
    after = await db.users.get_state(person.id)
    assert after is not None and (after.state, after.data) == (before.state, before.data)
    assert await db.requests.for_requester(person.id) == []

    await terminal.type(description)
    now = await db.users.get_state(person.id)
    assert now is not None and now.state == "request.where"
    assert now.data["draft"]["description"] == description
