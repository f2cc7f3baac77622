"""The desk's volunteers through the real web server: the roster with its filters and
pages, confirming training, pausing and resuming as the chat does, and the days of an
extended certificate of good conduct - which kinds of help in
``certificate_required_for`` need at the moment of matching (also checked at handler
level, with its last day as the boundary)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from db import Database
from db.clock import local_day
from handlers.context import Backstage
from handlers.helping import lifecycle
from handlers.helping.lifecycle import Refused
from handlers.helping.matching import who_may_help
from handlers.settings import HandlerSettings
from locales import FSI, PDI, translator
from tests.support import browser as chromium
from tests.support.desk_client import at_the_desk, desk_in_chromium, log_in
from tests.support.helping_people import verified_volunteer, volunteer_profile
from tests.support.memory_transport import texts
from tests.support.web_site import browser_session, csrf_of, login_link, serving

EN = {"Accept-Language": "en"}
ROW = re.compile(r'id="volunteer-row-(\d+)"')
CHILDCARE = frozenset({"childcare"})


def _today() -> date:
    return date.fromisoformat(local_day(datetime.now(UTC)))


@pytest.fixture
async def site(db: Database, settings: HandlerSettings):
    async with serving(db, replace(settings, certificate_required_for=CHILDCARE)) as served:
        yield served


async def _volunteer(db: Database, name: str, **profile) -> int:
    user = await db.users.seen("memory", name.lower(), name.lower(), name)
    profile.setdefault("categories", ("shopping",))
    profile.setdefault("stadtbezirke", ("Innenstadt-Nord",))
    profile.setdefault("languages", ("de",))
    await db.volunteers.save(user.id, **profile)
    return user.id


def _ids(page: str) -> list[int]:
    return [int(found) for found in ROW.findall(page)]


async def test_the_roster_filters_and_pages(db, site, web_chat):
    _site, base = site
    everyone = [await _volunteer(db, f"Helper{n:02d}") for n in range(52)]
    ayse = await _volunteer(
        db, "Ayşe", categories=("childcare", "learning"), stadtbezirke=("Eving",), languages=("tr",)
    )
    paul = await _volunteer(db, "Paul", languages=("pl", "de"))
    for user_id in everyone:
        await db.volunteers.verify(user_id, user_id)
    await db.volunteers.set_paused(paul, True)
    today = _today()
    seen, expires = today - timedelta(days=5 * 365), today + timedelta(days=30)
    await db.volunteers.set_certificate(ayse, seen.isoformat(), expires.isoformat())
    async with browser_session(headers=EN) as browser:
        await log_in(web_chat, db, browser)
        async with browser.get(f"{base}/desk/volunteers") as page:
            first = await page.text()
            assert page.status == 200
        assert _ids(first) == sorted([*everyone, ayse, paul])[:50]
        assert "54 volunteers found" in first and "Page 1 of 2" in first
        assert 'id="certificates-due"' in first and "1 certificate of good conduct" in first
        async with browser.get(f"{base}/desk/volunteers?page=2") as page:
            assert _ids(await page.text()) == sorted([*everyone, ayse, paul])[50:]
        for query, expected in (
            ("unverified=1", [ayse, paul]),
            ("paused=1", [paul]),
            ("due=1", [ayse]),
            ("bezirk=Eving", [ayse]),
            ("category=childcare", [ayse]),
            ("language=pl", [paul]),
            ("language=de&paused=1", [paul]),
            ("name=helper0", everyone[:10]),
            ("name=ay", [ayse]),
            ("name=100%25", []),
            ("unverified=1&category=shopping", [paul]),
        ):
            async with browser.get(f"{base}/desk/volunteers?{query}") as page:
                assert page.status == 200, query
                assert _ids(await page.text()) == expected, query
        for query in ("bezirk=Atlantis", "category=piano", "language=xx", "paused=yes", "page=-1"):
            async with browser.get(f"{base}/desk/volunteers?{query}") as page:
                assert page.status == 400, query
                assert _ids(await page.text()) == []


async def test_verify_pause_resume_change_the_store_and_the_audit_log(db, site, web_chat):
    _site, base = site
    await web_chat.onboard("vera", "en")
    vera = (await db.users.find("memory", "vera")).id
    await volunteer_profile(db, vera)  # no quiet hours: the test may run at night
    rita = (await db.users.seen("memory", "rita", "rita", "Rita")).id
    waiting = await db.requests.create(
        rita, rita, state="open", category="shopping", stadtbezirk="Innenstadt-Nord"
    )
    async with browser_session(headers=EN) as browser:
        cora = await log_in(web_chat, db, browser)
        async with browser.get(f"{base}/desk/volunteers/{vera}") as page:
            body = await page.text()
        assert "basic training not yet confirmed" in body and 'id="verify-form"' in body
        token = csrf_of(body)
        # No token, a wrong one, or another site's form: 403 and nothing changes.
        for data, headers in (
            ({}, {}),
            ({"csrf": "x" * 43}, {}),
            ({"csrf": token}, {"Origin": "https://evil.example"}),
        ):
            async with browser.post(
                f"{base}/desk/volunteers/{vera}/verify", data=data, headers=headers
            ) as r:
                assert r.status == 403
        assert (await db.volunteers.get(vera)).verified_at is None
        async with browser.post(f"{base}/desk/volunteers/{vera}/verify", data={"csrf": token}) as r:
            assert r.status == 200
            body = await r.text()
        assert "is confirmed" in body and 'id="verify-form"' not in body
        volunteer = await db.volunteers.get(vera)
        assert volunteer.verified_at is not None and volunteer.verified_by == cora
        # The chat's rule: the volunteer is told and offered what suits them now.
        assert await db.volunteers.was_offered(waiting.id, vera)
        await web_chat.flush()
        assert "basic training is confirmed" in web_chat.received("vera")
        for action, paused in (("pause", True), ("resume", False)):
            async with browser.post(
                f"{base}/desk/volunteers/{vera}/{action}", data={"csrf": token}
            ) as r:
                assert r.status == 200
            assert (await db.volunteers.get(vera)).paused is paused
        await web_chat.flush()
        told = web_chat.received("vera")
        assert "A coordinator paused" in told and "A coordinator resumed" in told
        async with browser.post(f"{base}/desk/volunteers/999999/pause", data={"csrf": token}) as r:
            assert r.status == 404
    log = await db.fetch_all(
        "SELECT actor_id, action FROM audit_log WHERE subject = ? ORDER BY id", (f"user:{vera}",)
    )
    actions = [(row[0], row[1]) for row in log]
    for action in ("volunteer.verify", "desk.volunteer.verify", "desk.volunteer.pause"):
        assert (cora, action) in actions
    assert (cora, "desk.volunteer.resume") in actions


async def test_certificate_days_are_checked_and_shown_with_words(db, site, web_chat):
    _site, base = site
    vera = await _volunteer(db, "Vera", categories=("childcare",))
    today = _today()
    async with browser_session(headers=EN) as browser:
        await log_in(web_chat, db, browser)
        async with browser.get(f"{base}/desk/volunteers/{vera}") as page:
            body = await page.text()
        assert "no certificate recorded" in body and 'id="certificate-form"' in body
        assert 'type="file"' not in body  # never the document
        token = csrf_of(body)
        url = f"{base}/desk/volunteers/{vera}/certificate"
        later = (today + timedelta(days=1)).isoformat()
        for seen, expires, words in (
            ("31.03.2025", "2030-03-31", "as dates"),
            ("", "2030-03-31", "as dates"),
            (later, "2031-01-01", "cannot be in the future"),
            (today.isoformat(), today.isoformat(), "must expire after"),
            ("1990-01-01", "2030-01-01", "too long ago"),
            # A typo in the year: valid for a lifetime.
            ("2025-06-01", "2095-06-01", "at most ten years"),
        ):
            async with browser.post(
                url, data={"csrf": token, "seen_on": seen, "expires_on": expires}
            ) as r:
                assert r.status == 422, (seen, expires)
                page_text = await r.text()
                assert words in page_text
                assert f'value="{expires}"' in page_text  # the form keeps what was typed
        # A form without the days (not sent by a browser, but anyone can post): the same.
        for form in ({}, {"seen_on": "2022-05-02"}, {"expires_on": "2030-03-31"}):
            async with browser.post(url, data={"csrf": token, **form}) as r:
                assert r.status == 422, form
                assert "as dates" in await r.text()
        volunteer = await db.volunteers.get(vera)
        assert volunteer.certificate_seen_on is None and volunteer.certificate_expires_on is None
        for days_left, words in ((400, "valid until"), (60, "expires soon"), (0, "expires soon")):
            expires = (today + timedelta(days=days_left)).isoformat()
            async with browser.post(
                url, data={"csrf": token, "seen_on": "2022-05-02", "expires_on": expires}
            ) as r:
                assert r.status == 200
                assert words in await r.text(), days_left
            volunteer = await db.volunteers.get(vera)
            assert (volunteer.certificate_seen_on, volunteer.certificate_expires_on) == (
                "2022-05-02",
                expires,
            )
        # Expired yesterday: said in words, and listed among those due.
        await db.volunteers.set_certificate(
            vera, "2020-01-01", (today - timedelta(days=1)).isoformat()
        )
        async with browser.get(f"{base}/desk/volunteers?due=1") as page:
            roster = await page.text()
        assert _ids(roster) == [vera] and "expired on" in roster
        async with browser.post(
            f"{base}/desk/volunteers/{vera}/certificate/remove", data={"csrf": token}
        ) as r:
            assert r.status == 200
        assert (await db.volunteers.get(vera)).certificate_expires_on is None
    actions = [
        row[0]
        for row in await db.fetch_all(
            "SELECT action FROM audit_log WHERE subject = ?", (f"user:{vera}",)
        )
    ]
    assert actions.count("desk.volunteer.certificate") == 3
    assert actions.count("desk.volunteer.certificate-remove") == 1


async def test_a_certificate_kind_is_offered_only_to_certified_volunteers(db, site, web_chat):
    _site, base = site
    await web_chat.onboard("cora", "en")
    cora = await db.users.find("memory", "cora")
    await db.users.grant_role(cora.id, "coordinator")
    cora = await db.users.get(cora.id)
    helpers = {}
    for name in ("anna", "bert"):
        await web_chat.onboard(name, "de")
        helpers[name] = (await db.users.find("memory", name)).id
        await verified_volunteer(
            db, helpers[name], kinds=("childcare", "shopping"), quiet=None, verified_by=cora.id
        )
    today = _today()
    await db.volunteers.set_certificate(
        helpers["anna"], "2023-01-01", (today + timedelta(days=900)).isoformat()
    )
    rita = (await db.users.seen("memory", "rita", "rita", "Rita")).id
    scene = Backstage(db, site[0].settings)
    ids = {}
    for category in ("childcare", "shopping"):
        ids[category] = (
            await db.requests.create(
                rita, rita, category=category, stadtbezirk="Innenstadt-Nord", description="x"
            )
        ).id
        await lifecycle.publish(scene, cora, ids[category])
    assert await db.volunteers.was_offered(ids["childcare"], helpers["anna"])
    assert not await db.volunteers.was_offered(ids["childcare"], helpers["bert"])
    # Other kinds of help need no certificate.
    assert await db.volunteers.was_offered(ids["shopping"], helpers["bert"])
    # Once a coordinator enters Bert's certificate at the desk, the request reaches him.
    async with browser_session(headers=EN) as browser:
        async with browser.post(login_link(texts(await web_chat.text("cora", "/desk")))) as r:
            token = csrf_of(await r.text())
        async with browser.post(
            f"{base}/desk/volunteers/{helpers['bert']}/certificate",
            data={
                "csrf": token,
                "seen_on": today.isoformat(),
                "expires_on": (today + timedelta(days=5 * 365)).isoformat(),
            },
        ) as r:
            assert r.status == 200
    assert await db.volunteers.was_offered(ids["childcare"], helpers["bert"])
    # Bert sees in his profile until when it counts, to bring a new one in time.
    profile = texts(await web_chat.text("bert", "/volunteer"))
    assert "📜" in profile and str((today + timedelta(days=5 * 365)).year) in profile


async def test_matching_counts_a_certificate_through_its_last_day(db: Database):
    settings = HandlerSettings(certificate_required_for=CHILDCARE)
    scene = Backstage(db, settings)
    coordinator = await db.users.seen("memory", "cora", "cora", "Cora")
    rita = await db.users.seen("memory", "rita", "rita", "Rita")
    vera_id = await _volunteer(db, "Vera", categories=("childcare",))
    await db.users.grant_role(vera_id, "volunteer")
    await db.volunteers.verify(vera_id, coordinator.id)
    await db.volunteers.set_certificate(vera_id, "2020-06-01", "2025-05-31")
    request = await db.requests.create(
        rita.id, rita.id, state="open", category="childcare", stadtbezirk="Innenstadt-Nord"
    )
    vera = await db.users.get(vera_id)
    volunteer = await db.volunteers.get(vera_id)

    def why(moment: datetime) -> str | None:
        return who_may_help.why_not(
            settings, vera, volunteer, request, taken=0, handed_back=False, now=moment
        )

    # The last day counts to its end in Dortmund, whatever the clock's zone.
    assert why(datetime(2025, 5, 31, 21, 59, tzinfo=UTC)) is None  # 23:59 in Berlin
    assert why(datetime(2025, 5, 31, 22, 0, tzinfo=UTC)) == who_may_help.NO_CERTIFICATE
    assert why(datetime(2020, 5, 31, 12, 0, tzinfo=UTC)) == who_may_help.NO_CERTIFICATE  # not yet
    assert why(datetime(2020, 6, 1, 12, 0, tzinfo=UTC)) is None
    # Without the setting, the same volunteer qualifies however old the certificate.
    assert (
        who_may_help.why_not(
            HandlerSettings(),
            vera,
            volunteer,
            request,
            taken=0,
            handed_back=False,
            now=datetime(2030, 1, 1, tzinfo=UTC),
        )
        is None
    )
    # Today (the certificate of 2025 has expired): not offered, and "I can help" on an
    # offer made earlier is refused at the moment of pressing.
    assert await who_may_help.matching_volunteers(db, settings, request) == []
    await db.volunteers.record_offer(request.id, vera_id, 1)
    with pytest.raises(Refused):
        await lifecycle.accept(scene, vera, request.id)
    assert (await db.requests.get(request.id)).state == "open"
    today = _today()
    await db.volunteers.set_certificate(vera_id, "2024-01-01", today.isoformat())
    assert [v.user_id for v in await who_may_help.matching_volunteers(db, settings, request)] == [
        vera_id
    ]
    accepted = await lifecycle.accept(scene, vera, request.id)
    assert accepted.state == "matched" and accepted.volunteer_id == vera_id


# A Tuesday at 10:00 in Berlin (weekday mornings), and a Saturday at 22:00 (no talk slot).
TUESDAY_MORNING = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
SATURDAY_NIGHT = datetime(2026, 3, 7, 21, 0, tzinfo=UTC)


async def test_the_roster_shows_talk_shifts_and_who_is_on_one_now(db, site, web_chat, monkeypatch):
    """Issue 57 point 8: each volunteer's talk shift in the coordinator's language, and
    ``talk=1`` shows those on a talk shift at the desk's moment - the matching's rule."""
    _site, base = site
    anna = await _volunteer(db, "Anna", talk_shift=("we-ev", "wd-am"))
    ben = await _volunteer(db, "Ben", talk_shift=("wd-ev",))
    cem = await _volunteer(db, "Cem")
    moment = [TUESDAY_MORNING]
    monkeypatch.setattr("bot.web.desk.volunteers._now", lambda: moment[0])
    async with browser_session(headers=EN) as browser:
        await log_in(web_chat, db, browser)
        async with browser.get(f"{base}/desk/volunteers") as page:
            body = await page.text()
        assert _ids(body) == [anna, ben, cem]
        assert "Talk shift" in body and 'name="talk"' in body
        anna_row = body.split(f'id="volunteer-row-{anna}"')[1].split("</tr>")[0]
        assert "on a talk shift now" in anna_row
        assert "weekday mornings and weekend evenings" in anna_row
        ben_row = body.split(f'id="volunteer-row-{ben}"')[1].split("</tr>")[0]
        assert "weekday evenings" in ben_row and "on a talk shift now" not in ben_row
        cem_row = body.split(f'id="volunteer-row-{cem}"')[1].split("</tr>")[0]
        assert "no talk shift" in cem_row
        async with browser.get(f"{base}/desk/volunteers?talk=1") as page:
            assert page.status == 200
            body = await page.text()
        assert _ids(body) == [anna] and "1 volunteer found" in body
        async with browser.get(f"{base}/desk/volunteers?talk=1&language=pl") as page:
            assert _ids(await page.text()) == []
        async with browser.get(f"{base}/desk/volunteers/{anna}") as page:
            body = await page.text()
        facts = body.split('id="volunteer-talk-shift"')[1].split("</dd>")[0]
        assert "on a talk shift now" in facts and "weekday mornings" in facts
        async with browser.get(f"{base}/desk/volunteers/{cem}") as page:
            assert "no talk shift" in (await page.text()).split('id="volunteer-talk-shift"')[1]
        async with browser.get(f"{base}/desk/volunteers?talk=yes") as page:
            assert page.status == 400
            assert _ids(await page.text()) == []

        # Saturday night: nobody's shift, though Anna has weekend evenings (until 21:00).
        moment[0] = SATURDAY_NIGHT
        async with browser.get(f"{base}/desk/volunteers?talk=1") as page:
            body = await page.text()
        assert _ids(body) == [] and "0 volunteers found" in body
        moment[0] = SATURDAY_NIGHT - timedelta(hours=2)
        async with browser.get(f"{base}/desk/volunteers?talk=1") as page:
            assert _ids(await page.text()) == [anna]

    # In the coordinator's language (German here).
    async with browser_session(headers={"Accept-Language": "de"}) as browser:
        await log_in(web_chat, db, browser, "dora")
        async with browser.get(f"{base}/desk/volunteers") as page:
            body = await page.text()
        assert "Gesprächsdienst" in body
        assert "werktags morgens" in body.split(f'id="volunteer-row-{anna}"')[1].split("</tr>")[0]


async def _box(page, selector: str) -> dict[str, float]:
    box = await page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box


async def test_on_a_phone_the_talk_filter_and_column_are_easy_to_tap(
    db, site, web_chat, monkeypatch
):
    """At phone size (390 px) in Chromium: the "on a talk shift now" choice is a 24 px box
    on a 44 px line, "Show" 44 px tall, and the talk shift column is in the first screen;
    ticking it shows who is on a talk shift now."""
    _site, base = site
    anna = await _volunteer(db, "Anna", talk_shift=("wd-am",))
    await _volunteer(db, "Ben", talk_shift=("we-pm",))
    monkeypatch.setattr("bot.web.desk.volunteers._now", lambda: TUESDAY_MORNING)
    async with desk_in_chromium(web_chat, db) as desk:
        page = desk.page
        await page.goto(f"{base}/desk/volunteers")
        box = await _box(page, "#filter-talk")
        assert box["width"] >= 24 and box["height"] >= 24, box
        line = await _box(page, "label:has(> #filter-talk)")
        assert line["height"] >= 44, line
        show = await _box(page, "#volunteer-filters button[type=submit]")
        assert show["height"] >= 44, show
        header = await _box(page, "#volunteers-table thead th:nth-child(2)")
        assert await page.locator("#volunteers-table thead th:nth-child(2)").inner_text() == (
            "Talk shift"
        )
        assert header["x"] + header["width"] <= chromium.PHONE["width"], header
        name = await _box(page, f"#volunteer-row-{anna} th a")
        assert name["height"] >= 24, name

        await page.locator("label:has(> #filter-talk)").click()
        async with page.expect_navigation(url="**talk=1**"):
            await page.locator("#volunteer-filters button[type=submit]").click()
        rows = page.locator("#volunteers-table tbody tr")
        assert await rows.count() == 1
        assert "on a talk shift now" in await rows.first.inner_text()
        assert await page.locator("#filter-talk").is_checked()
        await chromium.assert_accessible(page, "desk volunteers on a talk shift (phone)")
        assert not desk.session.foreign, desk.session.foreign


async def test_two_coordinators_pausing_at_once_tell_the_volunteer_once(db, site, web_chat):
    """Cora and Carl have Vera's page open; Cora confirms her training and pauses her. Carl's
    presses on his older page (confirm, pause) change nothing and tell her nothing again:
    he reads that it was done already. Resumed by Cora, Carl's resume likewise."""
    _site, base = site
    await web_chat.onboard("vera", "en")
    vera = (await db.users.find("memory", "vera")).id
    await volunteer_profile(db, vera)
    async with (
        at_the_desk(web_chat, db, base, "cora") as cora,
        at_the_desk(web_chat, db, base, "carl") as carl,
    ):
        for action in ("verify", "pause", "resume"):
            status, _ = await cora.post(f"/desk/volunteers/{vera}/{action}", {})
            assert status == 200, action
            status, page = await carl.post(f"/desk/volunteers/{vera}/{action}", {})
            assert status == 409, action
            assert "already" in page and "Vera" in page, page
        await web_chat.flush()
    told = web_chat.received("vera")
    for said in ("basic training is confirmed", "A coordinator paused", "A coordinator resumed"):
        assert told.count(said) == 1, (said, told)
    assert (await db.volunteers.get(vera)).verified_by == cora.user_id


