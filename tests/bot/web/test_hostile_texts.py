"""What residents, volunteers and importers write reaches every page as text, never as markup:
a requester's and a volunteer's name, a request's text, a place's name, address and web
address, an event's title and description, with markup and script in them - on every page
of the map and the desk (taken from the router, so a new page is tried too), and in every
CSV (a cell starting ``=``, ``+``, ``-``, ``@`` is neutralised)."""

from __future__ import annotations

import re

from db.events import Event
from db.places import Place
from handlers.statistics.city_figures import TABLE_IDS
from tests.support import browser
from tests.support.desk_client import at_the_desk

HOSTILE = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
# Raw markup a page must never hold: the tags as tags, a script address as a link.
RAW = re.compile(r"<img src=x|<script>alert|href=\"javascript:|href='javascript:", re.I)
SKIPPED = {"/desk/logout", "/desk/logout/everywhere", "/vendor/{name}", "/static"}


async def _seeded(db, coordinator: int) -> None:
    requester = await db.users.seen("memory", "rita", "rita", HOSTILE)
    await db.requests.create(
        requester.id,
        requester.id,
        category="shopping",
        description=HOSTILE,
        stadtbezirk="Hörde",
        languages=("de",),
    )
    volunteer = await db.users.seen("memory", "vera", "vera", '=HYPERLINK("x")' + HOSTILE)
    await db.volunteers.save(volunteer.id, categories=("shopping",), languages=("de",))
    place = Place(
        source="t",
        source_id="1",
        name="=1+1" + HOSTILE,
        category="library",
        lat=51.5,
        lon=7.4,
        street=HOSTILE,
        website="javascript:alert(3)",
        description=HOSTILE,
        stadtbezirk="Hörde",
    )
    place_id = await db.places.upsert(place, "test")
    await db.events.upsert(
        Event(
            uid="e",
            title=HOSTILE,
            description=HOSTILE,
            starts_local="2030-01-08T17:00",
            place_id=place_id,
        )
    )
    await db.volunteers.save(coordinator, categories=("shopping",))


def _addresses(pattern: str) -> list[str]:
    """The pattern with each row's number (people, requests, places, events: 1-4) and each
    table, language and district a page takes."""
    values = {
        "table": TABLE_IDS,
        "name": ("hoerde",),
        "language": ("de", "ar"),
        "lang": ("de", "ar"),
    }
    names = re.findall(r"\{(\w+)", pattern)
    if not names:
        return [pattern]
    name = names[0]
    return [browser.fill(pattern, {name: v}) for v in values.get(name, ("1", "2", "3", "4"))]


async def test_nothing_anyone_wrote_becomes_markup_on_any_page(db, site, web_chat):
    _site, base = site
    found: list[str] = []
    tried = 0
    async with at_the_desk(web_chat, db, base) as desk:
        await _seeded(db, desk.user_id)
        for method, pattern, _names in browser.routes():
            if method != "GET" or pattern in SKIPPED or "/login/" in pattern:
                continue
            for path in _addresses(pattern):
                async with desk.browser.get(base + path) as page:
                    body = await page.text(errors="replace")
                    kind = page.headers.get("Content-Type", "")
                if page.status != 200:
                    continue
                tried += 1
                if "html" in kind and RAW.search(body):
                    found.append(f"{path}: {RAW.search(body).group(0)}")
                if "csv" in kind:
                    cells = [c.strip('"') for line in body.splitlines() for c in line.split(";")]
                    found += [f"{path}: {c}" for c in cells if c.startswith(("=", "+", "@"))]
    assert tried > 30
    assert found == []
