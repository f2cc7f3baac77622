"""The desk's help requests: the list by state, Stadtbezirk, kind of help and age, and one
request with its history and what the chat lets coordinators do with it in its state.

Routes: ``GET /desk/requests`` (``state`` any number of times, default the active ones:
review, open, matched; ``bezirk``; ``category``; ``older`` days: 1, 3, 7, 14, 30; ``page``),
oldest first, 50 a page; ``GET /desk/requests/<id>``; ``POST /desk/requests/<id>/reoffer``
(open: offer again to volunteers not told yet) and ``POST /desk/requests/<id>/summary``
(``text``; ``was``: the summary the form was shown with - changed meanwhile, refused;
review or open); ``POST /desk/requests/<id>/end`` (a "just talk" request still
running: ended through the lifecycle, handlers/helping/talk_now.py). Publishing and
rejecting stay on the queue page (linked).

Requests a posting limit holds back (handlers/helping/posting_limits.py; drafts with a
reason) are named above the list, whatever the filters, each with why and until when, and
open as any request.

A "just talk" request still waiting (review or open), often a lonely caller, is marked in
its row with how long it has waited, and above the list (whatever the filters and page):
the oldest ``TALK_SHOWN`` of them.

Where a request is: only the ~500 m cell its point lies in (``places.coarse.AREA``, the
rounding every request's location gets when it is shared) - never more, on the page or in
the map's data.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from babel.dates import format_timedelta
from markupsafe import Markup

from bot.web.desk.auth import desk_of, desk_page
from bot.web.desk.paging import PAGE_SIZE, page_number, pager
from bot.web.desk.phone_pins import locked_today
from bot.web.desk.queue import meanwhile
from bot.web.i18n import translator_for
from bot.web.inputs import number, path_id
from bot.web.pages import render
from db.clock import to_text
from db.request_states import ACTIVE, OPEN, STATES, UNSENT, WAITING
from db.requests import HelpRequest, RequestFilter
from db.users import User
from handlers.context import Backstage
from handlers.helping import history, lifecycle, moved_on, posting_limits
from handlers.helping.lifecycle import Refused
from handlers.helping.matching import offer_fanout, waves
from handlers.helping.render import (
    category_label,
    describe,
    easy_tag,
    first_name,
    named,
    someone,
)
from handlers.helping.review import held_post
from handlers.helping.vocabulary import HELP_CATEGORIES, STATE_LABELS, TALK
from handlers.language_bridge import backchannel_reader, from_cache
from handlers.messages import Message
from handlers.numbers.channel_line import channel_line
from handlers.places.coarse import AREA, coarsen
from handlers.places.gazetteer import load_gazetteer
from handlers.places.render import language_names
from handlers.router import written_limit
from handlers.statistics import city_figures
from locales import N_, Translator, language_name

AGES = (1, 3, 7, 14, 30)
# Waiting "just talk" requests named above the list; more are counted.
TALK_SHOWN = 10
# Held requests named above the list (one a person: bounded by the people asking).
HELD_SHOWN = 50
# A draft was never sent: nothing for the desk's filters (held ones are shown above).
LISTED = tuple(state for state in STATES if state not in UNSENT)
DONE = {
    "summary": N_("✅ Summary of request #{id} saved."),
    # phone_residents.py: the resident of an entered request is called back now.
    "call": N_(
        "📞 The resident of request #{id} is now called on this number with every message for them."
    ),
    # ... or texted, where the coordinator chose text messages (phone_residents.py).
    "text": N_(
        "💬 The resident of request #{id} now gets every message for them as a text message."
    ),
    # erasure.py: a number's person's data erased when they asked the coordinators.
    "erased": N_("🗑 The data of the resident of request #{id} was deleted."),
    # phone_pins.py: a resident's PIN for calls cleared (they forgot it).
    "pin": N_(
        "🔢 The PIN of the resident of request #{id} is cleared. Their calls are checked by"
        " call-back again."
    ),
    # A coordinator ended a request (a "just talk" request's "⏹ End").
    "end": N_("⏹ Request #{id} is ended."),
}
# Said after the notice of ``done``, each named in ``also``, in this order
# (phone_residents.py: what the resident's entry changed of what was there for the number -
# a stranger's choices, their consent, a STOP sent while the number was nobody's).
ALSO = {
    "taken": N_(
        "⚠️ Someone had already texted or called from this number, with nothing here that "
        "a coordinator entered or published. What they chose no longer counts: the resident "
        "has the name and language you entered and is reached as you chose."
    ),
    # The city runs no phone line: nobody is called until one is set up.
    "idle": N_(
        "⚠️ This city runs no phone line yet: the bot calls nobody until one is set up "
        "([phone] in its configuration). Until then, please call the resident yourself."
    ),
    "kept": N_(
        "ℹ️ This number already belongs to a person here with data of their own (a "
        "published request, a name, a PIN). Their name, language and way of being reached "
        "were kept as they are."
    ),
    "unconsented": N_(
        "The agreement to the privacy notice given from this number was dropped: the "
        "resident will be asked for it."
    ),
    "unstopped": N_(
        "⚠️ This number had sent STOP before anyone here had it. That does not count for "
        "the resident: texts go to the number. If they want none, they send STOP themselves."
    ),
}
# The audit trail's record of a coordinator's "Offer again" (offer_fanout.reoffer).
REOFFERED = "request.reoffer"
BAD_FILTER = N_("⚠️ This filter is not valid. Please choose from the lists.")
EMPTY_SUMMARY = N_("⚠️ Please write a summary.")
# A colleague's "Offer again" since the page was shown: a second would send another wave
# (the next volunteers) where the coordinator meant the one already sent.
OFFERED_MEANWHILE = N_(
    "📣 Request #{id} was offered again meanwhile, by {name} at {time}. Nothing was sent: "
    "see below who has been asked; offer it again from here if more are needed."
)
OFFERED_MEANWHILE_AT = N_(
    "📣 Request #{id} was offered again meanwhile, at {time}. Nothing was sent: see below "
    "who has been asked; offer it again from here if more are needed."
)
SUMMARY_CHANGED_MEANWHILE = N_(
    "⚠️ The summary of request #{id} was changed meanwhile. Nothing was saved: read the "
    "summary as it is now, then edit it again."
)


def _parse(stored: str) -> datetime:
    return datetime.fromisoformat(stored.replace("Z", "+00:00"))


def age(t: Translator, created_at: str, now: datetime) -> str:
    """How long ago a request was made, in the reader's words ("3 days")."""
    return t.digits(format_timedelta(now - _parse(created_at), threshold=1.0, locale=t.locale))


