"""Every public and desk page on a phone (390×844) in real Chromium, in German and in Arabic
(right to left): nothing wider than the screen, and axe-core finds no violation of impact
moderate or above.

The pages come from the application's router: every ``GET`` route is either a page with a
sample address here (``PAGES``) or named in ``NOT_PAGES`` with what it serves instead, so a
new page cannot be left out - the first test fails until it is listed. The desk's pages
are opened logged in as a coordinator (one login per language), with a site that has
places (the Dortmund sample and one with a very long web address), events, requests in
review, open and matched, and a volunteer.

Wide content may scroll inside its own region (a table, a chart), never the page: an
element sticking out of the screen counts unless a scrolling or clipping box around it
holds it. Every place's own page is opened too (a long word in one place's name or details
widened the page).

What a finger presses is measured on every page (WCAG 2.5.8): no link, button, radio or
checkbox, field or menu under 24 × 24 px (a link inside a sentence excepted, as WCAG
does); buttons, the summaries that open something, the desk's sections, a choice's whole
line (a label holding a radio or checkbox: the review's reasons, the requests' state
filters), fields and menus are at least 44 px tall (issue 55, point 10); a chart's
text is at least 12 px as drawn on the phone; and the requests page's filters are folded
under a summary until a filter is set, so that the requests come first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page

from bot.config import Config, TelegramSection, WebSection
from db import Database
from db.events import Event
from db.places import Place
from handlers.places.gazetteer import load_gazetteer, slug
from handlers.places.importer import import_places
from handlers.settings import HandlerSettings, Organisation
from locales import TIMEZONE
from tests.support import browser
from tests.support.cli import ROOT
from tests.support.fake_telegram import TOKEN
from tests.support.help_story import matched_through_lifecycle
from tests.support.helping_people import verified_volunteer
from tests.support.web_site import serving

pytestmark = pytest.mark.asyncio(loop_scope="module")

LANGS = ("de", "ar")
# Phone screenshots (var/screenshots/phone-<name>-390-<lang>.png) of these pages.
SCREENSHOTS = {"/": "map", "/desk/queue": "queue", "/desk/stats": "stats", "/desk/places": "places"}
LONG_WEBSITE = (
    "https://www.beispiel-nachbarschaftszentrum-dortmund-nordstadt.de/angebote/"
    "sprachcafe-und-hausaufgabenhilfe-fuer-kinder-und-erwachsene/index.html"
)
# GET routes that are no page of their own, and what they are.
NOT_PAGES = {
    "/vendor/{name}": "scripts and styles from node_modules",
    "/static": "our own scripts and styles",
    "/favicon.ico": "an empty answer",
    "/api/places": "the map's places as JSON",
    "/api/places/tile/{z}/{x}/{y}": "the clusters and places of one tile of the map, as JSON",
    "/place/{id}/panel": "a fragment shown in the map's details panel (opened there below)",
    "/place/{id}/speech.ogg": "a place's details read aloud (OGG/Opus), played on its page",
    "/desk/stats/{table}.csv": "a table as CSV",
    "/desk/requests/{id}/voice": "a request's voice message, played on the queue's page",
    "/desk/certificates/{id}/signed.pdf": "a signed certificate for a volunteer, as PDF",
}
# Pages opened logged out, with their status: the desk's door, a page that does not exist.
LOGGED_OUT = (
    "/",
    "/leichte-sprache",
    "/privacy",
    "/place/{id}",
    "/posters",
    "/poster/place/{id}",
    "/poster/district/{name}",
)
STATUS = {"/desk": 403, "/no/such/page": 404}


@dataclass
class PhoneSite:
    db: Database
    base: str
    samples: dict[str, str]

    async def login_link(self) -> str:
        user = await self.db.users.seen("telegram", "3001", "3001", "Cora")
        await self.db.users.record_consent(user.id)
        await self.db.users.grant_role(user.id, "coordinator")
        token = await self.db.desk.issue_login(user.id, datetime.now(UTC))
        return f"{self.base}/desk/login/{token}"


def page_routes() -> list[str]:
    """The GET routes of the web application, as patterns."""
    return sorted({path for method, path, _ in browser.routes() if method == "GET"})


async def _person(db: Database, uid: str, name: str, lang: str = "de") -> int:
    user = await db.users.seen("telegram", uid, uid, name)
    await db.users.set_language(user.id, lang)
    await db.users.record_consent(user.id)
    return user.id


async def _fill(db: Database, settings: HandlerSettings) -> dict[str, str]:
    """Something on every page; the sample values of the routes' parameters."""
    report = await import_places(
        db,
        ROOT / "data" / "dortmund" / "places-sample.csv",
        load_gazetteer(str(ROOT / "data" / "dortmund")),
    )
    assert report.created > 50 and not report.rejected
    place = await db.places.upsert(
        Place(
            source="test",
            source_id="long-web-address",
            name="Nachbarschaftszentrum Nordstadt",
            category="neighbourhood_centre",
            lat=51.523,
            lon=7.456,
            street="Mallinckrodtstraße",
            housenumber="212",
            stadtbezirk="Innenstadt-Nord",
            stadtteil="Nordmarkt",
            opening_hours="Mo-Fr 09:00-17:00",
            website=LONG_WEBSITE,
            email="kontakt@beispiel-nachbarschaftszentrum-dortmund-nordstadt.de",
            description="Sprachcafé, Hausaufgabenhilfe und Beratung.",
        ),
        "test",
    )
    starts = (datetime.now(TIMEZONE) + timedelta(days=3)).strftime("%Y-%m-%dT17:00")
    event, _, _ = await db.events.upsert(
        Event(
            uid="phone-event",
            title="Sprachcafé am Nordmarkt mit Kinderbetreuung und Hausaufgabenhilfe",
            starts_local=starts,
            description="Deutsch üben bei Kaffee und Kuchen.",
            place_id=place,
            rrule="FREQ=WEEKLY",
            source="test",
        )
    )
    coordinator = await _person(db, "3002", "Bernd")
    await db.users.grant_role(coordinator, "coordinator")
    volunteer = await _person(db, "2001", "Vera")
    await verified_volunteer(
        db,
        volunteer,
        kinds=("shopping", "childcare"),
        districts=("Innenstadt-Nord", "Eving"),
        languages=("de", "ar", "tr"),
        quiet=(22, 7),
        verified_by=coordinator,
    )
    requester = await _person(db, "1001", "Amira", "ar")
    matched = await matched_through_lifecycle(db, settings, requester, volunteer, coordinator)
    for text in ("Bitte beim Einkauf helfen", "Begleitung zum Amt am Dienstag"):
        await db.requests.create(
            requester,
            requester,
            category="shopping",
            description=text,
            stadtbezirk="Innenstadt-Nord",
            area_name="Nordmarkt",
            languages=("ar", "de"),
        )
    # A confirmation for a certificate of good conduct waiting: the longest sign form.
    certificate = await db.certificates.ask(
        volunteer, "conduct", "Vera Müller-Lüdenscheidt", "1990-03-17", "de"
    )
    return {
        "id": str(place),
        "certificate": str(certificate),
        "place": str(place),
        "event": str(event),
        "request": str(matched),
        "volunteer": str(volunteer),
        "name": slug("Innenstadt-Nord"),
    }


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def chrome() -> AsyncIterator[Browser]:
    async with browser.chromium() as launched:
        yield launched


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site(tmp_path_factory) -> AsyncIterator[PhoneSite]:
    tiles = browser.TileServer()
    await tiles.start()
    db = await Database.open(tmp_path_factory.mktemp("phone") / "phone.sqlite3")
    config = Config(web=WebSection(tile_url=tiles.template), telegram=TelegramSection(token=TOKEN))
    settings = HandlerSettings(
        city="Dortmund",
        organisation=Organisation("FreiwilligenAgentur Dortmund", ("Königswall 25–27",)),
    )
    try:
        samples = await _fill(db, settings)
        async with serving(db, settings, config=config) as (_site, base):
            yield PhoneSite(db, base, samples)
    finally:
        await db.close()
        await tiles.stop()


