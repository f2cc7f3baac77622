"""The neighbourhood-help story through the dispatcher, the outbox and its worker."""

from __future__ import annotations

from db import Database
from handlers.messages import Command, Edit, Message, Text, Toast
from locales import translator
from tests.support.help_story import (
    GROUP,
    NORDMARKT,
    buttons_of,
    entered_for_a_resident,
    grant_role_to,
    post_request,
    press,
    register_volunteer,
)
from tests.support.memory_transport import MemoryTransport, texts


async def test_the_whole_story(story: MemoryTransport, db: Database):
    request_id = await post_request(story)
    request = await db.requests.get(request_id)
    assert request.state == "review" and request.description_lang == "ar"
    assert request.area_name == "Nordmarkt" or request.stadtbezirk == "Innenstadt-Nord"
    # Stored coarsely: not the exact point that was shared.
    assert (request.lat, request.lon) != NORDMARKT
    await story.flush()
    post = story.last(GROUP)
    assert f"mod:ok:{request_id}" in [b.data for b in buttons_of(post)]
    assert translator("de")._("Shopping and errands") in str(post.text)

    vera = await register_volunteer(story, db, "vera")
    vlad = await register_volunteer(story, db, "vlad", "uk")
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    for volunteer in (vera, vlad):
        await story.in_group("cora", Command("verify", str(volunteer)))

    # Someone in the group without the role: a refusal, and nothing changes.
    await story.onboard("nico", "de")
    out = await story.in_group("nico", press(f"mod:ok:{request_id}"))
    assert [type(i) for i in out] == [Toast]
    assert (await db.requests.get(request_id)).state == "review"

    out = await story.in_group("cora", press(f"mod:ok:{request_id}"))
    assert "Cora" in texts(out)
    assert (await db.requests.get(request_id)).state == "open"
    # A second coordinator pressing late learns who decided.
    await story.onboard("carl", "de")
    await grant_role_to(db, "carl", "coordinator")
    out = await story.in_group("carl", press(f"mod:no:{request_id}"))
    out = await story.in_group("carl", press(f"mod:rr:{request_id}:trade"))
    assert any(isinstance(i, Toast) and "Cora" in i.text for i in out)
    assert (await db.requests.get(request_id)).state == "open"

    await story.flush()
    assert "#" in story.received("amira")
    offers = {name: story.last(name) for name in ("vera", "vlad")}
    for name, offer in offers.items():
        assert f"mt:acc:{request_id}" in [b.data for b in buttons_of(offer)], name
    assert translator("uk")._("I can help") in " ".join(b.label for b in buttons_of(offers["vlad"]))

    # The race: vera first, vlad a moment later.
    out = await story.press("vera", f"mt:acc:{request_id}")
    assert "🎉" in texts(out)
    out = await story.press("vlad", f"mt:acc:{request_id}")
    assert any(isinstance(i, Toast) for i in out)
    request = await db.requests.get(request_id)
    assert request.state == "matched" and request.volunteer_id == vera
    await story.flush()
    assert any(isinstance(i, Edit) for i in story.inbox["vlad"])  # "already taken"
    assert "Vera" in story.received("amira")
    # The coordinators read the helper as everywhere else: name and number together.
    assert f"Vera (Nr. {vera})" in story.received(GROUP)

    # The relay: first names only, both ways.
    await story.text("amira", "شكرا! الساعة الثالثة؟")
    await story.flush()
    assert "<b>Amira</b>: \u200e│ شكرا! الساعة الثالثة؟" in story.received("vera")
    await story.text("vera", "Ja, 15 Uhr passt.")
    await story.flush()
    assert "15 Uhr passt" in story.received("amira")
    assert "vera" not in story.received("amira").replace("Vera", "")

    await story.press("amira", f"rl:done:{request_id}")
    out = await story.press("amira", f"rl:doney:{request_id}")
    assert (await db.requests.get(request_id)).state == "done"
    await story.flush()
    assert f"rl:min:{request_id}:60" in [b.data for b in buttons_of(story.last("vera"))]
    await story.press("vera", f"rl:min:{request_id}:60")
    await story.text("vera", "12,50")
    await story.flush()
    assert f"rl:mok:{request_id}" in [b.data for b in buttons_of(story.last("amira"))]
    await story.press("amira", f"rl:mok:{request_id}")
    request = await db.requests.get(request_id)
    assert (request.minutes_spent, request.money_cents, request.money_confirmed) == (60, 1250, True)
    out = await story.press("vera", "vo:rec")
    assert any(getattr(i, "filename", "") == "help-record.txt" for i in out)
    actions = [e["action"] for e in await db.requests.history(request_id)]
    assert actions[:3] == ["request.review", "request.open", "request.matched"]
    assert "request.done" in actions


