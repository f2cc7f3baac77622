"""The help story's people and steps, as the tests play them through the dispatcher: a
request posted by a resident, a volunteer registered through the buttons, a request matched
through the lifecycle. The ``story`` fixture (tests/conftest.py) is a memory chat whose
backchannel is ``GROUP``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from db import Database
from handlers.messages import Button
from handlers.settings import HandlerSettings
from tests.support.helping_people import found, known, verified_volunteer
from tests.support.memory_transport import MemoryTransport, button_data, texts

if TYPE_CHECKING:
    from tests.support.terminal import Terminal

NORDMARKT = (51.5230, 7.4560)
GROUP = "coordinators"


def press(data: str):
    from handlers.messages import ButtonPress

    return ButtonPress(data, message_id="1")


def buttons_of(item) -> list[Button]:
    return [b for row in getattr(item, "buttons", []) for b in row]


async def grant_role_to(db: Database, name: str, role: str) -> int:
    user = await found(db, "memory", name)
    await db.users.grant_role(user.id, role)
    return user.id


async def post_request(
    story: MemoryTransport,
    user: str = "amira",
    lang: str = "ar",
    text: str = "أحتاج مساعدة في التسوق يوم الثلاثاء",
    where: str = "",
) -> int:
    """``user`` comes in and posts a shopping request saying ``text``, where they share
    their location at Nordmarkt or type ``where``; its id."""
    await story.onboard(user, lang)
    await story.press(user, "menu:help")
    await story.press(user, "hr:new")
    await story.press(user, "hr:cat:shopping")
    await story.text(user, text)
    if where:
        await story.text(user, where)
    else:
        await story.location(user, *NORDMARKT)
    out = await story.press(user, "hr:when:asap")
    # An easy reader is asked one question (their own language only?), others the list.
    done = "hr:lang-only" if "hr:lang-only" in button_data(out) else "hr:langs-done"
    out = await story.press(user, done)
    assert "hr:send" in button_data(out)
    out = await story.press(user, "hr:send")
    assert "hr:mine" in button_data(out)
    requester = await found(story.dispatcher.db, "memory", user)
    request_id = (await story.dispatcher.db.requests.for_requester(requester.id))[0].id
    return request_id


async def entered_for_a_resident(story: MemoryTransport, coordinator: str) -> list:
    """``coordinator`` fills /enter's form for Frau K. (shopping at Nordmarkt, as soon as
    possible) up to *Send*: the bot's answers to the last step."""
    await story.text(coordinator, "/enter")
    await story.text(coordinator, "Frau K., Tel. 0231 123456")
    await story.press(coordinator, "hr:cat:shopping")
    await story.text(coordinator, "Einkauf für eine ältere Dame")
    await story.text(coordinator, "Nordmarkt")
    await story.press(coordinator, "hr:when:asap")
    return await story.press(coordinator, "hr:langs-done")


async def withdrawn_in_review(story: MemoryTransport, db: Database) -> int:
    """A request posted by Amira and withdrawn by her while in review, its post in the
    ``GROUP`` where Cora is a coordinator; its id."""
    request_id = await post_request(story)
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    await story.flush()
    await story.press("amira", f"hr:wdy:{request_id}")
    await story.flush()
    return request_id


async def register_volunteer(
    story: MemoryTransport, db: Database, name: str, lang: str = "de"
) -> int:
    await story.onboard(name, lang)
    await story.press(name, "menu:volunteer")
    await story.press(name, "vo:reg")
    await story.press(name, "vo:bz:Innenstadt-Nord")
    await story.press(name, "vo:area-done")
    await story.press(name, "vo:nopt")  # no own point
    await story.press(name, "vo:cat:shopping")
    await story.press(name, "vo:cats-done")
    await story.press(name, "vo:lang:ar")
    await story.press(name, "vo:langs-done")
    out = await story.press(name, "vo:max:2")
    assert "🎓" in texts(out)
    # No quiet hours (an optional answer, changed on its own): asked at any hour.
    await story.press(name, "vo:ed:quiet")
    await story.press(name, "vo:q:0-0")
    return (await found(db, "memory", name)).id


