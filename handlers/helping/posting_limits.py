"""The posting limits: whether a person may post a help request now, and why not.

A banned person may not; nor may someone with too many requests still running or too many
posted today. New accounts (younger than a day) wait a little between requests, and all of
them wait while very many new accounts post at once (a flood). The limits also count the
requests of the person's erased accounts of the last day (``db/posting_traces.py``):
/delete then /start resets nothing; :func:`remember_posting` keeps those traces.

The request flow asks :func:`may_post` before the form starts, the lifecycle again when the
request is submitted; only the lifecycle creates the request.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from db.clock import to_text
from db.users import User
from handlers.helping.refused import Refused
from handlers.helping.scene import Scene
from locales import N_, Translator

BANNED_TEXT = N_(
    "⛔ You have been blocked from posting requests. If you think this is a "
    "mistake, please contact the neighbourhood office."
)

# Accounts younger than this are new: every request is checked by a coordinator, so their
# first one goes through at once, and a wait is kept only against floods.
NEW_ACCOUNT = timedelta(days=1)
# How far back the posting limits look (a day's requests), also for erased accounts.
POSTING_MEMORY = timedelta(days=1)


def posting_refusal(
    scene: Scene,
    user: User,
    counts: tuple[int, int, int, str | None],
    from_new_accounts: Collection[str] = (),
    now: datetime | None = None,
) -> Refused | None:
    """Why ``user`` may not post a request now (banned, too many, a flood), or None.
    ``counts``: (requests ever, still active, created in the last day, when the newest
    was created); ``from_new_accounts``: when the recent requests of new accounts were
    created, newest first (see :func:`may_post`)."""
    settings = scene.settings
    if user.banned_at:
        return Refused(BANNED_TEXT)
    _ever, active, today, newest = counts
    if active >= settings.max_open_requests:
        return Refused(
            render=lambda t: t.tn(
                "✋ You already have {n} open request. Please wait until it is done or "
                "withdraw it before you post a new one.",
                "✋ You already have {n} open requests. Please wait until one is done "
                "or withdraw one before you post a new one.",
                active,
            )
        )
    if today >= settings.max_requests_per_day:
        return Refused(N_("✋ You have posted many requests today. Please try again tomorrow."))
    now = now or datetime.now(UTC)
    if not _is_new(user, now) or not settings.new_user_cooldown_minutes:
        return None
    cooldown = timedelta(minutes=settings.new_user_cooldown_minutes)
    # A new account's own quick repeats wait; so does everyone new while many new accounts
    # post at once, until the burst has thinned out.
    if newest and (until := _parse(newest) + cooldown) > now:
        return Refused(
            render=lambda t: t.t(
                "⏳ You have just posted a request. You can post the next one at {time}.",
                time=_at(t, until, now),
            )
        )
    burst = settings.new_account_flood_requests
    if len(from_new_accounts) >= burst:
        until = _parse(list(from_new_accounts)[burst - 1]) + cooldown
        if until > now:
            return Refused(
                render=lambda t: t.t(
                    "⏳ Very many new people are asking for help right now. You can post "
                    "your request at {time}.",
                    time=_at(t, until, now),
                )
            )
    return None


def _parse(stored: str) -> datetime:
    return datetime.fromisoformat(stored.replace("Z", "+00:00"))


def _is_new(user: User, now: datetime) -> bool:
    return now - _parse(user.created_at) < NEW_ACCOUNT


def _at(t: Translator, until: datetime, now: datetime) -> Any:
    """When a wait ends, to the minute (rounded up, never too early), 24-hour; with the
    day when it is not today."""
    until = until.replace(second=0, microsecond=0) + (
        timedelta(minutes=1) if until.second or until.microsecond else timedelta()
    )
    if t.date(until, "short") == t.date(now, "short"):
        return t.time(until)
    return t.datetime(until, "medium")


async def may_post(scene: Scene, user: User) -> Refused | None:
    """The posting limits, counting the requests of the person's erased accounts of the
    last day too (``db/posting_traces.py``): /delete then /start resets nothing."""
    now = datetime.now(UTC)
    day_ago = to_text(now - POSTING_MEMORY)
    ever, active, today, newest = await scene.db.requests.posting_counts(user.id, day_ago)
    traced, traced_newest = await scene.db.posting_traces.of(user, day_ago)
    counts = (
        ever + traced,
        active,
        today + traced,
        max(filter(None, (newest, traced_newest)), default=None),
    )
    recent: list[str] = []
    minutes = scene.settings.new_user_cooldown_minutes
    if minutes and _is_new(user, now):
        since = to_text(now - timedelta(minutes=minutes))
        recent = sorted(
            await scene.db.requests.from_new_accounts(since, to_text(now - NEW_ACCOUNT))
            + await scene.db.posting_traces.from_new_accounts(since),
            reverse=True,
        )
    return posting_refusal(scene, user, counts, recent, now)


async def remember_posting(scene: Scene, person: User) -> None:
    """Before an account is erased: when it posted in the last day, under a keyed hash."""
    now = datetime.now(UTC)
    await scene.db.posting_traces.keep(
        person, to_text(now - POSTING_MEMORY), to_text(_parse(person.created_at) + NEW_ACCOUNT)
    )
