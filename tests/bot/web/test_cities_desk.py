"""The web's side of issue 18's authorization matrix: two cities on one installation,
Dortmund (the main configuration) and Unna (a file in ``cities_dir``), each serving its
own map and desk (``bot.app.start_web``) from its own database, on both backends.

A coordinator and an admin of one city, logged in at their own city's desk, are sent to
every route of the other city's web - enumerated from the application's router, so that a
route added later without a guard makes this fail - with their session under every desk
cookie name, their CSRF token and a same-origin header, path parameters filled with the
other city's real rows (and with their own city's): every desk route refuses them as a
stranger, the public routes show the other city's data only, and neither database changes.
The other city's coordinator reaches her own pages (the sweep would notice a desk that
refuses everyone). The Mini App trusts only its own city's bot token. And one browser
logged in to both cities' desks on one host keeps both sessions."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
from markupsafe import escape

from bot.app import start_web
from bot.cities import City, load_cities
from bot.config import load_config
from bot.web.desk.auth import cookie_name
from bot.web.public import initdata
from bot.web.server import WebServer
from db import Database
from db.certificates import CONDUCT
from db.events import Event
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.places.gazetteer import load_gazetteer, slug
from handlers.places.importer import import_places
from handlers.statistics.city_figures import TABLE_IDS
from tests.support.city_databases import every_row, open_city
from tests.support.memory_transport import MemoryTransport, texts
from tests.support.ports import free_port
from tests.support.two_cities import write_cities
from tests.support.web_site import browser_session, csrf_of, login_link

TOKEN_DORTMUND = "111111:DORTMUND-TOKEN"
TOKEN_UNNA = "222222:UNNA-TOKEN"
RESIDENT = 5001  # one Telegram account, known to both cities' bots
EN = {"Accept-Language": "en"}
STRANGER = "To log in, send /desk to the bot"  # the desk's page for someone without a session

# The routes anyone may open, and what of the city each shows with the city's own rows in
# its address (None: nothing of the city's data). Every other route must refuse a visitor
# whose session is another city's.
PUBLIC: dict[str, str | None] = {
    "/": "place",
    "/api/places": "place",
    "/api/places/tile/{z}/{x}/{y}": None,
    "/place/{id}": "place",
    "/place/{id}/panel": "place",
    "/place/{id}/speech.ogg": None,
    "/posters": "district",
    "/poster/place/{id}": "place",
    "/poster/district/{name}": "district",
    "/poster/volunteer/{lang}": None,
    "/leichte-sprache": None,
    "/privacy": None,
    "/favicon.ico": None,
    "/vendor/{name}": None,
    "/static": None,
}
# Public routes with nothing to give where no speech engine runs (none does in this test).
SPOKEN_ONLY_WITH_A_VOICE = {"/place/{id}/speech.ogg"}
# The map's tile of the places (a tile of Dortmund at zoom 12).
TILE = {"z": "12", "x": "2132", "y": "1361"}
# Whose ``{id}`` a route takes, by the path segment before it.
ID_KINDS = {
    "queue": "review",
    "requests": "request",
    "volunteers": "volunteer",
    "places": "place",
    "place": "place",
    "events": "event",
    "certificates": "certificate",
    "people": "phone_resident",  # data_export.py: a person who cannot receive a file
}
# What a form could carry to make an unguarded action do something.
FORM = {"reason": "scope", "text": "Bitte anders", "note": "x", "title": "Anders", "name": "X"}


@dataclass
class Town:
    """One city's web, database, chat and the rows seeded in it."""

    city: City
    db: Database
    server: WebServer
    chat: MemoryTransport
    rows: dict[str, int] = field(default_factory=dict)
    place: str = ""  # the name of one of its places
    district: str = ""  # one of its Stadtbezirke
    words: list[str] = field(default_factory=list)  # its data, never to show elsewhere

    @property
    def base(self) -> str:
        return self.city.config.web.base_url

    @property
    def cookie(self) -> str:
        return cookie_name(self.server.site)

    def routes(self) -> list[tuple[str, str, object]]:
        """(method, canonical path, resource) of every route the served app has; logging
        out last, so that a logout let through would not hide what comes after it."""
        app = self.server.app
        assert app is not None
        found = [(r.method, r.resource.canonical, r.resource) for r in app.router.routes()]
        return sorted(found, key=lambda route: route[1] == "/desk/logout")


