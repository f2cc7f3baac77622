"""A call-back number typed by a caller who withholds theirs.

A withheld caller (caller_id.py: an id for one call only) can hear places and events; to ask
for help the bot must be able to call them back. When such a caller presses "✍️ Ask for
help" (:data:`NEW_REQUEST`), the line asks for a number first (:data:`ASK`): digits until
``#`` (``*`` starts again; ``#`` before any digit goes back, as everywhere). A number
``phonenumbers`` does not take as valid (region DE), or one the bot may not call
(handlers/dialable.py: a premium, shared-cost, personal, satellite or foreign number;
caller_id.py ``typed_number``), gets :data:`BAD` and changes nothing; a valid one is said
back digit by digit (:data:`CONFIRM`): "1" takes it, "2" (or any other key) types it
again.

Taken ("1"), the number is not this call's: a typed number proves nothing, anyone may type
anyone's. The call ends with "we call you at this number" and the bot calls it
(verification.py); only when whoever answers says it is them is the request made, in
that call, as the number's person - created then if there is none, with the language
chosen and the consent given in this call. Nothing the number's person already has
(their requests, who comes, the code word) is ever said in the withheld call.

Button data: none (keys only). States (per call, in memory): the digits typed, the
number waiting for "1".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.transports.phone.caller_id import is_withheld, typed_number
from handlers.dialable import COUNTRIES
from handlers.messages import ButtonPress, Event
from locales import N_, Translator

# The press that needs a number to call back.
NEW_REQUEST = "hr:new"
# A number longer than this is no phone number (E.164 has 15 digits, a national 0 more).
MOST_DIGITS = 20
CONFIRMED = "1"

ASK = N_(
    "📞 So that we can call you back, please type your phone number,"
    " then press the hash key. Helpers never get your number."
)
BAD = N_(
    "😔 I cannot call that number. Please type it again with the area code,"
    " then press the hash key."
)
CONFIRM = N_("📞 You typed: {digits}. If that is right, press 1. To type it again, press 2.")

Step = Literal["ask", "bad", "confirm", "confirmed", "back"]


def asks_number(chat_id: str, event: object) -> bool:
    """Whether ``event`` of this caller must wait for a number to call back."""
    return is_withheld(chat_id) and isinstance(event, ButtonPress) and event.data == NEW_REQUEST


@dataclass(frozen=True)
class NumberStep:
    """What a key of the number entry brought, taken in the call's order."""

    step: Step


@dataclass
class NumberEntry:
    """One call's number entry; ``then``: the press that waits for it."""

    then: Event
    # The countries whose numbers the bot calls (``[phone] call_countries``).
    countries: tuple[str, ...] = COUNTRIES
    digits: str = ""
    typed: str = ""
    number: str | None = None

    def key(self, key: str) -> NumberStep | None:
        """What ``key`` brings; None while digits are typed."""
        if self.number is not None:  # said back: "1" takes it, else type it again
            if key == CONFIRMED:
                return NumberStep("confirmed")
            if key == "*":
                return NumberStep("confirm")
            self.number = None
            return NumberStep("ask")
        if key.isdigit():
            self.digits = (self.digits + key)[:MOST_DIGITS]
            return None
        if key == "*":
            self.digits = ""
            return NumberStep("ask")
        if key != "#":
            return None
        if not self.digits:
            return NumberStep("back")
        self.typed, self.digits = self.digits, ""
        self.number = typed_number(self.typed, self.countries)
        return NumberStep("confirm" if self.number else "bad")

    def line(self, step: Step, t: Translator) -> str:
        """What the caller hears for ``step`` (not "confirmed" nor "back")."""
        if step == "bad":
            return t._(BAD)
        if step == "confirm":
            digits = t.comma.join(str(t.number(int(digit))) for digit in self.typed)
            return str(t.t(CONFIRM, digits=digits))
        return t._(ASK)
