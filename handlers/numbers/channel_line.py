"""How a person who is not in a chat is reached, as the coordinators need to know it: the
channel ("📞 on the phone", "💬 by SMS" - the transport's own label, handlers/channels.py
``Channel.label``) and whether texts to them are stopped (STOP on a texting transport, its
store's ``blocked``). Shown on the review post and the desk's request page; a question
the coordinators would send by text to a person who stopped texts is refused
(handlers/helping/lifecycle.py ``ask``). No buttons, no states.
"""

from __future__ import annotations

from markupsafe import Markup

from db import Database
from db.users import User
from handlers.settings import HandlerSettings
from locales import N_, Translator

STOPPED = N_("⛔ texts stopped")


async def texts_stopped(db: Database, settings: HandlerSettings, person: User) -> bool:
    """Whether a text to ``person`` would never arrive: they are reached by text on a
    transport whose texts they stopped (but for the notices of a help under way, if their
    STOP kept those and one is)."""
    line = settings.channels.line(person.platform, db.transactions)
    if line is None or not person.chat_id:
        return False
    return await line.blocked(person.chat_id, lambda: db.requests.help_under_way(person.id))


async def channel_line(
    db: Database, settings: HandlerSettings, t: Translator, person: User
) -> Markup | None:
    """ "💬 by SMS · ⛔ texts stopped" for a person on a transport that is no chat; None for
    a chat's person."""
    label = settings.channels.of(person.platform).label
    if not label:
        return None
    parts = [t.t(label)]
    if await texts_stopped(db, settings, person):
        parts.append(t.t(STOPPED))
    return Markup(" · ").join(parts)
