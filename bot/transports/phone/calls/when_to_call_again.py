"""When the bot calls a phone person back: the policy, pure (no calls, no clock of its own).

A person is called when the outbox has something for them; a call that is not answered
(busy, nobody picks up, the network fails) is tried again after ``pause``, at most
``attempts`` calls in all, and never in the quiet hours (``[phone] quiet_hours``, in
Europe/Berlin local time, e.g. "21:00-08:00" across midnight): a try that would fall in
them waits until they end. After the last failed call the messages are given up
(bot/transports/phone/calls/outbox_calls.py tells the coordinators).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def parse_quiet_hours(text: str) -> tuple[time, time] | None:
    """ "21:00-08:00" as (from, until); None for "" (no quiet hours). Raises ValueError."""
    text = text.strip()
    if not text:
        return None
    start, sep, end = text.partition("-")
    if not sep:
        raise ValueError("quiet hours are written HH:MM-HH:MM")
    begins, ends = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    if begins == ends:
        raise ValueError("quiet hours must not begin when they end")
    return begins, ends


@dataclass(frozen=True)
class Policy:
    attempts: int = 3
    pause: timedelta = timedelta(minutes=30)
    quiet: tuple[time, time] | None = (time(21, 0), time(8, 0))
    zone: ZoneInfo = BERLIN

    def is_quiet(self, now: datetime) -> bool:
        if self.quiet is None:
            return False
        begins, ends = self.quiet
        local = now.astimezone(self.zone).time()
        if begins < ends:
            return begins <= local < ends
        return local >= begins or local < ends  # across midnight

    def outside_quiet(self, at: datetime) -> datetime:
        """``at``, or the end of the quiet hours it falls in."""
        if self.quiet is None or not self.is_quiet(at):
            return at
        ends = self.quiet[1]
        local = at.astimezone(self.zone)
        end = datetime.combine(local.date(), ends, tzinfo=self.zone)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), ends, tzinfo=self.zone)
        return end.astimezone(at.tzinfo)

    def next_try(self, now: datetime, tried: int, last: datetime | None) -> datetime | None:
        """When to call next after ``tried`` unanswered calls (the last at ``last``); None:
        no more tries, the messages are given up."""
        if tried >= self.attempts:
            return None
        at = now if last is None else max(now, last + self.pause)
        return self.outside_quiet(at)
