"""A coordinator entering a request for a resident without the app (/enter) is asked for
the description in words that fit them - the resident has no chat with the bot - never the
requester's "you will talk to your helper through this chat"; asked again when they change
it from the summary. A requester's own flow keeps its own prompt."""

from __future__ import annotations

from db import Database
from handlers.helping import requests_flow
from locales import translator
from tests.support.help_story import grant_role_to
from tests.support.memory_transport import MemoryTransport, texts

REQUESTERS = requests_flow.FORM.steps["description"].question
ENTERED = requests_flow.FORM.steps[requests_flow.ENTERED_DESCRIPTION].question


async def test_enter_asks_the_coordinator_in_their_own_words(story: MemoryTransport, db: Database):
    t = translator("de")
    assert t.t(ENTERED) != t.t(REQUESTERS)
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    await story.text("cora", "/enter")
    await story.text("cora", "Frau K., Tel. 0231 123456")
    asked = texts(await story.press("cora", "hr:cat:shopping"))
    assert t.t(ENTERED) in asked and t.t(REQUESTERS) not in asked
    # The answer is taken as the description; the flow goes on to the place.
    where = texts(await story.text("cora", "Einkauf für eine ältere Dame"))
    assert t.t(requests_flow.FORM.steps["where"].question) in where
    await story.text("cora", "Nordmarkt")
    await story.press("cora", "hr:when:asap")
    await story.press("cora", "hr:langs-done")
    # Changing the description from the summary asks the coordinator's prompt again.
    await story.press("cora", "hr:change")
    asked = texts(await story.press("cora", "hr:field:description"))
    assert t.t(ENTERED) in asked and t.t(REQUESTERS) not in asked


async def test_a_requester_keeps_the_requesters_prompt(story: MemoryTransport, db: Database):
    t = translator("de")
    await story.onboard("amira", "de")
    await story.press("amira", "hr:new")
    asked = texts(await story.press("amira", "hr:cat:shopping"))
    assert t.t(REQUESTERS) in asked and t.t(ENTERED) not in asked
