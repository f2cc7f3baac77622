"""Events at the desk: the list, the form to publish or change one, cancelling, imports.

Routes: ``GET /desk/events`` (``page``; upcoming first); ``GET /desk/events/new``
(``place``: an encounter place's number to fill in); ``POST /desk/events/new``;
``GET /desk/events/<id>``; ``POST /desk/events/<id>`` (save changes; ``was``: the stamp of
the event the form was shown - changed meanwhile, the save is refused);
``POST /desk/events/<id>/cancel``; ``GET /desk/events/import`` (upload form);
``POST /desk/events/import`` (``file``, ``place``: a dry run shows what would be created,
changed and refused, nothing is written); ``POST /desk/events/import/commit``
(``upload``: the previewed file's key).

Form fields: ``title_de``, ``description_de`` (German, the event's own text) and, for a
visitor reading another language, ``title_local``, ``description_local`` (stored as that
language's text); ``place`` (an encounter place's number) or ``address``; ``start_date``,
``start_time``, ``end_date``, ``end_time`` (Europe/Berlin); ``repeat`` (the chat's
choices, or ``keep`` for a rule that came from an imported calendar). The checks are the
chat's (``handlers.events.fields``), and publishing, changing and cancelling go through
``handlers.events.changes`` with the chat's notices; only fields that differ from the
stored event are checked again.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from markupsafe import Markup

from bot.web.desk import uploads
from bot.web.desk.auth import desk_of, desk_page
from bot.web.i18n import translator_for
from bot.web.inputs import MAX_COUNT, MAX_PAGE, id_number, number, path_id, query_number
from bot.web.pages import render
from db.events import Event
from handlers.events import changes, fields
from handlers.events.editing import REPEATS, rrule_for
from handlers.events.ical import EventImportReport, UnusableFile, import_upload, parse
from handlers.events.notices import apply_import
from handlers.events.recurrence import local, local_text, next_occurrences
from handlers.parsing import typed
from handlers.places.gazetteer import load_gazetteer
from handlers.refusals import Refusal
from locales import N_, Translator, language_name

PAGE_SIZE = 50
KEEP = "keep"
STATUS = {
    "scheduled": N_("scheduled"),
    "changed": N_("changed"),
    "cancelled": N_("cancelled"),
}
OUTCOMES = {"created": N_("new"), "updated": N_("changed"), "unchanged": N_("unchanged")}
LABELS = {
    "title": N_("Title"),
    "start": N_("Start"),
    "end": N_("End"),
    "address": N_("Address"),
    "rrule": N_("Repetition"),
    "uid": "UID",
}
DONE = {
    "created": N_("📢 The event is published. Subscribers told: {count}."),
    "saved": N_("✅ Saved. People who asked for a reminder were told: {count}."),
    "cancelled": N_(
        "❌ The event is cancelled. People who asked for a reminder were told: {count}."
    ),
    "unchanged": N_("Nothing was changed."),
}
PLACE_PROBLEM = N_("📍 There is no encounter place with this number.")
REPEAT_PROBLEM = N_("🔁 Does it repeat?")
ALREADY_CANCELLED = N_("❌ This event is cancelled already.")
CHANGED_MEANWHILE = N_(
    "⚠️ Event #{id} was changed meanwhile. Nothing was saved: what you typed is kept in the "
    "form, the event as it is now is shown above it; check it, then save again."
)


def _label(t: Translator, key: str) -> str:
    label = LABELS.get(key)
    return t._(label) if label else key


def _status(t: Translator, key: str) -> str:
    label = STATUS.get(key)
    return t._(label) if label else key


def _repeat_kind(event: Event) -> str:
    if not event.rrule:
        return "none"
    start = local(event.starts_local)
    for kind in REPEATS:
        if kind != "none" and rrule_for(kind, start) == event.rrule:
            return kind
    return KEEP


def _when(t: Translator, event: Event, now: datetime) -> tuple[str, bool]:
    """The next date (or the first, for one that is over) and whether it is still to come."""
    upcoming = next_occurrences(event, now, 1)
    moment = upcoming[0] if upcoming else local(event.starts_local)
    return t.datetime(moment, "short"), bool(upcoming)


# -- the list ---------------------------------------------------------------------------------


@desk_page
async def listing(request: web.Request) -> web.Response:
    desk = desk_of(request)
    t = translator_for(request)
    page = query_number(request, "page", 1, 1, MAX_PAGE)
    now = datetime.now(UTC)
    events, total = await desk.site.db.events.listing(
        local_text(now), limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    rows = []
    for event in events:
        when, upcoming = _when(t, event, now)
        rows.append(
            {
                "event": event,
                "title": event.title_in(t.lang),
                "when": when,
                "upcoming": upcoming,
                "status": _status(t, event.status),
                "repeats": bool(event.rrule),
            }
        )
    return render(
        request,
        "desk/events.html",
        desk=desk,
        notice=_done(request, t),
        rows=rows,
        total=total,
        first=(page - 1) * PAGE_SIZE + 1 if rows else 0,
        last=(page - 1) * PAGE_SIZE + len(rows),
        previous_url=f"/desk/events?page={page - 1}" if page > 1 else None,
        next_url=f"/desk/events?page={page + 1}" if page * PAGE_SIZE < total else None,
    )


def _done(request: web.Request, t: Translator) -> Markup | None:
    done = request.query.get("done", "")
    told = request.query.get("told", "0")
    if done == "imported":
        counts = [
            number(n, high=MAX_COUNT) or 0 for n in request.query.get("counts", "").split(",")[:4]
        ]
        created, updated, unchanged, rejected = [*counts, 0, 0, 0, 0][:4]
        return t.t(
            "✅ Imported: {created} new, {updated} changed, {unchanged} unchanged, "
            "{rejected} rejected.",
            created=created,
            updated=updated,
            unchanged=unchanged,
            rejected=rejected,
        )
    if done not in DONE:
        return None
    return t.t(DONE[done], count=number(told, high=MAX_COUNT) or 0)


# -- the form ---------------------------------------------------------------------------------


# A new event's UID is made when its form is shown and sent with it: the same form sent
# twice (a second press while a phone's network is slow) is the same event, published once.
_DESK_UID = re.compile(r"desk-[0-9a-f]{12}")


def _blank(uid: str = "") -> Event:
    """A new event: the UID its form carried, or a new one."""
    if not _DESK_UID.fullmatch(uid):
        uid = f"desk-{uuid.uuid4().hex[:12]}"
    return Event(uid=uid, title="", starts_local="", source="desk")


def _shown(event: Event, lang: str) -> dict[str, str]:
    """The form's values for a stored event, as they would be typed."""
    values = {
        "uid": event.uid,
        "title_de": event.title,
        "description_de": event.description,
        "title_local": "",
        "description_local": "",
        "place": str(event.place_id or ""),
        "address": event.address,
        "start_date": "",
        "start_time": "",
        "end_date": "",
        "end_time": "",
        "repeat": "none",
    }
    if lang != "de" and lang in event.texts:
        values["title_local"], values["description_local"] = event.texts[lang]
    if event.starts_local:
        start = local(event.starts_local)
        end = start + timedelta(minutes=event.duration_minutes)
        values.update(
            start_date=start.date().isoformat(),
            start_time=start.strftime("%H:%M"),
            end_date=end.date().isoformat(),
            end_time=end.strftime("%H:%M"),
            repeat=_repeat_kind(event),
        )
    return values