async def test_rejection_reaches_the_requester_in_their_language(
    story: MemoryTransport, db: Database
):
    request_id = await post_request(story, "olena", "uk")
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    await story.in_group("cora", press(f"mod:no:{request_id}"))
    await story.in_group("cora", press(f"mod:rr:{request_id}:trade"))
    await story.flush()
    uk = translator("uk")
    assert uk._("This is work for a professional trade") in story.received("olena")
    assert (await db.requests.get(request_id)).state == "rejected"


async def test_forged_and_foreign_buttons_change_nothing(story: MemoryTransport, db: Database):
    request_id = await post_request(story)
    await story.onboard("mallory", "en")
    await grant_role_to(db, "mallory", "volunteer")
    for data in (
        f"mt:acc:{request_id}",
        f"rl:done:{request_id}",
        f"rl:doney:{request_id}",
        f"hr:wdy:{request_id}",
        f"hr:edit:{request_id}",
        "mt:acc:99999",
        "hr:wdy:abc",
    ):
        out = await story.press("mallory", data)
        assert any(isinstance(i, Toast) for i in out) or "⛔" in texts(out), data
    out = await story.press("mallory", f"mod:ok:{request_id}")
    assert any(isinstance(i, Toast) for i in out) or "⛔" in texts(out)
    assert (await db.requests.get(request_id)).state == "review"


async def test_limits_and_bans(story: MemoryTransport, db: Database):
    for _ in range(3):
        await post_request(story, "ali", "tr")
    await story.press("ali", "menu:help")
    out = await story.press("ali", "hr:new")
    # Told why, and that what they write is kept and held (posting_limits.py): the form
    # goes on.
    assert "✋" in texts(out) and "hr:cat:" in str(out)
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    ali = await db.users.find("memory", "ali")
    await story.in_group("cora", Command("ban", str(ali.id)))
    await story.flush()
    assert "⛔" in story.received("ali")
    out = await story.press("ali", "hr:new")
    assert "⛔" in texts(out)


async def test_withdraw_tells_the_volunteer(story: MemoryTransport, db: Database):
    request_id = await post_request(story, "amira", "ar")
    vera = await register_volunteer(story, db, "vera")
    await db.volunteers.verify(vera, vera)
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    await story.in_group("cora", press(f"mod:ok:{request_id}"))
    await story.press("vera", f"mt:acc:{request_id}")
    await story.press("amira", f"hr:wdy:{request_id}")
    assert (await db.requests.get(request_id)).state == "withdrawn"
    await story.flush()
    assert "#" in story.received("vera") and any(
        isinstance(i, Message) and "↩️" in str(i.text) for i in story.inbox["vera"]
    )


async def test_voice_description_and_text_input_in_group_is_ignored(
    story: MemoryTransport, db: Database
):
    await story.onboard("ben", "de")
    await story.press("ben", "hr:new")
    await story.press("ben", "hr:cat:company")
    await story.media("ben", "voice")
    state = await db.users.get_state((await db.users.find("memory", "ben")).id)
    assert state.state == "request.where"
    assert await story.in_group("ben", Text("hello group")) == []


async def test_coordinator_enters_a_request_for_someone_without_a_phone(
    story: MemoryTransport, db: Database
):
    vera = await register_volunteer(story, db, "vera")
    await db.volunteers.verify(vera, vera)
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    out = await entered_for_a_resident(story, "cora")
    assert "0231 123456" in texts(out)  # the coordinator sees the contact
    await story.press("cora", "hr:send")
    await story.flush()
    offer = story.last("vera")
    assert "0231" not in str(offer.text)  # volunteers do not, before they take it on
    request_id = int(next(b.data for b in buttons_of(offer)).split(":")[2])
    out = await story.press("vera", f"mt:acc:{request_id}")
    assert "0231 123456" in texts(out)  # the matched volunteer does
    request = await db.requests.get(request_id)
    assert request.requester_id is None and request.state == "matched"


async def _matched(story: MemoryTransport, db: Database) -> tuple[int, int]:
    request_id = await post_request(story, "amira", "ar")
    vera = await register_volunteer(story, db, "vera")
    await db.volunteers.verify(vera, vera)
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    await story.in_group("cora", press(f"mod:ok:{request_id}"))
    await story.press("vera", f"mt:acc:{request_id}")
    await story.text("amira", "مرحبا")
    return request_id, vera


async def test_mydata_includes_help_data(story: MemoryTransport, db: Database):
    import json

    from handlers.messages import Document

    request_id, _ = await _matched(story, db)
    out = await story.text("amira", "/mydata")
    data = json.loads(next(i for i in out if isinstance(i, Document)).content)
    sections = data["sections"]
    assert sections["requests"][0]["id"] == request_id
    assert sections["messages_written"][0]["text"] == "مرحبا"
    out = await story.text("vera", "/mydata")
    vera = json.loads(next(i for i in out if isinstance(i, Document)).content)["sections"]
    assert "shopping" in vera["volunteer_profile"][0]["categories"]
    assert vera["messages_received"][0]["text"] == "مرحبا"
    assert [r["id"] for r in vera["help_given"]] == [request_id]
    # The requester's own texts are not in the helper's export.
    assert "description" not in vera["help_given"][0]


