"""The posting limits: whether a person may post a help request now, and why not.

A banned person may not; nor may someone with too many requests still running or too many
posted today. New accounts (younger than a day) wait a little between requests, and all of
them wait while very many new accounts post at once (a flood). The limits also count the
requests of the person's erased accounts of the last day (``db/posting_traces.py``):
/delete then /start resets nothing; :func:`remember_posting` keeps those traces. Requests a
coordinator entered never count (``entered_by``): a busy desk is not a flood.

A flood is many new accounts' requests within the cooldown: at least
``[help] new_account_flood_requests``, or - in a city that usually gets more - three times
what the city usually gets in that time (its requests of the last four weeks).

Nobody is turned away silently. Except a ban, a limit holds a request back instead of
refusing it (:class:`Hold`, carried by the :class:`Refused`): :func:`lifecycle.submit`
keeps it as a ``draft`` row (db/request_states.py: never sent, it counts nowhere) with
``held_reason`` (:data:`FLOOD`, :data:`WAIT`, :data:`DAY`, :data:`OPEN_LIMIT`) and
``held_until`` (when the wait ends; none for the day's and the open requests' limits, which
end when the person's requests allow). The person reads why and what happens next, finds it
under "My requests", and is told when it goes on; the coordinators read it as held, with
the reason (the group, and the desk's request list); the group is told when the flood rule
switches on and off. The job in ``held_requests`` moves it on when the limits allow. One
held request a person at a time: a second is refused before the form (:data:`HELD_ONE`).

A caller who wants to talk now (the kind ``talk``, often a lonely senior on the phone line)
is not held by the flood rule: her request goes to review at once, where it is first
(handlers/helping/review/review_queue.py) - a conversation ten minutes later is no conversation.
Only while as many talk requests of new accounts as make a flood came within the cooldown
does the rule hold the next one too (a flood cannot pass itself off as lonely callers).
Held requests are read talk first, then the urgent ones, each oldest first
(:func:`first_held`), wherever they are shown; the urgent ones marked so.

The request flow asks :func:`may_post` before the form starts (a flood does not stop the
form: what is written is kept), the lifecycle again when the request is submitted; only the
lifecycle creates the request.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from markupsafe import Markup

from db.clock import to_text
from db.posting_traces import FloodQuestions
from db.requests import HelpRequest
from db.users import User
from handlers.helping.pace import URGENT_WHEN
from handlers.helping.refused import Refused
from handlers.helping.scene import Scene
from handlers.helping.vocabulary import HELP_CATEGORIES, TALK, WHEN
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
# The city's usual rate: its requests of this span; a flood is FLOOD_FACTOR times that.
USUAL_SPAN = timedelta(days=28)
FLOOD_FACTOR = 3

# Why a request is held back (help_requests.held_reason).
FLOOD, WAIT, DAY, OPEN_LIMIT = "flood", "wait", "day", "open"
# What the person reads first, then :data:`KEPT_AT` or :data:`KEPT_UNTIL_ALLOWED`.
FLOOD_TEXT = N_("⏳ Very many new people are asking for help right now.")
WAIT_TEXT = N_("⏳ You have just posted a request.")
DAY_TEXT = N_("✋ You have posted many requests today.")
OPEN_TEXT = N_("✋ You already have as many open requests as one person may have.")
PERSON_REASONS = {FLOOD: FLOOD_TEXT, WAIT: WAIT_TEXT, DAY: DAY_TEXT, OPEN_LIMIT: OPEN_TEXT}
KEPT_AT = N_(
    "We keep your request #{id} and pass it to our team at {time}. We will tell you then;"
    " until then you find it under “My requests”."
)
KEPT_UNTIL_ALLOWED = N_(
    "We keep your request #{id} and pass it to our team as soon as the limit allows. We"
    " will tell you then; until then you find it under “My requests”."
)
# Before the form, in a flood: the form goes on, and what is written is kept.
WRITE_ALL_THE_SAME = N_(
    "You can write your request all the same: we keep it and pass it to our team at {time}."
)
WRITE_WHEN_ALLOWED = N_(
    "You can write your request all the same: we keep it and pass it to our team as soon as"
    " the limit allows."
)
# What "My requests" says of a held request.
HELD_LABEL_UNTIL = N_("held back until {time}")
HELD_LABEL = N_("held back until the limit allows")
# The coordinators' words for the reasons (the group and the desk).
COORDINATOR_REASONS = {
    FLOOD: N_("many new accounts are asking at once"),
    WAIT: N_("a new account asked again within a few minutes"),
    DAY: N_("the requester reached the day's limit"),
    OPEN_LIMIT: N_("the requester has as many open requests as allowed"),
}
HELD_ONE = N_(
    "⏳ Your request #{id} is kept and waits to be passed to our team. You can ask"
    " again after that."
)

# The coordinators' group, when the flood rule switches on (the first request it holds)
# and off (the job sent the last one it held on to review).
FLOOD_ON = N_(
    "🚦 Very many new accounts are asking for help at once: the flood rule is on. Their"
    " requests are held back and go to review when the rush has thinned out; the desk's"
    " request list shows them as held."
)
FLOOD_OFF = N_("🟢 The flood rule is off again: the requests it held back went to review.")


def flood_on_text(t: Translator) -> Markup:
    return t.t(FLOOD_ON)


def flood_off_text(t: Translator) -> Markup:
    return t.t(FLOOD_OFF)


def held_label(t: Translator, stored_until: str | None) -> Markup:
    """A held request's state as its requester reads it in "My requests"."""
    if stored_until:
        return t.t(HELD_LABEL_UNTIL, time=when(t, stored_until))
    return t.t(HELD_LABEL)


