"""Who may help with which request: the one rule that offering and accepting both follow.

A volunteer qualifies for a request when they have the volunteer role and a profile, are not
banned, are confirmed (if ``require_verified_volunteers``), are not paused, help with the
request's kind of help in its district or within their radius of it, have room for one more
request (``max_open``), did not hand this request back, are not its requester, and can be
reached in a chat. For the kinds of help in ``certificate_required_for`` (children,
vulnerable adults) a coordinator must have seen their extended certificate of good
conduct, and it must count on the city's day of matching (:func:`certified`). Offers go
to everyone who qualifies; "I can help" is checked against the same rule again at the
moment of pressing, because an offer proves nothing about now.

Volunteers who share a language with the requester are told first; when none does and no
translation engine runs, the lifecycle says so to the coordinators and the requester. An
offer that falls into a volunteer's quiet hours waits in the outbox until they end.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from db import Database
from db.clock import local_day
from db.requests import HelpRequest
from db.users import User
from db.volunteers import Volunteer
from handlers.places.gazetteer import distance_m
from handlers.settings import HandlerSettings
from locales import TIMEZONE

# Why a volunteer does not qualify, as the reason the lifecycle reports.
NOT_A_VOLUNTEER = "not a volunteer"
BANNED = "banned"
UNVERIFIED = "unverified"
PAUSED = "paused"
OWN_REQUEST = "own request"
OTHER_KIND = "other kind of help"
OUTSIDE_AREA = "outside the area"
FULL = "no room"
HANDED_BACK = "handed back"
UNREACHABLE = "unreachable"
NO_CERTIFICATE = "no certificate"


def certified(volunteer: Volunteer, day: str) -> bool:
    """A certificate of good conduct counts on ``day`` (YYYY-MM-DD, Europe/Berlin): seen
    on or before it, and ``day`` is not after its last day."""
    seen, expires = volunteer.certificate_seen_on, volunteer.certificate_expires_on
    return bool(seen and expires and seen <= day <= expires)


def needs_certificate(settings: HandlerSettings, request: HelpRequest) -> bool:
    return request.category in settings.certificate_required_for


def in_area(volunteer: Volunteer, request: HelpRequest) -> bool:
    if volunteer.stadtbezirke:
        return request.stadtbezirk in volunteer.stadtbezirke
    if volunteer.lat is None or volunteer.lon is None or request.lat is None or request.lon is None:
        return False
    return distance_m(volunteer.lat, volunteer.lon, request.lat, request.lon) <= (
        volunteer.radius_m or 0
    )


def quiet_until(volunteer: Volunteer, now: datetime) -> datetime | None:
    """The end of the volunteer's quiet hours if ``now`` falls into them."""
    start, end = volunteer.quiet_start, volunteer.quiet_end
    if start == end:
        return None
    local = now.astimezone(TIMEZONE)
    hour = local.hour
    quiet = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not quiet:
        return None
    day = local.date() if hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end), TIMEZONE)


def why_not(
    settings: HandlerSettings,
    user: User,
    volunteer: Volunteer | None,
    request: HelpRequest,
    *,
    taken: int,
    handed_back: bool,
    now: datetime | None = None,
    asked_wider: bool = False,
) -> str | None:
    """Why ``user`` may not help with ``request`` now (one of the reasons above), or None.
    ``taken``: how many requests they help with at the moment. ``asked_wider``: a wave
    asked them (handlers/helping/matching/waves.py), which may reach beyond their own areas and
    kinds of help (widening, same language first): the asking stands for those two."""
    if volunteer is None or not user.has_role("volunteer"):
        return NOT_A_VOLUNTEER
    if user.banned_at:
        return BANNED
    if settings.require_verified_volunteers and not volunteer.verified_at:
        return UNVERIFIED
    if volunteer.paused:
        return PAUSED
    if request.requester_id == user.id:
        return OWN_REQUEST
    if not asked_wider and request.category not in volunteer.categories:
        return OTHER_KIND
    if not asked_wider and not in_area(volunteer, request):
        return OUTSIDE_AREA
    if needs_certificate(settings, request) and not certified(
        volunteer, local_day(now or datetime.now(UTC))
    ):
        return NO_CERTIFICATE
    if taken >= volunteer.max_open:
        return FULL
    if handed_back:
        return HANDED_BACK
    if not user.chat_id:
        return UNREACHABLE
    return None


async def why_not_now(
    db: Database,
    settings: HandlerSettings,
    user: User,
    request: HelpRequest,
    *,
    asked_wider: bool = False,
) -> str | None:
    """:func:`why_not` with the volunteer's profile and load read as they are now."""
    volunteer = await db.volunteers.get(user.id)
    taken, handed_back = await db.volunteers.load_and_history(user.id, request.id)
    return why_not(
        settings,
        user,
        volunteer,
        request,
        taken=taken,
        handed_back=handed_back,
        asked_wider=asked_wider,
    )


def shares_language(volunteer: Volunteer, request: HelpRequest) -> bool:
    """The volunteer speaks one of the languages the requester gave."""
    # Asked for every volunteer of a kind of help a search (thousands): one set, not two.
    return not set(volunteer.languages).isdisjoint(request.languages)


async def matching_volunteers(
    db: Database, settings: HandlerSettings, request: HelpRequest
) -> list[Volunteer]:
    """Everyone who qualifies for the request, a shared language first."""
    candidates = await db.volunteers.candidates(
        request.category, request.requester_id, settings.require_verified_volunteers
    )
    handed_back = await db.volunteers.handed_back(request.id)
    today = local_day(datetime.now(UTC))
    checked = needs_certificate(settings, request)
    found = [
        v
        for v in candidates
        if in_area(v, request)
        and v.user_id not in handed_back
        and (not checked or certified(v, today))
    ]
    # A shared language first: they can talk without a go-between.
    return sorted(found, key=lambda v: (not shares_language(v, request), v.user_id))
