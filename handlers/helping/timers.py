"""Timed follow-ups of open requests, run by the scheduler (``bot/cli/main.py``).

- No volunteer has accepted within ``escalate_hours`` (8) of opening: the backchannel is
  alerted (once), so that the coordinators phone round the same day (issue 81: 8 hours,
  not 24 - judged in the outcomes bench, docs/help.md "The coordinators' alert").
- Still open after ``remind_days``: the requester is asked whether the help is still needed.
- Open or unchecked for ``expire_days`` (counted from the last "still needed"), or the day
  it was for (a day chosen) is over: expired, and its requester told so.
- Every morning: the unclaimed requests per district go to the backchannel.

Each function takes the time so tests can move it; messages go through the outbox in the
same transaction as the marks that stop them from being sent twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup

from db import Database
from db.clock import to_text
from db.request_states import OPEN, WAITING
from db.requests import HelpRequest
from handlers.context import Backstage
from handlers.helping import lifecycle
from handlers.helping.render import category_label, reoffer_buttons
from handlers.helping.vocabulary import day_passed
from handlers.messages import Button, Message
from handlers.messenger import backchannel_language
from handlers.settings import HandlerSettings


@dataclass(frozen=True)
class Timing:
    # bot/config.py's [help] escalate_hours default is the same.
    escalate_hours: int = 8
    remind_days: int = 3
    expire_days: int = 7


def _older(stamp: str | None, limit: datetime) -> bool:
    return stamp is not None and stamp < to_text(limit)


async def follow_up(
    db: Database, settings: HandlerSettings, now: datetime, timing: Timing = Timing()
) -> int:
    """Escalate, remind and expire; return how many messages were queued."""
    scene = Backstage(db, settings)
    async with db.transaction():
        for request in await db.requests.in_state(*WAITING):
            start = max(filter(None, (request.opened_at, request.created_at, request.kept_at)))
            # A day chosen that is over: offered on, it would ask volunteers to help on a
            # day past, its requester hearing nothing until the reminder days later.
            expired = _older(start, now - timedelta(days=timing.expire_days))
            if expired or day_passed(request.when_text, now):
                await lifecycle.expire(scene, request.id)
                continue
            if request.state != OPEN:
                continue
            opened = max(filter(None, (request.opened_at, request.kept_at)))
            if request.escalated_at is None and _older(
                opened, now - timedelta(hours=timing.escalate_hours)
            ):
                await db.requests.mark(request.id, "escalated_at")
                await _escalate(scene, request)
            if request.reminded_at is None and _older(
                opened, now - timedelta(days=timing.remind_days)
            ):
                await db.requests.mark(request.id, "reminded_at")
                await _ask_still_needed(scene, request)
    return scene.mail.queued


async def _escalate(scene: Backstage, request: HelpRequest) -> None:
    await scene.mail.to_backchannel(
        lambda t: Message(
            t.t(
                "⏰ Nobody has taken request #{id} ({category}, {area}) yet. Can you find someone?",
                id=request.id,
                category=category_label(t, request.category),
                area=request.area_name or "?",
            ),
            reoffer_buttons(t, request.id),
            typed_choices=False,
        ),
        about=[request.requester_id],
    )


async def _ask_still_needed(scene: Backstage, request: HelpRequest) -> None:
    await scene.mail.to_user(
        request.requester_id,
        lambda t: Message(
            t.t(
                "❓ We are still looking for a helper for your "
                "request #{id}. Do you still need the help?",
                id=request.id,
            ),
            [
                [
                    Button("✅ " + t._("Yes, still needed"), f"hr:keep:{request.id}"),
                    Button("🗑 " + t._("No, withdraw it"), f"hr:wdy:{request.id}"),
                ]
            ],
        ),
    )


async def roundup(db: Database, settings: HandlerSettings) -> int:
    """The morning list of unclaimed requests, per district, for the coordinators."""
    open_requests = await db.requests.in_state(OPEN)
    if not open_requests:
        return 0
    bt = backchannel_language()
    by_district: dict[str, list[HelpRequest]] = {}
    for request in open_requests:
        by_district.setdefault(request.stadtbezirk or "?", []).append(request)
    lines = [bt.t("📋 <b>Open requests without a helper</b>")]
    for district in sorted(by_district):
        lines.append(Markup(""))
        lines.append(bt.format("<b>{district}</b>", district=district))
        for request in by_district[district]:
            lines.append(
                bt.format(
                    "#{id} {category} - {area}",
                    id=request.id,
                    category=category_label(bt, request.category),
                    area=request.area_name or "?",
                )
            )
    text = Markup("\n").join(lines)
    scene = Backstage(db, settings)
    async with db.transaction():
        await scene.mail.to_backchannel(
            lambda t: Message(text), about=[r.requester_id for r in open_requests]
        )
    return scene.mail.queued
