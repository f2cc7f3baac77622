"""Encounter places at the desk: the list, a place's form, its history, and imports.

Routes: ``GET /desk/places`` (``q``: part of the name, ``bezirk``, ``kind``, ``stale=1``:
not verified for a year or never, ``page``); ``GET /desk/places/<id>`` (form, history);
``POST /desk/places/<id>`` (save: the fields of the chat's editing, checked by
``handlers.places.fields``; only fields that differ from the stored place are checked and
set; ``was``: the stamp of the place the form was shown - changed meanwhile, the save is
refused); ``POST /desk/places/<id>/verify``; ``GET /desk/places/import`` (upload form);
``POST /desk/places/import`` (``file``: a dry run of the importer shows what would happen,
nothing is written); ``POST /desk/places/import/commit`` (``upload``: the previewed file's
key, imports it). Saving goes through ``db.places.update``/``verify``/the importer with the
coordinator's id, so the place history records who; each action is audited.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from markupsafe import Markup

from bot.web.desk import uploads
from bot.web.desk.auth import desk_of, desk_page
from bot.web.i18n import translator_for
from bot.web.inputs import MAX_COUNT, MAX_PAGE, number, path_id, query_number
from bot.web.pages import render
from db.places import Place
from handlers.places import fields
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import ImportReport, UnusableFile, import_upload
from handlers.places.render import category_label
from handlers.places.vocabulary import CATEGORIES, WHEELCHAIR
from locales import N_, SUPPORTED_LANGUAGES, Translator, language_name

ACTOR = "desk"
PAGE_SIZE = 50
STALE_AFTER = timedelta(days=365)

# The chat's editing fields (the same words), in the form's order.
LABELS = {
    "name": N_("Name"),
    "category": N_("Kind of place"),
    "location": N_("Location"),
    "address": N_("Address"),
    "opening_hours": N_("Opening hours"),
    "wheelchair": N_("Wheelchair access"),
    "languages": N_("Languages"),
}
# How much of a typed field is read: a name's and an address's rule (handlers/places/fields.py)
# is their field's maxlength, what has no length rule of its own (coordinates, opening hours)
# is read up to TYPED_LONGEST. A form sent without the browser's maxlength is refused by the
# rule, the text kept.
TYPED_LONGEST = 500
LONGEST = {
    "name": fields.NAME_LONGEST,
    "location": TYPED_LONGEST,
    "address": fields.ADDRESS_LONGEST,
    "opening_hours": TYPED_LONGEST,
}
HISTORY_ACTIONS = {"create": N_("created"), "update": N_("changed"), "verify": N_("verified")}
DONE = {
    "saved": N_("✅ Saved. The change is recorded with your account."),
    "verified": N_("✔️ Marked as verified today."),
    "unchanged": N_("Nothing was changed."),
}
CHANGED_MEANWHILE = N_(
    "⚠️ Place #{id} was changed meanwhile. Nothing was saved: what you typed is kept in the "
    "form, the place as it is now is shown above it; check it, then save again."
)


def _label(t: Translator, key: str) -> str:
    # Looked up outside the t._(...) call: the extractor would take the key for a message.
    label = LABELS.get(key)
    return t._(label) if label else key


def _stale_since() -> date:
    return date.today() - STALE_AFTER


def _is_stale(place_verified: str | None) -> bool:
    return place_verified is None or place_verified < _stale_since().isoformat()


# -- the list ---------------------------------------------------------------------------------


def _imported(counted: str | None, t: Translator) -> str | None:
    """The notice after an import (``?imported=created,updated,unchanged,rejected``)."""
    if counted is None:
        return None
    counts = [number(n, high=MAX_COUNT) or 0 for n in counted.split(",")[:4]]
    counts += [0] * (4 - len(counts))
    return t.t(
        "✅ Imported: {created} new, {updated} changed, {unchanged} unchanged, "
        "{rejected} rejected.",
        created=counts[0],
        updated=counts[1],
        unchanged=counts[2],
        rejected=counts[3],
    )


@desk_page
async def listing(request: web.Request) -> web.Response:
    desk = desk_of(request)
    t = translator_for(request)
    query = request.query
    name = query.get("q", "").strip()[:100]
    bezirke = [area.name for area in load_gazetteer(desk.site.settings.places_data_dir).bezirke]
    bezirk = query.get("bezirk", "")
    bezirk = bezirk if bezirk in bezirke else ""
    kind = query.get("kind", "")
    kind = kind if kind in CATEGORIES else ""
    stale = query.get("stale") == "1"
    page = query_number(request, "page", 1, 1, MAX_PAGE)
    lines, total = await desk.site.db.places.listing(
        name=name,
        stadtbezirk=bezirk,
        category=kind,
        verified_before=_stale_since() if stale else None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    filters = {"q": name, "bezirk": bezirk, "kind": kind, "stale": "1" if stale else ""}

    def page_url(number: int) -> str:
        kept = {k: v for k, v in filters.items() if v}
        return f"/desk/places?{urlencode({**kept, 'page': number})}"

    return render(
        request,
        "desk/places.html",
        desk=desk,
        notice=_imported(query.get("imported"), t),
        lines=[
            {
                "line": line,
                "kind": category_label(t, line.category),
                "verified": t.date(date.fromisoformat(line.last_verified))
                if line.last_verified
                else None,
                "stale": _is_stale(line.last_verified),
            }
            for line in lines
        ],
        total=total,
        first=(page - 1) * PAGE_SIZE + 1 if lines else 0,
        last=(page - 1) * PAGE_SIZE + len(lines),
        previous_url=page_url(page - 1) if page > 1 else None,
        next_url=page_url(page + 1) if page * PAGE_SIZE < total else None,
        filters=filters,
        bezirke=bezirke,
        kinds=[(key, category_label(t, key)) for key in CATEGORIES],
    )


# -- one place --------------------------------------------------------------------------------


def _shown(place: Place) -> dict[str, Any]:
    """The form's values for the stored place, as they would be typed."""
    return {
        "name": place.name,
        "category": place.category,
        "location": f"{place.lat}, {place.lon}",
        "address": fields.address_text(place.street, place.housenumber, place.postcode),
        "opening_hours": place.opening_hours or fields.EMPTY,
        "wheelchair": place.wheelchair,
        "languages": list(place.languages),
    }


