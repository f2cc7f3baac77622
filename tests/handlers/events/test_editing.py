"""The chat's event form (handlers/events/editing.py): its start step's question gives the
example start as one value, isolated in Arabic and Persian - written into the sentence,
"24.12.2026 17:00" was laid out "17:00 24.12.2026" there - a week ahead (never a past date)
and in the form the step reads; typed as shown, it is taken."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from babel.dates import format_date

from db import Database
from locales import FSI, PDI, TIMEZONE, translator
from tests.support.memory_transport import MemoryTransport, button_data, messages
from tests.support.town_events import coordinator, town

__all__ = ["coordinator", "town"]  # the fixtures (tests/support/town_events.py)


async def test_the_start_question_gives_one_isolated_example_in_arabic_and_persian(
    chat: MemoryTransport, db: Database, town, coordinator: str
):
    user = await db.users.find("memory", coordinator)
    day = datetime.combine(datetime.now(TIMEZONE).date() + timedelta(days=7), time(17))
    for lang in ("ar", "fa"):
        await db.users.set_language(user.id, lang)
        t = translator(lang)
        example = t.digits(format_date(day, "dd.MM.yyyy", locale=lang) + " 17:00")
        await chat.text(coordinator, "/event_new")
        await chat.text(coordinator, "Frauencafé international")
        out = await chat.text(coordinator, "Dietrich")
        out = await chat.press(
            coordinator, next(d for d in button_data(out) if d.startswith("ee:pl:"))
        )
        asked = "\n".join(str(m.text) for m in messages(out))
        assert FSI + example + PDI in asked, (lang, asked)
        out = await chat.text(coordinator, example)
        assert "ee:dur:120" in button_data(out), (lang, out)
        await chat.text(coordinator, "/cancel")