@dataclass
class Visitor:
    """Someone logged in at their own city's desk."""

    session: str
    csrf: str
    token: str  # an unspent login link of theirs, at their own city


def _write_config(tmp: Path, database: str) -> Path:
    return write_cities(
        tmp,
        database,
        dortmund=f'[web]\nlisten = "127.0.0.1"\nport = {free_port()}\n',
        unna=f"[web]\nport = {free_port()}\n",
    )


async def _seed(
    town: Town, places: str, names: tuple[str, str, str, str], where: str, district: str
) -> None:
    """The same kinds of rows in the same order in both cities, so that their ids coincide
    (ids count per city): a mix-up of the two databases would find a row under each id."""
    db, chat, data = town.db, town.chat, town.city.config.places.data_dir
    resident, volunteer, coordinator, admin = names
    rita = await db.users.seen("memory", resident.lower(), resident.lower(), resident)
    vera = await db.users.seen("memory", volunteer.lower(), volunteer.lower(), volunteer)
    await db.volunteers.save(
        vera.id, categories=("shopping",), stadtbezirke=(district,), languages=("de",)
    )
    for name, role in ((coordinator, "coordinator"), (admin, "admin")):
        await chat.onboard(name.lower(), "en")
        user = await db.users.find("memory", name.lower())
        await db.users.grant_role(user.id, role)
    report = await import_places(db, Path(data) / places, load_gazetteer(data))
    assert not report.rejected
    listed, _count = await db.places.listing(limit=500)
    place = listed[0]
    review = await db.requests.create(
        rita.id, rita.id, category="shopping", description=f"Einkauf bitte in {where}"
    )
    request = await db.requests.create(
        rita.id, rita.id, state="open", category="shopping", description=f"Arzt in {where}"
    )
    starts = (datetime.now(UTC) + timedelta(days=10)).strftime("%Y-%m-%dT17:00")
    event_id, _, _ = await db.events.upsert(
        Event(uid="lesecafe", title=f"Lesecafe {where}", starts_local=starts, place_id=place.id)
    )
    async with db.transaction():
        certificate = await db.certificates.ask(
            vera.id, CONDUCT, f"{volunteer} aus {where}", "1990-05-01", "de"
        )
    telegram = await db.users.seen("telegram", str(RESIDENT), str(RESIDENT), "Tele")
    await db.events.subscribe(telegram.id, "place", str(place.id))
    caller = await db.users.seen("phone", "+4923155501", "+4923155501", "")
    town.rows = {
        "review": review.id,
        "request": request.id,
        "volunteer": vera.id,
        "place": place.id,
        "event": event_id,
        "certificate": certificate,
        "phone_resident": caller.id,
    }
    town.place, town.district = place.name, district
    town.words = [
        town.city.name,
        volunteer,
        f"Einkauf bitte in {where}",
        f"Arzt in {where}",
        f"Lesecafe {where}",
        f"{volunteer} aus {where}",
        *(p.name for p in listed),
    ]


@pytest.fixture
async def towns(tmp_path: Path, database_url: str) -> AsyncIterator[dict[str, Town]]:
    env = {
        "NACHBARBOT_TELEGRAM__TOKEN": TOKEN_DORTMUND,
        "NACHBARBOT_CITY_UNNA__TELEGRAM__TOKEN": TOKEN_UNNA,
    }
    cities = load_cities(load_config(_write_config(tmp_path, database_url), env), env)
    assert [c.slug for c in cities] == ["dortmund", "unna"]
    opened: dict[str, Town] = {}
    try:
        for city in cities:
            db = await open_city(database_url, city.slug, main=city.main)
            settings = city.config.handler_settings()
            server = await start_web(db, city.config, settings, lambda: None, "nb_test_bot", city)
            assert server is not None
            chat = MemoryTransport(Dispatcher(db, build_router(), settings))
            opened[city.slug] = Town(city, db, server, chat)
        await _seed(
            opened["dortmund"],
            "places-sample.csv",
            ("Rita", "Veronika", "Cora", "Ada"),
            "Hörde",
            "Hörde",
        )
        await _seed(
            opened["unna"], "places.csv", ("Rosa", "Uwe", "Ute", "Ulla"), "Massen", "Massen"
        )
        yield opened
    finally:
        for town in opened.values():
            await town.server.stop()
            await town.db.close()


