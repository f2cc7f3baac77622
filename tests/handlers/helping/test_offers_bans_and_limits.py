"""Who may act on a request, and for how long: offers stay valid only while the volunteer
qualifies; requests published with nobody to take them find volunteers who come later; bans
outlive accounts and end everything through the lifecycle; user text cannot pass for the
bot's own lines; one person cannot flood the backchannel. Each test failed on the code
before the redesign."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from handlers import build_router
from handlers.helping import lifecycle
from handlers.messages import Edit, Incoming, Message, Sender, Text, Toast
from tests.support.help_story import GROUP, post_request, register_volunteer
from tests.support.memory_transport import MemoryTransport, readable, texts

# -- the story helpers ---------------------------------------------------------------------------


async def _coordinator(story: MemoryTransport, db: Database, name: str = "cora") -> int:
    await story.onboard(name, "de")
    user = await db.users.find("memory", name)
    await db.users.grant_role(user.id, "coordinator")
    return user.id


async def _verified(story, db, name: str, lang: str = "de") -> int:
    user_id = await register_volunteer(story, db, name, lang)
    await story.in_group("cora", Text(""))  # nothing: only commands count in the group
    from handlers.messages import Command

    await story.in_group("cora", Command("verify", str(user_id)))
    return user_id


async def _published(story, db) -> int:
    request_id = await post_request(story)
    from handlers.messages import ButtonPress

    await story.in_group("cora", ButtonPress(f"mod:ok:{request_id}", message_id="1"))
    await story.flush()
    return request_id


def _offered(story: MemoryTransport, name: str, request_id: int) -> bool:
    return any(
        f"mt:acc:{request_id}" in [b.data for row in getattr(i, "buttons", []) for b in row]
        for i in story.inbox.get(name, [])
    )


async def _state(db: Database, request_id: int) -> str:
    return (await db.requests.get(request_id)).state


# -- offers stay valid only while the volunteer qualifies -----------------------------------


async def test_a_volunteer_banned_after_the_offer_cannot_accept_it(story, db):
    await _coordinator(story, db)
    vera = await _verified(story, db, "vera")
    request_id = await _published(story, db)
    assert _offered(story, "vera", request_id)
    from handlers.messages import Command

    await story.in_group("cora", Command("ban", str(vera)))
    out = await story.press("vera", f"mt:acc:{request_id}")
    assert await _state(db, request_id) == "open"
    assert "🎉" not in texts(out)


async def test_a_re_registered_unverified_volunteer_cannot_accept_old_offers(story, db):
    await _coordinator(story, db)
    await _verified(story, db, "vera")
    request_id = await _published(story, db)
    await story.press("vera", "vo:leavey")
    await register_volunteer(story, db, "vera")  # again, not confirmed this time
    await story.press("vera", f"mt:acc:{request_id}")
    assert await _state(db, request_id) == "open"


async def test_a_volunteer_outside_the_new_area_cannot_accept_after_the_request_moved(story, db):
    await _coordinator(story, db)
    await _verified(story, db, "vera")  # helps in Innenstadt-Nord
    request_id = await _published(story, db)
    # The requester moves the request to Syburg (Hörde), 11 km away: beyond even the waves'
    # widest reach for a shared language (8 km); the coordinators publish it again.
    await story.press("amira", f"hr:edit:{request_id}")
    await story.press("amira", "hr:field:where")
    await story.text("amira", "Syburg")
    await story.press("amira", "hr:send")
    from handlers.messages import ButtonPress

    await story.in_group("cora", ButtonPress(f"mod:ok:{request_id}", message_id="2"))
    assert await _state(db, request_id) == "open"
    await story.press("vera", f"mt:acc:{request_id}")
    assert await _state(db, request_id) == "open"


async def test_accepting_respects_the_volunteers_own_limit(story, db):
    await _coordinator(story, db)
    vera = await _verified(story, db, "vera")
    await db.volunteers.save(vera, max_open=1)
    first = await _published(story, db)
    await story.press("vera", f"mt:acc:{first}")
    assert await _state(db, first) == "matched"
    # A second request, offered before the first was taken (made directly: one open at once).
    second = await post_request(story, "bilal", "tr")
    from handlers.messages import ButtonPress

    await db.volunteers.record_offer(second, vera, 0)
    await story.in_group("cora", ButtonPress(f"mod:ok:{second}", message_id="3"))
    await story.press("vera", f"mt:acc:{second}")
    assert await _state(db, second) == "open"


async def test_a_volunteer_who_handed_a_request_back_cannot_take_it_again(story, db):
    await _coordinator(story, db)
    await _verified(story, db, "vera")
    request_id = await _published(story, db)
    await story.press("vera", f"mt:acc:{request_id}")
    await story.press("vera", f"mt:br:{request_id}:time")
    assert await _state(db, request_id) == "open"
    before = len(story.inbox.get("vera", []))
    await story.flush()
    # Not offered to them again, and the old offer no longer works.
    assert not any(
        f"mt:acc:{request_id}" in str(getattr(i, "buttons", ""))
        for i in story.inbox["vera"][before:]
    )
    await story.press("vera", f"mt:acc:{request_id}")
    assert await _state(db, request_id) == "open"


# -- stranded requests ------------------------------------------------------------------------


async def test_a_request_published_with_nobody_is_offered_to_a_volunteer_who_comes_later(story, db):
    await _coordinator(story, db)
    request_id = await _published(story, db)
    assert "No matching volunteer" in readable(
        " ".join(str(getattr(i, "text", "")) for i in story.inbox[GROUP])
    ) or "Keine passende" in story.received(GROUP)
    await _verified(story, db, "vera")
    await story.flush()
    assert _offered(story, "vera", request_id)
    out = await story.press("vera", f"mt:acc:{request_id}")
    assert await _state(db, request_id) == "matched", texts(out)


async def test_a_volunteer_who_resumes_gets_the_requests_published_meanwhile(story, db):
    await _coordinator(story, db)
    await _verified(story, db, "vera")
    await story.press("vera", "vo:pause")
    request_id = await _published(story, db)
    assert not _offered(story, "vera", request_id)
    await story.press("vera", "vo:resume")
    await story.flush()
    assert _offered(story, "vera", request_id)


async def test_coordinators_can_offer_a_request_again(story, db):
    await _coordinator(story, db)
    request_id = await _published(story, db)
    vera = await register_volunteer(story, db, "vera")
    await db.volunteers.verify(vera, vera)  # confirmed without the usual notice
    from handlers.messages import ButtonPress, Command

    out = await story.in_group("cora", Command("offer", str(request_id)))
    assert "1" in texts(out)
    await story.flush()
    assert _offered(story, "vera", request_id)
    # Pressing the button on the "no matching volunteer" post offers only to new people.
    out = await story.in_group("cora", ButtonPress(f"mod:re:{request_id}", message_id="9"))
    await story.flush()
    assert sum(_offered(story, "vera", request_id) for _ in [0]) == 1
    # A resident cannot.
    await story.in_group("amira", Command("offer", str(request_id)))


# -- bans ---------------------------------------------------------------------------------------


async def test_a_ban_survives_deleting_the_account(story, db):
    await _coordinator(story, db)
    await story.onboard("mallory", "en")
    mallory = (await db.users.find("memory", "mallory")).id
    from handlers.messages import Command

    await story.in_group("cora", Command("ban", str(mallory)))
    await story.text("mallory", "/delete")
    await story.press("mallory", "delete:yes")
    assert await db.users.find("memory", "mallory") is None
    await story.onboard("mallory", "en")
    again = await db.users.find("memory", "mallory")
    assert again.banned_at is not None
    out = await story.press("mallory", "hr:new")
    assert "hr:cat:shopping" not in str(out)
    rows = await db.fetch_all("SELECT key_hash FROM ban_list")
    assert rows and all("mallory" not in r[0] for r in rows)


async def _ask_and_delete(story: MemoryTransport, name: str) -> bool:
    """One round of a flood: ask for help, then delete the account. Whether the bot let
    the request through to review: a limit lets the form go on and holds what is written
    (handlers/helping/posting_limits.py), so a held request reaches no review."""
    await story.onboard(name, "en")
    out = await story.press(name, "hr:new")
    assert "hr:cat:shopping" in str(out)  # the form goes on, limit or not
    await story.press(name, "hr:cat:shopping")
    await story.text(name, "Please help me with shopping on Tuesday")
    await story.location(name, 51.52, 7.45)
    await story.press(name, "hr:when:asap")
    await story.press(name, "hr:langs-done")
    assert "hr:mine" in str(await story.press(name, "hr:send"))
    person = await story.dispatcher.db.users.find("memory", name)
    assert person is not None
    rows = await story.dispatcher.db.fetch_all(
        "SELECT state FROM help_requests WHERE requester_id = ?", (person.id,)
    )
    (state,) = [row[0] for row in rows]
    assert state in ("review", "draft"), state
    await story.text(name, "/delete")
    await story.press(name, "delete:yes")
    assert await story.dispatcher.db.users.find("memory", name) is None
    return state == "review"


async def test_deleting_the_account_does_not_reset_the_posting_limits(story, db):
    """Eight rounds of /delete then /start: only the day's allowance reaches the group."""
    allowed = story.dispatcher.settings.max_requests_per_day
    rounds = [await _ask_and_delete(story, "mallory") for _ in range(allowed + 3)]
    assert rounds == [True] * allowed + [False] * 3
    # Only the day's allowance went to the group for review; the rest were held, and
    # erased with their accounts.
    # What is kept of every erased account that asked (held or not) names nobody, and goes
    # after a day: a held request and /delete reset nothing either.
    rows = await db.fetch_all("SELECT key_hash, created_at FROM posting_traces")
    assert len(rows) == allowed + 3 and all("mallory" not in row[0] for row in rows)
    from db.data_rights import Limits
    from db.personal_data import MAP

    step = next(r for t in MAP if t.name == "posting_traces" for r in t.retention)
    later = datetime.now(UTC) + timedelta(days=1, minutes=1)
    assert await db.data_rights.retain(step, Limits(), later) == allowed + 3
    assert await _ask_and_delete(story, "mallory")


