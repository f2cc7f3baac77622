"""What neighbours help each other with, why a coordinator may turn a request down, and
what each state of a request is called."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from db.request_states import (
    DONE,
    DRAFT,
    EXPIRED,
    MATCHED,
    OPEN,
    REJECTED,
    REVIEW,
    WITHDRAWN,
)
from locales import N_, TIMEZONE

# key -> (icon, label); the Hemer "Nachbarschaftshelfer" kinds of help (shared/CONTEXT.md).
HELP_CATEGORIES: dict[str, tuple[str, str]] = {
    "shopping": ("🛒", N_("Shopping and errands")),
    "accompaniment": ("🚶", N_("Going along to the doctor or an office")),
    "language": ("🗣️", N_("Language help")),
    "forms": ("📄", N_("Forms and letters")),
    "tech": ("📱", N_("Smartphone and computer")),
    "household": ("🔧", N_("Small jobs at home")),
    "learning": ("📚", N_("Homework and learning")),
    "company": ("☕", N_("Company and walks")),
    # A conversation now, often on the phone line: offered to volunteers on a talk shift
    # first (handlers/helping/talk_now.py).
    "talk": ("📞", N_("Just talk")),
    "childcare": ("🧸", N_("Short childcare")),
    "moving": ("📦", N_("Carrying and moving")),
    "other": ("✨", N_("Something else")),
}

# A button and a sentence never share a source string: a button starts with a capital (tr,
# uk, ...) and an icon, the same words inside a sentence do not ("🕓 so bald wie möglich").
WHEN: dict[str, str] = {
    "asap": N_("as soon as possible"),
    "date": N_("on a certain day"),
    "window": N_("flexible, in a time window"),
}
WHEN_BUTTONS: dict[str, str] = {
    "asap": N_("⚡ As soon as possible"),
    "date": N_("📅 On a certain day"),
    "window": N_("↔️ Flexible, in a time window"),
}

# "On a certain day": the day from buttons (the next week), then the time of day.
DAYS_AHEAD = 7
DAY_PART_BUTTONS: dict[str, str] = {
    "morning": N_("🌅 Morning"),
    "afternoon": N_("☀️ Afternoon"),
    "evening": N_("🌆 Evening"),
    "any": N_("🕓 Any time that day"),
}
# The parts of a day in a sentence ("Dienstag, 25. November, nachmittags"); "any" adds none.
DAY_PARTS: dict[str, str] = {
    "morning": N_("in the morning"),
    "afternoon": N_("in the afternoon"),
    "evening": N_("in the evening"),
}
# How a day chosen by button is kept in ``when_text`` ("2026-11-25 afternoon"): each reader
# sees it in their own language; anything else there is the person's own words.
DAY_CHOSEN = re.compile(r"(\d{4}-\d{2}-\d{2})(?: (morning|afternoon|evening))?")


def chosen_day(when_text: str) -> date | None:
    """The day a request's ``when_text`` names as a day chosen (a button, or "tomorrow"
    written: :data:`DAY_CHOSEN`), or None for the person's own words."""
    found = DAY_CHOSEN.fullmatch(when_text or "")
    if found is None:
        return None
    try:
        return date.fromisoformat(found.group(1))
    except ValueError:
        return None


def day_passed(when_text: str, now: datetime) -> bool:
    """Whether the day a request is for (a day chosen, not the person's own words) is over
    in Berlin at ``now``: such a request is sent to nobody (handlers/helping/requests_flow.py
    asks for another day) and ends once it is over (handlers/helping/timers.py)."""
    day = chosen_day(when_text)
    return day is not None and day < now.astimezone(TIMEZONE).date()


def noon(day: date) -> datetime:
    """A calendar day as a moment a translator formats: noon in Berlin, which no time
    zone moves to another day."""
    return datetime.combine(day, time(12), TIMEZONE)


# The kind of help that "talk now" serves (handlers/helping/talk_now.py).
TALK = "talk"

# A volunteer's talk shift: the times of the week they are ready to talk now. Each slot is
# (days of the week, Monday 0; first hour, hour after the last; Europe/Berlin).
TALK_SLOTS: dict[str, tuple[tuple[int, ...], int, int]] = {
    "wd-am": ((0, 1, 2, 3, 4), 8, 12),
    "wd-pm": ((0, 1, 2, 3, 4), 12, 17),
    "wd-ev": ((0, 1, 2, 3, 4), 17, 21),
    "we-am": ((5, 6), 8, 12),
    "we-pm": ((5, 6), 12, 17),
    "we-ev": ((5, 6), 17, 21),
}
TALK_SLOT_BUTTONS: dict[str, str] = {
    "wd-am": N_("🌅 Weekday mornings"),
    "wd-pm": N_("☀️ Weekday afternoons"),
    "wd-ev": N_("🌆 Weekday evenings"),
    "we-am": N_("🌅 Weekend mornings"),
    "we-pm": N_("☀️ Weekend afternoons"),
    "we-ev": N_("🌆 Weekend evenings"),
}
TALK_SLOT_NAMES: dict[str, str] = {
    "wd-am": N_("weekday mornings"),
    "wd-pm": N_("weekday afternoons"),
    "wd-ev": N_("weekday evenings"),
    "we-am": N_("weekend mornings"),
    "we-pm": N_("weekend afternoons"),
    "we-ev": N_("weekend evenings"),
}


def on_talk_shift(slots: tuple[str, ...], now: datetime) -> bool:
    """Whether ``now`` falls into one of the talk shift's ``slots``."""
    local = now.astimezone(TIMEZONE)
    for slot in slots:
        days, first, end = TALK_SLOTS.get(slot, ((), 0, 0))
        if local.weekday() in days and first <= local.hour < end:
            return True
    return False


def talk_slots_now(now: datetime) -> tuple[str, ...]:
    """The talk shift slots ``now`` falls into (by :func:`on_talk_shift`, the rule the
    matching uses): whoever chose one of them is on a talk shift now."""
    return tuple(slot for slot in TALK_SLOTS if on_talk_shift((slot,), now))


REJECT_REASONS: dict[str, str] = {
    "trade": N_("This is work for a professional trade"),
    "personal": N_("The text contains personal data"),
    "scope": N_("This is not neighbourhood help"),
    "duplicate": N_("This request already exists"),
    "unclear": N_("The request is not clear enough"),
}

STATE_LABELS: dict[str, str] = {
    DRAFT: N_("draft"),
    REVIEW: N_("being checked"),
    OPEN: N_("published, looking for a helper"),
    MATCHED: N_("a helper is coming"),
    DONE: N_("done"),
    REJECTED: N_("not published"),
    WITHDRAWN: N_("withdrawn"),
    EXPIRED: N_("expired"),
}
