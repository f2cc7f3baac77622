"""A coordinator's action in the backchannel refused because the request changed meanwhile
says who changed it and when, in the coordinator's language (Europe/Berlin) - "Anna
published it at 14:05" - so that coordinators working in parallel redo nothing and undo
nothing another did: another coordinator decided it (/reject, a ✅ press), re-offering one
another rejected (/offer), one a volunteer took, one the requester withdrew ("the
requester", never their name). Before, the chat named the state alone, or a first name
without the time. The desk answers the same refusals with the same code
(handlers/helping/moved_on.py; tests/bot/web/desk/test_refusals_say_who.py).
The who and when come from the audit trail: on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.clock import from_text, to_text
from handlers.helping import moved_on
from handlers.helping.render import someone
from handlers.helping.vocabulary import STATE_LABELS
from handlers.messages import Command, Toast
from locales import translator
from tests.support.help_story import (
    GROUP,
    grant_role_to,
    post_request,
    press,
    register_volunteer,
    withdrawn_in_review,
)
from tests.support.memory_transport import MemoryTransport, readable

pytestmark = pytest.mark.both_backends

# Bodo, who is refused, reads English: in the group the answers to the person acting are
# theirs (handlers/reader.py ``sender_in_group``), the shared posts the city's.
BODOS = translator("en")
GERMAN = translator("de")


def _said(out: list) -> str:
    """Everything the acting coordinator got back: messages and toasts."""
    return readable(" ".join(str(getattr(item, "text", "")) for item in out))


async def _moved_at(db: Database, request_id: int, state: str) -> object:
    """When the audit trail says the request last moved into ``state``."""
    moves = [e for e in await db.requests.history(request_id) if e["action"] == f"request.{state}"]
    at = moves[-1]["at"]
    return at if not isinstance(at, str) else from_text(at)


async def _coordinator(story: MemoryTransport, db: Database, name: str, lang: str) -> int:
    await story.onboard(name, lang)
    return await grant_role_to(db, name, "coordinator")


async def test_a_decision_someone_took_first_says_who_and_when(
    story: MemoryTransport, db: Database
):
    request_id = await post_request(story)
    anna = await _coordinator(story, db, "anna", "de")
    await _coordinator(story, db, "bodo", "en")
    await story.in_group("anna", Command("publish", str(request_id)), chat=GROUP)
    assert (await db.requests.get(request_id)).state == "open"
    t = BODOS
    name = readable(str(someone(t, await db.users.get(anna))))
    at = readable(str(t.time(await _moved_at(db, request_id, "open"))))

    # Bodo, a moment later, by command and by the button of the review post he still has.
    for event in (Command("reject", f"{request_id} scope"), press(f"mod:ok:{request_id}")):
        said = _said(await story.in_group("bodo", event, chat=GROUP))
        assert name in said and at in said, said
        assert (await db.requests.get(request_id)).state == "open"


async def test_offering_again_one_another_rejected_says_who_and_when(
    story: MemoryTransport, db: Database
):
    request_id = await post_request(story)
    anna = await _coordinator(story, db, "anna", "de")
    await _coordinator(story, db, "bodo", "en")
    await story.in_group("anna", Command("reject", f"{request_id} scope"), chat=GROUP)
    t = BODOS
    said = _said(await story.in_group("bodo", Command("offer", str(request_id)), chat=GROUP))
    assert readable(str(someone(t, await db.users.get(anna)))) in said, said
    assert readable(str(t.time(await _moved_at(db, request_id, "rejected")))) in said, said
    assert t._(STATE_LABELS["rejected"]) in said
    assert (await db.requests.get(request_id)).state == "rejected"


async def test_a_request_a_volunteer_took_names_the_volunteer_and_when(
    story: MemoryTransport, db: Database
):
    vera = await register_volunteer(story, db, "vera", "uk")
    anna = await _coordinator(story, db, "anna", "de")
    await _coordinator(story, db, "bodo", "en")
    await story.in_group("anna", Command("verify", str(vera)), chat=GROUP)
    request_id = await post_request(story)
    await story.in_group("anna", press(f"mod:ok:{request_id}"), chat=GROUP)
    await story.flush()
    await story.press("vera", f"mt:acc:{request_id}")
    assert (await db.requests.get(request_id)).state == "matched"

    t = BODOS
    said = _said(await story.in_group("bodo", Command("offer", str(request_id)), chat=GROUP))
    assert readable(str(someone(t, await db.users.get(vera)))) in said, said
    assert readable(str(t.time(await _moved_at(db, request_id, "matched")))) in said, said
    assert readable(str(someone(t, await db.users.get(anna)))) not in said


async def test_a_request_its_requester_withdrew_says_the_requester_and_when(
    story: MemoryTransport, db: Database
):
    request_id = await withdrawn_in_review(story, db)
    t = GERMAN  # Cora's
    at = t.time(await _moved_at(db, request_id, "withdrawn"))
    withdrew = readable(
        str(t.t("Request #{id}: the requester withdrew it at {time}.", id=request_id, time=at))
    )
    for event in (Command("publish", str(request_id)), press(f"mod:ok:{request_id}")):
        said = _said(await story.in_group("cora", event, chat=GROUP))
        assert withdrew in said, said
        assert "Amira" not in said
        assert (await db.requests.get(request_id)).state == "withdrawn"


async def test_a_reason_written_privately_for_a_request_decided_meanwhile_says_who_and_when(
    story: MemoryTransport, db: Database
):
    """Bodo, who reads Persian, presses ✍️ to write his reason in his private chat; Anna
    publishes meanwhile. His reason is refused in Persian: Anna, and the time in Persian
    digits, each isolated in the right-to-left line."""
    request_id = await post_request(story)
    anna = await _coordinator(story, db, "anna", "de")
    await _coordinator(story, db, "bodo", "fa")
    await story.in_group("bodo", press(f"mod:why:{request_id}"), chat=GROUP)
    await story.in_group("anna", Command("publish", str(request_id)), chat=GROUP)
    said = _said(await story.text("bodo", "Bitte eine genauere Beschreibung"))
    t = translator("fa")
    at = readable(str(t.time(await _moved_at(db, request_id, "open"))))
    assert readable(str(someone(t, await db.users.get(anna)))) in said, said
    assert at in said and at[0] in "۰۱۲", said
    assert (await db.requests.get(request_id)).state == "open"


async def test_a_long_alert_keeps_who_and_when(story: MemoryTransport, db: Database):
    """A button's alert shows 200 characters: a volunteer with a long name who took the
    request two days ago is still named, with the day and time, when a coordinator presses
    ✍️ on its old review post - the reason before it gives way, not the who and when."""
    helper = "valentina" * 7  # a first name of 63 letters
    vera = await register_volunteer(story, db, helper, "uk")
    await _coordinator(story, db, "anna", "de")
    await story.in_group("anna", Command("verify", str(vera)), chat=GROUP)
    request_id = await post_request(story)
    await story.in_group("anna", press(f"mod:ok:{request_id}"), chat=GROUP)
    await story.flush()
    await story.press(helper, f"mt:acc:{request_id}")
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    await db.execute(
        "UPDATE audit_log SET at = ? WHERE subject = ? AND action = 'request.matched'",
        (to_text(two_days_ago), f"request:{request_id}"),
    )

    out = await story.in_group("anna", press(f"mod:why:{request_id}"), chat=GROUP)
    alerts = [item for item in out if isinstance(item, Toast)]
    assert alerts and alerts[0].alert
    said = readable(str(alerts[0].text))
    t = GERMAN  # Anna's
    assert len(said) <= moved_on.ALERT_LIMIT, said
    assert readable(str(someone(t, await db.users.get(vera)))) in said, said
    assert readable(str(t.day_and_time(two_days_ago))) in said, said
