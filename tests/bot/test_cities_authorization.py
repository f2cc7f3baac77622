"""The authorization matrix across cities, by chat: Ada is an admin, a coordinator and a
verified volunteer of Dortmund, and nothing of that counts in Unna.

Every button and command the router knows (so a new one is covered the day it is added)
is tried by Ada at Unna's bot - in a private chat and in Unna's backchannel, as a
stranger there and as a plain resident, with the numbers of Unna's requests, places, events
and people as forged button data and command arguments - and afterwards nothing of
anyone's in Unna has changed (the whole of Unna's database is compared, table by table)
and nothing in Dortmund either. The same presses by Unna's own admin do change things:
the comparison is not blind.

(The desk's side of the matrix is tests/bot/web/test_cities_desk.py; the whole process with two
bots is tests/system/test_cities_run.py.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from db import Database
from db.events import Event
from db.personal_data import IDENTITY, LINK, TABLES
from db.places import Place
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import ButtonPress, Command, Incoming, Sender
from handlers.messages import Event as ChatEvent
from handlers.router import Router
from handlers.settings import HandlerSettings
from tests.support.city_databases import Rows, every_row, open_city

GROUP = "-2002"  # Unna's backchannel; Ada is a member (she may be in both cities' groups)
ACTOR = "ada"
# Forged arguments: Unna's rows are numbered 1 and 2 (request 1 awaits review, request 2
# is matched; place 1, event 1; person 1 a volunteer, person 2 the requester).
ARGUMENTS = ("1", "2", "1:1", "2:2")


@dataclass
class Cities:
    dortmund: Database
    unna: Database
    unna_chat: Dispatcher


@pytest.fixture
async def cities(database_url: str) -> AsyncIterator[Cities]:
    dortmund = await open_city(database_url, "dortmund", main=True)
    unna = await open_city(database_url, "unna")
    try:
        await _staff_of_dortmund(dortmund)
        await _unna(unna)
        # No flood limit: every one of Ada's 700 and more actions a round must reach the
        # handlers to be judged (the limits, and their notice to the group, are tested in
        # tests/handlers/test_flood_limits.py; here the notice would be a change in Unna).
        settings = HandlerSettings(
            backchannels=frozenset({("telegram", GROUP)}),
            max_messages_per_minute=1_000_000,
            max_presses_per_minute=1_000_000,
        )
        yield Cities(dortmund, unna, Dispatcher(unna, build_router(), settings))
    finally:
        await dortmund.close()
        await unna.close()


async def _staff_of_dortmund(db: Database) -> None:
    ada = await db.users.seen("telegram", ACTOR, ACTOR, "Ada")
    await db.users.record_consent(ada.id)
    for role in ("admin", "coordinator"):
        await db.users.grant_role(ada.id, role)
    await db.volunteers.save(ada.id, categories=("shopping",), stadtbezirke=("Königsborn",))
    await db.volunteers.verify(ada.id, ada.id)


async def _unna(db: Database) -> None:
    """Unna's rows, numbered as ARGUMENTS expects."""
    uwe = await db.users.seen("telegram", "uwe", "uwe", "Uwe")
    rita = await db.users.seen("telegram", "rita", "rita", "Rita")
    for person in (uwe, rita):
        await db.users.record_consent(person.id)
    await db.volunteers.save(uwe.id, categories=("shopping",), stadtbezirke=("Königsborn",))
    waiting = await db.requests.create(rita.id, rita.id, category="shopping", state="review")
    matched = await db.requests.create(rita.id, rita.id, category="shopping")
    await db.requests.transition(matched.id, "open", rita.id)
    await db.requests.transition(matched.id, "matched", uwe.id, volunteer_id=uwe.id)
    place = await db.places.upsert(
        Place(source="t", source_id="1", name="Treff", category="library", lat=51.54, lon=7.69),
        "test",
    )
    event, _, _ = await db.events.upsert(
        Event(uid="e", title="Café", starts_local="2030-01-08T17:00")
    )
    assert (uwe.id, rita.id, waiting.id, matched.id, place, event) == (1, 2, 1, 2, 1, 1)


# Leaving ends what the actor could try next: these go last.
LEAVING = ("consent", "delete")


