"""The public map and a page per place.

Routes:
- ``GET /`` - the map with the filter form ``#filters`` (``kind``: a category key,
  ``wheelchair=1``, ``speaks``: a language code, ``open=1``; ``lang`` stays the page's
  language), the list ``#place-list`` of matching places (without script: the first
  ``LIST_LIMIT`` by name, each linking to its page; with ``static/map.js``: the places in
  view) and the details panel ``#details``. Also the Telegram Mini App (see ``miniapp``).
- ``GET /api/places?…`` - the same filters as JSON: ``{"places": [[id, lat, lon, name,
  name in the page's language or "", kind, wheelchair], …], "kinds": {key: label}}``,
  sorted by name; one response for the whole city, a few bytes a place. With
  ``bbox=<west>,<south>,<east>,<north>`` the first ``LIST_LIMIT`` of them in the box and
  ``"total"``, for the list beside the map.
- ``GET /api/places/tile/<z>/<x>/<y>?…`` - the clusters and places of one tile of the map,
  as the map's view needs them (bot/web/public/map_tiles.py: the answers, their bounds).
- ``GET /place/<id>`` - the place's details as in the chat, the week's opening hours, a
  small map, the bot's deep link ``/start place_<id>`` (Telegram link and QR code; the
  Matrix account with ``!start place_<id>``) and the poster's address.
- ``GET /place/<id>/panel`` - the details alone, for the map's panel.

Easy language (``easy=1``, next to ``lang``; bot/web/i18n.py): the map and the place pages
in the easy texts, and a place first as an easy reader gets it in the chat (open or closed
now, how to get in: ``render.easy_place``), its details and the week folded below under
"ℹ️ All details". The map's list, its panel and the pages' links keep ``easy=1``.
- ``GET /place/<id>/speech.ogg?lang=<code>`` (else the page's language; ``easy=1``: the easy
  place, its name and how to get in) - the details read
  aloud (OGG/Opus, made by the configured speech engine, bot/speech; cached, they are
  public), for the 🔊 player on the
  page and the panel: a poster's QR code leads someone who cannot read to a spoken
  description. Single byte ranges are served (the player shows the length and seeks).
  404 where no voice speaks the language. The details are said without "open now" (the
  page shows it): the audio then changes with the day or the place only, and its ETag is
  known from the words before any audio is made, so ``If-None-Match`` is answered 304 at no
  cost. Anyone may ask, so it is limited (429 with ``Retry-After``): per client address
  (bot/web/addresses.py) for every request and, tighter, for those that need a new audio;
  overall by the engine's share for the web (bot/speech/turns.py), which waits behind
  the chats' voices.
- ``GET /favicon.ico`` - nothing (204).

The filters are the chat's (``handlers.places.search.on_map``); the details are the chat's
(``handlers.places.render.details``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from markupsafe import Markup

from bot.speech.speaker import Speaker
from bot.speech.turns import Busy
from bot.web.addresses import AddressLimits, client_address
from bot.web.i18n import easy_asked, translator_for
from bot.web.inputs import path_id
from bot.web.pages import render
from bot.web.public import links, map_tiles
from bot.web.ranges import ranged
from bot.web.site import SITE, Site
from db.places import MapPoint, Place
from handlers.messages import Speech
from handlers.places import render as place_render
from handlers.places.gazetteer import load_gazetteer
from handlers.places.search import Filters, on_map
from handlers.places.vocabulary import CATEGORIES
from locales import SUPPORTED_LANGUAGES, TIMEZONE, Translator, language_name, translator

log = logging.getLogger(__name__)

# Places listed on the page without script (and by the script, per view); the filters
# narrow the rest.
LIST_LIMIT = map_tiles.LIST_LIMIT

# Read aloud on the web, per client address: any request (a player asks two or three times
# for one listening: the length, then the sound), and those that need a new audio.
SPEECH_ASKED = (60, 1.0)  # burst, per second
SPEECH_MADE = (6, 0.1)
# Browsers keep the audio this long, then ask again with its ETag (a 304 costs nothing).
SPEECH_CACHE = "public, max-age=600"


def _seconds() -> float:
    return time.monotonic()


@dataclass
class SpeechLimits:
    asked: AddressLimits
    made: AddressLimits

    @classmethod
    def new(cls) -> SpeechLimits:
        asked = AddressLimits(*SPEECH_ASKED, clock=_seconds)
        return cls(asked, AddressLimits(*SPEECH_MADE, clock=_seconds))


SPEECH_LIMITS = web.AppKey("speech_limits", SpeechLimits)


@dataclass(frozen=True)
class Chosen:
    """The filter form's values, checked: anything unknown is ignored (no filter)."""

    kind: str = ""
    wheelchair: bool = False
    speaks: str = ""
    open_now: bool = False

    @classmethod
    def of(cls, request: web.Request) -> Chosen:
        query = request.query
        kind = query.get("kind", "")
        speaks = query.get("speaks", "")
        return cls(
            kind=kind if kind in CATEGORIES else "",
            wheelchair=query.get("wheelchair") in ("1", "on"),
            speaks=speaks if speaks in SUPPORTED_LANGUAGES else "",
            open_now=query.get("open") in ("1", "on"),
        )

    def filters(self) -> Filters:
        return Filters(
            category=self.kind or None,
            wheelchair=self.wheelchair,
            language=self.speaks or None,
            open_now=self.open_now,
        )

    def query(self) -> dict[str, str]:
        values = {"kind": self.kind, "speaks": self.speaks}
        values.update(wheelchair="1" if self.wheelchair else "", open="1" if self.open_now else "")
        return {key: value for key, value in values.items() if value}