def _basis(event: Event) -> str:
    """What an event's form was shown, as a stamp the form carries (``was``): a save from a
    form shown before a colleague's change (a time moved) would undo it, and is refused."""
    kept = replace(event, texts=dict(sorted(event.texts.items())))
    return hashlib.sha256(repr(kept).encode()).hexdigest()[:32]


@dataclass
class _Checked:
    event: Event
    problems: dict[str, Refusal]


async def _check(
    site: Any, old: Event | None, sent: dict[str, str], lang: str, now: datetime
) -> _Checked:
    """The event the form asks for, each field checked by the chat's rules; for a change,
    fields left as they were shown are not checked again."""
    db = site.db
    base = old or _blank(sent["uid"])
    shown = _shown(base, lang)
    problems: dict[str, Refusal] = {}
    update: dict[str, Any] = {}

    def changed(*keys: str) -> bool:
        return old is None or any(sent[key] != shown[key] for key in keys)

    def attempt(key: str, check: Any) -> Any:
        try:
            return check()
        except Refusal as refusal:
            problems[key] = refusal
            return None

    if changed("title_de"):
        update["title"] = attempt("title_de", lambda: fields.title(sent["title_de"]))
    described = _described(site, sent, attempt)
    if changed("description_de"):
        update["description"] = described("description_de")
    if lang != "de" and changed("title_local", "description_local"):
        texts = dict(base.texts)
        local_title = sent["title_local"].strip()
        local_text_ = described("description_local") or ""
        if local_title or local_text_:
            if local_title:
                local_title = attempt("title_local", lambda: fields.title(local_title)) or ""
            texts[lang] = (local_title, local_text_)
        else:
            texts.pop(lang, None)
        update["texts"] = texts

    if changed("place", "address"):
        update.update(await _where(db, sent, problems, attempt))

    start = local(base.starts_local) if base.starts_local else None
    if changed("start_date", "start_time"):
        start = attempt(
            "start", lambda: fields.start(f"{sent['start_date']} {sent['start_time']}", now)
        )
        if start is not None:
            update["starts_local"] = local_text(start)
    if start is not None and changed("start_date", "start_time", "end_date", "end_time"):
        end = fields.parse_start(
            f"{sent['end_date'] or sent['start_date']} {sent['end_time']}", now
        )
        if end is None:
            problems["end"] = Refusal(fields.END_PROBLEM, "end")
        else:
            update["duration_minutes"] = attempt("end", lambda: fields.minutes_between(start, end))

    repeat = sent["repeat"]
    if repeat not in REPEATS and not (repeat == KEEP and base.rrule):
        problems["repeat"] = Refusal(REPEAT_PROBLEM, "repeat")
    elif start is not None and repeat != KEEP:
        rrule = rrule_for(repeat, start)
        if rrule != base.rrule:
            update.update(rrule=rrule, exdates=())

    event = replace(base, **{k: v for k, v in update.items() if v is not None or k in _NULLABLE})
    return _Checked(event, problems)


