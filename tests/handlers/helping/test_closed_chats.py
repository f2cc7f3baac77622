"""A volunteer who closed their chat with the bot (blocked it, deleted their account) answers
none of their offers: the one rule (``Dispatcher.chat_closed`` for the service's report,
``chat_refused`` for a send it refused for good, both through ``_unreachable``) takes the
chat away and counts each of their unanswered offers as "not this time"
(handlers/helping/offers.py), so that the next wave goes at once instead of after the
wave's time-out. A request they took is handed back and offered again (closed_chats.py),
and a requester's running requests are withdrawn, their helper told not to go. Through
the lifecycle and the dispatcher, on both backends (the stores' queries of the unanswered
offers and of the refused sends are SQL). One who never started the chat keeps everything."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from db import Database
from db.request_states import MATCHED, OPEN, WITHDRAWN
from handlers.context import Backstage
from handlers.dispatcher import CANNOT_WRITE, Dispatcher
from handlers.helping import history, lifecycle
from handlers.helping.lifecycle import UNREACHABLE_ACTION
from handlers.helping.render import someone
from handlers.settings import HandlerSettings, OfferRules
from locales import translator
from tests.support.clock import Clock, daytime
from tests.support.help_story import GROUP, SHOPPING_DRAFT, published_through_lifecycle
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
        await dispatcher.ports.chats.refused("console", names[who], who)
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
    await dispatcher.ports.chats.refused("console", "an-old-chat", who)
    user = await db.users.get(who)
    assert user is not None and user.chat_id == names[who]
    assert not [no for w, _, no, _ in await db.volunteers.asked(request_id) if w == who and no]
    assert await db.volunteers.unanswered(who) == [request_id]


async def _queued_after(db: Database, mark: int) -> list[tuple[str, dict]]:
    """(chat, payload) of each outbox row queued after the row ``mark``, in order."""
    rows = await db.fetch_all(
        "SELECT chat_id, payload FROM outbox WHERE id > ? ORDER BY id", (mark,)
    )
    return [(row[0], json.loads(row[1])) for row in rows]


async def _last_row(db: Database) -> int:
    rows = await db.fetch_all("SELECT COALESCE(MAX(id), 0) FROM outbox", ())
    return int(rows[0][0])


def _texts_to(queued: list[tuple[str, dict]], chat: str) -> list[str]:
    return [payload.get("text", "") for to, payload in queued if to == chat]


def _offers_of(queued: list[tuple[str, dict]], request_id: int) -> set[str]:
    """The chats that were offered ``request_id`` (its "I can help" button)."""
    return {to for to, payload in queued if f"mt:acc:{request_id}" in json.dumps(payload)}


def _with_group(dispatcher: Dispatcher) -> HandlerSettings:
    settings = _settings(dispatcher)
    dispatcher.settings = replace(settings, backchannels=frozenset({("console", GROUP)}))
    return dispatcher.settings


async def _taken_by(
    db: Database, settings: HandlerSettings, request_id: int, helper_id: int
) -> int:
    """``request_id`` taken by the volunteer ``helper_id``, through the lifecycle; their id."""
    helper = await db.users.get(helper_id)
    assert helper is not None
    async with db.transaction():
        await lifecycle.accept(Backstage(db, settings), helper, request_id)
    return helper_id


async def test_a_request_the_volunteer_took_is_handed_back_once(
    dispatcher: Dispatcher, db: Database
):
    settings = _with_group(dispatcher)
    names = await _volunteers(db, 3)  # few: each is asked about both requests
    taken = await _published(db, settings, "amira")
    other = await _published(db, settings, "berta")
    both = await db.volunteers.offered(taken) & await db.volunteers.offered(other)
    helper_id = await _taken_by(db, settings, taken, min(both))
    assert await db.volunteers.unanswered(helper_id) == [other]

    mark = await _last_row(db)
    await dispatcher.ports.chats.refused("console", names[helper_id], helper_id)
    request = await db.requests.get(taken)
    assert request is not None and request.state == OPEN and request.volunteer_id is None
    assert await db.volunteers.unanswered(helper_id) == []
    queued = await _queued_after(db, mark)
    # The requester reads, in her language, that her helper cannot be reached and that the
    # bot looks for someone else.
    de = translator("de")
    assert _texts_to(queued, "amira") == [str(de.t(lifecycle.HELPER_GONE, id=taken))]
    # The coordinators hear it once, of the taken request, with the reason (and, the two
    # others asked already, that nobody is left to ask).
    told = _texts_to(queued, GROUP)
    reason = de._(lifecycle.FORCED_HAND_BACK[lifecycle.BY_UNREACHABLE])
    handed = [text for text in told if reason in text]
    assert len(handed) == 1 and f"#{taken}" in handed[0], told
    assert not [text for text in told if f"#{other}" in text], told
    # Offered again, never to the helper who is gone.
    assert names[helper_id] not in _offers_of(queued, taken)
    after = await _last_row(db)

    # A storm of refused sends and the service's own report after them change nothing.
    for _ in range(3):
        await dispatcher.ports.chats.refused("console", names[helper_id], helper_id)
    await dispatcher.ports.chats.closed("console", names[helper_id], names[helper_id], "u-1")
    await dispatcher.ports.chats.closed("console", names[helper_id], names[helper_id], "u-1")
    assert await _last_row(db) == after
    again = await db.requests.get(taken)
    assert again is not None and again.state == OPEN and again.volunteer_id is None


async def test_the_helper_of_a_requester_who_closed_their_chat_is_told_not_to_go(
    dispatcher: Dispatcher, db: Database
):
    settings = _with_group(dispatcher)
    names = await _volunteers(db, 3)
    taken = await _published(db, settings, "amira")
    waiting = await _published(db, settings, "amira")
    helper_id = await _taken_by(db, settings, taken, min(await db.volunteers.offered(taken)))
    amira = await db.users.find("console", "amira")
    assert amira is not None

    mark = await _last_row(db)
    await dispatcher.ports.chats.closed("console", "amira", "amira", "u-1")
    for request_id in (taken, waiting):
        request = await db.requests.get(request_id)
        assert request is not None and request.state == WITHDRAWN, request_id
    queued = await _queued_after(db, mark)
    de = translator("de")
    # Her helper reads not to go; nothing is queued for her, whom nothing reaches.
    assert str(de.t(lifecycle.DO_NOT_GO, id=taken)) in _texts_to(queued, names[helper_id])
    assert not _texts_to(queued, "amira")
    assert await db.users.get_state(helper_id) is None
    # The coordinators read why, once a request.
    told = _texts_to(queued, GROUP)
    for request_id in (taken, waiting):
        line = str(de.t(lifecycle.REQUESTER_GONE, id=request_id))
        assert sum(line in text for text in told) == 1, told
    # Nobody withdrew it: the history says so, and why, in words (not "changed").
    entries = await db.requests.history(taken)
    withdrawn = [e for e in entries if e["action"] == "request.withdrawn"]
    assert len(withdrawn) == 1 and withdrawn[0]["actor_id"] is None
    why = [what for e, what in history.lines(de, entries) if e["action"] == UNREACHABLE_ACTION]
    assert len(why) == 1 and why[0] != de.t("✏️ Changed")
    # The offers of the one still looked for: not delivered yet (nothing is delivered
    # here), so dropped - nobody is woken for a request that is gone.
    for _, outbox_id, _ in await db.volunteers.offers(waiting):
        state = await db.outbox.state(outbox_id)
        assert state is not None and state[2] is not None

    after = await _last_row(db)
    await dispatcher.ports.chats.closed("console", "amira", "amira", "u-2")
    await dispatcher.ports.chats.refused("console", "amira", amira.id)
    assert await _last_row(db) == after


NEVER_STARTED = "Forbidden: the person never started the chat"


async def test_a_helper_who_never_started_the_chat_keeps_the_request(
    dispatcher: Dispatcher, db: Database
):
    """A send refused because the person never started the chat is no block: the request
    stays theirs, their chat their address, and the coordinators hear once - however many
    of their messages are refused (the first since they were last seen counts)."""
    settings = _with_group(dispatcher)
    names = await _volunteers(db, 3)
    taken = await _published(db, settings, "amira")
    helper_id = await _taken_by(db, settings, taken, min(await db.volunteers.offered(taken)))

    mark = await _last_row(db)
    for n in range(3):
        async with db.transaction():
            item = await db.outbox.enqueue(
                "console",
                names[helper_id],
                {"type": "Message", "text": f"{n}"},
                recipient_id=helper_id,
            )
            await db.outbox.give_up(item, NEVER_STARTED)
        await dispatcher.ports.chats.unstarted(
            "console", names[helper_id], helper_id, NEVER_STARTED
        )
    # Not their address any more: nothing.
    await dispatcher.ports.chats.unstarted("console", "an-old-chat", helper_id, NEVER_STARTED)
    request = await db.requests.get(taken)
    assert request is not None and request.state == MATCHED and request.volunteer_id == helper_id
    user = await db.users.get(helper_id)
    assert user is not None and user.chat_id == names[helper_id]
    told = _texts_to(await _queued_after(db, mark), GROUP)
    de = translator("de")
    expected = de.t(CANNOT_WRITE, who=someone(de, user))
    assert told == [str(expected)], told


async def test_the_coordinators_are_asked_to_call_a_requester_the_bot_cannot_tell(
    dispatcher: Dispatcher, db: Database
):
    """A request a coordinator entered for someone without a chat, whose helper then closed
    theirs: nobody else tells the person that their helper is not coming, so the
    coordinators' hand-back line asks them to call."""
    settings = _with_group(dispatcher)
    await _volunteers(db, 3)
    cora = await db.users.get(await coordinator(db))
    assert cora is not None
    async with db.transaction():
        entered = await lifecycle.enter(
            Backstage(db, settings), cora, {**SHOPPING_DRAFT, "offline_contact": "Erna, Festnetz"}
        )
    helper_id = await _taken_by(
        db, settings, entered.id, min(await db.volunteers.offered(entered.id))
    )
    helper = await db.users.get(helper_id)
    assert helper is not None

    mark = await _last_row(db)
    await dispatcher.ports.chats.refused("console", helper.chat_id, helper_id)
    told = _texts_to(await _queued_after(db, mark), GROUP)
    call = str(translator("de").t(lifecycle.CALL_THE_REQUESTER))
    assert sum(call in text for text in told) == 1, told
