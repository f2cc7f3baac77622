"""The review queue over HTTP after the page was first shown (issue 83): its hints are kept
between page loads (handlers/helping/matching/hint_cache.py), and each is still the one a search of
its own finds after a volunteer is paused on the desk, registers in another process (the
bot's, beside the web's) or is erased, or is banned by another process; what the bot's
process writes on every update and the hints do not read (a person seen, an outbox message)
keeps the page; each card names its own requester (read once for the page)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from db import Database
from handlers import build_router
from handlers.context import Backstage
from handlers.helping.matching import ranking
from handlers.helping.review import review_queue
from handlers.privacy import erase
from tests.support.counted_searches import counted_searches
from tests.support.desk_client import DeskClient, at_the_desk
from tests.support.helping_people import verified_volunteer

CARD = re.compile(r'<article class="card[^"]*" id="request-(\d+)".*?</article>', re.S)
TAKE = re.compile(r'<span class="take( nobody)?">(.*?)</span>', re.S)


async def _volunteer(db: Database, name: str) -> int:
    user = await db.users.seen("memory", name, name, name.title())
    # evenings and no quiet hours: asked at any hour, the test runs at any time of day.
    await verified_volunteer(db, user.id, districts=("Hörde",), evenings=True)
    return user.id


async def _cards(desk: DeskClient) -> dict[int, tuple[int, str]]:
    """Each card's number of volunteers in its hint (0: the warning) and its text."""
    status, page = await desk.get("/desk/queue")
    assert status == 200
    cards = {}
    for found in CARD.finditer(page):
        take = TAKE.search(found.group(0))
        assert take is not None
        count = 0 if take.group(1) else int(re.findall(r"\d+", take.group(2))[0])
        cards[int(found.group(1))] = (count, found.group(0))
    return cards


async def test_the_queue_shows_what_a_new_search_finds_after_each_change(
    db, site, web_chat, database_url, monkeypatch
):
    served, base = site
    searches = counted_searches(monkeypatch)
    helpers = [await _volunteer(db, name) for name in ("hanna", "holger")]
    requests = {}
    for name in ("rita", "ralf"):
        requester = await db.users.seen("memory", name, name, name.title())
        request = await db.requests.create(
            requester.id,
            requester.id,
            description="Bitte um Hilfe beim Einkauf",
            category="shopping",
            stadtbezirk="Hörde",
            languages=("de",),
        )
        requests[request.id] = (request, name.title())
    names = {request_id: name for request_id, (_, name) in requests.items()}

    async def searched() -> int:
        """What the first wave's own search finds for each request now (the same for both)."""
        counts = set()
        for request, _name in requests.values():
            now = datetime.now(UTC)
            search = review_queue._search(served.settings, request, now)
            found = await ranking.candidates(
                db, served.settings, request, now, search.reach, set(), evening=search.evening
            )
            counts.add(len(found))
        assert len(counts) == 1
        return counts.pop()

    async def shown(count: int) -> None:
        assert await searched() == count
        cards = await _cards(desk)
        assert set(cards) == set(requests)
        for request_id, (hint, text) in cards.items():
            assert hint == count
            assert all((name in text) is (other == request_id) for other, name in names.items())

    async with at_the_desk(web_chat, db, base) as desk:
        await shown(2)
        await shown(2)  # the kept page

        status, _ = await desk.post(f"/desk/volunteers/{helpers[0]}/pause", {})
        assert status == 200
        await shown(1)

        other = await Database.open(database_url)  # another process's connection
        try:
            henrike = await _volunteer(other, "henrike")
        finally:
            await other.close()
        await shown(2)

        person = await db.users.get(helpers[1])
        assert person is not None
        await erase(Backstage(db, served.settings), build_router(), person, "deleted")
        await shown(1)

        # What the bot's process writes on every update and the hints do not read - a person
        # seen, an outbox message - keeps the page: it is not searched again
        # (db/matching_changes.py). A ban, which they read, has it searched again.
        other = await Database.open(database_url)
        try:
            await other.users.seen("memory", "rita", "rita", "Rita")
            await other.execute(
                "INSERT INTO outbox (platform, chat_id, payload, created_at, next_attempt_at)"
                " VALUES ('memory', 'rita', '{}', '2026-11-25T10:00:00Z', '2026-11-25T10:00:00Z')"
            )
        finally:
            await other.close()
        before = len(searches)
        await shown(1)
        assert len(searches) == before, "the kept page"

        other = await Database.open(database_url)
        try:
            await other.execute(
                "UPDATE users SET banned_at = '2026-11-25T10:00:00Z' WHERE id = ?", (henrike,)
            )
        finally:
            await other.close()
        await shown(0)
        assert len(searches) > before