def rounded(request: HelpRequest) -> tuple[float, float] | None:
    """The request's point as the desk may show it: its ~500 m cell, never finer."""
    if request.lat is None or request.lon is None:
        return None
    return coarsen(request.lat, request.lon, AREA)


def map_points(requests: Iterable[HelpRequest]) -> str:
    """The map's data: one point per ~500 m cell with the numbers of its requests."""
    cells: dict[tuple[float, float], list[int]] = {}
    for request in requests:
        point = rounded(request)
        if point is not None:
            cells.setdefault(point, []).append(request.id)
    return json.dumps(
        [{"lat": lat, "lon": lon, "ids": ids} for (lat, lon), ids in cells.items()],
        separators=(",", ":"),
    )


def _districts(request: web.Request) -> list[str]:
    site = desk_of(request).site
    return [area.name for area in load_gazetteer(site.settings.places_data_dir).bezirke]


def _filters(request: web.Request) -> tuple[RequestFilter, int | None, bool]:
    """The filter asked for, the page, and whether everything asked for was valid."""
    query = request.query
    states = tuple(query.getall("state", ())) or ACTIVE
    district = query.get("bezirk", "")
    category = query.get("category", "")
    older = query.get("older", "")
    valid = (
        all(state in LISTED for state in states)
        and len(states) <= len(LISTED)
        and (not district or district in _districts(request))
        and (not category or category in HELP_CATEGORIES)
        and (not older or number(older) in AGES)
    )
    if not valid:
        return RequestFilter(), page_number(request), False
    before = to_text(datetime.now(UTC) - timedelta(days=int(older))) if older else ""
    where = RequestFilter(tuple(dict.fromkeys(states)), district, category, before)
    return where, page_number(request), True


def talk_waiting(t: Translator, request: HelpRequest, now: datetime) -> str:
    """For a "just talk" request still waiting: how long, since it was published (in
    review: since it was made); otherwise empty."""
    if request.category != TALK or request.state not in WAITING:
        return ""
    since = request.opened_at if request.state == OPEN and request.opened_at else None
    return t.t("⏳ waiting {duration}", duration=age(t, since or request.created_at, now))