def pages(samples: dict[str, str], login: str) -> dict[str, str]:
    """Each GET route that is a page: the address opened for it."""
    return {
        "/": "/",
        "/leichte-sprache": "/leichte-sprache",
        "/privacy": "/privacy",
        "/desk": "/desk",
        "/no/such/page": "/no/such/page",
        "/place/{id}": f"/place/{samples['place']}",
        "/posters": "/posters",
        "/poster/place/{id}": f"/poster/place/{samples['place']}",
        "/poster/district/{name}": f"/poster/district/{samples['name']}",
        "/poster/volunteer/{lang}": "/poster/volunteer/fa",
        "/desk/login/{token}": login,
        "/desk/queue": "/desk/queue",
        "/desk/requests": "/desk/requests",
        "/desk/requests/{id}": f"/desk/requests/{samples['request']}",
        "/desk/volunteers": "/desk/volunteers",
        "/desk/volunteers/{id}": f"/desk/volunteers/{samples['volunteer']}",
        "/desk/certificates": "/desk/certificates",
        "/desk/certificates/{id}": f"/desk/certificates/{samples['certificate']}",
        "/desk/places": "/desk/places",
        "/desk/places/import": "/desk/places/import",
        "/desk/places/{id}": f"/desk/places/{samples['place']}",
        "/desk/events": "/desk/events",
        "/desk/events/new": "/desk/events/new",
        "/desk/events/import": "/desk/events/import",
        "/desk/events/{id}": f"/desk/events/{samples['event']}",
        "/desk/stats": "/desk/stats",
    }


