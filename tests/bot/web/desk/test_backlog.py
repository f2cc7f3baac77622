"""The backlog in one number (issue 100, point 2). Five requests wait for review and fifteen
a flood holds back until a time; nobody could take any of them now. The desk's queue says
so in one line at the top, its 📥 badge and the browser's tab count twenty, the statistics
open with the same line and count the held ones as asked, and /pending in the group says
it too. In Chromium at 390×844 and through the chat's backchannel. Failed before: "5
waiting" everywhere, and "asked" counted five."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db import Database
from db.clock import to_text
from handlers.helping import posting_limits
from handlers.messages import Command
from locales import translator
from tests.support.desk_client import desk_in_chromium
from tests.support.help_story import grant_role_to
from tests.support.memory_transport import texts

# The moment the held ones' times count from: the last is held until nine minutes on.
UTC_NOW = datetime.now(UTC)


async def _crowd(db: Database) -> None:
    """Five in review (asked 30 to 70 minutes ago), fifteen held by the flood rule."""
    for n in range(20):
        person = await db.users.seen("memory", f"n{n}", f"n{n}", f"N{n}")
        held = (posting_limits.FLOOD, to_text(UTC_NOW + timedelta(minutes=n % 9 + 1)))
        request = await db.requests.create(
            person.id,
            person.id,
            category="shopping",
            description="Bitte um Hilfe beim Einkauf",
            stadtbezirk="Hörde",
            when_kind="window",
            **({"held": held} if n >= 5 else {}),
        )
        created = datetime.now(UTC) - timedelta(minutes=70 - n * 2)
        await db.execute(
            "UPDATE help_requests SET created_at = ? WHERE id = ?", (to_text(created), request.id)
        )


def _says_the_backlog(line: str, lang: str = "en") -> None:
    t = translator(lang)
    last = posting_limits.when(t, to_text(UTC_NOW + timedelta(minutes=9)))
    assert str(t.number(20)) in line and "backlog" in line, line
    assert "5 wait for review" in line, line
    assert f"15 held until {last}" in line, line
    assert "20 that nobody can take now" in line, line


async def test_the_queue_badge_and_statistics_say_the_whole_backlog_on_a_phone(db, site, web_chat):
    _site, base = site
    await _crowd(db)
    async with desk_in_chromium(web_chat, db) as desk:
        page = desk.page
        await page.goto(f"{base}/desk/queue")
        _says_the_backlog(await page.locator("#queue-summary").inner_text())
        box = await page.locator("#queue-summary").bounding_box()
        assert box is not None and box["y"] + box["height"] <= 844, box
        assert "20" in await page.locator("#waiting-count").inner_text()
        assert (await page.title()).startswith("(20)"), await page.title()
        await page.goto(f"{base}/desk/stats")
        _says_the_backlog(await page.locator("#backlog").inner_text())
        # The held ones asked this week: twenty asked, not five.
        assert "20" in await page.locator("#week-asked").inner_text()


async def test_pending_and_stats_in_the_group_say_the_whole_backlog(story, db):
    await story.onboard("cora", "en")
    await grant_role_to(db, "cora", "coordinator")
    await _crowd(db)
    pending = texts(await story.in_group("cora", Command("pending"), chat="coordinators"))
    _says_the_backlog(pending.splitlines()[0])
    stats = texts(await story.in_group("cora", Command("stats"), chat="coordinators"))
    _says_the_backlog(stats.splitlines()[0])