async def _log_in(town: Town, name: str, browser: aiohttp.ClientSession) -> Visitor:
    """``name`` sends /desk to their city's bot, opens the link in ``browser``, and asks
    for a second link they keep unspent."""
    async with browser.post(login_link(texts(await town.chat.text(name, "/desk")))) as answer:
        assert answer.status == 200
    async with browser.get(f"{town.base}/desk/queue") as page:
        assert page.status == 200
        csrf = csrf_of(await page.text())
    session = next(c.value for c in browser.cookie_jar if c.key == town.cookie)
    token = login_link(texts(await town.chat.text(name, "/desk"))).rsplit("/", 1)[1]
    return Visitor(session, csrf, token)


def _address(town: Town, canonical: str, resource, rows: dict[str, int], token: str) -> str:
    """The route's address with its parameters filled: ``rows`` for ids."""
    if canonical == "/static":
        return str(resource.url_for(filename="map.js"))
    values: dict[str, str] = {}
    for name in re.findall(r"\{(\w+)\}", canonical):
        before = canonical.split("{" + name + "}")[0].rstrip("/").rsplit("/", 1)[-1]
        if name == "id" and before in ID_KINDS:
            values[name] = str(rows[ID_KINDS[before]])
        elif name == "token":
            values[name] = token
        elif name == "table":
            values[name] = TABLE_IDS[0]
        elif name in TILE:
            values[name] = TILE[name]
        elif (name, before) == ("name", "vendor"):
            values[name] = "leaflet/leaflet.js"
        elif (name, before) == ("name", "district"):
            values[name] = slug(town.district)
        elif (name, before) == ("lang", "volunteer"):
            values[name] = "fa"
        else:
            pytest.fail(f"{canonical}: the test does not know what {{{name}}} is; teach it")
    return str(resource.url_for(**values)) if values else canonical


async def _sweep(at: Town, home: Town, visitor: Visitor) -> list[str]:
    """Every route of ``at``'s web, by every method, as ``visitor`` (logged in at ``home``);
    what went wrong, if anything."""
    cookies = "; ".join(f"{t.cookie}={visitor.session}" for t in (at, home))
    headers = {**EN, "Cookie": cookies, "Origin": at.base, "X-CSRF-Token": visitor.csrf}
    wrong: list[str] = []
    tried = 0
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        for method, canonical, resource in at.routes():
            for rows, own in ((at.rows, True), (home.rows, False)):
                path = _address(at, canonical, resource, rows, visitor.token)
                data = {"csrf": visitor.csrf, **FORM} if method == "POST" else None
                async with http.request(
                    method, at.base + path, headers=headers, data=data, allow_redirects=False
                ) as answer:
                    status = answer.status
                    body = await answer.text(errors="replace") if method != "HEAD" else ""
                    if answer.content_type == "application/json" and body:
                        body = json.dumps(json.loads(body), ensure_ascii=False)
                tried += 1
                where = f"{method} {path} (ids of {(at if own else home).city.slug}'s rows)"
                shown = [w for w in home.words if w in body or str(escape(w)) in body]
                if shown:
                    wrong.append(f"{where} shows the other city's {shown[:3]}")
                if canonical in PUBLIC and method in ("GET", "HEAD"):
                    expected = (200, 204) if own else (200, 204, 404)
                    if canonical in SPOKEN_ONLY_WITH_A_VOICE:
                        expected += (404,)
                    if status not in expected:
                        wrong.append(f"{where}: {status}, a public route")
                    shows = PUBLIC[canonical]
                    mark = {"place": at.place, "district": at.district}.get(shows or "", "")
                    if own and method == "GET" and mark and str(escape(mark)) not in body:
                        wrong.append(f"{where} does not show the city's own {mark!r}")
                elif status != 403:
                    wrong.append(f"{where}: {status}, neither refused nor a public route")
                elif method == "GET" and "/login/" not in canonical and STRANGER not in body:
                    wrong.append(f"{where}: refused, but not as a stranger")
    assert tried >= 2 * 70, tried  # every route was tried (there are more than 70)
    return wrong


async def test_dortmunds_coordinator_and_admin_can_do_nothing_at_unnas_web(towns):
    dortmund, unna = towns["dortmund"], towns["unna"]
    async with browser_session(headers=EN) as cora_browser, browser_session() as ada_browser:
        cora = await _log_in(dortmund, "cora", cora_browser)
        ada = await _log_in(dortmund, "ada", ada_browser)
        before = {name: await every_row(town.db) for name, town in towns.items()}
        for visitor in (cora, ada):
            assert await _sweep(unna, dortmund, visitor) == []
        assert {name: await every_row(town.db) for name, town in towns.items()} == before
        # Still logged in at home: the sweep was refused, not broken.
        review = dortmund.rows["review"]
        async with cora_browser.get(f"{dortmund.base}/desk/requests/{review}") as page:
            assert page.status == 200 and "Einkauf bitte in Hörde" in await page.text()