def _basis(place: Place) -> str:
    """What a place's form was shown, as a stamp the form carries (``was``): a save from a
    form shown before a colleague's change would put the old values back, and is refused.
    Only the form's fields: a colleague's "verified" changes nothing the form sends."""
    return hashlib.sha256(repr(sorted(_shown(place).items())).encode()).hexdigest()[:32]


def _now(t: Translator, place: Place) -> list[tuple[str, str]]:
    """The place as it is now, for a coordinator whose form was shown before a change."""
    shown = _shown(place)
    icon, access = WHEELCHAIR.get(place.wheelchair, ("", place.wheelchair))
    values = {
        **shown,
        "category": category_label(t, place.category),
        "wheelchair": f"{icon} {t._(access)}".strip(),
        "languages": t.list_of(language_name(code) for code in place.languages),
    }
    return [(_label(t, key), str(values[key])) for key in LABELS]


def _check(
    settings: Any, place: Place, sent: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, fields.FieldProblem]]:
    """The changes the form asks for and the problems, each field checked by the chat's
    rule; a field left as it was shown is not checked again."""
    shown = _shown(place)
    changes: dict[str, Any] = {}
    problems: dict[str, fields.FieldProblem] = {}
    for key, value in sent.items():
        if value == shown[key] or (key == "languages" and set(value) == set(shown[key])):
            continue
        try:
            if key == "name":
                changes.update(fields.name(value))
            elif key == "category":
                changes.update(fields.category(value))
            elif key == "location":
                changes.update(fields.location(settings, *fields.coordinates(value)))
            elif key == "address":
                # An empty box means an empty address, as "-" does in the chat.
                changes.update(fields.address(value or fields.EMPTY))
            elif key == "opening_hours":
                changes.update(fields.opening_hours(value or fields.EMPTY))
            elif key == "wheelchair":
                changes.update(fields.wheelchair(value))
            elif key == "languages":
                changes.update(fields.languages(value))
        except fields.FieldProblem as problem:
            problems[key] = problem
    return changes, problems


