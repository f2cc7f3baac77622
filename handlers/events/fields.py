"""What a coordinator may enter for an event, checked the same way in the chat's editing
steps and on the desk's form. Each function returns the value to store or raises a
:class:`~handlers.refusals.Refusal` whose ``text(t)`` says what is wanted."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from babel.dates import format_date

from handlers.parsing import typed
from handlers.refusals import Refusal
from handlers.text_safety import clean_name, clean_text
from locales import N_, TIMEZONE, Formatted, Translator

# An event's title: the one rule, which the chat's step, the desk's check and the desk's
# field (its minlength/maxlength) all follow.
TITLE_SHORTEST, TITLE_LONGEST = 3, 120
TITLE_PROBLEM = N_("✏️ Please write a title of {low} to {high} characters.")
START_PROBLEM = N_("🗓 Please write a future date and time, for example: {example}")
# An event's address, as ADDRESS_PROBLEM says; the desk's field's maxlength follows it.
ADDRESS_SHORTEST, ADDRESS_LONGEST = 3, 200
ADDRESS_PROBLEM = N_("📍 Please write an address of 3 to 200 characters.")
END_PROBLEM = N_("⏱ The end must be after the start, on the same or a later day.")
DESCRIPTION_LENGTH = 1000
DESCRIPTION_PROBLEM = N_("✏️ Please write a description of at most {high} characters.")
# An event that lasts longer than a week is not one event but several.
LONGEST_MINUTES = 7 * 24 * 60

_DATE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{2,4})?\s*[, ]\s*(\d{1,2})[:.](\d{2})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})\s*$")


def parse_start(text: str, now: datetime) -> datetime | None:
    """A local start from "24.12.2026 17:00", "24.12. 17:00" or "2026-12-24 17:00"."""
    text = typed(text)
    match = _DATE.match(text)
    try:
        if match:
            day, month, year, hour, minute = match.groups()
            year_n = int(year) if year else now.astimezone(TIMEZONE).year
            year_n += 2000 if year_n < 100 else 0
            start = datetime(year_n, int(month), int(day), int(hour), int(minute), tzinfo=TIMEZONE)
            if not year and start < now:
                start = start.replace(year=start.year + 1)
            return start
        match = _ISO.match(text)
        if match:
            year_s, month_s, day_s, hour_s, minute_s = map(int, match.groups())
            return datetime(year_s, month_s, day_s, hour_s, minute_s, tzinfo=TIMEZONE)
    except ValueError:
        return None
    return None


class StartExample(str):
    """The start :data:`START_PROBLEM` gives as its example, a week after the refused input
    at 17:00 (Europe/Berlin): always in the future, and written as :func:`parse_start` reads
    it (day.month.year hour:minute) by Babel in the reader's locale and digits - one value,
    isolated in Arabic and Persian, where written into the sentence the date and the time
    were laid out swapped ("17:00 24.12.2026"). ``str()`` is the English form."""

    day: datetime

    def __new__(cls, now: datetime) -> StartExample:
        local = now.astimezone(TIMEZONE) + timedelta(days=7)
        day = datetime.combine(local.date(), time(17), tzinfo=TIMEZONE)
        self = super().__new__(cls, f"{_written(day, 'en')} {day:%H:%M}")
        self.day = day
        return self

    def text(self, t: Translator) -> Formatted:
        return Formatted(f"{t.digits(_written(self.day, t.lang))} {t.time(self.day)}")


def _written(day: datetime, lang: str) -> str:
    """The day as :func:`parse_start` reads it; Babel's own short dates ("12/24/26" in
    English, "24‏/12‏/2026" in Arabic) it would refuse."""
    return format_date(day.date(), "dd.MM.yyyy", locale=lang)


def title(text: str) -> str:
    # What the calendar importer keeps (ical.py): one line, nothing invisible - a line break
    # or a direction override in a title would pass for the bot's own words in a reminder.
    text = clean_name(text, limit=len(text))
    if not TITLE_SHORTEST <= len(text) <= TITLE_LONGEST:
        raise Refusal(TITLE_PROBLEM, "title", low=TITLE_SHORTEST, high=TITLE_LONGEST)
    return text


def start(text: str, now: datetime) -> datetime:
    """A start in the future (local time, Europe/Berlin)."""
    found = parse_start(text, now)
    if found is None or found < now:
        raise Refusal(START_PROBLEM, "start", example=StartExample(now))
    return found


def written_address(text: str) -> str:
    """An address as it is kept: one line, nothing invisible (as the importer's)."""
    return clean_name(text, limit=len(text))


def usable_address(text: str) -> bool:
    return ADDRESS_SHORTEST <= len(written_address(text)) <= ADDRESS_LONGEST


def address(text: str) -> str:
    if not usable_address(text):
        raise Refusal(ADDRESS_PROBLEM, "address")
    return written_address(text)


def description_limit(most: int) -> int:
    """The longest description, within the city's ``most`` (``max_text_length``): the
    chat's step declares ``DESCRIPTION_LENGTH`` and the dispatcher takes the smaller, the
    desk's check and its field's maxlength this."""
    return min(DESCRIPTION_LENGTH, most)


def description(text: str, longest: int = DESCRIPTION_LENGTH) -> str:
    """An event's description (may be empty), refused - never cut short - when longer
    than ``longest``: a form sent without the browser's maxlength keeps what was typed."""
    # Kept as written but for what the importer drops too (control characters, direction
    # overrides, blank-line padding): text_safety.clean_text.
    text = clean_text(text)
    if len(text) > longest:
        raise Refusal(DESCRIPTION_PROBLEM, "description", high=longest)
    return text


def minutes_between(starts: datetime, ends: datetime) -> int:
    """The duration of an event from its start to its end, in whole minutes."""
    minutes = int((ends - starts).total_seconds() // 60)
    if not 0 < minutes <= LONGEST_MINUTES:
        raise Refusal(END_PROBLEM, "end")
    return minutes
