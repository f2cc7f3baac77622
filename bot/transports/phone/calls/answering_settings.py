"""What a call does beyond the menu (``[phone]``): where "0" forwards to and when
(press_0_for_a_person.py), where recordings go and how long a caller may speak (recording.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from locales import hours


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CallSettings:
    """What calls do beyond the menu (``[phone]``)."""

    forward_to: str = ""
    coordinators_hours: str = ""
    recordings: Path = Path("var/phone-recordings")
    record_seconds: float = 120.0
    quiet_seconds: float = 5.0
    # No key and no word this long while the call waits for the caller: goodbye, hung up.
    idle_seconds: float = 180.0
    # A call lasts this long at most, however many keys come: goodbye, hung up (each call
    # holds one of the line's places; keys now and then would else keep it for ever).
    longest_call_seconds: float = 1800.0
    clock: Callable[[], datetime] = field(default=_now)

    def forwards_now(self) -> bool:
        """Whether "0" reaches a coordinator now (else: a message for them)."""
        if not self.forward_to or not self.coordinators_hours.strip():
            return False
        return hours.is_open(self.coordinators_hours, self.clock())