def when(t: Translator, stored: str) -> Any:
    """A stored moment as :func:`_at` says it, from now."""
    return _at(t, _parse(stored), datetime.now(UTC))


@dataclass(frozen=True)
class Hold:
    """A limit that holds a request back: why (:data:`PERSON_REASONS`' keys) and until
    when (None: until the person's requests allow)."""

    reason: str
    until: datetime | None = None

    def stored_until(self) -> str | None:
        return to_text(self.until) if self.until else None

    def tell(self, t: Translator, request_id: int, now: datetime) -> Markup:
        """What the person reads: why, and what happens next."""
        nxt = (
            t.t(KEPT_AT, id=request_id, time=_at(t, self.until, now))
            if self.until
            else t.t(KEPT_UNTIL_ALLOWED, id=request_id)
        )
        return Markup(" ").join([t.t(PERSON_REASONS[self.reason]), nxt])

    def note(self, t: Translator, now: datetime) -> Markup:
        """Before the form: why, and that what is written is kept all the same."""
        kept = (
            t.t(WRITE_ALL_THE_SAME, time=_at(t, self.until, now))
            if self.until
            else t.t(WRITE_WHEN_ALLOWED)
        )
        return Markup(" ").join([t.t(PERSON_REASONS[self.reason]), kept])


def held(reason: str, until: datetime | None = None, text: Any = None) -> Refused:
    """A refusal that holds the request back; ``text`` renders what is said before the
    form (the request has no number yet)."""
    refusal = Refused(render=text or (lambda t: t.t(PERSON_REASONS[reason])))
    refusal.hold = Hold(reason, until)
    return refusal


def posting_refusal(
    scene: Scene,
    user: User,
    counts: tuple[int, int, int, str | None],
    from_new_accounts: Collection[str] = (),
    now: datetime | None = None,
    burst: int | None = None,
    flood_exempt: bool = False,
) -> Refused | None:
    """Why ``user`` may not post a request now (banned, too many, a flood), or None; all
    but a ban hold the request back (``Refused.hold``). ``counts``: (requests ever, still
    active, created in the last day, when the newest was created); ``from_new_accounts``:
    when the recent requests of new accounts were created, newest first; ``burst``: how
    many of them make a flood (see :func:`may_post`); ``flood_exempt``: the flood rule
    does not hold this one (a talk request, see :func:`may_post`)."""
    settings = scene.settings
    if user.banned_at:
        return Refused(BANNED_TEXT)
    _ever, active, today, newest = counts
    if active >= settings.max_open_requests:
        return held(
            OPEN_LIMIT,
            text=lambda t: t.tn(
                "✋ You already have {n} open request. Please wait until it is done or "
                "withdraw it before you post a new one.",
                "✋ You already have {n} open requests. Please wait until one is done "
                "or withdraw one before you post a new one.",
                active,
            ),
        )
    if today >= settings.max_requests_per_day:
        return held(
            DAY,
            text=lambda t: t.t(
                "✋ You have posted many requests today. Please try again tomorrow."
            ),
        )
    now = now or datetime.now(UTC)
    if not _is_new(user, now) or not settings.new_user_cooldown_minutes:
        return None
    cooldown = timedelta(minutes=settings.new_user_cooldown_minutes)
    # A new account's own quick repeats wait; so does everyone new while many new accounts
    # post at once, until the burst has thinned out.
    if newest and (until := _parse(newest) + cooldown) > now:
        wait_until = until
        return held(
            WAIT,
            wait_until,
            lambda t: t.t(
                "⏳ You have just posted a request. You can post the next one at {time}.",
                time=_at(t, wait_until, now),
            ),
        )
    burst = burst or settings.new_account_flood_requests
    if not flood_exempt and len(from_new_accounts) >= burst:
        flood_until = _parse(list(from_new_accounts)[burst - 1]) + cooldown
        if flood_until > now:
            return held(FLOOD, flood_until, lambda t: Hold(FLOOD, flood_until).note(t, now))
    return None


