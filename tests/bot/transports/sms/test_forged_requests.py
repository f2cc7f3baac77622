"""Issue 77, point 3: a forged text must not post or rewrite a resident's request. Through
real Kannel (tests/support/sms/city.py): a new request and a change of one, sent from her
number, wait for the code texted to that number - as withdrawing does - and only its holder
reads it; the review post of a changed request shows the old and the new version, and the
earlier posts can no longer decide on it.

A forger sends from her number but never receives its texts: in these tests a text sent
"by the forger" is a text from her number whose code the test then does not use."""

from __future__ import annotations

from collections.abc import Callable

from db import Database
from db.request_states import OPEN, REVIEW
from handlers.messages import Edit, Message, Outgoing
from locales import translator
from tests.support.help_story import GROUP, grant_role_to, press
from tests.support.memory_transport import readable
from tests.support.sms.city import City, Resident, write_request
from tests.support.sms.codes import code_in as _code
from tests.support.sms.codes import lapse
from tests.support.sms.codes import other_code as _other

GRETA = "+4917622222222"
T = translator("de")
OWN = "Ich brauche Hilfe beim Einkaufen am Dienstag"
FORGED = "Bitte zur Hauptstraße 5 kommen, Rückruf unter 0176 5555555"
CHANGED = "Ich brauche Hilfe beim Einkaufen am Mittwoch"


async def _change_description(greta: Resident, request_id: int, description: str) -> str:
    """The request's description changed by text up to "Send": the text that answers it."""
    await greta.say("/myrequests")
    await greta.choose(f"{T._('Change')} #{request_id}")
    await greta.choose(T._("Change something"))
    await greta.choose(T._("Description"))
    await greta.say(description)
    # The text with the code, then the request as the code would send it.
    asked, quoted = await greta.choose(T._("Send"))
    return f"{asked.text}\n{quoted.text}"


def _posts(items: list[Outgoing], request_id: int) -> list[tuple[str, bool]]:
    """The group's posts about the request: their text, and whether they can publish it."""
    found = []
    for item in items:
        if not isinstance(item, Message | Edit) or f"#{request_id}" not in str(item.text):
            continue
        data = [button.data for row in item.buttons or [] for button in row]
        found.append((readable(str(item.text)), f"mod:ok:{request_id}" in data))
    return found


async def _greta(city: City, db: Database) -> tuple[Resident, int]:
    """Greta onboarded by text: she and her person's id."""
    greta = Resident(city, GRETA)
    await greta.say("Hallo")
    await greta.choose("Deutsch")
    await greta.choose(T._("I agree"))
    user = await db.users.find("sms", GRETA)
    assert user is not None
    return greta, user.id


async def test_a_new_request_by_text_waits_for_the_code(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    story = city.story
    greta, user_id = await _greta(city, db)

    # A forger's new request in her name: her number is asked for a code, nothing is
    # posted; she does nothing, and it lapses.
    asked = await write_request(greta, FORGED)
    _code(asked)
    await greta.say(_other(_code(asked)))  # a forger's guess: a wrong try
    await greta.say("Hallo")
    await lapse(db, GRETA)
    await city.flush()
    assert await db.requests.for_requester(user_id) == []
    assert "Hauptstraße" not in story.received(GROUP)

    # Her own request, with the code she got: posted for review.
    asked = await write_request(greta, OWN)
    await greta.say(_code(asked))
    await city.flush()
    (request,) = await db.requests.for_requester(user_id)
    assert request.state == REVIEW and request.description == OWN
    assert OWN in story.received(GROUP)


async def test_a_change_by_text_waits_for_the_code_and_its_post_shows_old_and_new(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    story = city.story
    greta, user_id = await _greta(city, db)
    asked = await write_request(greta, OWN)
    await greta.say(_code(asked))
    (request,) = await db.requests.for_requester(user_id)
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    await story.in_group("cora", press(f"mod:ok:{request.id}"))
    await city.flush()
    assert (await db.requests.get(request.id)).state == OPEN  # type: ignore[union-attr]

    # A forger changes its description to an address and another number: the code is
    # asked for that request, the forger does not have it - the request stays as she wrote
    # it, published, and the coordinators get nothing to check.
    posts_before = len(story.inbox.get(GROUP, []))
    asked = await _change_description(greta, request.id, FORGED)
    assert f"#{request.id}" in asked, asked
    await greta.say(_other(_code(asked)))
    await greta.say("Hallo")
    await lapse(db, GRETA)
    await city.flush()
    kept = await db.requests.get(request.id)
    assert kept is not None and kept.state == OPEN and kept.description == OWN
    assert len(story.inbox.get(GROUP, [])) == posts_before

    # Her own change, with her code: back to review, and the new post shows the old and
    # the new version; the earlier post no longer publishes it.
    asked = await _change_description(greta, request.id, CHANGED)
    await greta.say(_code(asked))
    await city.flush()
    changed = await db.requests.get(request.id)
    assert changed is not None and changed.state == REVIEW and changed.description == CHANGED
    after = _posts(story.inbox[GROUP][posts_before:], request.id)
    deciding = [text for text, publishes in after if publishes]
    assert len(deciding) == 1, after
    assert CHANGED in deciding[0] and OWN in deciding[0], deciding[0]
    assert deciding[0].index(CHANGED) < deciding[0].index(OWN)  # the new version first
    # Every earlier post was replaced by one without the buttons (its edit): nothing
    # publishes the unchecked text from there.
    earlier = [text for text, publishes in after if not publishes]
    assert earlier and all(CHANGED in text and OWN not in text for text in earlier), earlier


async def test_the_code_sends_the_request_as_it_was_held(
    make_city: Callable[..., object], db: Database
) -> None:
    """The code confirms the request the number was asked about: the held draft is sent
    as it was, once, and the code then does nothing more."""
    city: City = await make_city()  # type: ignore[misc]
    greta, user_id = await _greta(city, db)
    asked = await write_request(greta, OWN)
    code = _code(asked)
    await greta.say(code)
    await greta.say(code)
    (request,) = await db.requests.for_requester(user_id)
    assert request.description == OWN and request.stadtbezirk == "Innenstadt-Nord"
