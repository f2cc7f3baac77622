"""Timed follow-ups of open requests, run by the scheduler (``bot/cli.py``).

- No volunteer has accepted within ``escalate_hours``: the backchannel is alerted (once).
- Still open after ``remind_days``: the requester is asked whether the help is still needed.
- Open or unchecked for ``expire_days`` (counted from the last "still needed"): expired.
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
from db.requests import HelpRequest, TransitionError
from handlers.helping.requests_flow import category_label
from handlers.model import Button, Edit, Message, encode
from handlers.settings import HandlerSettings
from locales import DEFAULT_LANGUAGE, Translator, translator


@dataclass(frozen=True)
class Timing:
    escalate_hours: int = 24
    remind_days: int = 3
    expire_days: int = 7


async def _to_backchannel(db: Database, settings: HandlerSettings, text: Markup) -> int:
    for platform, chat_id in sorted(settings.backchannels):
        await db.outbox.enqueue(platform, chat_id, encode(Message(text)))
    return len(settings.backchannels)


async def _requester_t(db: Database, request: HelpRequest):
    user = await db.users.get(request.requester_id) if request.requester_id else None
    if user is None or not user.chat_id:
        return None, None
    return user, translator(user.language or DEFAULT_LANGUAGE)


def _older(stamp: str | None, limit: datetime) -> bool:
    return stamp is not None and stamp < to_text(limit)


async def follow_up(
    db: Database, settings: HandlerSettings, now: datetime, timing: Timing = Timing()
) -> int:
    """Escalate, remind and expire; return how many messages were queued."""
    queued = 0
    bt = translator(DEFAULT_LANGUAGE)
    async with db.transaction():
        for request in await db.requests.in_state("open", "review"):
            start = max(filter(None, (request.opened_at, request.created_at, request.kept_at)))
            if _older(start, now - timedelta(days=timing.expire_days)):
                queued += await _expire(db, settings, request, bt)
                continue
            if request.state != "open":
                continue
            opened = max(filter(None, (request.opened_at, request.kept_at)))
            if request.escalated_at is None and _older(
                opened, now - timedelta(hours=timing.escalate_hours)
            ):
                await db.requests.mark(request.id, "escalated_at")
                queued += await _to_backchannel(
                    db,
                    settings,
                    bt.t(
                        "⏰ Nobody has taken request #{id} ({category}, {area}) yet. Can you find "
                        "someone?",
                        id=request.id,
                        category=category_label(bt, request.category),
                        area=request.area_name or "?",
                    ),
                )
            if request.reminded_at is None and _older(
                opened, now - timedelta(days=timing.remind_days)
            ):
                await db.requests.mark(request.id, "reminded_at")
                user, t = await _requester_t(db, request)
                if user is not None and t is not None:
                    await db.outbox.enqueue(
                        user.platform,
                        user.chat_id,
                        encode(
                            Message(
                                t.t(
                                    "❓ We are still looking for a helper for your "
                                    "request #{id}. Do you still need the help?",
                                    id=request.id,
                                ),
                                [
                                    [
                                        Button(
                                            "✅ " + t._("Yes, still needed"),
                                            f"hr:keep:{request.id}",
                                        ),
                                        Button(
                                            "🗑 " + t._("No, withdraw it"), f"hr:wdy:{request.id}"
                                        ),
                                    ]
                                ],
                            )
                        ),
                    )
                    queued += 1
    return queued


async def _expire(
    db: Database, settings: HandlerSettings, request: HelpRequest, bt: Translator
) -> int:
    try:
        request = await db.requests.transition(
            request.id, "expired", None, expect=("open", "review")
        )
    except TransitionError:
        return 0
    queued = 0
    user, t = await _requester_t(db, request)
    if user is not None and t is not None:
        await db.outbox.enqueue(
            user.platform,
            user.chat_id,
            encode(
                Message(
                    t.t(
                        "⌛ Your request #{id} has expired because nobody could take it "
                        "on. You are welcome to post it again.",
                        id=request.id,
                    )
                )
            ),
        )
        queued += 1
    for volunteer_id, outbox_id, _declined in await db.volunteers.offers(request.id):
        volunteer = await db.users.get(volunteer_id)
        target = await db.outbox.target(outbox_id)
        if volunteer is None or target is None:
            continue
        vt = translator(volunteer.language or DEFAULT_LANGUAGE)
        await db.outbox.enqueue(
            *target, encode(Edit(outbox_id, vt.t("⌛ Request #{id} has expired.", id=request.id)))
        )
        queued += 1
    return queued + await _to_backchannel(
        db, settings, bt.t("⌛ Request #{id} expired without a helper.", id=request.id)
    )


async def roundup(db: Database, settings: HandlerSettings) -> int:
    """The morning list of unclaimed requests, per district, for the coordinators."""
    open_requests = await db.requests.in_state("open")
    if not open_requests:
        return 0
    bt = translator(DEFAULT_LANGUAGE)
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
    async with db.transaction():
        return await _to_backchannel(db, settings, Markup("\n").join(lines))