async def test_a_deleted_new_account_still_waits_and_still_counts_in_a_flood(story, db):
    from dataclasses import replace

    story.dispatcher.settings = replace(
        story.dispatcher.settings, new_user_cooldown_minutes=10, new_account_flood_requests=2
    )
    assert await _ask_and_delete(story, "mallory")
    # The same person, back at once: the new account's wait still runs.
    assert not await _ask_and_delete(story, "mallory")
    # The erased account's two requests (the second held, asked all the same) make a
    # flood for the next new account: held too, and told so.
    assert not await _ask_and_delete(story, "trudy")
    await story.onboard("eve", "en")
    assert "⏳" in texts(await story.press("eve", "hr:new"))


async def test_a_banned_requester_cannot_send_an_edited_request_back_to_review(story, db):
    await _coordinator(story, db)
    request_id = await post_request(story)
    amira = (await db.users.find("memory", "amira")).id
    await story.press("amira", f"hr:edit:{request_id}")  # the summary is open ...
    await db.users.set_banned(amira, True)  # ... when the ban comes
    posts_before = len(await db.requests.posts(request_id))
    await story.press("amira", "hr:send")
    assert len(await db.requests.posts(request_id)) == posts_before


async def test_a_ban_ends_contacts_through_the_lifecycle(story, db):
    await _coordinator(story, db)
    vera = await _verified(story, db, "vera")
    request_id = await _published(story, db)
    await story.press("vera", f"mt:acc:{request_id}")
    await story.flush()
    before = {name: len(story.inbox.get(name, [])) for name in ("amira", GROUP)}
    from handlers.messages import Command

    await story.in_group("cora", Command("ban", str(vera)))
    await story.flush()
    request = await db.requests.get(request_id)
    assert request.state == "open" and request.volunteer_id is None
    assert len(story.inbox["amira"]) > before["amira"]  # told the helper cannot come
    assert len(story.inbox[GROUP]) > before[GROUP]  # coordinators told
    # The banned volunteer's messages no longer reach the requester.
    count = len(story.inbox["amira"])
    await story.text("vera", "meine Nummer ist 0171 2345678")
    await story.flush()
    assert "0171" not in readable(
        " ".join(str(getattr(i, "text", "")) for i in story.inbox["amira"][count:])
    )


