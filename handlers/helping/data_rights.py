"""What the help feature stores about a person, for /mydata and /delete."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from db.requests import ACTIVE, TransitionError
from handlers.context import Context
from handlers.helping import matching, relay
from handlers.router import Router
from locales import N_


async def export(ctx: Context) -> dict[str, Any]:
    volunteer = await ctx.db.volunteers.get(ctx.user.id)
    written = await ctx.db.contacts.written_by(ctx.user.id)
    return {
        "requests": [asdict(r) for r in await ctx.db.requests.for_requester(ctx.user.id)],
        "volunteer_profile": asdict(volunteer) if volunteer else None,
        "help_given": [
            {"request_id": r[0], "category": r[1], "closed_at": r[2], "minutes": r[3]}
            for r in await ctx.db.volunteers.record(ctx.user.id)
        ],
        **written,
    }


async def erase(ctx: Context) -> None:
    """Withdraw the person's open requests, hand back the ones they help with (they are
    offered again), end their contacts, and blank the texts they wrote."""
    for request in await ctx.db.requests.for_requester(ctx.user.id, ACTIVE):
        try:
            withdrawn = await ctx.db.requests.transition(request.id, "withdrawn", ctx.user.id)
        except TransitionError:
            continue
        await matching.request_withdrawn(ctx, request)
        if request.state == "matched":
            await relay.disconnect(
                ctx,
                withdrawn,
                N_(
                    "🚪 The person you were helping ended the contact for request #{id}. Thank you!"
                ),
                ctx.user.id,
            )
    for request in await ctx.db.requests.in_state("matched"):
        if request.volunteer_id != ctx.user.id:
            continue
        try:
            reopened = await ctx.db.requests.transition(
                request.id, "open", ctx.user.id, expect=("matched",), volunteer_id=None
            )
        except TransitionError:
            continue
        await relay.disconnect(
            ctx,
            reopened,
            N_(
                "↩️ Your helper cannot make it after all. "
                "Your request #{id} is open again and we are "
                "looking for someone else."
            ),
            ctx.user.id,
        )
        await matching.offer(ctx, reopened, skip={ctx.user.id})
    await ctx.db.volunteers.leave(ctx.user.id)
    await ctx.db.contacts.blank_texts(ctx.user.id)
    await ctx.db.requests.audit(None, "user.erased", "user:erased")


def register(router: Router) -> None:
    router.exporters["help"] = export
    router.erasers.append(erase)
