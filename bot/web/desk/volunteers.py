"""The desk's volunteers: the roster, and per volunteer their training and their extended
certificate of good conduct (erweitertes Führungszeugnis).

Routes: ``GET /desk/volunteers`` (``unverified=1``, ``paused=1``, ``due=1``: certificate
expired or expiring within 60 days, ``talk=1``: on a talk shift now, by the rule the
"talk now" matching uses, ``bezirk``, ``category``, ``language``, ``name``: part
of the first name; ``page``), 50 a page by user number; ``GET /desk/volunteers/<id>``;
``POST /desk/volunteers/<id>/verify`` (confirm the basic training: the chat's ``/verify``),
``…/pause``, ``…/resume``, ``…/certificate`` (``seen_on``, ``expires_on``: YYYY-MM-DD) and
``…/certificate/remove``. The actions call the rules the chat uses
(handlers/helping/volunteers.py); a certificate only ever as two days, never the document.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiohttp import web
from markupsafe import Markup

from bot.web.desk.auth import Desk, desk_of, desk_page
from bot.web.desk.paging import PAGE_SIZE, page_number, pager
from bot.web.i18n import translator_for
from bot.web.inputs import path_id
from bot.web.pages import render
from db.clock import local_day, to_text
from db.volunteers import RosterFilter, Volunteer
from handlers.helping import volunteers as volunteering
from handlers.helping.lifecycle import Refused
from handlers.helping.matching import awake, offer_fanout, who_may_help
from handlers.helping.render import category_label, someone
from handlers.helping.vocabulary import (
    HELP_CATEGORIES,
    TALK_SLOT_NAMES,
    TALK_SLOTS,
    on_talk_shift,
    talk_slots_now,
)
from handlers.parsing import typed
from handlers.places.gazetteer import load_gazetteer
from handlers.places.render import language_names
from locales import N_, SUPPORTED_LANGUAGES, Translator, language_name

# Certificates whose last day is this close are shown as due, so a new one can be asked for.
DUE_WITHIN = timedelta(days=60)
NAME_LIMIT = 50

DONE = {
    "verify": N_("✅ Volunteer {volunteer} is confirmed and will now receive requests."),
    "pause": N_("⏸ Volunteer {volunteer} is paused and was told."),
    "resume": N_("▶️ Volunteer {volunteer} is active again and was told."),
    "certificate": N_("✅ Certificate days of volunteer {volunteer} saved."),
    "certificate-remove": N_("✅ Certificate days of volunteer {volunteer} removed."),
}
# A step a colleague (or one's own earlier press) already took: done once, told once.
ALREADY = {
    "verify": N_(
        "ℹ️ The basic training of volunteer {volunteer} was already confirmed. Nothing was "
        "changed, and nobody was told again."
    ),
    "pause": N_(
        "ℹ️ Volunteer {volunteer} is already paused. Nothing was changed, and nobody was told again."
    ),
    "resume": N_(
        "ℹ️ Volunteer {volunteer} is already active. Nothing was changed, and nobody was told again."
    ),
}
BAD_FILTER = N_("⚠️ This filter is not valid. Please choose from the lists.")
BAD_DATE = N_("⚠️ Please enter both days as dates, for example {example}.")
# The day BAD_DATE shows, as a value (in the reader's digits, isolated): written into the
# sentence it read "31-03-2025" in Arabic and Persian (numbers after Arabic letters are laid
# out right to left where a hyphen parts them).
EXAMPLE_DAY = date(2025, 3, 31)
SEEN_LATER = N_("⚠️ The day the certificate was seen cannot be in the future.")
EXPIRES_FIRST = N_("⚠️ The certificate must expire after the day it was seen.")
TOO_OLD = N_("⚠️ The day the certificate was seen is too long ago.")
# A typo in the year (2099 for 2029) would leave a certificate valid for a lifetime.
TOO_LONG = N_(
    "⚠️ A certificate is valid for a few years only: please check the day it expires "
    "(at most ten years after the day it was seen)."
)
# Ten years, the furthest back a certificate may have been seen and the longest it may run.
TEN_YEARS = timedelta(days=3653)


def _now() -> datetime:
    return datetime.now(UTC)


def _today() -> date:
    return date.fromisoformat(local_day(_now()))


@dataclass(frozen=True)
class Certificate:
    """How a volunteer's certificate stands today, in words (never by colour only)."""

    kind: str  # none, valid, due, expired
    text: Markup