def _row(t: Translator, request: HelpRequest, now: datetime) -> dict[str, Any]:
    return {
        "id": request.id,
        "state": t._(STATE_LABELS.get(request.state, request.state)),
        "category": category_label(t, request.category),
        "area": " · ".join(
            filter(None, dict.fromkeys((request.postcode, request.area_name, request.stadtbezirk)))
        ),
        "age": age(t, request.created_at, now),
        "languages": language_names(t, request.languages) if request.languages else "",
        "point": rounded(request),
        "talk": talk_waiting(t, request, now),
    }


async def _untranslated(desk: Any, t: Translator, now: datetime) -> Markup | None:
    """Requests from people without German and no translation engine: said above the
    list, as ``doctor`` says it to the operator (issue 63)."""
    count = await city_figures.untranslated_requests(
        desk.site.db, desk.site.settings.translation_rules.engine, now
    )
    if not count:
        return None
    warning = t.tn(
        "⚠️ {n} request in the last {days} days came from someone without German, and no"
        " translation is set up. Volunteers who do not share their language cannot read"
        " it. Please ask the admin to set up a translation engine.",
        "⚠️ {n} requests in the last {days} days came from people without German, and no"
        " translation is set up. Volunteers who do not share their language cannot read"
        " them. Please ask the admin to set up a translation engine.",
        count,
        days=city_figures.UNTRANSLATED_DAYS,
    )
    # What the coordinator can do now, before an engine is set up.
    return (
        warning
        + Markup(" ")
        + t.t(
            "Until then, ask in the coordinators' group for someone who reads the language:"
            " they can tell you what it says and help with the summary."
        )
    )


@desk_page
async def listing(request: web.Request) -> web.Response:
    desk = desk_of(request)
    t = translator_for(request)
    where, number, valid = _filters(request)
    status = 200 if valid and number is not None else 400
    total = 0
    found: list[HelpRequest] = []
    if status == 200:
        assert number is not None
        total, found = await desk.site.db.requests.listing(
            where, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
        )
    now = datetime.now(UTC)
    talking, talks = await desk.site.db.requests.listing(
        RequestFilter(WAITING, category=TALK), limit=TALK_SHOWN, offset=0
    )
    return render(
        request,
        "desk/requests.html",
        status=status,
        desk=desk,
        notice=None if status == 200 else t.t(BAD_FILTER),
        untranslated=await _untranslated(desk, t, now),
        rows=[_row(t, item, now) for item in found],
        talks=[_row(t, item, now) for item in talks],
        # What a posting limit holds back, whatever the filters: with the reason.
        held=[
            {
                "id": item.id,
                "line": held_post.held_line(t, item),
                # A caller who wants to talk now or an urgent one: first, and marked.
                "first": bool(posting_limits.mark(t, item)),
                "age": age(t, item.created_at, now),
            }
            for item in posting_limits.first_held(await desk.site.db.requests.held())[:HELD_SHOWN]
        ],
        talks_more=(
            t.tn("… and {n} more.", "… and {n} more.", talking - len(talks))
            if talking > len(talks)
            else ""
        ),
        pager=pager(request, number or 1, total),
        points=map_points(found),
        mapped=any(rounded(item) for item in found),
        tiles=desk.site.config.web.tile_url,
        # The filters are folded on a phone's first screen unless one is set (or wrong).
        filtering=not valid
        or any(request.query.get(key) for key in ("state", "bezirk", "category", "older")),
        chosen={
            "states": where.states if valid else ACTIVE,
            "bezirk": request.query.get("bezirk", "") if valid else "",
            "category": request.query.get("category", "") if valid else "",
            "older": request.query.get("older", "") if valid else "",
        },
        states=[(key, t._(STATE_LABELS[key])) for key in LISTED],
        districts=_districts(request),
        categories=[(key, category_label(t, key)) for key in HELP_CATEGORIES],
        ages=[(days, t.tn("older than {n} day", "older than {n} days", days)) for days in AGES],
        found_text=t.tn("{n} request found.", "{n} requests found.", total),
    )


def _request_id(request: web.Request) -> int:
    return path_id(request)


async def _history(desk: Any, t: Translator, request_id: int) -> list[dict[str, Any]]:
    entries = await desk.site.db.requests.history(request_id)
    names: dict[int, str] = {}
    for actor_id in {e["actor_id"] for e in entries if e["actor_id"] is not None}:
        actor = await desk.site.db.users.get(actor_id)
        names[actor_id] = actor.first_name if actor else ""
    return [
        {
            "at": t.datetime(_parse(entry["at"])),
            "who": (
                named(t, names[entry["actor_id"]], entry["actor_id"])
                if entry["actor_id"] is not None
                else "-"
            ),
            "what": what,
        }
        for entry, what in history.lines(t, entries)
    ]