async def _where(
    db: Any, sent: dict[str, str], problems: dict[str, Refusal], attempt: Any
) -> dict[str, Any]:
    """The event's place as the form names it: a place's number (its fields from the place;
    refused in ``problems`` when no place has it), else the address typed, words only."""
    # As typed: the number the desk shows in the reader's digits ("#۱۲") is the place.
    raw = typed(sent["place"]).strip()
    if not raw:
        address = attempt("address", lambda: fields.address(sent["address"]))
        # Only words: where on the map it is, nobody said.
        return {"place_id": None, "address": address, "lat": None, "lon": None, "stadtbezirk": ""}
    place_id = id_number(raw)
    place = await db.places.get(place_id) if place_id is not None else None
    if place is None:
        problems["place"] = Refusal(PLACE_PROBLEM, "place")
        return {}
    return {
        "place_id": place.id,
        "lat": place.lat,
        "lon": place.lon,
        "stadtbezirk": place.stadtbezirk,
        "address": place.name,
    }


def _described(site: Any, sent: dict[str, str], attempt: Any) -> Any:
    """A description field's check: refused (None, its problem noted by ``attempt``) when
    longer than the city keeps - its ``max_text_length`` where lower than the chat step's,
    as the same text goes out by chat - never cut short."""
    longest = fields.description_limit(site.settings.max_text_length)
    return lambda key: attempt(key, lambda: fields.description(sent[key], longest))


# Fields whose None is a value (no place, no position), not a failed check.
_NULLABLE = ("place_id", "lat", "lon")


def _sent(form: Any) -> dict[str, str]:
    keys = (
        "uid",
        "title_de",
        "description_de",
        "title_local",
        "description_local",
        "place",
        "address",
        "start_date",
        "start_time",
        "end_date",
        "end_time",
        "repeat",
    )
    return {key: str(form.get(key, ""))[:2000] for key in keys}


async def _form_page(
    request: web.Request,
    event: Event | None,
    *,
    values: dict[str, str] | None = None,
    problems: dict[str, Refusal] | None = None,
    status: int = 200,
    notice: Markup | None = None,
    meanwhile: bool = False,
) -> web.Response:
    desk = desk_of(request)
    t = translator_for(request)
    followers = len(await desk.site.db.events.follows(event_id=event.id)) if event else 0
    repeats = [(key, t._(label)) for key, label in REPEATS.items()]
    base = values or _shown(event or _blank(), t.lang)
    if base["repeat"] == KEEP:
        repeats.append((KEEP, t._("Keep the repetition of the imported calendar")))
    return render(
        request,
        "desk/event.html",
        status=status,
        desk=desk,
        notice=notice or _done(request, t),
        event=event,
        status_label=_status(t, event.status) if event else "",
        values=base,
        was=_basis(event) if event else "",
        now=_now(t, event) if meanwhile and event else None,
        errors={key: problem.text(t) for key, problem in (problems or {}).items()},
        repeats=repeats,
        local_language=language_name(t.lang) if t.lang != "de" else "",
        followers=followers,
        title_length=(fields.TITLE_SHORTEST, fields.TITLE_LONGEST),
        description_length=fields.description_limit(desk.site.settings.max_text_length),
        address_length=fields.ADDRESS_LONGEST,
    )