async def _history(site: Any, t: Translator, place_id: int) -> list[dict[str, Any]]:
    entries = (await site.db.places.history(place_id))[-100:]
    people: dict[int, str] = {}
    for user_id in {e["changed_by"] for e in entries if e["changed_by"] is not None}:
        user = await site.db.users.get(user_id)
        people[user_id] = user.first_name if user is not None else f"#{user_id}"
    shown = []
    for entry in reversed(entries):
        action = HISTORY_ACTIONS.get(entry["action"])
        who = people.get(entry["changed_by"]) if entry["changed_by"] is not None else None
        shown.append(
            {
                "at": t.datetime(datetime.fromisoformat(entry["at"]), "short"),
                "action": t._(action) if action else entry["action"],
                "who": who or entry["actor"],
                "fields": t.list_of(
                    _label(t, key) for key in entry["changes"] if key != "last_verified"
                ),
            }
        )
    return shown


async def _place_page(
    request: web.Request,
    place: Place,
    *,
    values: dict[str, Any] | None = None,
    problems: dict[str, fields.FieldProblem] | None = None,
    status: int = 200,
    meanwhile: bool = False,
) -> web.Response:
    desk = desk_of(request)
    t = translator_for(request)
    problems = problems or {}
    done = request.query.get("done", "")
    notice = t.t(DONE[done]) if done in DONE and not problems else None
    if meanwhile:
        notice = t.t(CHANGED_MEANWHILE, id=place.id)
    errors = {key: _said(t, problem) for key, problem in problems.items()}
    return render(
        request,
        "desk/place.html",
        status=status,
        desk=desk,
        notice=notice,
        place=place,
        values=values or _shown(place),
        was=_basis(place),
        now=_now(t, place) if meanwhile else None,
        errors=errors,
        point_example=fields.POINT_EXAMPLE.text(t),
        labels={key: _label(t, key) for key in LABELS},
        longest=LONGEST,
        kinds=[(key, category_label(t, key)) for key in CATEGORIES],
        access=[(key, f"{icon} {t._(label)}") for key, (icon, label) in WHEELCHAIR.items()],
        languages=[(code, language_name(code)) for code in SUPPORTED_LANGUAGES],
        verified=t.date(date.fromisoformat(place.last_verified)) if place.last_verified else None,
        stale=_is_stale(place.last_verified),
        history=await _history(desk.site, t, place.id or 0),
    )


async def _place_of(request: web.Request) -> Place:
    place = await desk_of(request).site.db.places.get(path_id(request))
    if place is None:
        raise web.HTTPNotFound()
    return place


@desk_page
async def show(request: web.Request) -> web.Response:
    return await _place_page(request, await _place_of(request))


@desk_page
async def save(request: web.Request) -> web.StreamResponse:
    desk = desk_of(request)
    form = await request.post()
    sent: dict[str, Any] = {
        key: str(form.get(key, ""))[:TYPED_LONGEST]
        for key in ("name", "category", "location", "address", "opening_hours", "wheelchair")
    }
    sent["languages"] = sorted({str(v) for v in form.getall("languages", [])})
    async with desk.site.db.transaction():
        # Read inside the transaction: a colleague's save a moment ago is what is compared.
        place = await _place_of(request)
        if str(form.get("was", _basis(place))) != _basis(place):  # changed meanwhile
            return await _place_page(request, place, values=sent, status=409, meanwhile=True)
        changes, problems = _check(desk.site.settings, place, sent)
        if problems:
            return await _place_page(request, place, values=sent, problems=problems, status=422)
        if changes:
            await desk.site.db.places.update(place.id or 0, ACTOR, desk.user.id, **changes)
            await desk.site.db.requests.audit(desk.user.id, "desk.place.edit", f"place:{place.id}")
    done = "saved" if changes else "unchanged"
    raise web.HTTPSeeOther(f"/desk/places/{place.id}?done={done}")


