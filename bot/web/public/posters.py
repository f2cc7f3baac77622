"""Posters to print (A4, ``static/poster.css``): a big QR code to the bot and one line in
each of the ten languages, each line in its own language and direction.

Routes: ``GET /posters`` (the districts), ``GET /poster/place/<id>`` (the code opens the
place: ``/start place_<id>``), ``GET /poster/district/<slug or name>`` (the code opens
the district's places: ``/start district_<slug>``; the poster lists them),
``GET /poster/volunteer/<language>`` (the volunteer poster, wholly in that language and
its direction, whatever the reader's; the code opens the volunteer's registration:
``/start volunteer_<language>``; the desk's statistics offer it where a language is short
of volunteers, handlers/statistics/language_gaps.py). Where the code leads when the bot has no
Telegram name: see ``links.qr_target``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.web.i18n import translator_for
from bot.web.pages import context, render
from bot.web.public import links
from bot.web.public.places import place_of
from bot.web.site import SITE, Site
from handlers.places import render as place_render
from handlers.places.gazetteer import Area, load_gazetteer, slug
from locales import N_, SUPPORTED_LANGUAGES, Translator, translator

# What fits on an A4 sheet below the code; the rest are on the map.
POSTER_PLACES = 40
INVITATION = N_("Ask the neighbourhood bot — scan the code")
# When the bot cannot be reached by a link (no Telegram name, no Matrix account), the code
# opens the web page: the words say so, not "ask the bot".
PAGE_INVITATION = N_("See the places and their times — scan the code")
VOLUNTEER_TITLE = N_("Do you speak {language}? Your neighbours need you.")
VOLUNTEER_SUBTITLE = N_(
    "Neighbours who speak {language} ask for help: a letter to read, a way to an office,"
    " shopping, someone to talk to. Help as a volunteer, as often as you can."
)
VOLUNTEER_INVITATION = N_("Help your neighbours as a volunteer — scan the code")
VOLUNTEER_WRITE = N_("Help your neighbours as a volunteer — write /volunteer to the bot")


def volunteer_payload(code: str) -> str:
    """The volunteer poster's deep link (handlers/helping/volunteers.py ``volunteer``)."""
    return f"volunteer_{code}"


def volunteer_link(site: Site, code: str) -> str:
    """The link to share in a community group: what the poster's code opens."""
    return links.qr_target(site, volunteer_payload(code), volunteer_page(code))


def volunteer_page(code: str) -> str:
    return f"/poster/volunteer/{code}"


def invitation_lines(invitation: str = INVITATION) -> list[dict[str, str]]:
    """The invitation in every language, each in its own."""
    lines = []
    for code in SUPPORTED_LANGUAGES:
        t = translator(code)
        lines.append({"lang": code, "dir": "rtl" if t.rtl else "ltr", "text": t._(invitation)})
    return lines


def _poster(
    request: web.Request,
    site: Site,
    reader: Translator,
    payload: str,
    page: str,
    lines: Callable[[str], list[dict[str, str]]] = invitation_lines,
    invitations: tuple[str, str] = (INVITATION, PAGE_INVITATION),
    **values: Any,
) -> web.Response:
    """A poster whose code opens ``payload`` in the bot (else ``page``); ``reader``: the
    language of the code's label; ``lines`` make its invitation lines from the first of
    ``invitations`` (the second where the code cannot reach the bot)."""
    target = links.qr_target(site, payload, page)
    to_the_bot = links.reaches_the_bot(site, payload)
    label = (
        N_("QR code: open the neighbourhood bot") if to_the_bot else N_("QR code: open the page")
    )
    return render(
        request,
        "public/poster.html",
        qr=links.qr_svg(target, reader._(label), css_class="qr big"),
        target_text=target,
        lines=lines(invitations[0] if to_the_bot else invitations[1]),
        payload=payload,
        ways=links.ways(site, payload),
        **values,
    )


async def place_poster(request: web.Request) -> web.Response:
    site = request.app[SITE]
    t = translator_for(request)
    place = await place_of(request)
    return _poster(
        request,
        site,
        t,
        f"place_{place.id}",
        f"/place/{place.id}",
        title=place.name,
        subtitle=" · ".join(
            part
            for part in (
                place_render.category_label(t, place.category),
                place_render.address(place),
            )
            if part
        ),
        places=[],
        more=0,
        back=f"/place/{place.id}",
    )


def _district(site: Site, wanted: str) -> Area:
    for area in load_gazetteer(site.settings.places_data_dir).bezirke:
        if wanted in (area.name, slug(area.name)):
            return area
    raise web.HTTPNotFound()


async def district_poster(request: web.Request) -> web.Response:
    site = request.app[SITE]
    t = translator_for(request)
    area = _district(site, request.match_info["name"])
    places, count = await site.db.places.in_district(area.name, POSTER_PLACES)
    return _poster(
        request,
        site,
        t,
        f"district_{slug(area.name)}",
        "/",
        title=area.name,
        subtitle="",
        places=[(place.name, place_render.address(place)) for place in places],
        more=count - len(places),
        back="/posters",
    )


async def poster_index(request: web.Request) -> web.Response:
    site = request.app[SITE]
    areas = load_gazetteer(site.settings.places_data_dir).bezirke
    return render(
        request, "public/posters.html", districts=[(area.name, slug(area.name)) for area in areas]
    )


async def volunteer_poster(request: web.Request) -> web.Response:
    code = request.match_info["lang"]
    if code not in SUPPORTED_LANGUAGES:
        raise web.HTTPNotFound()
    # The poster speaks its language, whatever the coordinator who prints it reads.
    t = translator(code)
    language = t.language(code)
    return _poster(
        request,
        request.app[SITE],
        t,
        volunteer_payload(code),
        volunteer_page(code),
        lambda text: [{"lang": code, "dir": "rtl" if t.rtl else "ltr", "text": t._(text)}],
        (VOLUNTEER_INVITATION, VOLUNTEER_WRITE),
        **context(request, t),
        title=t.t(VOLUNTEER_TITLE, language=language),
        subtitle=t.t(VOLUNTEER_SUBTITLE, language=language),
        places=[],
        more=0,
        back="/desk/stats",
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/posters", poster_index)
    app.router.add_get("/poster/place/{id}", place_poster)
    app.router.add_get("/poster/district/{name}", district_poster)
    app.router.add_get("/poster/volunteer/{lang}", volunteer_poster)
