"""What of a request's offers is held back, and the words that say so (issue 79, point 2).

An offer is held in two ways:

- **For quiet hours**: it was sent, and waits in the outbox for the end of the volunteer's
  quiet hours (``offer_sending``); it goes then, or at once when she ends them.
- **By the offer rules**: a volunteer who fits is not asked now - outside the daytime only
  those who take evening requests are (``pace.evening_only``), and a volunteer who had her
  offers a day or a week is not (``ranking``'s caps) - and the search looks again at its
  next wave or look (``waves``). Counted only where nobody is asked now: in the daytime
  a wave asks a few on purpose, and the others are not held.

The coordinators read for whom and until when ("held for 2 volunteers until 07:00: vera,
olga"), the requester how many and until when - never who. "Nobody left" is said only when
nobody is held either (:func:`nobody_told`). ``offer_fanout`` tells both when a request
opens, ``waves`` when a wave of its own (the clock's, or after a whole wave's "not this
time") holds offers for quiet hours - those of that wave only; the coordinators' ``/offer``
and the desk read :func:`nobody_told`, and ``/offer`` :func:`coordinator_lines`. Nothing
here sends an offer or changes a request.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from db import Database
from db.clock import from_text, to_text
from db.requests import HelpRequest
from handlers.helping import pace
from handlers.helping.matching import ranking
from handlers.helping.render import reoffer_buttons
from handlers.messages import Message
from handlers.messenger import Messenger
from handlers.settings import HandlerSettings
from locales import N_, Translator

# A coordinator's "offer again" found nobody who qualifies and was not told yet (the chat's
# answer and the desk's notice).
NOBODY_LEFT = N_(
    "📣 Nobody left to offer #{id} to now: everyone who fits was asked, or is paused or "
    "busy. Please look for help another way."
)


@dataclass(frozen=True)
class Held:
    """``sleeping``: the first names of those whose offer waits for their quiet hours
    (``sleepers``: their user numbers), and ``until`` the soonest end; ``later``: how many
    fit but are not asked before ``later_at`` (the evening rules, the caps); ``night``:
    outside the daytime."""

    sleeping: tuple[str, ...] = ()
    until: datetime | None = None
    later: int = 0
    later_at: datetime | None = None
    night: bool = False
    sleepers: tuple[int, ...] = ()

    @property
    def count(self) -> int:
        return len(self.sleeping) + self.later

    @property
    def soonest(self) -> datetime | None:
        """When the first of them gets it."""
        moments = [at for at in (self.until, self.later_at) if at is not None]
        return min(moments) if moments else None


async def held(
    db: Database,
    settings: HandlerSettings,
    request: HelpRequest,
    now: datetime,
    *,
    nobody_asked_now: bool,
    besides: Collection[int] = (),
) -> Held:
    """What is held of the request's offers at ``now``; ``nobody_asked_now``: count also
    those the offer rules hold back (see the module's docstring); ``besides``: leave out
    the offers to these volunteers (held before, and said then)."""
    rows = [
        row for row in await db.volunteers.held(request.id, to_text(now)) if row[0] not in besides
    ]
    names = []
    for who, _ in rows:
        user = await db.users.get(who)
        names.append(user.first_name if user and user.first_name else f"#{who}")
    until = from_text(rows[0][1]) if rows else None
    later, later_at = 0, None
    search = await db.waves.get(request.id) if settings.offer_rules.waves else None
    if nobody_asked_now and search is not None and search.next_at and not search.handed_over_at:
        # Everyone at the search's reach as if it were daytime and nobody had a cap: those
        # of them not asked yet wait for the next wave or look.
        asked = await db.volunteers.offered(request.id)
        fit = await ranking.candidates(
            db, settings, request, now, search.reach, set(asked), over_day_cap=True
        )
        later = len(fit)
        later_at = from_text(search.next_at) if later else None
    night = pace.evening_only(settings.offer_rules, now)
    return Held(tuple(names), until, later, later_at, night, tuple(who for who, _ in rows))


def coordinator_lines(t: Translator, request_id: int, held: Held) -> list[Markup]:
    """For the coordinators: for whom the offers of the request are held, and until when."""
    lines = []
    if held.sleeping and held.until is not None:
        lines.append(
            t.tn(
                "🌙 #{id} is held for {n} volunteer until {time} (quiet hours): {names}. "
                "The offer goes to them then.",
                "🌙 #{id} is held for {n} volunteers until {time} (quiet hours): {names}. "
                "The offer goes to them then.",
                len(held.sleeping),
                id=request_id,
                time=t.time(held.until),
                names=t.list_of(list(held.sleeping)),
            )
        )
    if held.later and held.later_at is not None and held.night:
        lines.append(
            t.tn(
                "⏸ #{id} is held for {n} more volunteer until {time}: at night only those "
                "who take evening requests are asked.",
                "⏸ #{id} is held for {n} more volunteers until {time}: at night only those "
                "who take evening requests are asked.",
                held.later,
                id=request_id,
                time=t.time(held.later_at),
            )
        )
    elif held.later and held.later_at is not None:
        lines.append(
            t.tn(
                "⏸ #{id} is held for {n} more volunteer until {time}: they had as many "
                "offers as they take a day.",
                "⏸ #{id} is held for {n} more volunteers until {time}: they had as many "
                "offers as they take a day.",
                held.later,
                id=request_id,
                time=t.time(held.later_at),
            )
        )
    return lines


def requester_line(t: Translator, request_id: int, held: Held) -> Markup:
    """For the requester: how many helpers get the request later, and from when."""
    soonest = held.soonest
    assert soonest is not None
    return t.tn(
        "🌙 Your request #{id} is held for {n} helper until {time}; it goes to them then. "
        "You do not need to do anything.",
        "🌙 Your request #{id} is held for {n} helpers until {time}; it goes to them then. "
        "You do not need to do anything.",
        held.count,
        id=request_id,
        time=t.time(soonest),
    )


async def tell(mail: Messenger, request: HelpRequest, held: Held) -> None:
    """The coordinators and the requester are told what is held (nothing when nothing is)."""
    if not held.count:
        return
    # With the "offer again" button: a coordinator need not wait (it reaches those the caps
    # hold back, waves.next_wave's ``by_coordinator``).
    await mail.to_backchannel(
        lambda t: Message(
            Markup("\n").join(coordinator_lines(t, request.id, held)),
            reoffer_buttons(t, request.id),
            typed_choices=False,
        ),
        # It names those it is held for: erasing one of them takes her name out of it.
        about=[request.requester_id, *held.sleepers],
    )
    await mail.to_user(request.requester_id, lambda t: Message(requester_line(t, request.id, held)))


async def nobody_told(
    db: Database, settings: HandlerSettings, t: Translator, request: HelpRequest
) -> Markup:
    """A coordinator's "offer again" reached nobody new: "nobody left" only when nothing
    is held either; otherwise for whom it is held and until when."""
    found = await held(db, settings, request, settings.clock(), nobody_asked_now=True)
    if not found.count:
        return t.t(NOBODY_LEFT, id=request.id)
    return Markup("\n").join(
        [
            t.t("📣 Nobody else to offer #{id} to now.", id=request.id),
            *coordinator_lines(t, request.id, found),
        ]
    )
