"""An .ics file of plain events for the tests that import some (``import_events``), written
by ``icalendar`` as any calendar program would (the tests about malformed or hostile
calendars write theirs by hand)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import icalendar


def write_calendar(path: Path, events: Iterable[tuple[str, str, datetime, datetime]]) -> Path:
    """``path`` holding a calendar of ``events``, each (uid, title, start, end) with aware
    times; the path."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//test//EN")
    calendar.add("version", "2.0")
    for uid, title, start, end in events:
        event = icalendar.Event()
        event.add("uid", uid)
        event.add("summary", title)
        event.add("dtstart", start)
        event.add("dtend", end)
        calendar.add_component(event)
    path.write_bytes(calendar.to_ical())
    return path
