"""Who moved a request on, and when: the answer to a coordinator's action refused because
the request had changed meanwhile - in the chat (/publish, /reject, /offer, a press on a
review post, a text written in their private chat) and on the desk alike.

Coordinators working in parallel need "Anna published it at 14:05", not only "published":
to redo nothing and undo nothing another one did. The lifecycle's :class:`Refused` says
what the request is now (``now``, where it had moved on) and who decided first
(``decided_by``); :func:`said` reads the rest from the request's audit trail, which records
every move (``request.<state>``: who, when): the last move into the state the request is in.
It is read when the refusal is answered, so refusals raised outside the lifecycle (the
offer fan-out's) say it too.

Who: a person as the desk's history names them ("Anna (user 17)", render.someone); the
requester as "the requester" (coordinators ask about the request, not its requester's
account); nobody where the bot moved it (it expired, or was published after the city's
wait): only when. When: the clock time in the coordinator's language, in Europe/Berlin
(Translator.time), with the day where it was not today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from markupsafe import Markup

from db import Database
from db.clock import from_text
from db.request_states import WITHDRAWN
from handlers.helping.refused import Refused
from handlers.helping.render import someone
from handlers.helping.vocabulary import STATE_LABELS
from locales import N_, Translator

# The request's state now and who moved it there, when.
NOW_BY = N_("State of request #{id} now: {state}, changed by {name} at {time}.")
NOW_BY_REQUESTER = N_("State of request #{id} now: {state}, changed by the requester at {time}.")
WITHDRAWN_BY_REQUESTER = N_("Request #{id}: the requester withdrew it at {time}.")
# Moved by the bot (expired, published after the wait), or by whoever named already.
NOW_SINCE = N_("State of request #{id} now: {state}, since {time}.")
# No record of the move (a request older than its audit trail).
NOW = N_("State of request #{id} now: {state}.")
# A button's alert shows this many characters at most (Telegram's; its transport cuts the
# rest off): a longer answer is shortened to what must not be lost (:func:`alert`).
ALERT_LIMIT = 200


@dataclass(frozen=True)
class Move:
    """The last move of a request into ``state``: by whom (None: the bot), when."""

    state: str
    actor_id: int | None
    at: datetime


async def last_move(db: Database, request_id: int, state: str) -> Move | None:
    """The audit trail's last move of ``request_id`` into ``state``; None if it has none."""
    return await last_entry(db, request_id, f"request.{state}")


async def last_entry(db: Database, request_id: int, action: str) -> Move | None:
    """The audit trail's last entry ``action`` of ``request_id`` (a move, an "Offer again",
    a number entered on the desk): by whom, when; None if it has none."""
    entries = [e for e in await db.requests.history(request_id) if e["action"] == action]
    if not entries:
        return None
    last = entries[-1]
    return Move(action.removeprefix("request."), last["actor_id"], _moment(last["at"]))


def _moment(stored: str | datetime) -> datetime:
    if isinstance(stored, datetime):
        return stored if stored.tzinfo else stored.replace(tzinfo=UTC)
    return from_text(stored)


def when(t: Translator, at: datetime, now: datetime) -> str:
    """A past moment to the minute: its clock time, with the day where it was not today
    (both in Europe/Berlin, as the reader's language writes them)."""
    if t.date(at, "short") == t.date(now, "short"):
        return t.time(at)
    return t.day_and_time(at)


async def said(db: Database, t: Translator, refusal: Refused, request_id: int) -> Markup:
    """The refusal's reason and, where the request had moved on, what it is now, who moved
    it there and when: the answer to every refusal of a coordinator's action."""
    reason = refusal.text(t)
    if refusal.now not in STATE_LABELS:
        return reason
    return _joined(reason, await state_line(db, t, refusal, request_id))


def _joined(reason: Markup, line: Markup) -> Markup:
    return reason + Markup(" ") + line


async def alert(db: Database, t: Translator, refusal: Refused, request_id: int) -> str:
    """:func:`said` as a pressed button's alert (plain text): where that is longer than an
    alert shows (a long name, a day before the time, a long language), the state line
    alone - who moved the request and when is what a cut must not take away."""
    reason = refusal.text(t)
    if refusal.now not in STATE_LABELS:
        return reason.striptags()
    line = await state_line(db, t, refusal, request_id)  # the audit trail read once
    full = _joined(reason, line).striptags()
    return full if len(full) <= ALERT_LIMIT else line.striptags()


async def state_line(db: Database, t: Translator, refusal: Refused, request_id: int) -> Markup:
    """What ``request_id`` is now (``refusal.now``), who moved it there and when; the one
    who decided first is not named twice (the reason names them)."""
    state_key = str(refusal.now)
    state = t._(STATE_LABELS[state_key])
    move = await last_move(db, request_id, state_key)
    if move is None:
        return t.t(NOW, id=request_id, state=state)
    time = when(t, move.at, datetime.now(UTC))
    actor = await db.users.get(move.actor_id) if move.actor_id is not None else None
    if actor is None or move.actor_id == refusal.decided_by:
        return t.t(NOW_SINCE, id=request_id, state=state, time=time)
    request = await db.requests.get(request_id)
    if request is not None and request.requester_id == actor.id:
        if state_key == WITHDRAWN:
            return t.t(WITHDRAWN_BY_REQUESTER, id=request_id, time=time)
        return t.t(NOW_BY_REQUESTER, id=request_id, state=state, time=time)
    return t.t(NOW_BY, id=request_id, state=state, name=someone(t, actor), time=time)