async def test_deleting_a_requester_withdraws_and_tells_the_helper(
    story: MemoryTransport, db: Database
):
    request_id, _ = await _matched(story, db)
    await story.press("amira", "delete:yes")
    assert (await db.requests.get(request_id)).state == "withdrawn"
    assert await db.users.find("memory", "amira") is None
    await story.flush()
    assert "#" in story.received("vera")
    # The contact about her own request goes with her; the request stays only as a record.
    assert (await db.fetch_all("SELECT COUNT(*) FROM relay_messages"))[0][0] == 0
    request = await db.requests.get(request_id)
    assert (request.requester_id, request.description, request.lat) == (None, "", None)


async def test_deleting_a_helper_reopens_the_request(story: MemoryTransport, db: Database):
    request_id, vera = await _matched(story, db)
    await story.press("vera", "delete:yes")
    request = await db.requests.get(request_id)
    assert request.state == "open" and request.volunteer_id is None
    assert await db.volunteers.get(vera) is None
    await story.flush()
    assert "↩️" in story.received("amira")


async def test_volunteer_reports_an_offer(story: MemoryTransport, db: Database):
    request_id = await post_request(story)
    vera = await register_volunteer(story, db, "vera")
    await db.volunteers.verify(vera, vera)
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    await story.in_group("cora", press(f"mod:ok:{request_id}"))
    await story.press("vera", f"mt:rep:{request_id}")
    await story.text("vera", "Das klingt nach Schwarzarbeit.")
    await story.flush()
    assert "Schwarzarbeit" in story.received(GROUP)
    rows = await db.fetch_all("SELECT subject FROM reports")
    assert [row[0] for row in rows] == [f"request:{request_id}"]
    assert (await db.requests.get(request_id)).state == "open"


async def test_decisions_by_command_in_the_backchannel(story: MemoryTransport, db: Database):
    first = await post_request(story, "amira", "ar")
    second = await post_request(story, "omar", "ar")
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    out = await story.in_group("cora", Command("publish", "abc"))
    assert "/publish 12" in texts(out)
    await story.in_group("cora", Command("publish", str(first)))
    await story.in_group("cora", Command("reject", f"{second} duplicate"))
    assert (await db.requests.get(first)).state == "open"
    rejected = await db.requests.get(second)
    assert rejected.state == "rejected" and rejected.reject_reason == "duplicate"


async def test_on_a_certain_day_is_chosen_with_buttons_and_reads_in_each_language(
    story: MemoryTransport, db: Database
):
    """The next days and a time of day as buttons, a way back, and the day in each
    reader's own words: the German coordinators read German, the Farsi requester Farsi."""
    from datetime import datetime, timedelta

    from locales import TIMEZONE

    await story.onboard("sara", "fa")
    await story.press("sara", "hr:new")
    await story.press("sara", "hr:cat:shopping")
    await story.text("sara", "برای خرید کمک لازم دارم")
    await story.location("sara", *NORDMARKT)
    out = await story.press("sara", "hr:when:date")
    days = [d for d in (b.data for m in out for b in buttons_of(m)) if d.startswith("hr:day:")]
    assert len(days) == 7 and "hr:dayback" in str([buttons_of(m) for m in out])
    # Back to the question, and on again.
    out = await story.press("sara", "hr:dayback")
    assert "hr:when:date" in str([buttons_of(m) for m in out])
    await story.press("sara", "hr:when:date")
    tomorrow = (datetime.now(TIMEZONE) + timedelta(days=1)).date()
    out = await story.press("sara", f"hr:day:{tomorrow.isoformat()}")
    assert "hr:part:afternoon" in str([buttons_of(m) for m in out])
    await story.press("sara", "hr:part:afternoon")
    await story.press("sara", "hr:langs-done")
    await story.press("sara", "hr:send")
    sara = await db.users.find("memory", "sara")
    [request] = await db.requests.for_requester(sara.id)
    assert request.when_text == f"{tomorrow.isoformat()} afternoon"
    await story.flush()
    de = translator("de")
    noon = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 12, tzinfo=TIMEZONE)
    post = story.received(GROUP)
    assert str(de.skeleton(noon, "MMMMEEEEd")) in post and de._("in the afternoon") in post
    # A day from an old button (yesterday's) changes nothing.
    await story.press("sara", "hr:new")
    await story.press("sara", "hr:cat:shopping")
    await story.text("sara", "برای خرید کمک لازم دارم")
    await story.location("sara", *NORDMARKT)
    await story.press("sara", "hr:when:date")
    yesterday = tomorrow - timedelta(days=2)
    await story.press("sara", f"hr:day:{yesterday.isoformat()}")
    assert (await db.users.get_state(sara.id)).state.endswith("when_day")
