"""A reply to the helper is never swallowed by another step (issue 41, point 2): while a
contact runs, a text the person's current step cannot use (``ctx.refuse``) goes to the
other side, and the step stays where it was; what the step can use (a district, a button
step's own input) is the step's. Parisa's request is accepted by Vera; Parisa is elsewhere
in the menu when she answers."""

from __future__ import annotations

from db import Database
from handlers.places.gazetteer import load_gazetteer
from handlers.settings import HandlerSettings
from tests.support.help_story import matched_through_lifecycle
from tests.support.helping_people import verified_volunteer
from tests.support.memory_transport import MemoryTransport, button_data, texts

REPLY = "ساعت ۳ در خانه هستم، ممنون"


async def _matched(story: MemoryTransport, db: Database) -> int:
    """Parisa (Farsi) asked for help, Cora published it, Vera (German) took it."""
    await story.onboard("parisa", "fa")
    await story.onboard("vera", "de")
    await story.onboard("cora", "de")
    parisa, vera, cora = [
        (await db.users.find("memory", name)).id for name in ("parisa", "vera", "cora")
    ]
    await db.users.grant_role(cora, "coordinator")
    await verified_volunteer(db, vera, languages=("de", "fa"), max_open=3, verified_by=cora)
    request_id = await matched_through_lifecycle(db, HandlerSettings(), parisa, vera, cora)
    await story.flush()
    story.inbox.clear()
    return request_id


async def _state(db: Database, name: str) -> str | None:
    user = await db.users.find("memory", name)
    state = await db.users.get_state(user.id)
    return state.state if state is not None else None


async def test_a_reply_typed_at_this_weeks_where_reaches_the_helper(
    story: MemoryTransport, db: Database
):
    await _matched(story, db)
    await story.press("parisa", "menu:events")
    await story.press("parisa", "ev:where")
    before = await _state(db, "parisa")
    out = await story.text("parisa", REPLY)
    # Not "please share your location"; told it went to Vera.
    assert "Vera" in texts(out) and "✅" in texts(out), texts(out)
    assert "📍" not in texts(out)
    await story.flush()
    assert REPLY in story.received("vera")
    # The step stays: a district typed next is still the step's.
    assert await _state(db, "parisa") == before
    out = await story.text("parisa", "Hörde")
    await story.flush()
    assert "Hörde" not in story.received("vera")
    assert "ev:" in " ".join(button_data(out)) or "📅" in texts(out)


async def test_a_reply_typed_in_the_place_search_reaches_the_helper(
    story: MemoryTransport, db: Database
):
    await _matched(story, db)
    await story.press("parisa", "menu:places")
    out = await story.text("parisa", REPLY)
    assert "Vera" in texts(out) and "🤔" not in texts(out), texts(out)
    await story.flush()
    assert REPLY in story.received("vera")


async def test_a_reply_typed_at_a_button_step_of_a_new_request_reaches_the_helper(
    story: MemoryTransport, db: Database
):
    await _matched(story, db)
    await story.press("parisa", "menu:help")
    await story.press("parisa", "hr:new")
    # The category step takes buttons only.
    out = await story.text("parisa", REPLY)
    assert "Vera" in texts(out) and "👆" not in texts(out), texts(out)
    await story.flush()
    assert REPLY in story.received("vera")
    # The form goes on where it was.
    out = await story.press("parisa", "hr:cat:shopping")
    assert out


async def test_a_reply_at_the_volunteer_forms_location_step_reaches_the_requester(
    story: MemoryTransport, db: Database
):
    """The other side too: Vera, updating her profile, answers Parisa."""
    await _matched(story, db)
    await story.press("vera", "menu:volunteer")
    await story.press("vera", "vo:ed:area")
    state = await _state(db, "vera")
    assert state is not None
    out = await story.text("vera", "Ich bin um drei da.")
    await story.flush()
    assert "Ich bin um drei da." in story.received("parisa"), (state, texts(out))


def test_a_sentence_with_a_common_word_is_no_place():
    """ "خانه" (house) has Hacheney's two consonants: a sentence holding it is no district,
    so the step refuses it (and a running contact gets it) instead of listing Hacheney."""
    gazetteer = load_gazetteer("data/dortmund")
    assert gazetteer.resolve(REPLY, "Dortmund").area is None
    assert gazetteer.resolve("هورده", "Dortmund").area.name == "Hörde"
