"""Every guarded action × every role, on both platforms: only the right people change things.

Each case builds a small world (a requester's open request, a place, an event, a verified
and an unverified volunteer offered the request), lets the actor try the action, and checks
whether its effect happened - not what the bot said.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from db import Database
from db.events import Event
from db.places import Place
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import ButtonPress, Command, Incoming, Sender
from handlers.settings import HandlerSettings

ROLES = (
    "stranger",
    "resident",
    "banned",
    "volunteer",
    "unverified",
    "coordinator",
    "admin",
    # A ban ends staff powers; the role stays for when the ban is lifted.
    "banned coordinator",
    "banned admin",
)
GROUP = "-100"


@dataclass
class World:
    db: Database
    request: int
    place: int
    event: int
    requester: int
    target: int  # someone to ban, verify or promote
    coordinator: int  # a coordinator to remove
    answers: list[str]


@dataclass(frozen=True)
class Action:
    name: str
    allowed: frozenset[str]
    event: Callable[[World], object]
    effect: Callable[[World], Awaitable[bool]]
    in_group: bool = False
    # For offer validity: what changes between the offer and the press.
    after_offer: Callable[[World, int], Awaitable[None]] | None = None


async def _state(w: World, user_id: int) -> str | None:
    state = await w.db.users.get_state(user_id)
    return state.state if state else None


async def _actor_state(w: World) -> str | None:
    user = await w.db.users.find(PLATFORM[0], "actor")
    return await _state(w, user.id) if user else None


PLATFORM = ["telegram"]
STAFF = frozenset({"coordinator", "admin"})
ACTIONS = [
    Action(
        "publish a request",
        STAFF,
        lambda w: ButtonPress(f"mod:ok:{w.request}"),
        lambda w: _request_state(w, "open"),
        in_group=True,
    ),
    Action(
        "/publish in the group",
        STAFF,
        lambda w: Command("publish", str(w.request)),
        lambda w: _request_state(w, "open"),
        in_group=True,
    ),
    Action(
        "/ban", STAFF, lambda w: Command("ban", str(w.target)), lambda w: _banned(w), in_group=True
    ),
    Action(
        "/verify a volunteer",
        STAFF,
        lambda w: Command("verify", str(w.target)),
        lambda w: _verified(w),
        in_group=True,
    ),
    Action(
        "/coordinator_add",
        frozenset({"admin"}),
        lambda w: Command("coordinator_add", str(w.target)),
        lambda w: _has_role(w, w.target, "coordinator"),
        in_group=True,
    ),
    Action(
        "/coordinator_remove",
        frozenset({"admin"}),
        lambda w: Command("coordinator_remove", str(w.coordinator)),
        lambda w: _lost_role(w, w.coordinator, "coordinator"),
        in_group=True,
    ),
    Action(
        "/pending",
        STAFF,
        lambda w: Command("pending"),
        lambda w: _answered_with_request(w),
        in_group=True,
    ),
    Action(
        "/desk",
        STAFF,
        lambda w: Command("desk"),
        lambda w: _desk_link_issued(w),
    ),
    Action(
        "mark a place verified",
        STAFF,
        lambda w: ButtonPress(f"pe:verify:{w.place}"),
        lambda w: _place_verified(w),
    ),
    Action(
        "/place_new",
        STAFF,
        lambda w: Command("place_new"),
        lambda w: _actor_in("placeedit.name", w),
    ),
    Action(
        "/event_new",
        STAFF,
        lambda w: Command("event_new"),
        lambda w: _actor_in("eventedit.title", w),
    ),
    Action(
        "cancel an event",
        STAFF,
        lambda w: ButtonPress(f"ee:cxly:{w.event}"),
        lambda w: _event_cancelled(w),
    ),
    Action(
        "/enter a request for someone",
        STAFF,
        lambda w: Command("enter"),
        lambda w: _actor_in("request.contact", w),
    ),
    Action(
        "accept an offered request",
        frozenset({"volunteer"}),
        lambda w: ButtonPress(f"mt:acc:{w.request}"),
        lambda w: _request_state(w, "matched"),
    ),
    Action(
        "accept after being banned",
        frozenset(),
        lambda w: ButtonPress(f"mt:acc:{w.request}"),
        lambda w: _request_state(w, "matched"),
        after_offer=lambda w, actor: w.db.users.set_banned(actor, True),
    ),
    Action(
        "accept after the request moved away",
        frozenset(),
        lambda w: ButtonPress(f"mt:acc:{w.request}"),
        lambda w: _request_state(w, "matched"),
        after_offer=lambda w, actor: _move_request(w),
    ),
    Action(
        "accept beyond the volunteer's own limit",
        frozenset(),
        lambda w: ButtonPress(f"mt:acc:{w.request}"),
        lambda w: _request_state(w, "matched"),
        after_offer=lambda w, actor: _fill_up(w, actor),
    ),
    Action(
        "accept after handing it back",
        frozenset(),
        lambda w: ButtonPress(f"mt:acc:{w.request}"),
        lambda w: _request_state(w, "matched"),
        after_offer=lambda w, actor: w.db.volunteers.mark_handed_back(w.request, actor),
    ),
    Action(
        "accept while paused",
        frozenset(),
        lambda w: ButtonPress(f"mt:acc:{w.request}"),
        lambda w: _request_state(w, "matched"),
        after_offer=lambda w, actor: w.db.volunteers.set_paused(actor, True),
    ),
    Action(
        "ask for help",
        frozenset({"resident", "volunteer", "unverified", "coordinator", "admin"}),
        lambda w: ButtonPress("hr:new"),
        lambda w: _actor_in("request.category", w),
    ),
    Action(
        "withdraw someone else's request",
        frozenset(),
        lambda w: ButtonPress(f"hr:wdy:{w.request}"),
        lambda w: _request_state(w, "withdrawn"),
    ),
    Action(
        "mark someone else's help done",
        frozenset(),
        lambda w: ButtonPress(f"rl:doney:{w.request}"),
        lambda w: _request_state(w, "done"),
    ),
]


async def _move_request(w: World) -> None:
    await w.db.requests.update_fields(w.request, None, stadtbezirk="Hörde")


async def _fill_up(w: World, actor: int) -> None:
    await w.db.volunteers.save(actor, max_open=1)
    other = await w.db.requests.create(
        w.requester, w.requester, category="shopping", stadtbezirk="Innenstadt-Nord"
    )
    await w.db.requests.transition(other.id, "open", w.requester)
    await w.db.requests.transition(other.id, "matched", actor, volunteer_id=actor)


async def _request_state(w: World, state: str) -> bool:
    return (await w.db.requests.get(w.request)).state == state


async def _lost_role(w: World, user_id: int, role: str) -> bool:
    return not await _has_role(w, user_id, role)


async def _answered_with_request(w: World) -> bool:
    return any(f"#{w.request}" in text for text in w.answers)


async def _desk_link_issued(w: World) -> bool:
    return any("/desk/login/" in text for text in w.answers)


async def _banned(w: World) -> bool:
    return (await w.db.users.get(w.target)).banned_at is not None


async def _verified(w: World) -> bool:
    return (await w.db.volunteers.get(w.target)).verified_at is not None


async def _has_role(w: World, user_id: int, role: str) -> bool:
    return (await w.db.users.get(user_id)).has_role(role)


async def _place_verified(w: World) -> bool:
    return (await w.db.places.get(w.place)).last_verified is not None


async def _event_cancelled(w: World) -> bool:
    return (await w.db.events.get(w.event)).status == "cancelled"


async def _actor_in(state: str, w: World) -> bool:
    return await _actor_state(w) == state


async def _world(db: Database, platform: str, role: str) -> World:
    requester = await db.users.seen(platform, "requester", "requester", "Rita")
    await db.users.record_consent(requester.id)
    request = await db.requests.create(
        requester.id, requester.id, category="shopping", stadtbezirk="Innenstadt-Nord"
    )
    target = await db.users.seen(platform, "target", "target", "Tom")
    await db.volunteers.save(target.id, categories=("shopping",))
    place = await db.places.upsert(
        Place(source="t", source_id="1", name="Treff", category="library", lat=51.52, lon=7.45),
        "test",
    )
    event, _, _ = await db.events.upsert(
        Event(uid="e", title="Café", starts_local="2030-01-08T17:00")
    )
    if role != "stranger":
        actor = await db.users.seen(platform, "actor", "actor", "Ada")
        await db.users.record_consent(actor.id)
        if role == "banned":
            await db.users.set_banned(actor.id, True)
        elif role in ("volunteer", "unverified"):
            await db.volunteers.save(
                actor.id, categories=("shopping",), stadtbezirke=("Innenstadt-Nord",)
            )
            if role == "volunteer":
                await db.volunteers.verify(actor.id, actor.id)
        elif role.endswith(("coordinator", "admin")):
            await db.users.grant_role(actor.id, role.split()[-1])
            if role.startswith("banned"):
                await db.users.set_banned(actor.id, True)
    coordinator = await db.users.seen(platform, "coord", "coord", "Cora")
    await db.users.grant_role(coordinator.id, "coordinator")
    world = World(db, request.id, place, event, requester.id, target.id, coordinator.id, [])
    return world


# Each action for each role once, on the two platforms in turn (the rule is the same on
# both: each action meets each platform across the roles, and each role across the actions).
CASES = [
    pytest.param(
        action,
        role,
        ("telegram", "matrix")[(a + r) % 2],
        id=f"{action.name}-{role}-{('telegram', 'matrix')[(a + r) % 2]}",
    )
    for a, action in enumerate(ACTIONS)
    for r, role in enumerate(ROLES)
]


@pytest.mark.parametrize(("action", "role", "platform"), CASES)
async def test_authorization_matrix(db: Database, platform: str, role: str, action: Action):
    PLATFORM[0] = platform
    world = await _world(db, platform, role)
    dispatcher = Dispatcher(
        db,
        build_router(),
        HandlerSettings(
            backchannels=frozenset({(platform, GROUP)}), web_url="https://desk.example"
        ),
    )
    if action.name.startswith("accept"):
        # Published and offered to the volunteer (to the unverified one too: an offer from
        # before they lost their confirmation proves nothing now).
        await db.requests.transition(world.request, "open", world.requester)
        actor = await db.users.find(platform, "actor")
        if actor is not None and role in ("volunteer", "unverified"):
            await db.volunteers.record_offer(world.request, actor.id, 0)
            if action.after_offer is not None:
                await action.after_offer(world, actor.id)
    if action.name in ("withdraw someone else's request", "mark someone else's help done"):
        await db.requests.transition(world.request, "open", world.requester)
        await db.requests.transition(
            world.request, "matched", world.requester, volunteer_id=world.target
        )
    before = await action.effect(world)
    assert not before
    chat = GROUP if action.in_group else "actor"
    incoming = Incoming(
        Sender(platform, "actor", "Ada"),
        chat,
        action.event(world),
        update_id=None,
        is_private=not action.in_group,
    )
    out = await dispatcher.handle(incoming)
    world.answers.extend(str(message.text) for message in out)
    happened = await action.effect(world)
    assert happened == (role in action.allowed), (action.name, role, out)


@pytest.mark.parametrize(
    ("actor_role", "target_role", "allowed"),
    [
        ("coordinator", None, True),
        ("coordinator", "volunteer", True),
        ("coordinator", "coordinator", False),
        ("coordinator", "admin", False),
        ("admin", "coordinator", True),
        ("admin", "admin", True),  # an admin's ban needs another admin
    ],
)
async def test_staff_are_banned_only_from_above(
    db: Database, actor_role: str, target_role: str | None, allowed: bool
):
    """A coordinator who could ban an admin could lock every admin out of the desk."""
    dispatcher = Dispatcher(
        db, build_router(), HandlerSettings(backchannels=frozenset({("telegram", GROUP)}))
    )
    actor = await db.users.seen("telegram", "actor", "actor", "Ada")
    await db.users.grant_role(actor.id, actor_role)
    target = await db.users.seen("telegram", "target", "target", "Tom")
    if target_role == "volunteer":
        await db.volunteers.save(target.id, categories=("shopping",))
    elif target_role is not None:
        await db.users.grant_role(target.id, target_role)
    for command in ("ban", "unban"):
        if command == "unban" and not allowed:
            await db.users.set_banned(target.id, True)  # banned by the operator's command line
        out = await dispatcher.handle(
            Incoming(
                Sender("telegram", "actor", "Ada"),
                GROUP,
                Command(command, str(target.id)),
                update_id=None,
                is_private=False,
            )
        )
        banned = (await db.users.get(target.id)).banned_at is not None
        assert banned == ((command == "ban") == allowed), (command, out)
        if not allowed:
            assert "admin" in str(out[0].text).lower()


async def test_nobody_bans_themselves(db: Database):
    dispatcher = Dispatcher(
        db, build_router(), HandlerSettings(backchannels=frozenset({("telegram", GROUP)}))
    )
    admin = await db.users.seen("telegram", "actor", "actor", "Ada")
    await db.users.grant_role(admin.id, "admin")
    await dispatcher.handle(
        Incoming(
            Sender("telegram", "actor", "Ada"),
            GROUP,
            Command("ban", str(admin.id)),
            update_id=None,
            is_private=False,
        )
    )
    assert (await db.users.get(admin.id)).banned_at is None
