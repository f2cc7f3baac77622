"""A city may publish the requests of people it trusts at once (``[help]
publish_at_once = ["returning"]``): a returning requester whose earlier help was done and
nobody reported; the coordinators are told and pull it back into review with one press
(handlers/helping/lifecycle.py ``submit``, ``pull_back``). Off by default."""

from __future__ import annotations

import pytest

from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from tests.support.channels import channels
from tests.support.help_story import GROUP, NORDMARKT, grant_role_to, post_request, press
from tests.support.memory_transport import MemoryTransport, button_data

# The trust is one query over requests and reports: on both backends.
pytestmark = pytest.mark.both_backends


def _chat(db: Database, *kinds: str) -> MemoryTransport:
    settings = HandlerSettings(
        backchannels=frozenset({("memory", GROUP)}),
        channels=channels(),
        publish_at_once=frozenset(kinds),
    )
    return MemoryTransport(Dispatcher(db, build_router(), settings))


async def _ask_again(chat: MemoryTransport, user: str = "amira") -> int:
    await chat.press(user, "menu:help")
    await chat.press(user, "hr:new")
    await chat.press(user, "hr:cat:shopping")
    await chat.text(user, "أحتاج مساعدة في التسوق مرة أخرى")
    await chat.location(user, *NORDMARKT)
    out = await chat.press(user, "hr:when:asap")
    done = "hr:lang-only" if "hr:lang-only" in button_data(out) else "hr:langs-done"
    await chat.press(user, done)
    out = await chat.press(user, "hr:send")
    assert "hr:mine" in button_data(out)
    requester = await chat.dispatcher.db.users.find("memory", user)
    return max(r.id for r in await chat.dispatcher.db.requests.for_requester(requester.id))


async def _helped_before(chat: MemoryTransport, db: Database) -> int:
    first = await post_request(chat)
    await db.execute("UPDATE help_requests SET state = 'done' WHERE id = ?", (first,))
    return first


async def test_a_returning_requester_is_published_at_once_and_pulled_back(db: Database):
    chat = _chat(db, "returning")
    await chat.onboard("cora", "en")
    await grant_role_to(db, "cora", "coordinator")
    await _helped_before(chat, db)
    await chat.flush()
    chat.inbox.clear()
    second = await _ask_again(chat)
    assert (await db.requests.get(second)).state == "open"
    await chat.flush()
    post = next(item for item in chat.inbox[GROUP] if f"mod:pull:{second}" in button_data([item]))
    assert str(post.text).startswith("⚡") and f"#{second}" in str(post.text)
    # The requester reads Arabic: "your request is published".
    assert "تم نشر طلبك" in chat.received("amira")

    # A resident may not pull it back; a coordinator may, with one press.
    await chat.onboard("vera", "en")
    await chat.in_group("vera", press(f"mod:pull:{second}"), chat=GROUP)
    assert (await db.requests.get(second)).state == "open"
    chat.inbox.clear()
    await chat.in_group("cora", press(f"mod:pull:{second}"), chat=GROUP)
    assert (await db.requests.get(second)).state == "review"
    await chat.flush()
    assert f"mod:ok:{second}" in button_data(chat.inbox[GROUP])
    # Pressed again: nothing changes.
    await chat.in_group("cora", press(f"mod:pull:{second}"), chat=GROUP)
    assert (await db.requests.get(second)).state == "review"


async def test_reported_or_new_requesters_and_the_default_wait_for_review(db: Database):
    chat = _chat(db, "returning")
    assert (await db.requests.get(await post_request(chat))).state == "review"  # new

    first = await _helped_before(chat, db)
    amira = await db.users.find("memory", "amira")
    await db.relay.report(amira.id, f"request:{first}", "")
    assert (await db.requests.get(await _ask_again(chat))).state == "review"


async def test_by_default_every_request_waits_for_review(db: Database):
    chat = _chat(db)
    await _helped_before(chat, db)
    assert (await db.requests.get(await _ask_again(chat))).state == "review"