# A day written year first in Latin or Persian digits; its day of the month is its last two.
ISO_DAY = "[0-9\u06f0-\u06f9]{4}-[0-9\u06f0-\u06f9]{2}-[0-9\u06f0-\u06f9]{2}"
TEXT_FIELDS = """() => document.querySelectorAll('#certificate-form input[type=date]')
  .forEach(field => { field.type = 'text'; })"""


async def test_the_example_day_reads_year_first_in_arabic_and_persian(db, site, web_chat):
    """In a browser without a date picker (the days typed as text), a day it cannot read is
    refused with an example day, a value of the sentence isolated: written into the Arabic
    or Persian sentence "2025-03-31" was laid out right to left, "31-03-2025". Measured at a
    desk's width (1366 px), where the sentence is one line: at 390 px a line may break at
    the example's hyphens, with or without the isolates."""
    _site, base = site
    vera = await _volunteer(db, "Vera", categories=("childcare",))
    async with desk_in_chromium(web_chat, db) as desk:
        page = desk.page
        await page.set_viewport_size(chromium.DESK)
        for lang in ("ar", "fa"):
            await page.goto(f"{base}/desk/volunteers/{vera}?lang={lang}")
            await page.evaluate(TEXT_FIELDS)
            await page.fill("#certificate-seen", "31.03.2025")
            await page.fill("#certificate-expires", "2030-03-31")
            async with page.expect_navigation():
                await page.locator("#certificate-form button[type=submit]").click()
            year, day = await chromium.starts_at(page, "volunteer-error", ISO_DAY, [0, -2])
            assert year["top"] == day["top"] and year["left"] < day["left"], (lang, year, day)
            said = await page.evaluate("document.getElementById('volunteer-error').textContent")
            example = translator(lang).digits("2025-03-31")
            assert FSI + example + PDI in said, said
    assert (await db.volunteers.get(vera)).certificate_seen_on is None