@desk_page
async def verify(request: web.Request) -> web.StreamResponse:
    desk = desk_of(request)
    place = await _place_of(request)
    async with desk.site.db.transaction():
        await desk.site.db.places.verify(place.id or 0, ACTOR, desk.user.id)
        await desk.site.db.requests.audit(desk.user.id, "desk.place.verify", f"place:{place.id}")
    raise web.HTTPSeeOther(f"/desk/places/{place.id}?done=verified")


# -- import ---------------------------------------------------------------------------------


_Preview = uploads.Preview[ImportReport]


def _import_page(
    request: web.Request,
    *,
    preview: _Preview | None = None,
    problem: Markup | None = None,
    status: int = 200,
) -> web.Response:
    rejected = preview.report.rejected if preview is not None else []
    return uploads.import_page(
        request,
        "places",
        preview=preview,
        problem=problem,
        status=status,
        rejected=[(rejection.row, rejection.reason) for rejection in rejected],
        label=_label,
    )


@desk_page
async def import_form(request: web.Request) -> web.Response:
    return _import_page(request)


@desk_page
async def import_preview(request: web.Request) -> web.Response:
    desk = desk_of(request)
    t = translator_for(request)
    sent = await uploads.uploaded(request)
    if sent is None:
        return _import_page(
            request, problem=t.t("Please choose a CSV or GeoJSON file."), status=422
        )
    name, raw = sent
    gazetteer = load_gazetteer(desk.site.settings.places_data_dir)
    try:
        async with desk.site.db.transaction():
            report = await import_upload(
                desk.site.db, name, raw, gazetteer, dry_run=True, changed_by=desk.user.id
            )
    except UnusableFile as unusable:
        return _import_page(request, problem=unusable.text(t), status=422)
    key = uploads.uploads_of(request.app).put(uploads.Upload(desk.user.id, "places", name, raw))
    return _import_page(request, preview=_Preview(report, key, name))


@desk_page
async def import_commit(request: web.Request) -> web.StreamResponse:
    desk = desk_of(request)
    t = translator_for(request)
    upload = await uploads.kept(request, desk.user.id, "places")
    if upload is None:
        return _import_page(request, problem=t.t(uploads.EXPIRED), status=409)
    gazetteer = load_gazetteer(desk.site.settings.places_data_dir)
    try:
        async with desk.site.db.transaction():
            report = await import_upload(
                desk.site.db, upload.name, upload.raw, gazetteer, changed_by=desk.user.id
            )
            await desk.site.db.requests.audit(
                desk.user.id, "desk.places.import", f"places:{report.created + report.updated}"
            )
    except UnusableFile as unusable:
        return _import_page(request, problem=unusable.text(t), status=422)
    counts = (report.created, report.updated, report.unchanged, len(report.rejected))
    raise web.HTTPSeeOther(f"/desk/places?imported={','.join(map(str, counts))}")


def add_routes(app: web.Application) -> None:
    uploads.install(app)
    app.router.add_get("/desk/places", listing)
    app.router.add_get("/desk/places/import", import_form)
    app.router.add_post("/desk/places/import", import_preview)
    app.router.add_post("/desk/places/import/commit", import_commit)
    app.router.add_get(r"/desk/places/{id:\d+}", show)
    app.router.add_post(r"/desk/places/{id:\d+}", save)
    app.router.add_post(r"/desk/places/{id:\d+}/verify", verify)


def _said(t: Translator, problem: fields.FieldProblem) -> Markup:
    """A field's refusal, and where what was typed stops being readable."""
    detail = problem.said_detail(t)
    return problem.text(t) + (Markup(" ") + detail if detail is not None else "")
