"""A call-back number typed by a voice caller who withholds theirs: the dialogue of it (its
texts, its buttons and which key means what), for any voice transport with a keypad (the
phone line says it, bot/transports/phone/transport.py).

A withheld caller (an id for one call only) can hear places and events; to ask for help
the bot must be able to call them back. When such a caller presses "✍️ Ask for help"
(:data:`NEW_REQUEST`, :func:`asks_number`), the line asks for a number first
(:data:`ASK`): digits until ``#`` (``*`` starts again; ``#`` before any digit goes back,
as everywhere: the ask's ``back`` button). A number ``phonenumbers`` does not take as
valid (region DE), or one the bot may not call (handlers/numbers/dialable.py: a premium,
shared-cost, personal, satellite or foreign number), gets :data:`BAD` and changes nothing;
a valid one is said back digit by digit (:data:`CONFIRM`): "1" (its first button) takes
it, "2" (or any other key) types it again, ``*`` says it again.

Taken ("1"), the number is not this call's: a typed number proves nothing, anyone may type
anyone's. The call ends with "we call you at this number" and the bot calls it
(handlers/numbers/caller_check.py); only when whoever answers says it is them is the request made,
in that call, as the number's person - created then if there is none, with the language
chosen and the consent given in this call. Nothing the number's person already has
(their requests, who comes, the code word) is ever said in the withheld call.

Button data: ``number:yes``, ``number:again`` (the number said back), ``number:back`` (the
ask). States (per call, in the voice transport's memory): the digits typed, the number
waiting for "1".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from markupsafe import Markup

from handlers.messages import Button, ButtonPress, Event, Message
from handlers.numbers import dialable
from handlers.numbers.caller_check import keyed
from handlers.numbers.dialable import COUNTRIES
from locales import N_, Translator

# The press that needs a number to call back.
NEW_REQUEST = "hr:new"
# A number longer than this is no phone number (E.164 has 15 digits, a national 0 more).
MOST_DIGITS = 20
TAKE = "number:yes"

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


def asks_number(withheld: bool, event: object) -> bool:
    """Whether ``event`` of a caller (``withheld``: their number unknown) must wait for a
    number to call back."""
    return withheld and isinstance(event, ButtonPress) and event.data == NEW_REQUEST


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
            if key == "*":
                return NumberStep("confirm")
            if keyed(_said_back(None), key) == TAKE:
                return NumberStep("confirmed")
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
        self.number = dialable.typed(self.typed, self.countries, dialable.REGION)
        return NumberStep("confirm" if self.number else "bad")

    def message(self, step: Step, t: Translator) -> Message:
        """What the caller hears for ``step`` (not "confirmed" nor "back")."""
        if step == "bad":
            return Message(Markup(t._(BAD)), _asking(t), typed_choices=False)
        if step == "confirm":
            digits = t.comma.join(str(t.number(int(digit))) for digit in self.typed)
            return Message(t.t(CONFIRM, digits=digits), _said_back(t), typed_choices=False)
        return Message(Markup(t._(ASK)), _asking(t), typed_choices=False)


def _asking(t: Translator) -> list[list[Button]]:
    """While digits are typed: "#" before any goes back."""
    return [[Button("↩️ " + t._("Back"), "number:back", role="back")]]


# The number said back: "1" takes it, "2" types it again.
_SAID_BACK = (("✅", N_("Yes"), TAKE), ("✍️", N_("No"), "number:again"))


def _said_back(t: Translator | None) -> list[list[Button]]:
    """The buttons of the number said back (``t``: labelled for the caller; None: for
    which key means what, where the labels are not read)."""
    return [
        [Button(icon + " " + (t._(label) if t else label), data)]
        for icon, label, data in _SAID_BACK
    ]
