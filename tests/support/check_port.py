"""A voice transport's check port (handlers/channels.py ``CheckPort``) as the
handlers' tests use it: what it was asked, what it answers, and the calls its PIN proved
(the phone's is bot/transports/phone/calls/check_calls.py, tested through real calls)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.channels import PortRefusal, Profile
from handlers.messages import Event

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


class Checks:
    """Asked for a check: noted, answered with ``answer`` (a time, or a refusal); a time
    within a minute of :data:`NOW` is "in a moment". A caller may ask ``per_caller_hour``
    an hour."""

    def __init__(
        self,
        answer: datetime | PortRefusal = NOW,
        per_caller_hour: int = 3,
        never: frozenset[str] = frozenset(),
    ) -> None:
        self.answer = answer
        self.per_caller_hour = per_caller_hour
        # Numbers no check call may go to (besides every number, answering "never").
        self.never = never
        self.asked: list[tuple[str, str, Profile]] = []
        self.proved: list[tuple[str, Event]] = []

    def may_call(self, number: str) -> bool:
        return self.answer != "never" and number not in self.never

    async def ask(self, number: str, data: str, profile: Profile) -> datetime | PortRefusal:
        self.asked.append((number, data, profile))
        assert self.may_call(number), "a number that may not be called is never asked for"
        return self.answer

    def soon(self, at: datetime) -> bool:
        return at <= NOW + timedelta(minutes=1)

    def proven(self, chat_id: str, then: Event) -> None:
        self.proved.append((chat_id, then))