def flood_burst(settings: Any, asked: int) -> int:
    """How many requests of new accounts within the cooldown make a flood: the city's
    setting, or :data:`FLOOD_FACTOR` times its usual count in that time (``asked``: its
    requests of :data:`USUAL_SPAN`), whichever is more."""
    window = timedelta(minutes=settings.new_user_cooldown_minutes)
    usual = asked * (window / USUAL_SPAN)
    return max(settings.new_account_flood_requests, math.ceil(FLOOD_FACTOR * usual))


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


async def may_post(
    scene: Scene,
    user: User,
    now: datetime | None = None,
    *,
    releasing: bool = False,
    kind: str | None = None,
) -> Refused | None:
    """The posting limits, counting the requests of the person's erased accounts of the
    last day too (``db/posting_traces.py``): /delete then /start resets nothing. A person
    whose request is held asks again after it went on (:data:`HELD_ONE`); ``releasing``:
    the held requests' job asks for that one, with its clock (``now``). ``kind``: the
    request's kind where it is known (at submission): a talk request passes the flood
    rule unless a flood of talk requests came (see the module's docstring)."""
    now = now or datetime.now(UTC)
    asks_held = not releasing and not user.banned_at
    minutes = scene.settings.new_user_cooldown_minutes
    flood = None
    if minutes and _is_new(user, now):
        flood = FloodQuestions(
            since=to_text(now - timedelta(minutes=minutes)),
            joined_since=to_text(now - NEW_ACCOUNT),
            usual_since=to_text(now - USUAL_SPAN),
            category=TALK if kind == TALK else None,
        )
    # One round trip for every question a new request asks (issue 104: the flood rule's
    # three went one by one, four trips for the form's first step on PostgreSQL).
    record = await scene.db.posting_traces.record(
        user, to_text(now - POSTING_MEMORY), held=asks_held, flood=flood
    )
    if record.held:
        return Refused(HELD_ONE, id=record.held[0])
    ever, active, today, newest = record.counts
    counts = (
        ever + record.traced,
        active,
        today + record.traced,
        max(filter(None, (newest, record.traced_newest)), default=None),
    )
    recent = record.from_new_accounts
    burst = flood_burst(scene.settings, record.asked) if flood is not None else None
    # A talk request passes the flood rule unless its new accounts' talk requests make one.
    exempt = bool(kind == TALK and recent and burst and len(record.of_category) < burst)
    return posting_refusal(scene, user, counts, recent, now, burst, flood_exempt=exempt)


def first_held(held: Iterable[HelpRequest]) -> list[HelpRequest]:
    """Held requests in the order they are read and sent on: a caller who wants to talk
    now first, then the urgent ones, each oldest first (as the review queue orders)."""
    return sorted(held, key=lambda request: (_rank(request), request.created_at, request.id))


def _rank(request: HelpRequest) -> int:
    if request.category == TALK:
        return 0
    return 1 if (request.when_kind or "") in URGENT_WHEN else 2


def mark(t: Translator, request: HelpRequest) -> Markup:
    """What sets a held request apart at a glance: "📞 Just talk" or "⚡ as soon as
    possible" ("" for the others)."""
    if request.category == TALK:
        icon, label = HELP_CATEGORIES[TALK]
        return Markup("{0} {1}").format(icon, t._(label))
    if (request.when_kind or "") in URGENT_WHEN:
        return Markup("⚡ {0}").format(t._(WHEN["asap"]))
    return Markup("")


async def remember_posting(scene: Scene, person: User) -> None:
    """Before an account is erased: when it posted in the last day, under a keyed hash."""
    now = datetime.now(UTC)
    await scene.db.posting_traces.keep(
        person, to_text(now - POSTING_MEMORY), to_text(_parse(person.created_at) + NEW_ACCOUNT)
    )