def _now() -> datetime:
    return datetime.now(UTC)


def kinds(t: Translator) -> dict[str, str]:
    return {key: place_render.category_label(t, key) for key in CATEGORIES}


async def _points(site: Site, chosen: Chosen, lang: str) -> list[MapPoint]:
    points = await on_map(site.db, chosen.filters(), _now(), lang)
    return sorted(points, key=lambda point: (point.name.casefold(), point.id))


def _center(site: Site) -> tuple[float, float]:
    """The middle of the city's districts: where the map starts before the places load."""
    areas = load_gazetteer(site.settings.places_data_dir).bezirke
    if not areas:
        return 51.5136, 7.4653
    return (
        sum(a.lat for a in areas) / len(areas),
        sum(a.lon for a in areas) / len(areas),
    )


def _attribution(tile_url: str) -> str:
    host = urlsplit(tile_url).hostname or ""
    return "© OpenStreetMap" if host.endswith("openstreetmap.org") else ""


def map_values(site: Site) -> dict[str, Any]:
    """What every page with a map passes to ``static/map.js`` (data attributes)."""
    tiles = site.config.web.tile_url
    return {"tile_url": tiles, "attribution": _attribution(tiles)}


async def _kept_points(request: web.Request, chosen: Chosen, lang: str) -> map_tiles.Places:
    """The filter's places, kept a minute for the map's many tiles (map_tiles.PlaceCache)."""
    cache = request.app[map_tiles.PLACE_CACHE]
    return await cache.places((chosen, lang), lambda: _points(request.app[SITE], chosen, lang))


def _bounds(points: Sequence[MapPoint]) -> str:
    """``south,west,north,east`` of the places: the map's first view, without loading them."""
    if not points:
        return ""
    lats = [p.lat for p in points]
    lons = [p.lon for p in points]
    return f"{min(lats):.5f},{min(lons):.5f},{max(lats):.5f},{max(lons):.5f}"


