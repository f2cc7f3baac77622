"""What the help feature stores about a person, for /mydata and /delete."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from db.users import User
from handlers.context import Context
from handlers.helping import lifecycle
from handlers.router import Router


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


async def erase(scene: lifecycle.Scene, person: User, why: str) -> None:
    """Before the account goes: everything still running ends through the lifecycle (own
    requests withdrawn, helped requests handed back and offered to others; partners and
    coordinators told), then the profile and the texts the person wrote are removed."""
    await lifecycle.end_all_for(scene, person, why)
    await scene.db.volunteers.leave(person.id)
    await scene.db.contacts.blank_texts(person.id)
    await scene.db.contacts.forget_notices(f"user:{person.id}")
    await scene.db.requests.audit(None, "user.erased", "user:erased")


def register(router: Router) -> None:
    router.exporters["help"] = export
    router.erasers.append(erase)