def certificate_of(t: Translator, volunteer: Volunteer, today: date) -> Certificate:
    expires = volunteer.certificate_expires_on
    if not volunteer.certificate_seen_on or not expires:
        return Certificate("none", t.t("no certificate recorded"))
    last = date.fromisoformat(expires)
    if not who_may_help.certified(volunteer, today.isoformat()):
        return Certificate("expired", t.t("⛔ expired on {date}", date=t.date(last)))
    if last - today <= DUE_WITHIN:
        return Certificate("due", t.t("⏳ expires soon, on {date}", date=t.date(last)))
    return Certificate("valid", t.t("✅ valid until {date}", date=t.date(last)))


def _parse(stored: str) -> datetime:
    return datetime.fromisoformat(stored.replace("Z", "+00:00"))


def _area(t: Translator, volunteer: Volunteer) -> str:
    if volunteer.stadtbezirke:
        return t.list_of(volunteer.stadtbezirke)
    return t.t("within {distance}", distance=t.distance(volunteer.radius_m or 0))


@dataclass(frozen=True)
class TalkShift:
    """A volunteer's talk shift in words, and whether it is now (the matching's rule,
    handlers/helping/vocabulary.py on_talk_shift)."""

    text: str
    now: bool


def talk_shift_of(t: Translator, volunteer: Volunteer, now: datetime) -> TalkShift:
    chosen = [slot for slot in TALK_SLOTS if slot in volunteer.talk_shift]
    if not chosen:
        return TalkShift(t.t("no talk shift"), False)
    return TalkShift(
        t.list_of(t._(TALK_SLOT_NAMES[slot]) for slot in chosen),
        on_talk_shift(tuple(chosen), now),
    )


def _row(
    t: Translator, volunteer: Volunteer, name: str, today: date, now: datetime, waiting: int = 0
) -> dict[str, Any]:
    return {
        "id": volunteer.user_id,
        "name": name or "?",
        "area": _area(t, volunteer),
        "categories": t.list_of(category_label(t, c) for c in volunteer.categories),
        "languages": language_names(t, volunteer.languages),
        "paused": volunteer.paused,
        "status": awake.status(t, volunteer, now, waiting),
        "training": (
            t.date(_parse(volunteer.verified_at))
            if volunteer.verified_at
            else t.t("🎓 basic training not yet confirmed")
        ),
        "trained": bool(volunteer.verified_at),
        "certificate": certificate_of(t, volunteer, today),
        "talk": talk_shift_of(t, volunteer, now),
    }


async def _waiting(desk: Desk, volunteer: Volunteer, now: datetime) -> int:
    """How many offers wait in the outbox for the end of the volunteer's quiet hours."""
    return len(await desk.site.db.volunteers.held_for(volunteer.user_id, to_text(now)))


def _districts(desk: Desk) -> list[str]:
    return [area.name for area in load_gazetteer(desk.site.settings.places_data_dir).bezirke]


def _filters(request: web.Request, desk: Desk, now: datetime) -> RosterFilter | None:
    query = request.query
    today = date.fromisoformat(local_day(now))
    flags = {key: query.get(key, "") for key in ("unverified", "paused", "due", "talk")}
    where = RosterFilter(
        unverified=flags["unverified"] == "1",
        paused=flags["paused"] == "1",
        stadtbezirk=query.get("bezirk", ""),
        category=query.get("category", ""),
        language=query.get("language", ""),
        name=query.get("name", "").strip(),
        certificate_due_by=(today + DUE_WITHIN).isoformat() if flags["due"] == "1" else "",
        talk_slots=talk_slots_now(now) if flags["talk"] == "1" else None,
    )
    valid = (
        all(value in ("", "1") for value in flags.values())
        and (not where.stadtbezirk or where.stadtbezirk in _districts(desk))
        and (not where.category or where.category in HELP_CATEGORIES)
        and (not where.language or where.language in SUPPORTED_LANGUAGES)
        and len(where.name) <= NAME_LIMIT
    )
    return where if valid else None


