"""What a call does beyond the menu (``[phone]``): where "0" forwards to and when
(press_0_for_a_person.py), where recordings go and how long a caller may speak (recording.py),
how long a call waits for a caller and lasts at most. Declared once here, with their bounds
and docs: the ``[phone]`` section (bot/transports/phone/config.py ``PhoneSection``) is made of
:class:`InCall`, and a line's calls get the city's section's values as :class:`CallSettings`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.config_fields import option
from locales import hours


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class InCall:
    """What calls do beyond the menu, as the ``[phone]`` section declares it."""

    record_seconds: int = option(
        120, minimum=5, maximum=600, doc="A recording ends after this many seconds at most"
    )
    coordinators_hours: str = option(
        "Mo-Fr 09:00-17:00",
        doc="When calls are transferred to forward_to (OpenStreetMap opening_hours)",
    )
    quiet_seconds: int = option(
        5, minimum=1, maximum=60, doc="A recording ends after this many seconds of silence"
    )
    recordings: str = option(
        "var/phone-recordings", doc="Folder of the callers' recorded voice messages", wide=True
    )
    # No key and no word this long while the call waits for the caller: goodbye, hung up.
    idle_seconds: int = option(
        180,
        minimum=30,
        maximum=3600,
        doc="A caller who presses no key and says nothing this long, while the bot waits,"
        " hears goodbye and is hung up",
    )
    forward_to: str = option(
        "", doc='"0" for a person: the SIP URI calls are transferred to; empty: a message'
    )
    # A call lasts this long at most, however many keys come: goodbye, hung up (each call
    # holds one of the line's places; keys now and then would else keep it for ever).
    longest_call_seconds: int = option(
        1800,
        minimum=300,
        maximum=14400,
        doc="A call that came lasts this long at most, however many keys the caller presses:"
        " then the caller hears goodbye and is hung up (a talk with a helper has its own hour)",
    )


@dataclass(frozen=True)
class CallSettings(InCall):
    """What calls do beyond the menu (``[phone]``: :class:`InCall`), on a clock of their
    own (a test's)."""

    clock: Callable[[], datetime] = field(default=_now)

    def forwards_now(self) -> bool:
        """Whether "0" reaches a coordinator now (else: a message for them)."""
        if not self.forward_to or not self.coordinators_hours.strip():
            return False
        return hours.is_open(self.coordinators_hours, self.clock())