def _every_action(router: Router) -> list[ChatEvent]:
    """Every button and command the router knows, bare and with every forged argument;
    the ones that end the actor's account last."""
    events: list[ChatEvent] = []
    for prefix in sorted(router.buttons, key=lambda key: key.startswith(LEAVING)):
        events += [ButtonPress(prefix), *(ButtonPress(f"{prefix}:{args}") for args in ARGUMENTS)]
    for name in sorted(router.commands, key=lambda key: key.startswith(LEAVING)):
        events += [Command(name, args) for args in ("", *ARGUMENTS)]
    leaving = [e for e in events if _name(e).startswith(LEAVING)]
    return [e for e in events if e not in leaving] + leaving


def _name(event: ChatEvent) -> str:
    return event.data if isinstance(event, ButtonPress) else getattr(event, "name", "")


async def _try(dispatcher: Dispatcher, who: str, event: ChatEvent, chat: str) -> None:
    await dispatcher.handle(
        Incoming(Sender("telegram", who, who.title()), chat, event, is_private=chat == who)
    )


def _people(rows: Rows) -> tuple[set[str], set[str]]:
    """The actor's and everyone else's user numbers and chat ids, as _rows shows them."""
    own, others = {repr(ACTOR)}, {repr(GROUP)}
    for row in rows["users"]:
        values = dict(cell.split("=", 1) for cell in row)
        mine = values["platform_user_id"] == repr(ACTOR)
        (own if mine else others).update((values["id"], values["platform_user_id"]))
    return own, others


def _changes(before: Rows, after: Rows) -> list[str]:
    """What changed that is not the actor's alone: a row changed, gone or added is the
    actor's only when it names the actor's account or user number and nobody else's (a
    changed row shows as its old and its new version, so someone else's row changed to
    name the actor is caught by its old version)."""
    own_before, others_before = _people(before)
    own_after, others_after = _people(after)
    own, others = own_before | own_after, others_before | others_after
    found = []
    for table in sorted(set(before) | set(after)):
        old, new = set(before.get(table, ())), set(after.get(table, ()))
        for row in sorted(old ^ new):
            if not _actors_own(table, row, own, others):
                found.append(f"{table}: {'+' if row in new else '-'}{row}")
    return found


def _actors_own(table: str, row: tuple[str, ...], own: set[str], others: set[str]) -> bool:
    values = dict(cell.split("=", 1) for cell in row)
    if table == "processed_updates":
        return True
    if table in ("matching_changes", "matching_touched"):
        # Counts and notes kept by the database's triggers (migrations 0048, 0050) of the
        # rows compared here: a change they count shows as that row's own change.
        return True
    if table == "audit_log" and values["action"].startswith("'user.erased"):
        # The record of the actor's own /delete names nobody; anyone else's erasure would
        # show as their users row gone.
        return True
    declared = TABLES[table]
    people = {
        value
        for name, value in values.items()
        if declared.columns.get(name) in (LINK, IDENTITY) and value != "None"
    }
    return bool(people & own) and not people & others


@pytest.mark.parametrize("ada_in_unna", ["stranger", "resident"])
async def test_dortmund_staff_can_do_nothing_in_unna(cities: Cities, ada_in_unna: str):
    dortmund_before = await every_row(cities.dortmund)
    events = _every_action(cities.unna_chat.router)
    assert len(events) > 700
    for chat in (ACTOR, GROUP):
        if ada_in_unna == "resident":  # again: she left at the end of the round before
            ada = await cities.unna.users.seen("telegram", ACTOR, ACTOR, "Ada")
            await cities.unna.users.record_consent(ada.id)
        before = await every_row(cities.unna)
        for event in events:
            await _try(cities.unna_chat, ACTOR, event, chat)
        changed = _changes(before, await every_row(cities.unna))
        assert not changed, (chat, changed)
    assert await every_row(cities.dortmund) == dortmund_before


async def test_the_comparison_sees_what_unnas_own_admin_does(cities: Cities):
    """Control: Unna's admin doing some of the same things changes Unna's rows, and the
    comparison above would have caught it."""
    ute = await cities.unna.users.seen("telegram", "ute", "ute", "Ute")
    await cities.unna.users.record_consent(ute.id)
    await cities.unna.users.grant_role(ute.id, "admin")
    for event, chat in (
        (ButtonPress("mod:ok:1"), GROUP),
        (Command("verify", "1"), GROUP),
        (ButtonPress("pe:verify:1"), "ute"),
        (ButtonPress("ee:cxly:1"), "ute"),
        (Command("ban", "2"), GROUP),
    ):
        before = await every_row(cities.unna)
        await _try(cities.unna_chat, "ute", event, chat)
        assert _changes(before, await every_row(cities.unna)), event
