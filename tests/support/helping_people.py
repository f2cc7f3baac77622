"""People for the help tests that work on the store directly (tests/handlers/helping and
the other tests that set up the help story's people): someone who chose German and agreed,
a coordinator, and a volunteer's profile, verified or not."""

from __future__ import annotations

from typing import Any

from db import Database
from db.users import User
from db.volunteers import Volunteer


async def found(db: Database, platform: str, user_id: str) -> User:
    """The person with ``user_id`` on ``platform``, who must be known by now."""
    user = await db.users.find(platform, user_id)
    assert user is not None, f"{platform}:{user_id} is nobody yet"
    return user


async def known(db: Database, user_id: int) -> User:
    """The person of ``user_id``, who must be known by now."""
    user = await db.users.get(user_id)
    assert user is not None, f"user {user_id} is nobody"
    return user


async def person(db: Database, name: str, platform: str = "console") -> User:
    """Someone who chose German and agreed to the privacy notice (a console person is
    named, one on another platform is known by their id only)."""
    user = await db.users.seen(platform, name, name, name.title() if platform == "console" else "")
    await db.users.set_language(user.id, "de")
    await db.users.record_consent(user.id)
    return await known(db, user.id)


async def coordinator(db: Database) -> int:
    """Cora, a coordinator."""
    cora = await person(db, "cora")
    await db.users.grant_role(cora.id, "coordinator")
    return cora.id


async def volunteer_profile(
    db: Database,
    user_id: int,
    *,
    kinds: tuple[str, ...] = ("shopping",),
    districts: tuple[str, ...] = ("Innenstadt-Nord",),
    languages: tuple[str, ...] = ("de",),
    quiet: tuple[int, int] | None = (0, 0),
    max_open: int = 2,
    **profile: Any,
) -> Volunteer:
    """``user_id`` registered as a volunteer, not verified: helping with ``kinds`` in
    ``districts``, speaking ``languages``, at most ``max_open`` requests at once. ``quiet``
    hours (0, 0) are none, so that a test run at night is offered a request at once as by
    day; None keeps the form's default (22-7). Any other profile field as ``db.volunteers.save``
    takes it (evenings, talk_shift, lat/lon/radius_m)."""
    if quiet is not None:
        profile["quiet_start"], profile["quiet_end"] = quiet
    return await db.volunteers.save(
        user_id,
        categories=kinds,
        stadtbezirke=districts,
        languages=languages,
        max_open=max_open,
        **profile,
    )


async def verified_volunteer(
    db: Database, user_id: int, *, verified_by: int | None = None, **profile: Any
) -> Volunteer:
    """:func:`volunteer_profile` (the same parameters), verified by ``verified_by`` (a
    coordinator's id; themselves where None, as the tests that need no coordinator do):
    the profile as stored."""
    await volunteer_profile(db, user_id, **profile)
    assert await db.volunteers.verify(user_id, user_id if verified_by is None else verified_by)
    verified = await db.volunteers.get(user_id)
    assert verified is not None
    return verified


async def volunteer_row(
    db: Database,
    name: str,
    kinds: str,
    districts: str,
    languages: str,
    *,
    shown_as: str | None = None,
    talk_shift: str = "",
) -> int:
    """``name`` (a memory person, shown as ``shown_as`` or their name) with a volunteer's
    row written in SQL, past the store (so that nothing the store keeps hears of it, and no
    role is granted): ``kinds``, ``districts``, ``languages`` and ``talk_shift`` as stored
    (";shopping;tech;"), no quiet hours, two at once, not paused, not verified, registered
    on 2026-01-01. Their id."""
    user = await db.users.seen("memory", name, name, shown_as or name)
    await db.execute(
        "INSERT INTO volunteers (user_id, categories, stadtbezirke, languages, quiet_start,"
        " quiet_end, max_open, paused, created_at, talk_shift)"
        " VALUES (?, ?, ?, ?, 0, 0, 2, 0, '2026-01-01T00:00:00Z', ?)",
        (user.id, kinds, districts, languages, talk_shift),
    )
    return user.id