async def test_every_page_route_is_opened_here():
    listed = set(
        pages(
            {key: "1" for key in ("place", "name", "request", "volunteer", "event", "certificate")},
            "",
        )
    )
    unknown = [path for path in page_routes() if path not in listed and path not in NOT_PAGES]
    assert not unknown, f"GET routes neither opened on a phone here nor named as no page: {unknown}"
    stale = (listed | set(NOT_PAGES)) - set(page_routes()) - set(STATUS)
    assert not stale, f"listed here but not served: {stale}"


# Elements wider than the screen: the document scrolls sideways, or an element sticks out
# of the screen without a box around it that scrolls (a table in its scroll region) or is
# meant to clip it (Leaflet's panes, a visually hidden text) - cut off counts as sticking out.
OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    const found = [];
    if (document.documentElement.scrollWidth > width) {
        found.push(`the page is ${document.documentElement.scrollWidth} px wide`);
    }
    // Held by a box that scrolls, by a visually hidden text's clip, or by a map (Leaflet
    // keeps its tiles and markers around the view); a box that just cuts it off does not.
    const held = el => {
        for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
            // A chart's own drawing is no box: what holds the chart holds its parts.
            if (box instanceof SVGElement) continue;
            const style = getComputedStyle(box);
            if (['auto', 'scroll'].includes(style.overflowX) || style.clipPath !== 'none'
                || box.classList.contains('leaflet-container')) return true;
            if (style.overflowX !== 'visible') return false;
        }
        return false;
    };
    const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (el.className && typeof el.className === 'string' && el.className.trim()
           ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    const out = new Set();
    for (const el of document.body.querySelectorAll('*')) {
        if (!el.checkVisibility({visibilityProperty: true})) continue;
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) continue;
        if ((box.right > width + 0.5 || box.left < -0.5) && !held(el)) {
            out.add(el);
            // The outermost one says where; its children stick out with it.
            if (!out.has(el.parentElement)) {
                const span = `${Math.round(box.left)}..${Math.round(box.right)} px`;
                // A chart's text says which one it is.
                const words = el.tagName === 'text' ? ': ' + el.textContent.slice(0, 60) : '';
                found.push(`${name(el)} spans ${span}${words}`);
            }
        }
    }
    return found.slice(0, 12);
}"""
# What a finger presses, too small: under 24 × 24 px (a link in a sentence excepted: a
# parent with text of its own beside it), or a button, summary, desk section link, choice
# line, field or menu under 44 px tall; and chart text drawn under 12 px. Hidden elements
# and Leaflet's map (its own controls are 30 px; its markers are images) are left out.
TARGETS = """() => {
    const found = [];
    const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (el.getAttribute('type') ? `[${el.getAttribute('type')}]` : '')
        + ' "' + (el.textContent || el.getAttribute('aria-label') || el.value || '')
            .trim().slice(0, 30) + '"';
    const inSentence = el => Array.from(el.parentElement.childNodes).some(
        node => node.nodeType === Node.TEXT_NODE && node.textContent.trim().length > 1);
    // A label holding a radio or checkbox is what a finger presses (the whole line
    // chooses), a primary control as a button is: the review's reasons, the request
    // filters' states. Fields and menus are pressed too, and the primary ones are tall.
    const choice = 'label:has(> input[type=radio]), label:has(> input[type=checkbox])';
    const field = 'select, input[type=text], input[type=search], input[type=date], '
        + 'input[type=time], input[type=number], input[type=url], input[type=email], '
        + 'input[type=tel], input:not([type])';
    const pressable = 'a[href], button, summary, input[type=radio], input[type=checkbox], '
        + 'input[type=submit], .button, textarea, ' + choice + ', ' + field;
    for (const el of document.body.querySelectorAll(pressable)) {
        if (!el.checkVisibility({visibilityProperty: true})) continue;
        if (el.closest('.leaflet-container')) continue;
        // A visually hidden link (the skip link until it has focus) is clipped.
        if (getComputedStyle(el).clipPath !== 'none') continue;
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) continue;
        const tall = el.matches('button, summary, input[type=submit], .button, .desk-nav a, '
            + choice + ', ' + field);
        if (tall && box.height < 43.5) {
            found.push(`${name(el)} is ${Math.round(box.height)} px tall, not 44`);
        } else if ((box.width < 23.5 || box.height < 23.5)
                   && !(el.tagName === 'A' && inSentence(el))) {
            found.push(`${name(el)} is ${Math.round(box.width)} × ${Math.round(box.height)} px`);
        }
    }
    for (const svg of document.querySelectorAll('svg.chart')) {
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        for (const text of svg.querySelectorAll('text')) {
            const size = parseFloat(getComputedStyle(text).fontSize) * scale;
            if (size < 11.95) {
                const words = text.textContent.slice(0, 30);
                found.push(`chart text "${words}" is ${size.toFixed(1)} px`);
                break;
            }
        }
    }
    return found.slice(0, 15);
}"""
# Every <details> opened: what a tap shows must fit as well.
OPEN_ALL = "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"


async def phone_faults(page: Page, name: str, route: str, lang: str) -> list[str]:
    if route in SCREENSHOTS:
        await browser.screenshots(page, f"phone-{SCREENSHOTS[route]}", lang, (browser.PHONE,))
    faults = [f"{name}: {line}" for line in await page.evaluate(OVERFLOW)]
    faults += [f"{name}: {line}" for line in await page.evaluate(TARGETS)]
    if await page.locator("details:not([open])").count():
        await page.evaluate(OPEN_ALL)
        opened = await page.evaluate(OVERFLOW)
        faults += [f"{name}, everything opened: {line}" for line in opened]
        opened = await page.evaluate(TARGETS)
        faults += [f"{name}, everything opened: {line}" for line in opened]
    bad = [v for v in await browser.axe_violations(page) if v["impact"] in browser.FAILING_IMPACTS]
    if bad:
        faults.append(f"{name}: accessibility\n{browser.readable(bad)}")
    return faults


async def _open(page: Page, address: str, status: int = 200) -> None:
    response = await page.goto(address)
    assert response is not None and response.status == status, (
        address,
        response and response.status,
    )
    if await page.locator("#map").count():
        # The map's places and its list come from the server after the page's load: the
        # page is whole once nothing is fetched any more.
        await page.locator("#map[data-ready='1']").wait_for(state="attached")
        await page.wait_for_load_state("networkidle")
    else:
        # Nothing fetched after the load (styles, images, scripts): laid out with its fonts.
        await page.evaluate("document.fonts.ready.then(() => true)")


async def _laid_out(page: Page, address: str) -> None:
    """``address`` loaded with its fonts: its layout is final, whatever the map's tiles
    still fetch (a map holds what overflows it, see OVERFLOW), so a page of many is not
    waited on until its network is idle."""
    response = await page.goto(address)
    assert response is not None and response.status == 200, address
    await page.evaluate("document.fonts.ready.then(() => true)")


@pytest.mark.parametrize("lang", LANGS)
async def test_every_page_fits_a_phone_and_passes_axe(site, chrome, lang):
    faults: list[str] = []
    async with browser.browsing(chrome, lang, browser.PHONE, axe=True) as session:
        page = session.page
        # The login page itself, then the session (its button spends the link).
        login = await site.login_link()
        addresses = pages(site.samples, login)
        for route, address in addresses.items():
            if route in LOGGED_OUT or route in STATUS:
                await _open(page, site.base + address, STATUS.get(route, 200))
                faults += await phone_faults(page, f"{route} ({lang})", route, lang)
        await _open(page, login)
        assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
        faults += await phone_faults(page, f"/desk/login/{{token}} ({lang})", "", lang)
        async with page.expect_navigation(url="**/desk/queue"):
            await page.locator("form[action^='/desk/login/'] button").click()
        for route, address in addresses.items():
            if route not in LOGGED_OUT and route not in STATUS and route != "/desk/login/{token}":
                await _open(page, site.base + address)
                faults += await phone_faults(page, f"{route} ({lang})", route, lang)
        # The map's details panel, opened from the list.
        await _open(page, site.base + f"/?speaks=de&lang={lang}")
        await page.locator("#place-list li[data-place-id] a").first.click()
        await page.locator("#details .place-details").wait_for()
        faults += await phone_faults(page, f"/ with a place's details ({lang})", "", lang)
        assert not session.foreign, session.foreign
    assert not faults, "\n".join(faults)


async def test_every_place_page_fits_a_phone(site, chrome):
    """Each place's own page (the sample city's and the one with a long address): no page
    scrolls sideways, whatever words a place's name and details hold."""
    lines, total = await site.db.places.listing(limit=1000)
    ids = [line.id for line in lines]
    assert len(ids) == total
    assert len(ids) > 50
    wide: list[str] = []
    # What varies from place to place is the text the server writes; the map's scripts
    # are the same on every page (and the map clips what it holds, see OVERFLOW): not
    # run here, where they cost most of the time. The place page with its map is
    # opened whole, scripts and axe, by test_every_page_fits_a_phone_and_passes_axe.
    async with browser.browsing(chrome, "de", browser.PHONE, scripts=False) as session:
        for place in ids:
            await _laid_out(session.page, f"{site.base}/place/{place}")
            wide += [f"/place/{place}: {line}" for line in await session.page.evaluate(OVERFLOW)]
    assert not wide, "\n".join(wide)


async def test_the_request_filters_are_folded_until_one_is_set(site, chrome):
    async with browser.browsing(chrome, "de", browser.PHONE) as session:
        page = session.page
        await _open(page, await site.login_link())
        async with page.expect_navigation(url="**/desk/queue"):
            await page.locator("form[action^='/desk/login/'] button").click()
        await _open(page, f"{site.base}/desk/requests")
        filters = page.locator("#request-filters")
        folded = filters.locator("xpath=ancestor::details")
        assert await folded.count() == 1
        assert not await filters.is_visible()
        # The first screen shows the requests, not the form.
        first = await page.locator("main h2, main table, main .card").first.bounding_box()
        assert first is not None and first["y"] < browser.PHONE["height"]
        await folded.locator("summary").click()
        assert await filters.is_visible()
        # A filter set: the form is shown open, with what was chosen.
        await _open(page, f"{site.base}/desk/requests?category=shopping")
        assert await filters.is_visible()
        assert await folded.get_attribute("open") is not None