@desk_page
async def roster(request: web.Request) -> web.Response:
    desk = desk_of(request)
    t = translator_for(request)
    now = _now()
    today = date.fromisoformat(local_day(now))
    where = _filters(request, desk, now)
    number = page_number(request)
    ok = where is not None and number is not None
    total = 0
    found: list[tuple[Volunteer, str]] = []
    if ok:
        assert where is not None and number is not None
        total, found = await desk.site.db.volunteers.roster(
            where, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
        )
    due, _ = await desk.site.db.volunteers.roster(
        RosterFilter(certificate_due_by=(today + DUE_WITHIN).isoformat()), limit=0, offset=0
    )
    return render(
        request,
        "desk/volunteers.html",
        status=200 if ok else 400,
        desk=desk,
        notice=None if ok else t.t(BAD_FILTER),
        rows=[
            _row(t, volunteer, name, today, now, await _waiting(desk, volunteer, now))
            for volunteer, name in found
        ],
        pager=pager(request, number or 1, total),
        found_text=t.tn("{n} volunteer found.", "{n} volunteers found.", total),
        due_text=(
            t.tn(
                "⏳ {n} certificate of good conduct has expired or expires within 60 days.",
                "⏳ {n} certificates of good conduct have expired or expire within 60 days.",
                due,
            )
            if due
            else ""
        ),
        chosen=where or RosterFilter(),
        districts=_districts(desk),
        categories=[(key, category_label(t, key)) for key in HELP_CATEGORIES],
        languages=[(code, language_name(code)) for code in SUPPORTED_LANGUAGES],
        name_limit=NAME_LIMIT,
    )


def _volunteer_id(request: web.Request) -> int:
    return path_id(request)


