"""Issue 77, point 7: on a channel whose sender can be forged, a number's person counts as
returning (their request published at once) only when the one sending is proven - a text
when the number texted back a right code a moment ago (the SMS store's codes, asked
through handlers/numbers/coded_acts.py), a call when the bot's check call or the person's
PIN proved it (``Sender.checked``). The request is submitted as the send button would, in
the person's own update (a Context whose sender the transport set)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.clock import local_day, to_text
from db.users import User
from handlers.channels import ACT
from handlers.context import Backstage, Context
from handlers.helping import lifecycle
from handlers.messages import ButtonPress, Incoming, Sender
from handlers.numbers import coded_acts
from handlers.settings import HandlerSettings
from locales import translator
from tests.support.channels import channels
from tests.support.help_story import grant_role_to, matched_through_lifecycle, register_volunteer
from tests.support.memory_transport import MemoryTransport

pytestmark = pytest.mark.both_backends

NUMBER = "+4917655555555"
DRAFT = {
    "category": "shopping",
    "description": "Einkauf am Nordmarkt, wie letzte Woche",
    "stadtbezirk": "Innenstadt-Nord",
    "lat": 51.523,
    "lon": 7.456,
    "languages": ("de",),
}


async def _returning(story: MemoryTransport, db: Database, person: User) -> User:
    """``person``'s earlier help happened: done, Vera told her time, the account two months
    old, nobody reported anything."""
    settings = story.dispatcher.settings
    await story.onboard("cora", "de")
    cora = await grant_role_to(db, "cora", "coordinator")
    vera = await register_volunteer(story, db, "vera")
    await db.volunteers.verify(vera, cora)
    first = await matched_through_lifecycle(db, settings, person.id, vera, cora)
    async with db.transaction():
        await lifecycle.done(Backstage(db, settings), person, first)
    await db.requests.update_fields(first, vera, minutes_spent=60)
    old = to_text(datetime.now(UTC) - timedelta(days=60))
    await db.execute("UPDATE users SET created_at = ? WHERE id = ?", (old, person.id))
    found = await db.users.get(person.id)
    assert found is not None
    return found


async def _number_person(story: MemoryTransport, db: Database, platform: str) -> User:
    person = (await db.users.arrive(platform, NUMBER, NUMBER)).user
    await db.users.set_language(person.id, "de")
    return await _returning(story, db, person)


def _sent(db: Database, settings: HandlerSettings, person: User, sender: Sender) -> Context:
    """The update in which ``person`` presses "send", as the transport hands it over."""
    incoming = Incoming(
        sender, chat_id=sender.user_id, event=ButtonPress("hr:send", "1"), update_id="1"
    )
    return Context(incoming, person, translator("de"), db, settings)


async def _submitted(ctx: Context) -> str:
    async with ctx.db.transaction():
        request = await lifecycle.submit(ctx, ctx.user, dict(DRAFT))
    return request.state


@pytest.fixture
def story(story: MemoryTransport) -> MemoryTransport:
    from dataclasses import replace

    story.dispatcher.settings = replace(
        story.dispatcher.settings,
        publish_at_once=frozenset({"returning"}),
        channels=channels("sms", "phone"),
    )
    return story


async def test_a_call_is_returning_only_when_it_was_proven(story: MemoryTransport, db: Database):
    settings = story.dispatcher.settings
    resident = await _number_person(story, db, "phone")
    # The caller ID alone: anyone can send it.
    claimed = _sent(db, settings, resident, Sender("phone", NUMBER))
    assert await _submitted(claimed) == "review"
    # A call the check call (or her PIN) proved.
    checked = _sent(db, settings, resident, Sender("phone", NUMBER, checked=True))
    assert await _submitted(checked) == "open"


async def test_a_text_is_returning_only_after_the_numbers_code(
    story: MemoryTransport, db: Database
):
    settings = story.dispatcher.settings
    resident = await _number_person(story, db, "sms")
    ctx = _sent(db, settings, resident, Sender("sms", NUMBER))
    assert await _submitted(ctx) == "review"

    # The number's holder texts back the code she was sent: her texts are hers a while.
    line = coded_acts.line(ctx)
    now = datetime.now(UTC)
    code = await line.issue_code(NUMBER, ACT, to_text(now + timedelta(minutes=15)), local_day(now))
    assert code is not None
    assert await line.check_code(NUMBER, ACT, code, to_text(now)) is True
    assert await _submitted(_sent(db, settings, resident, Sender("sms", NUMBER))) == "open"


async def test_a_chat_account_needs_no_more(story: MemoryTransport, db: Database):
    """The same history on a chat: its platform's account is the sender."""
    settings = story.dispatcher.settings
    await story.onboard("amira", "de")
    amira = await _returning(story, db, await db.users.find("memory", "amira"))
    assert await _submitted(_sent(db, settings, amira, Sender("memory", "amira"))) == "open"