async def map_page(request: web.Request) -> web.Response:
    site = request.app[SITE]
    t = translator_for(request)
    chosen = Chosen.of(request)
    # Kept a minute, as for the tiles the map then asks for (they find them made).
    points = (await _kept_points(request, chosen, t.lang)).points
    lat, lon = _center(site)
    return render(
        request,
        "public/map.html",
        chosen=chosen,
        kinds=kinds(t),
        spoken=[(code, language_name(code)) for code in SUPPORTED_LANGUAGES],
        points=points[:LIST_LIMIT],
        total=len(points),
        beside_sign=place_render.beside_sign,
        bounds=_bounds(points),
        min_zoom=map_tiles.MIN_ZOOM,
        close_up=map_tiles.CLOSE_UP,
        center=f"{lat:.5f},{lon:.5f}",
        **map_values(site),
    )


def _rows(points: list[MapPoint]) -> list[list[Any]]:
    return [
        [
            p.id,
            round(p.lat, 6),
            round(p.lon, 6),
            p.name,
            place_render.beside_sign(p.name, p.name_in_lang) or "",
            p.category,
            p.wheelchair,
        ]
        for p in points
    ]


async def places_json(request: web.Request) -> web.Response:
    t = translator_for(request)
    chosen = Chosen.of(request)
    if "bbox" in request.query:
        return await _places_in_box(request, chosen, t)
    points = await _points(request.app[SITE], chosen, t.lang)
    # A city's places are a megabyte of JSON, a fifth of it compressed.
    return _json({"places": _rows(points), "kinds": kinds(t)})


async def _places_in_box(request: web.Request, chosen: Chosen, t: Translator) -> web.Response:
    box = map_tiles.box_of(request.query["bbox"])
    if box is None:
        return _too_large(t)
    shown, total = map_tiles.in_box(await _kept_points(request, chosen, t.lang), box)
    return _json({"places": _rows(shown), "total": total, "kinds": kinds(t)})


async def place_tile(request: web.Request) -> web.Response:
    t = translator_for(request)
    tile = map_tiles.tile_of(request)
    if tile is None:
        return _too_large(t)
    places = await _kept_points(request, Chosen.of(request), t.lang)
    return _json(map_tiles.tile_answer(places, *tile))


def _too_large(t: Translator) -> web.Response:
    """A tile or box out of bounds: refused, saying what to do (the map shows the words)."""
    text = t._("This part of the map is too large to load at once. Please zoom in.")
    response = web.json_response({"error": text}, status=400, dumps=_compact)
    response.headers["Cache-Control"] = "no-store"
    return response


def _json(body: dict[str, Any]) -> web.Response:
    # "Open now" changes by the minute; a minute's cache spares a busy map the queries.
    response = web.json_response(
        body,
        dumps=_compact,
        headers={"Cache-Control": "public, max-age=60", "Vary": "Accept-Language, Cookie"},
    )
    response.enable_compression()
    return response


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def place_of(request: web.Request) -> Place:
    place = await request.app[SITE].db.places.get(path_id(request))
    if place is None:
        raise web.HTTPNotFound()
    return place


def _below_name(details: Markup) -> Markup:
    # The chat's details start with the name in bold; on a page the name is the heading.
    return Markup(details.split("\n", 1)[1] if "\n" in details else details)


def place_values(site: Site, place: Place, t: Translator, *, easy: bool = False) -> dict[str, Any]:
    """The details as the chat shows them (to an ``easy`` reader: the short place first,
    ``summary``), and the ways to open the place in the bot."""
    assert place.id is not None
    payload = f"place_{place.id}"
    now = _now()
    speaker = _speaker(site)
    spoken = speaker is not None and t.lang in speaker.languages
    summary = _below_name(place_render.easy_place(t, place, now)) if easy else Markup("")
    speech = f"/place/{place.id}/speech.ogg?lang={t.lang}" + ("&easy=1" if easy else "")
    return {
        "speech": speech if spoken else "",
        "place": place,
        "summary": summary,
        "details": _below_name(place_render.details(t, place, now)),
        "ways": links.ways(site, payload),
        "payload": payload,
    }