async def _detail(
    request: web.Request,
    *,
    notice: Markup | None = None,
    error: Markup | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> web.Response:
    desk = desk_of(request)
    t = translator_for(request)
    user_id = _volunteer_id(request)
    volunteer = await desk.site.db.volunteers.get(user_id)
    user = await desk.site.db.users.get(user_id)
    if volunteer is None or user is None:
        raise web.HTTPNotFound()
    done = request.query.get("done", "")
    if notice is None and done in DONE:
        notice = t.t(DONE[done], volunteer=someone(t, user))
    now = _now()
    today = date.fromisoformat(local_day(now))
    return render(
        request,
        "desk/volunteer.html",
        status=status,
        desk=desk,
        notice=notice,
        error=error,
        v=volunteer,
        row=_row(t, volunteer, user.first_name, today, now, await _waiting(desk, volunteer, now)),
        helping=len(await desk.site.db.requests.helped_by(user_id)),
        form=form
        or {
            "seen_on": volunteer.certificate_seen_on or "",
            "expires_on": volunteer.certificate_expires_on or "",
        },
        today=today.isoformat(),
        required_for=[
            category_label(t, key)
            for key in HELP_CATEGORIES
            if key in desk.site.settings.certificate_required_for
        ],
    )


@desk_page
async def detail(request: web.Request) -> web.Response:
    return await _detail(request)


Act = Callable[[Desk, int, dict[str, str]], Awaitable[bool]]


def _action(name: str, act: Act) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A volunteer action: the rule's own function in one transaction with the desk's
    audit entry; a volunteer that is gone is 404, a refusal 409."""

    @desk_page
    async def handle(request: web.Request) -> web.StreamResponse:
        desk = desk_of(request)
        user_id = _volunteer_id(request)
        form = {key: str(value) for key, value in (await request.post()).items()}
        try:
            async with desk.site.db.transaction():
                if not await act(desk, user_id, form):
                    raise web.HTTPNotFound()
                await desk.site.db.requests.audit(
                    desk.user.id, f"desk.volunteer.{name}", f"user:{user_id}"
                )
        except Refused as refusal:
            return await _detail(request, error=refusal.text(translator_for(request)), status=409)
        except _BadDates as bad:
            t = translator_for(request)
            # The form again as typed; a field the browser did not send is empty.
            typed = {key: form.get(key, "") for key in ("seen_on", "expires_on")}
            said = t.t(bad.message, example=t.digits(EXAMPLE_DAY.isoformat()))
            return await _detail(request, error=said, status=422, form=typed)
        desk.site.wake()
        raise web.HTTPSeeOther(f"/desk/volunteers/{user_id}?done={name}")

    handle.__name__ = f"volunteer_{name.replace('-', '_')}"
    return handle


class _BadDates(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def certificate_days(form: dict[str, str], today: date) -> tuple[str, str]:
    """The two days a coordinator entered, checked: seen not after today (and not more
    than ten years ago), expiring after it and within ten years of it."""
    try:
        # Typed where a browser has no date picker, in the digits the hint shows.
        seen = date.fromisoformat(typed(form.get("seen_on", "")).strip())
        expires = date.fromisoformat(typed(form.get("expires_on", "")).strip())
    except ValueError:
        raise _BadDates(BAD_DATE) from None
    if seen > today:
        raise _BadDates(SEEN_LATER)
    if seen < today - TEN_YEARS:
        raise _BadDates(TOO_OLD)
    if expires <= seen:
        raise _BadDates(EXPIRES_FIRST)
    if expires > seen + TEN_YEARS:
        raise _BadDates(TOO_LONG)
    return seen.isoformat(), expires.isoformat()


async def _already(desk: Desk, user_id: int, step: str, done: bool) -> None:
    """Refused where ``step`` is ``done`` already (a colleague's page was older, or the
    same press twice): the volunteer is told once, not again."""
    user = await desk.site.db.users.get(user_id)
    if done and user is not None:
        raise Refused(render=lambda t: t.t(ALREADY[step], volunteer=someone(t, user)))


async def _verify(desk: Desk, user_id: int, form: dict[str, str]) -> bool:
    volunteer = await desk.site.db.volunteers.get(user_id)
    await _already(desk, user_id, "verify", volunteer is not None and bool(volunteer.verified_at))
    return await volunteering.confirm_training(desk.site.scene(), desk.user, user_id)


async def _pause(desk: Desk, user_id: int, form: dict[str, str]) -> bool:
    volunteer = await desk.site.db.volunteers.get(user_id)
    await _already(desk, user_id, "pause", volunteer is not None and volunteer.paused)
    return await volunteering.set_paused(desk.site.scene(), desk.user, user_id, True)


async def _resume(desk: Desk, user_id: int, form: dict[str, str]) -> bool:
    volunteer = await desk.site.db.volunteers.get(user_id)
    await _already(desk, user_id, "resume", volunteer is not None and not volunteer.paused)
    return await volunteering.set_paused(desk.site.scene(), desk.user, user_id, False)


async def _certificate(desk: Desk, user_id: int, form: dict[str, str]) -> bool:
    seen, expires = certificate_days(form, _today())
    if not await desk.site.db.volunteers.set_certificate(user_id, seen, expires):
        return False
    # Requests that need a certificate and found nobody so far may fit them now.
    await offer_fanout.offer_to(desk.site.scene(), user_id)
    return True


async def _remove_certificate(desk: Desk, user_id: int, form: dict[str, str]) -> bool:
    return await desk.site.db.volunteers.set_certificate(user_id, None, None)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/desk/volunteers", roster)
    app.router.add_get("/desk/volunteers/{id}", detail)
    for path, name, act in (
        ("verify", "verify", _verify),
        ("pause", "pause", _pause),
        ("resume", "resume", _resume),
        ("certificate", "certificate", _certificate),
        ("certificate/remove", "certificate-remove", _remove_certificate),
    ):
        app.router.add_post(f"/desk/volunteers/{{id}}/{path}", _action(name, act))
