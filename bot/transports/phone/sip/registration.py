"""The phone line's registration at the provider, kept for ``doctor``.

Each answer of the registrar to the running bot's REGISTER (its first, each renewal, a
refusal) is kept in the transports' memory under ``phone.registration`` (db/
transport_state.py): the status code and when. ``doctor`` reads it (:func:`check`) rather
than registering itself, which would take the running bot's place at the registrar (many
accept one contact per user).
"""

from __future__ import annotations

import json
from typing import Any

from bot.transports.hooks import Check
from db import Database
from db.clock import utcnow

KEY = "phone.registration"


async def note(db: Database, code: str) -> None:
    """The registrar answered ``code`` now."""
    await db.transport_state.set(KEY, json.dumps({"code": code, "at": utcnow()}))


async def check(phone: Any, db: Database) -> Check:
    """``doctor``'s line for the ``[phone]`` section ``phone``."""
    name = "phone registration"
    if not phone.registrar:
        return (name, "ok", f"no registrar: calls come to {phone.bind}:{phone.port} directly")
    kept = await db.transport_state.get(KEY)
    if kept is None:
        return (name, "WARN", f"no answer from {phone.registrar} yet (is the bot running?)")
    state = json.loads(kept)
    code, at = str(state.get("code", "")), str(state.get("at", ""))
    if code.startswith("2"):
        return (name, "ok", f"registered at {phone.registrar} ({code}, {at})")
    return (
        name,
        "FAIL",
        f"{phone.registrar} refused ({code}, {at}): check phone.user and its password",
    )