def _now(t: Translator, event: Event) -> list[tuple[str, str]]:
    """The event as it is now, for a coordinator whose form was shown before a change."""
    start = local(event.starts_local)
    end = start + timedelta(minutes=event.duration_minutes)
    return [
        (t._(LABELS["title"]), event.title),
        (t._("Description"), event.description),
        (t._(LABELS["address"]), event.address),
        (t._(LABELS["start"]), t.datetime(start, "short")),
        (t._(LABELS["end"]), t.datetime(end, "short")),
    ]


async def _event_of(request: web.Request) -> Event:
    event = await desk_of(request).site.db.events.get(path_id(request))
    if event is None:
        raise web.HTTPNotFound()
    return event


@desk_page
async def new_form(request: web.Request) -> web.Response:
    desk = desk_of(request)
    t = translator_for(request)
    values = _shown(_blank(), t.lang)
    place_id = id_number(request.query.get("place"))
    if place_id is not None:
        place = await desk.site.db.places.get(place_id)
        if place is not None:
            values.update(place=str(place.id), address=place.name)
    return await _form_page(request, None, values=values)


@desk_page
async def create(request: web.Request) -> web.StreamResponse:
    desk = desk_of(request)
    t = translator_for(request)
    sent = _sent(await request.post())
    checked = await _check(desk.site, None, sent, t.lang, datetime.now(UTC))
    if checked.problems:
        return await _form_page(request, None, values=sent, problems=checked.problems, status=422)
    scene = desk.site.scene()
    async with desk.site.db.transaction():
        sent_before = await desk.site.db.events.by_uid(checked.event.uid)
        if sent_before is not None:  # this form, published already: nothing twice
            raise web.HTTPSeeOther(f"/desk/events/{sent_before.id}")
        event_id, told = await changes.publish(
            scene.mail, checked.event, desk.user.id, "desk.event.create"
        )
    desk.site.wake()
    raise web.HTTPSeeOther(f"/desk/events/{event_id}?done=created&told={told}")


@desk_page
async def show(request: web.Request) -> web.Response:
    return await _form_page(request, await _event_of(request))


@desk_page
async def save(request: web.Request) -> web.StreamResponse:
    desk = desk_of(request)
    t = translator_for(request)
    form = await request.post()
    sent = _sent(form)
    scene = desk.site.scene()
    async with desk.site.db.transaction():
        # Read again inside the transaction: a cancellation in the chat a moment ago wins.
        old = await _event_of(request)
        if old.status == "cancelled":
            return await _form_page(
                request, old, values=sent, notice=t.t(ALREADY_CANCELLED), status=409
            )
        if form.get("was", _basis(old)) != _basis(old):  # a colleague's change meanwhile
            notice = t.t(CHANGED_MEANWHILE, id=old.id)
            return await _form_page(
                request, old, values=sent, notice=notice, status=409, meanwhile=True
            )
        checked = await _check(desk.site, old, sent, t.lang, datetime.now(UTC))
        if checked.problems:
            return await _form_page(
                request, old, values=sent, problems=checked.problems, status=422
            )
        if checked.event == old and checked.event.texts == old.texts:
            raise web.HTTPSeeOther(f"/desk/events/{old.id}?done=unchanged")
        told = await changes.change(scene.mail, old, checked.event, desk.user.id, "desk.event.edit")
    desk.site.wake()
    raise web.HTTPSeeOther(f"/desk/events/{old.id}?done=saved&told={told}")


@desk_page
async def cancel(request: web.Request) -> web.StreamResponse:
    desk = desk_of(request)
    t = translator_for(request)
    scene = desk.site.scene()
    async with desk.site.db.transaction():
        event = await _event_of(request)
        if event.status == "cancelled":
            return await _form_page(request, event, notice=t.t(ALREADY_CANCELLED), status=409)
        told = await changes.cancel(scene.mail, event.id or 0, desk.user.id, "desk.event.cancel")
    desk.site.wake()
    raise web.HTTPSeeOther(f"/desk/events/{event.id}?done=cancelled&told={told}")


# -- import ---------------------------------------------------------------------------------


_Preview = uploads.Preview[EventImportReport]