async def place_page(request: web.Request) -> web.Response:
    site = request.app[SITE]
    t = translator_for(request)
    place = await place_of(request)
    values = place_values(site, place, t, easy=easy_asked(request))
    target = links.qr_target(site, values["payload"], f"/place/{place.id}")
    week = (
        place_render.week_lines(t, place, _now().astimezone(TIMEZONE).date())
        if place_render.has_week(place)
        else []
    )
    return render(
        request,
        "public/place.html",
        **values,
        week=week,
        qr=links.qr_svg(target, t._("QR code: open this place in the bot")),
        qr_target=target,
        **map_values(site),
    )


async def place_panel(request: web.Request) -> web.Response:
    site = request.app[SITE]
    place = await place_of(request)
    values = place_values(site, place, translator_for(request), easy=easy_asked(request))
    response = render(request, "public/panel.html", **values)
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


async def place_speech(request: web.Request) -> web.Response:
    """The place's details said aloud in the language asked for."""
    site = request.app[SITE]
    limits = request.app[SPEECH_LIMITS]
    address = client_address(request)
    if wait := limits.asked.take(address):
        return _too_many(request, wait)
    lang = request.query.get("lang") or translator_for(request).lang
    speaker = _speaker(site)
    if speaker is None or lang not in speaker.languages:
        raise web.HTTPNotFound()
    place = await place_of(request)
    # An easy page's voice says the easy place: its name and how to get in.
    if easy_asked(request):
        t = translator(lang, easy=True)
        text = place_render.easy_place(t, place, _now(), open_now=False)
    else:
        t = translator(lang)
        text = place_render.details(t, place, _now(), open_now=False)
    words = await speaker.words(Speech(text=text, lang=lang, public=True))
    key = speaker.key(words, lang)
    version = key[:32]
    if _unchanged(request, version):
        return web.Response(
            status=304, headers={"ETag": f'"{version}"', "Cache-Control": SPEECH_CACHE}
        )
    if not speaker.has(key) and (wait := limits.made.take(address)):
        return _too_many(request, wait)
    try:
        content, _length = await speaker.audio(words, lang, public=True, web=True)
    except Busy as exc:
        return _too_many(request, exc.retry_after)
    except Exception as exc:  # an engine's failure is a page's 503, never a crash
        log.warning("place speech failed: %s", type(exc).__name__)
        raise web.HTTPServiceUnavailable() from None
    # Ranges let the player show the length and seek (bot/web/ranges.py).
    return ranged(request, content, "audio/ogg", cache_control=SPEECH_CACHE, etag=version)


def _speaker(site: Site) -> Speaker | None:
    """The speech engine's own speaker (its cache, its turns for the web); a stand-in
    that only makes voice messages for the chat reads nothing aloud here."""
    return site.speaker if isinstance(site.speaker, Speaker) else None


def _unchanged(request: web.Request, version: str) -> bool:
    """Whether the client has this version already (``If-None-Match``)."""
    asked = request.headers.get("If-None-Match", "")
    tags = {tag.strip().removeprefix("W/") for tag in asked.split(",")}
    return f'"{version}"' in tags or "*" in tags


def _too_many(request: web.Request, wait: int) -> web.Response:
    response = render(request, "error.html", status=429, code=429, detail="")
    response.headers["Retry-After"] = str(wait)
    response.headers["Cache-Control"] = "no-store"
    return response


async def no_icon(request: web.Request) -> web.Response:
    # Browsers ask for it on every site; an empty answer instead of a 404 in their console.
    return web.Response(status=204, headers={"Cache-Control": "public, max-age=86400"})


def add_routes(app: web.Application) -> None:
    app[SPEECH_LIMITS] = SpeechLimits.new()
    app[map_tiles.PLACE_CACHE] = map_tiles.PlaceCache()
    app.router.add_get("/favicon.ico", no_icon)
    app.router.add_get("/", map_page)
    app.router.add_get("/api/places", places_json)
    app.router.add_get("/api/places/tile/{z}/{x}/{y}", place_tile)
    app.router.add_get("/place/{id}", place_page)
    app.router.add_get("/place/{id}/panel", place_panel)
    app.router.add_get("/place/{id}/speech.ogg", place_speech)
