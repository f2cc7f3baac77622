"""People for the help tests that work on the store directly (tests/handlers/helping):
someone who chose German and agreed, and a coordinator."""

from __future__ import annotations

from db import Database
from db.users import User


async def person(db: Database, name: str, platform: str = "console") -> User:
    """Someone who chose German and agreed to the privacy notice (a console person is
    named, one on another platform is known by their id only)."""
    user = await db.users.seen(platform, name, name, name.title() if platform == "console" else "")
    await db.users.set_language(user.id, "de")
    await db.users.record_consent(user.id)
    return await db.users.get(user.id)


async def coordinator(db: Database) -> int:
    """Cora, a coordinator."""
    cora = await person(db, "cora")
    await db.users.grant_role(cora.id, "coordinator")
    return cora.id