# A request for shopping at the Nordmarkt, as the steps of asking leave it (its draft).
SHOPPING_DRAFT = {
    "category": "shopping",
    "description": "Einkauf am Nordmarkt",
    "stadtbezirk": "Innenstadt-Nord",
    "lat": 51.523,
    "lon": 7.456,
    "languages": ("de",),
}


async def published_through_lifecycle(
    db: Database, settings: HandlerSettings, requester: int, coordinator: int, **draft: Any
) -> int:
    """A request by ``requester`` (:data:`SHOPPING_DRAFT`, ``draft`` changing it), published
    by ``coordinator`` through the lifecycle as the buttons would: offered. Its id."""
    from handlers.context import Backstage
    from handlers.helping import lifecycle

    scene = Backstage(db, settings)
    async with db.transaction():
        asking = await known(db, requester)
        request = await lifecycle.submit(scene, asking, {**SHOPPING_DRAFT, **draft})
        await lifecycle.publish(scene, await known(db, coordinator), request.id)
    return request.id


async def matched_through_lifecycle(
    db: Database, settings: HandlerSettings, requester: int, volunteer: int, coordinator: int
) -> int:
    """A request by ``requester``, published by ``coordinator`` and accepted by
    ``volunteer``, through the lifecycle as the buttons would; both are then in the relay."""
    from handlers.context import Backstage
    from handlers.helping import lifecycle

    scene = Backstage(db, settings)
    async with db.transaction():
        request = await lifecycle.submit(scene, await known(db, requester), dict(SHOPPING_DRAFT))
        await lifecycle.publish(scene, await known(db, coordinator), request.id)
        await lifecycle.accept(scene, await known(db, volunteer), request.id)
    matched = await db.requests.get(request.id)
    assert matched is not None and matched.state == "matched"
    return request.id


async def helped_by_vera(story: MemoryTransport, db: Database) -> tuple[int, int, int, int]:
    """Amira (German) and her request, taken by Vera, a volunteer verified by the coordinator
    Cora, through the lifecycle: the relay runs. Amira's, Vera's and Cora's ids and the
    request's."""
    await story.onboard("amira", "de")
    amira = (await found(db, "memory", "amira")).id
    vera = await register_volunteer(story, db, "vera")
    await story.onboard("cora", "de")
    cora = await grant_role_to(db, "cora", "coordinator")
    await db.volunteers.verify(vera, cora)
    request_id = await matched_through_lifecycle(db, story.dispatcher.settings, amira, vera, cora)
    return amira, vera, cora, request_id


async def at_feedback(story: MemoryTransport, db: Database) -> tuple[int, int]:
    """Amira's request helped by verified Vera and marked done by Amira, who is now asked
    for feedback ("relay.feedback"): Amira's id and the request's."""
    amira, _, _, request_id = await helped_by_vera(story, db)
    await story.press("amira", f"rl:done:{request_id}")
    await story.press("amira", f"rl:doney:{request_id}")
    return amira, request_id


async def matched_at_console(
    term: Terminal, db: Database, settings: HandlerSettings, requester: str, volunteer: str
) -> int:
    """``requester`` and ``volunteer`` ("name:language" each) started and agreed at the
    console, the volunteer verified for shopping in Innenstadt-Nord at any hour, cora a
    coordinator, and a request of the requester's matched with the volunteer through the
    lifecycle, its notices delivered: the request's id."""
    asker = await term.started(*requester.split(":"))
    helper = await term.started(*volunteer.split(":"))
    await verified_volunteer(db, helper.id, max_open=1)
    cora = await db.users.seen("console", "cora", "cora", "Cora")
    await db.users.grant_role(cora.id, "coordinator")
    request_id = await matched_through_lifecycle(db, settings, asker.id, helper.id, cora.id)
    worker = term.console.worker
    assert worker is not None  # the terminal's console delivers through its worker
    await worker.run_once()
    return request_id
