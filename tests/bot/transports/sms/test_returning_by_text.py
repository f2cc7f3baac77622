"""Issue 77, point 7, through real Kannel (tests/support/sms/city.py) in a city that
publishes returning requesters at once: a resident who texts is returning only when her
number proved it is her - the code texted to it, which her request waits for - and what
the checks flag (a phone number, a link) waits for review even then, the coordinators'
post saying why first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from db import Database
from db.clock import to_text
from db.request_states import DONE, OPEN, REVIEW
from handlers.context import Backstage
from handlers.helping import lifecycle
from handlers.helping.returning import HELD_FLAGGED
from handlers.helping.warnings import LINK, NAMES, NUMBER
from locales import DEFAULT_LANGUAGE, translator
from tests.support.help_story import (
    GROUP,
    grant_role_to,
    matched_through_lifecycle,
    register_volunteer,
)
from tests.support.memory_transport import button_data, readable
from tests.support.sms.city import City, Resident, write_request
from tests.support.sms.codes import code_in as _code

GRETA = "+4917622222222"
T = translator("de")
AGAIN = "Ich brauche wieder Hilfe beim Einkaufen"
PAY = "Bitte rufen Sie 0171 2345678 an und zahlen Sie vorab: https://pay.example.com/x"


async def _greta_helped_before(city: City, db: Database) -> tuple[Resident, int]:
    """Greta, onboarded by text two months ago; her first request was taken by Vera and
    done, and Vera told the time she spent."""
    greta = Resident(city, GRETA)
    await greta.say("Hallo")
    await greta.choose("Deutsch")
    await greta.choose(T._("I agree"))
    story = city.story
    settings = city.story.dispatcher.settings
    await story.onboard("cora", "de")
    cora = await grant_role_to(db, "cora", "coordinator")
    vera = await register_volunteer(story, db, "vera")
    await db.volunteers.verify(vera, cora)
    user = await db.users.find("sms", GRETA)
    assert user is not None
    first = await matched_through_lifecycle(db, settings, user.id, vera, cora)
    async with db.transaction():
        await lifecycle.done(Backstage(db, settings), user, first)
    await story.press("vera", f"rl:min:{first}:60")
    assert (await db.requests.get(first)).state == DONE  # type: ignore[union-attr]
    old = to_text(datetime.now(UTC) - timedelta(days=60))
    await db.execute("UPDATE users SET created_at = ? WHERE id = ?", (old, user.id))
    await city.flush()
    story.inbox.clear()
    return greta, user.id


async def _newest(db: Database, user_id: int) -> int:
    return max(request.id for request in await db.requests.for_requester(user_id))


async def test_a_returning_texter_is_published_at_once_only_with_a_clean_text(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    dispatcher = city.story.dispatcher
    dispatcher.settings = replace(dispatcher.settings, publish_at_once=frozenset({"returning"}))
    story = city.story
    greta, user_id = await _greta_helped_before(city, db)

    # Her request, confirmed with the code her number got: published at once.
    await greta.say(_code(await write_request(greta, AGAIN)))
    await city.flush()
    again = await _newest(db, user_id)
    assert (await db.requests.get(again)).state == OPEN  # type: ignore[union-attr]
    assert f"mod:pull:{again}" in button_data(story.inbox[GROUP])

    # A phone number and a payment link, with the code too: held for review, and the post
    # says why before anything else.
    await greta.say(_code(await write_request(greta, PAY)))
    await city.flush()
    flagged = await _newest(db, user_id)
    assert (await db.requests.get(flagged)).state == REVIEW  # type: ignore[union-attr]
    (post,) = (
        readable(str(item.text))
        for item in story.inbox[GROUP]
        if f"mod:ok:{flagged}" in button_data([item])
    )
    group = translator(DEFAULT_LANGUAGE)
    found = group.list_of([group._(NAMES[NUMBER]), group._(NAMES[LINK])])
    assert post.splitlines()[0] == readable(str(group.t(HELD_FLAGGED, found=found))), post