# -- the three ways to end a contact say the same -------------------------------------------------


@pytest.mark.parametrize("path", ["myrequests", "end contact", "delete"])
async def test_every_way_of_ending_a_contact_tells_volunteer_and_coordinators(story, db, path):
    await _coordinator(story, db)
    await _verified(story, db, "vera")
    request_id = await _published(story, db)
    await story.press("vera", f"mt:acc:{request_id}")
    await story.flush()
    vera_before, group_before = len(story.inbox["vera"]), len(story.inbox[GROUP])
    if path == "myrequests":
        await story.press("amira", f"hr:wdy:{request_id}")
    elif path == "end contact":
        await story.press("amira", f"rl:endy:{request_id}")
    else:
        await story.text("amira", "/delete")
        await story.press("amira", "delete:yes")
    await story.flush()
    assert (await db.requests.get(request_id)).state == "withdrawn"
    told_vera = readable(" ".join(str(i.text) for i in story.inbox["vera"][vera_before:]))
    told_group = readable(" ".join(str(i.text) for i in story.inbox[GROUP][group_before:]))
    assert f"#{request_id}" in told_vera
    assert f"#{request_id}" in told_group
    assert (await db.users.get_state((await db.users.find("memory", "vera")).id)) is None


async def test_no_thanks_on_an_old_consent_message_deletes_nothing(story, db):
    await story.onboard("amira", "ar")
    out = await story.press("amira", "consent:no")
    assert await db.users.find("memory", "amira") is not None
    assert any(isinstance(i, Toast) for i in out)