def _import_page(
    request: web.Request,
    *,
    preview: _Preview | None = None,
    problem: Markup | None = None,
    place: str = "",
    status: int = 200,
) -> web.Response:
    t = translator_for(request)
    entries = []
    if preview is not None:
        for outcome, event in preview.report.preview:
            label = OUTCOMES.get(outcome)
            entries.append(
                {
                    "outcome": t._(label) if label else outcome,
                    "title": event.title,
                    "when": t.datetime(local(event.starts_local), "short"),
                    "where": event.address,
                    "cancelled": event.status == "cancelled",
                }
            )
    rejected = preview.report.rejected if preview is not None else []
    return uploads.import_page(
        request,
        "events",
        preview=preview,
        problem=problem,
        status=status,
        rejected=[(number, reason) for _name, number, reason in rejected],
        label=_label,
        entries=entries,
        place=place,
    )


@desk_page
async def import_form(request: web.Request) -> web.Response:
    return _import_page(request)


async def _place_id(request: web.Request, raw: str) -> tuple[int | None, Markup | None]:
    raw = typed(raw).strip()
    if not raw:
        return None, None
    t = translator_for(request)
    place_id = id_number(raw)
    place = await desk_of(request).site.db.places.get(place_id) if place_id is not None else None
    return (place.id, None) if place is not None else (None, t.t(PLACE_PROBLEM))


@desk_page
async def import_preview(request: web.Request) -> web.Response:
    desk = desk_of(request)
    t = translator_for(request)
    form = await request.post()
    place_raw = str(form.get("place", ""))[:20]
    place_id, problem = await _place_id(request, place_raw)
    if problem is not None:
        return _import_page(request, problem=problem, place=place_raw, status=422)
    sent = await uploads.uploaded(request)
    if sent is None:
        return _import_page(
            request,
            problem=t.t("Please choose an iCalendar (.ics) file."),
            place=place_raw,
            status=422,
        )
    name, raw = sent
    gazetteer = load_gazetteer(desk.site.settings.places_data_dir)
    try:
        parsed = await parse(name, raw, place_id=place_id, gazetteer=gazetteer)
        report = await import_upload(
            desk.site.db, parsed, place_id=place_id, gazetteer=gazetteer, dry_run=True
        )
    except UnusableFile as unusable:
        return _import_page(request, problem=unusable.text(t), place=place_raw, status=422)
    key = uploads.uploads_of(request.app).put(
        uploads.Upload(desk.user.id, "events", name, raw, place_id, parsed=parsed)
    )
    return _import_page(request, preview=_Preview(report, key, name), place=place_raw)


@desk_page
async def import_commit(request: web.Request) -> web.StreamResponse:
    desk = desk_of(request)
    t = translator_for(request)
    upload = await uploads.kept(request, desk.user.id, "events")
    if upload is None:
        return _import_page(request, problem=t.t(uploads.EXPIRED), status=409)
    gazetteer = load_gazetteer(desk.site.settings.places_data_dir)
    scene = desk.site.scene()
    try:
        parsed = upload.parsed or await parse(
            upload.name, upload.raw, place_id=upload.place_id, gazetteer=gazetteer
        )
        async with desk.site.db.transaction():
            report = await import_upload(
                desk.site.db, parsed, place_id=upload.place_id, gazetteer=gazetteer
            )
            # Followers hear of changes and cancellations, subscribers of new events.
            await apply_import(scene.mail, report.updates, report.created_ids, datetime.now(UTC))
            await desk.site.db.requests.audit(
                desk.user.id, "desk.event.import", f"events:{report.created + report.updated}"
            )
    except UnusableFile as unusable:
        return _import_page(request, problem=unusable.text(t), status=422)
    desk.site.wake()
    raise web.HTTPSeeOther(
        "/desk/events?done=imported"
        f"&counts={report.created},{report.updated},{report.unchanged},{len(report.rejected)}"
    )


def add_routes(app: web.Application) -> None:
    uploads.install(app)
    app.router.add_get("/desk/events", listing)
    app.router.add_get("/desk/events/new", new_form)
    app.router.add_post("/desk/events/new", create)
    app.router.add_get("/desk/events/import", import_form)
    app.router.add_post("/desk/events/import", import_preview)
    app.router.add_post("/desk/events/import/commit", import_commit)
    app.router.add_get(r"/desk/events/{id:\d+}", show)
    app.router.add_post(r"/desk/events/{id:\d+}", save)
    app.router.add_post(r"/desk/events/{id:\d+}/cancel", cancel)