async def _searched(desk: Any, t: Translator, found: HelpRequest) -> Markup | None:
    """An open request's search: who was asked, in how many waves, when the next goes, and
    what is held for quiet hours (waves.progress)."""
    if found.state != OPEN:
        return None
    return await waves.progress(desk.site.db, t, found, desk.site.settings)


async def _detail(
    request: web.Request,
    *,
    notice: Markup | None = None,
    status: int = 200,
    error: Markup | None = None,
    typed: Mapping[str, str] | None = None,
    invalid: str = "",
) -> web.Response:
    desk = desk_of(request)
    t = translator_for(request)
    request_id = _request_id(request)
    found = await desk.site.db.requests.get(request_id)
    if found is None or (found.state in UNSENT and not found.held_reason):
        raise web.HTTPNotFound()
    # As the coordinators' group reads it: texts in another language with a translation
    # beside them, from the translations already made (a page never waits for an engine).
    post = describe(t, found, backchannel_reader(desk.site.settings, t), beside=True)
    filled = await from_cache(desk.site.db, Message(post))
    requester = await desk.site.db.users.get(found.requester_id) if found.requester_id else None
    assert isinstance(filled, Message)
    done = request.query.get("done", "")
    if notice is None and done in DONE:
        notice = t.t(DONE[done], id=found.id)
        named = set(request.query.getall("also", []))
        for also, said in ALSO.items():
            if also in named:
                notice += Markup(" ") + t.t(said)
    elif notice is None and done == "reoffer" and (n := number(request.query.get("n"))) is not None:
        notice = (
            t.tn(
                "📣 Request #{id} was offered to {n} more volunteer.",
                "📣 Request #{id} was offered to {n} more volunteers.",
                n,
                id=found.id,
            )
            if n
            else await offer_fanout.nobody_told(desk.site.db, desk.site.settings, t, found)
        )
    return render(
        request,
        "desk/request.html",
        status=status,
        desk=desk,
        notice=notice,
        r=found,
        row=_row(t, found, datetime.now(UTC)),
        post=Markup(filled.text),
        requester=requester,
        requester_name=first_name(t, requester),
        # Said above the phone form where no line calls anyone here (phone_residents.py).
        no_line=None if desk.site.settings.channels.calling() else t.t(ALSO["idle"]),
        # A PIN for calls (only that one is set): it may be cleared (phone_pins.py).
        pin_set=requester is not None
        and await desk.site.db.phone_pins.get(requester.id) is not None,
        pin_locked=requester is not None
        and await locked_today(desk.site.db, requester.id, desk.site.settings.clock()),
        easy=easy_tag(t) if requester is not None and requester.easy_language else None,
        channel=(
            await channel_line(desk.site.db, desk.site.settings, t, requester)
            if requester is not None
            else None
        ),
        history=await _history(desk, t, found.id),
        # How often it was offered again so far: the form's basis (:func:`reoffer`).
        reoffered=await _reoffered(desk.site.db, found.id) if found.state == OPEN else 0,
        # Who was asked, in how many waves, when the next goes (an open request's search).
        searched=await _searched(desk, t, found),
        # A "just talk" request still running: said at the top, and it may be ended.
        talk=found.category == TALK and found.state in ACTIVE,
        points=map_points([found]),
        tiles=desk.site.config.web.tile_url,
        # Within the city's limit, as the lifecycle takes it (router.written_limit).
        summary_limit=written_limit(desk.site.settings.max_text_length, lifecycle.SUMMARY_LIMIT),
        error=error,
        # A refused form's fields as they were typed, to correct rather than type again.
        typed=typed or {},
        # The refused form's field the error is about: marked, described by it, focused.
        invalid=invalid,
        # The resident's language when entered by number: one the city offers (bot.languages).
        languages=[(code, language_name(code)) for code in desk.site.settings.languages],
    )


async def detail_page(
    request: web.Request,
    *,
    error: Markup,
    status: int = 422,
    typed: Mapping[str, str] | None = None,
    invalid: str = "",
) -> web.Response:
    """The request's page with ``error`` over it (a form of another module refused), the
    refused form showing what was ``typed``; ``invalid``: the field the error is about."""
    return await _detail(request, error=error, status=status, typed=typed, invalid=invalid)