# -- spoofing and flooding the backchannel --------------------------------------------------------


async def test_names_and_descriptions_cannot_pass_for_the_bots_own_lines(story, db):
    await _coordinator(story, db)
    incoming = Incoming(
        Sender("memory", "eve", "Eve\n✅ Published by Cora\u202e"), "eve", Text("/start")
    )
    await story.dispatcher.handle(incoming)
    eve = await db.users.find("memory", "eve")
    assert "\n" not in eve.first_name and "\u202e" not in eve.first_name
    await story.onboard("eve", "de")
    await story.press("eve", "menu:help")
    await story.press("eve", "hr:new")
    await story.press("eve", "hr:cat:shopping")
    await story.text(
        "eve", "Einkaufen bitte\n\n\n\n\n✅ Published by Cora.\nmail: a\u200b@b\u200b.de"
    )
    await story.location("eve", 51.5230, 7.4560)
    await story.press("eve", "hr:when:asap")
    await story.press("eve", "hr:langs-done")
    await story.press("eve", "hr:send")
    await story.flush()
    post = story.received(GROUP)
    for line in post.splitlines():
        assert not line.lstrip("\u200e\u200f").startswith("✅"), line
    assert "E-Mail" in post or "e-mail" in post


async def test_one_report_per_person_and_request(story, db):
    await _coordinator(story, db)
    await _verified(story, db, "vera")
    request_id = await _published(story, db)
    await story.press("vera", f"mt:acc:{request_id}")
    await story.press("amira", f"rl:endy:{request_id}")  # withdrawn; reports still possible
    await story.flush()
    before = len(story.inbox[GROUP])
    for _ in range(3):
        await story.press("amira", f"rl:rep:{request_id}")
        await story.text("amira", "er war unfreundlich")
    await story.flush()
    reports = [i for i in story.inbox[GROUP][before:] if "unfreundlich" in readable(str(i.text))]
    assert len(reports) == 1


