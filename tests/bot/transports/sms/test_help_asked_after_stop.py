"""A help she asks for by text after STOP is hers to hear of: through Kannel, a resident
sends STOPP, later asks for help by text (her answers still come: she asked), and the bot
promises "Wir sagen Ihnen Bescheid". Its notices go as those of a help under way at a STOP
(bot/transports/sms/store.py ``keep_help``); before, they were given up for good and she
never learnt that a helper was found. What the bot starts unasked still does not go."""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from db import Database
from handlers.messages import Message, encode
from tests.support.help_story import grant_role_to, press, register_volunteer
from tests.support.sms.city import City, onboarded, write_request
from tests.support.sms.codes import code_in

GRETA = "+4917622222222"


async def test_the_notices_of_a_help_asked_after_stop_reach_her(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    greta, person = await onboarded(city, GRETA)
    await greta.say("STOPP")
    assert "START" in greta.new[-1].text
    # Nothing she asked for: still given up (the outbox's, as any notice).
    queued = await db.outbox.enqueue(
        "sms", GRETA, encode(Message(Markup("Erinnerung: Sommerfest")))
    )
    await city.flush()
    state = await db.outbox.state(queued)
    assert state is not None and not state[1] and state[2]

    asked = await write_request(greta, "Ich brauche Hilfe beim Einkaufen am Dienstag")
    await greta.say(code_in(asked))
    assert "Bescheid" in greta.new[-1].text  # the promise
    (request,) = await db.requests.for_requester(person)
    story = city.story
    vera = await register_volunteer(story, db, "vera")
    await db.volunteers.verify(vera, vera)
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    before = len(greta.texts)
    await story.in_group("cora", press(f"mod:ok:{request.id}"))
    await city.flush()
    await story.press("vera", f"mt:acc:{request.id}")
    await city.flush()
    matched = await db.requests.get(request.id)
    assert matched is not None and matched.state == "matched"
    told = "\n".join(text.text for text in greta.texts[before:])
    assert "Vera" in told, told
    assert "Sommerfest" not in "\n".join(text.text for text in greta.texts)