@desk_page
async def detail(request: web.Request) -> web.Response:
    return await _detail(request)


async def _acted(
    request: web.Request,
    request_id: int,
    audit: str,
    act: Callable[[Backstage, User], Awaitable[str]],
    typed: Mapping[str, str] | None = None,
) -> web.StreamResponse:
    """A coordinator's step on the request (``act``, given the scene and the coordinator;
    it returns what the page says was done, ``?done=``) in one transaction with its
    ``desk.<audit>`` record. A refusal changes nothing and comes back on the request's page
    (409) with its reason, the form showing what was ``typed``."""
    desk = desk_of(request)
    try:
        async with desk.site.db.transaction():
            done = await act(desk.site.scene(), desk.user)
            about = f"request:{request_id}"
            await desk.site.db.requests.audit(desk.user.id, f"desk.{audit}", about)
    except Refused as refusal:
        # What it is now, who moved it there and when, where it had moved on: as the chat.
        t = translator_for(request)
        notice = await moved_on.said(desk.site.db, t, refusal, request_id)
        return await _detail(request, notice=notice, status=409, typed=typed)
    desk.site.wake()
    raise web.HTTPSeeOther(f"/desk/requests/{request_id}?done={done}")


async def _reoffered(db: Any, request_id: int) -> int:
    """How many times the request was offered again (its audit trail's moves)."""
    return sum(entry["action"] == REOFFERED for entry in await db.requests.history(request_id))


async def _offered_meanwhile(db: Any, request_id: int) -> Refused:
    """The refusal of an "Offer again" pressed on a page older than a colleague's: who
    offered it again, and when (the audit trail's last such move)."""
    move = await moved_on.last_entry(db, request_id, REOFFERED)
    assert move is not None
    actor = await db.users.get(move.actor_id) if move.actor_id is not None else None

    def said(t: Translator) -> Markup:
        time = moved_on.when(t, move.at, datetime.now(UTC))
        if actor is None:
            return t.t(OFFERED_MEANWHILE_AT, id=request_id, time=time)
        return t.t(OFFERED_MEANWHILE, id=request_id, name=someone(t, actor), time=time)

    return Refused(render=said)


@desk_page
async def reoffer(request: web.Request) -> web.StreamResponse:
    """Offer again, once for the state the page showed: where a colleague offered it again
    since (the form's ``reoffered``, how often it had been; a form without it is taken as
    before), nothing is sent and the page says who did, when."""
    request_id = _request_id(request)
    shown = number(str((await request.post()).get("reoffered", "")))

    async def act(scene: Backstage, coordinator: User) -> str:
        if shown is not None and await _reoffered(scene.db, request_id) > shown:
            raise await _offered_meanwhile(scene.db, request_id)
        told = await offer_fanout.reoffer(scene, coordinator, request_id)
        return f"reoffer&n={told}"

    return await _acted(request, request_id, "reoffer", act)


@desk_page
async def end(request: web.Request) -> web.StreamResponse:
    """A coordinator ends a request still running (shown for "just talk" requests), through
    the lifecycle: everyone is told as in the chat."""
    request_id = _request_id(request)

    async def act(scene: Backstage, coordinator: User) -> str:
        await lifecycle.end_by_coordinator(scene, coordinator, request_id)
        return "end"

    return await _acted(request, request_id, "end", act)


@desk_page
async def summary(request: web.Request) -> web.StreamResponse:
    request_id = _request_id(request)
    form = {key: str(value) for key, value in (await request.post()).items()}
    text = form.get("text", "").strip()
    if not text:
        return await _detail(request, notice=translator_for(request).t(EMPTY_SUMMARY), status=422)

    async def act(scene: Backstage, coordinator: User) -> str:
        # The summary the form was shown with: a colleague's summary saved meanwhile stays.
        now = await scene.db.requests.get(request_id)
        if now is not None and meanwhile(now.summary, form):
            raise Refused(SUMMARY_CHANGED_MEANWHILE, id=request_id)
        await lifecycle.summarise(scene, coordinator, request_id, text)
        return "summary"

    return await _acted(request, request_id, "summary", act, typed={"summary": text})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/desk/requests", listing)
    app.router.add_get("/desk/requests/{id}", detail)
    app.router.add_post("/desk/requests/{id}/reoffer", reoffer)
    app.router.add_post("/desk/requests/{id}/summary", summary)
    app.router.add_post("/desk/requests/{id}/end", end)