async def test_unnas_coordinator_reaches_her_desk_and_nothing_at_dortmunds(towns):
    dortmund, unna = towns["dortmund"], towns["unna"]
    async with browser_session(headers=EN) as browser:
        ute = await _log_in(unna, "ute", browser)
        assert unna.cookie == "nb_desk_unna" and dortmund.cookie == "nb_desk"
        # Her own city's desk opens for her on every page (the sweep's 403s mean something).
        reached = 0
        for method, canonical, resource in unna.routes():
            if method != "GET" or not canonical.startswith("/desk") or "/login/" in canonical:
                continue
            path = _address(unna, canonical, resource, unna.rows, ute.token)
            # The seeded request has no voice message and the seeded certificate is not
            # signed yet: its sound and its signed paper are not found, not refused.
            expected = 404 if canonical.endswith(("/voice", "/signed.pdf")) else 200
            async with browser.get(unna.base + path) as page:
                body = await page.text()
                assert page.status == expected, (path, page.status)
                assert STRANGER not in body, path
            reached += 1
        assert reached >= 15
        async with browser.get(f"{unna.base}/desk/requests/{unna.rows['review']}") as page:
            assert "Einkauf bitte in Massen" in await page.text()
        before = {name: await every_row(town.db) for name, town in towns.items()}
        assert await _sweep(dortmund, unna, ute) == []
        assert {name: await every_row(town.db) for name, town in towns.items()} == before


def _init_data(token: str) -> str:
    fields = {
        "user": json.dumps({"id": RESIDENT, "first_name": "Tele", "language_code": "de"}),
        "auth_date": str(int(datetime.now(UTC).timestamp())),
    }
    fields["hash"] = initdata.sign(fields, token)
    return urlencode(fields)


async def test_the_mini_app_trusts_only_its_own_citys_bot(towns):
    async with aiohttp.ClientSession() as http:
        for signer, token in (("dortmund", TOKEN_DORTMUND), ("unna", TOKEN_UNNA)):
            for where, town in towns.items():
                async with http.post(
                    f"{town.base}/api/miniapp/me",
                    data=_init_data(token),
                    headers={"Content-Type": "text/plain"},
                ) as answer:
                    status, me = answer.status, await answer.json()
                if where != signer:
                    assert (status, me) == (403, {"error": "forbidden"}), (signer, where)
                    continue
                assert status == 200, signer
                place = await town.db.places.get(town.rows["place"])
                assert me["places"] == [{"id": town.rows["place"], "name": place.name_in("de")}]


async def test_one_browser_keeps_both_cities_desk_sessions(towns):
    """Both desks on one host (cookies ignore the port): someone who coordinates in both
    cities logs in to both in one browser, and neither logs the other out."""
    dortmund, unna = towns["dortmund"], towns["unna"]
    assert dortmund.base.split(":")[:2] == unna.base.split(":")[:2]
    await unna.chat.onboard("cora", "en")
    cora_in_unna = await unna.db.users.find("memory", "cora")
    await unna.db.users.grant_role(cora_in_unna.id, "coordinator")
    async with browser_session(headers=EN) as browser:
        await _log_in(dortmund, "cora", browser)
        at_unna = await _log_in(unna, "cora", browser)
        assert {c.key for c in browser.cookie_jar} >= {"nb_desk", "nb_desk_unna"}
        for town, own, other in ((dortmund, "Hörde", "Massen"), (unna, "Massen", "Hörde")):
            async with browser.get(f"{town.base}/desk/queue") as page:
                html = await page.text()
                assert page.status == 200, town.city.slug
            assert f"Einkauf bitte in {own}" in html and f"Einkauf bitte in {other}" not in html
        # Logging out at one desk ends that session only.
        async with browser.post(
            f"{unna.base}/desk/logout", data={"csrf": at_unna.csrf}, allow_redirects=False
        ) as out:
            assert out.status == 303
        async with browser.get(f"{unna.base}/desk/queue") as page:
            assert page.status == 403
        async with browser.get(f"{dortmund.base}/desk/queue") as page:
            assert page.status == 200