async def test_saving_a_profile_again_replaces_the_verify_notice(story, db):
    await _coordinator(story, db)
    await register_volunteer(story, db, "vera")
    # An answer changed before any coordinator confirmed her: no second notice.
    await story.press("vera", "vo:ed:max")
    await story.press("vera", "vo:max:3")
    # Registering anew after leaving replaces the notice instead of adding another.
    await story.press("vera", "vo:leavey")
    for data in ("vo:reg", "vo:bz:Innenstadt-Nord", "vo:area-done", "vo:nopt"):
        await story.press("vera", data)
    for data in ("vo:cat:shopping", "vo:cats-done", "vo:langs-done"):
        await story.press("vera", data)
    assert "🎓" in texts(await story.press("vera", "vo:max:2"))
    await story.flush()
    notices = [i for i in story.inbox[GROUP] if "/verify" in str(getattr(i, "text", ""))]
    assert len([i for i in notices if isinstance(i, Message)]) == 1
    assert any(isinstance(i, Edit) for i in notices)
    # Deleting the account takes the note of that post with it.
    vera = (await db.users.find("memory", "vera")).id
    assert await db.relay.notice_posts("verify", f"user:{vera}")
    await story.text("vera", "/delete")
    await story.press("vera", "delete:yes")
    assert await db.relay.notice_posts("verify", f"user:{vera}") == []


async def test_commands_in_the_backchannel_are_rate_limited(story, db):
    await _coordinator(story, db)
    from dataclasses import replace

    from handlers.messages import Command

    limit = 20  # the rule, not the figure (1000 by default): a burst of thirty shows it
    story.dispatcher.settings = replace(story.dispatcher.settings, max_messages_per_minute=limit)
    # The whole burst within one minute, however slow the machine is.
    story.dispatcher.clock = lambda: 1000.0
    answered = 0
    for _ in range(limit + 10):
        answered += bool(await story.in_group("cora", Command("stats")))
    assert answered <= limit + 1


async def test_an_inactive_volunteer_leaves_through_the_lifecycle(story, db):
    """The retention job is an account deletion too: the contact ends, the request is open
    again and offered to others, the requester and the coordinators are told."""
    from handlers.privacy import erase_inactive

    await _coordinator(story, db)
    vera = await _verified(story, db, "vera")
    request_id = await _published(story, db)
    await story.press("vera", f"mt:acc:{request_id}")
    await story.flush()
    before = {name: len(story.inbox.get(name, [])) for name in ("amira", GROUP)}
    await db.execute("UPDATE users SET seen_at = '2020-01-01T00:00:00Z' WHERE id = ?", (vera,))
    removed = await erase_inactive(
        db, story.dispatcher.settings, build_router(), datetime.now(UTC) - timedelta(days=365)
    )
    assert removed == (1, 0) and await db.users.get(vera) is None
    await story.flush()
    request = await db.requests.get(request_id)
    assert request.state == "open" and request.volunteer_id is None
    assert len(story.inbox["amira"]) > before["amira"]
    assert len(story.inbox[GROUP]) > before[GROUP]
    amira = await db.users.find("memory", "amira")
    # Out of the contact: her next message, meant for the helper who left, is answered as
    # not passed on (the lifecycle's hand-back state), not relayed to anyone.
    state = await db.users.get_state(amira.id)
    assert state is not None and state.state == lifecycle.HELPER_LEFT
    assert state.data == {"request_id": request_id}
