"""A volunteer who closed their chat with the bot (blocked it, deleted their account) answers
none of their offers: the one rule (``Dispatcher.chat_closed`` for the service's report,
``chat_refused`` for a send it refused for good, both through ``_unreachable``) takes the
chat away and counts each of their unanswered offers as "not this time"
(handlers/helping/offers.py), so that the next wave goes at once instead of after the
wave's time-out. A request they took stays theirs. Through the lifecycle and the
dispatcher, on both backends (the store's query of the unanswered offers is SQL)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from db import Database
from db.request_states import MATCHED
from handlers.context import Backstage
from handlers.dispatcher import Dispatcher
from handlers.helping import lifecycle
from handlers.settings import HandlerSettings, OfferRules
from tests.support.clock import Clock, daytime
from tests.support.help_story import GROUP, published_through_lifecycle
from tests.support.helping_people import coordinator, person, verified_volunteer

pytestmark = pytest.mark.both_backends


def _settings(dispatcher: Dispatcher) -> HandlerSettings:
    dispatcher.settings = replace(
        dispatcher.settings, offer_rules=OfferRules(), clock=Clock(daytime(10))
    )
    return dispatcher.settings


async def _volunteers(db: Database, count: int) -> dict[int, str]:
    """``count`` verified volunteers (console people, their chat their name), by user id."""
    named = {}
    for n in range(count):
        user = await person(db, f"vol{n}")
        await verified_volunteer(db, user.id)
        named[user.id] = f"vol{n}"
    return named


async def _published(db: Database, settings: HandlerSettings, requester: str) -> int:
    """A shopping request at the Nordmarkt for some time this week, published."""
    asking = await person(db, requester)
    draft = {"when_kind": "window", "when_text": "diese Woche"}
    return await published_through_lifecycle(
        db, settings, asking.id, await coordinator(db), **draft
    )


async def test_the_next_wave_goes_at_once_when_the_whole_wave_closed_their_chats(
    dispatcher: Dispatcher, db: Database
):
    settings = _settings(dispatcher)
    names = await _volunteers(db, 12)
    request_id = await _published(db, settings, "amira")
    first = await db.volunteers.offered(request_id)
    assert 0 < len(first) < len(names)
    for number, who in enumerate(sorted(first)):
        await dispatcher.chat_refused("console", names[who], who)
        user = await db.users.get(who)
        assert user is not None and user.chat_id == ""
        if number < len(first) - 1:
            # One who cannot be reached is one "not this time": no reason to ask more yet.
            assert await db.volunteers.offered(request_id) == first
    said_no = {who for who, _, no, _ in await db.volunteers.asked(request_id) if no}
    assert said_no == first
    second = await db.volunteers.offered(request_id) - first
    assert second
    search = await db.waves.get(request_id)
    assert search is not None and search.waves == 2


async def test_a_chat_that_is_no_longer_their_address_changes_nothing(
    dispatcher: Dispatcher, db: Database
):
    settings = _settings(dispatcher)
    names = await _volunteers(db, 12)
    request_id = await _published(db, settings, "amira")
    who = min(await db.volunteers.offered(request_id))
    # A send to a chat of theirs from before (they wrote from another chat since).
    await dispatcher.chat_refused("console", "an-old-chat", who)
    user = await db.users.get(who)
    assert user is not None and user.chat_id == names[who]
    assert not [no for w, _, no, _ in await db.volunteers.asked(request_id) if w == who and no]
    assert await db.volunteers.unanswered(who) == [request_id]


async def _told_coordinators(db: Database) -> list[str]:
    """The texts queued for the coordinators' group."""
    rows = await db.fetch_all("SELECT payload FROM outbox WHERE chat_id = ? ORDER BY id", (GROUP,))
    return [json.loads(row[0])["text"] for row in rows]


async def test_a_request_the_volunteer_took_stays_theirs(dispatcher: Dispatcher, db: Database):
    settings = _settings(dispatcher)
    settings = dispatcher.settings = replace(settings, backchannels=frozenset({("console", GROUP)}))
    names = await _volunteers(db, 3)  # few: each is asked about both requests
    taken = await _published(db, settings, "amira")
    other = await _published(db, settings, "berta")
    helper_id = min(await db.volunteers.offered(taken) & await db.volunteers.offered(other))
    helper = await db.users.get(helper_id)
    assert helper is not None
    async with db.transaction():
        await lifecycle.accept(Backstage(db, settings), helper, taken)
    assert await db.volunteers.unanswered(helper_id) == [other]

    before = await _told_coordinators(db)
    await dispatcher.chat_refused("console", names[helper_id], helper_id)
    request = await db.requests.get(taken)
    assert request is not None and request.state == MATCHED
    assert request.volunteer_id == helper_id
    assert await db.volunteers.unanswered(helper_id) == []
    # The coordinators hear it once, of the taken request, naming the helper by number.
    told = (await _told_coordinators(db))[len(before) :]
    assert len(told) == 1 and f"#{taken}" in told[0] and f"#{other}" not in told[0], told
    assert f"{helper_id})" in told[0], told
