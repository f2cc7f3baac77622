"""A PIN for the phone line, as voicemail has it: a returning caller types four digits of
their own at the start of a call instead of waiting for a call-back
(handlers/numbers/caller_check.py). The dialogue of it - its texts, which key means what, the slow
salted hash - for any voice transport with a keypad (the phone line says it and keeps the
entry, bot/transports/phone/transport.py); the store is db/phone_pins.py.

- **Chosen in a checked call only**: a call the bot made and its holder confirmed ("if you
  are Erna, press 1"), never a call that came (a caller ID is a claim, and a PIN set by
  someone claiming a number would later open the person's things to them). Right after the
  check the call offers it once (:data:`OFFER`: "1" chooses, any other key goes on with
  what the person had pressed); ⚙️ Settings has "🔢 PIN for your calls" (:data:`CHOOSE_PIN`,
  :func:`settings_rows`) - pressed in a call that is not checked, the line offers the
  call-back first and chooses in that call. Choosing: four digits (:data:`CHOOSE`), the
  same four again (:data:`AGAIN`); digits too easy to guess (:func:`too_easy`: one digit
  four times, a run up or down) are refused (:data:`EASY`), two that differ start again
  (:data:`MISMATCH`); saved (:data:`SAVED`), the call goes on with what waited.
- **Asked at the start of a later call from the same number** (:data:`ASK`), where the
  number's person has a PIN that is not locked today: the right one and the call is the
  person's, greeted in their language; a wrong one (:data:`WRONG`) counts; the
  :data:`~db.phone_pins.MOST_WRONG`-th wrong one of a day (Europe/Berlin, kept in the
  database: hanging up and calling again changes nothing) ends the asking for that day
  (:data:`LOCKED`): the call goes on unchecked and only the call-back checks the caller.
  "#" goes on without the PIN (unchecked, nothing counted).
- **Cleared by a coordinator** on the desk (bot/web/desk/phone_pins.py): the person is
  checked by call-back again until they choose a new one.

The digits are never said back, never logged, never stored: only :func:`hashed` (scrypt,
a salt of its own, its cost in the text), compared by :func:`matches` - both slow on
purpose, so a voice transport runs them off its event loop. ``*`` types the step's digits
again; four digits end an entry at once.

Button data: ``pin:choose`` (settings; through a voice transport only - pressed anywhere
else it is no longer valid). States (per call, in the voice transport's memory): the
entry's step, the digits typed, the first typing of a new PIN.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import secrets
from dataclasses import dataclass, field
from typing import Literal

from markupsafe import Markup

from handlers.context import Context
from handlers.messages import Button, ButtonPress, Event, Message
from handlers.router import Router
from locales import N_, Translator

DIGITS = 4
PREFIX = "pin"
CHOOSE_PIN = "pin:choose"

OFFER = N_(
    "🔢 With a PIN, next time you need not wait for our call."
    " To choose four digits now, press 1. To go on, press 2."
)
CHOOSE = N_("🔢 Please choose four digits you will remember, and type them.")
AGAIN = N_("🔢 Please type the same four digits again.")
EASY = N_("😔 These digits are too easy to guess. Please choose other digits.")
MISMATCH = N_("😔 The digits were not the same. Please choose four digits again.")
SAVED = N_("✅ Your PIN is saved. Next time you call, type it at the start.")
ASK = N_("🔢 Please type your PIN. Without a PIN, press the hash key.")
WRONG = N_("😔 That PIN is not right. Please type it again. Without a PIN, press the hash key.")
LOCKED = N_("🔒 That PIN was wrong three times. Today we can only call you back.")
WITHHELD = N_(
    "🔢 A PIN works only when you call from your own number. Please call without hiding it."
)

Mode = Literal["offer", "choose", "again", "ask"]
# What a key of the entry brought: a message to say ("offer", "choose", "again", "ask",
# "easy", "mismatch"; "wrong" the line's, after a check), a new PIN chosen, a PIN typed to
# check, or "done" (leave the entry, go on with what waits).
Step = Literal[
    "offer", "choose", "again", "ask", "easy", "mismatch", "wrong", "chosen", "typed", "done"
]

# scrypt's cost: 16 MiB and some tens of milliseconds a try (RFC 7914's interactive figures).
_N, _R, _P = 2**14, 8, 1
_SALT_BYTES = 16
_NAME = "scrypt"


@dataclass(frozen=True)
class PinStep:
    """What a key of the PIN entry brought, taken in the call's order; ``pin``: the digits
    of a PIN chosen or typed (never in a repr, a log or a message)."""

    step: Step
    pin: str = field(default="", repr=False)


@dataclass
class PinEntry:
    """One call's PIN entry: its ``mode`` and what goes on after it (``then``)."""

    mode: Mode
    then: Event
    digits: str = field(default="", repr=False)
    first: str = field(default="", repr=False)

    def key(self, key: str) -> PinStep | None:
        """What ``key`` brings; None while digits are typed."""
        if self.mode == "offer":
            if key == "1":
                self.mode = "choose"
                return PinStep("choose")
            return PinStep("done")
        if key == "*":
            self.digits = ""
            return PinStep(self.mode)
        if key == "#":
            self.digits = ""
            return PinStep("done")
        if not key.isdigit():
            return None
        self.digits += key
        if len(self.digits) < DIGITS:
            return None
        typed, self.digits = self.digits, ""
        if self.mode == "ask":
            return PinStep("typed", typed)
        if self.mode == "choose":
            if too_easy(typed):
                return PinStep("easy")
            self.first, self.mode = typed, "again"
            return PinStep("again")
        first, self.first = self.first, ""
        if hmac.compare_digest(typed, first):
            return PinStep("chosen", typed)
        self.mode = "choose"
        return PinStep("mismatch")


def entry(mode: Mode, then: Event) -> tuple[PinEntry, PinStep]:
    """A PIN entry in ``mode`` and its first step (its message)."""
    return PinEntry(mode, then), PinStep(mode)


def message(step: Step, t: Translator) -> Message:
    """What the caller hears for ``step`` (a step that says something)."""
    text = {
        "offer": OFFER,
        "choose": CHOOSE,
        "again": AGAIN,
        "ask": ASK,
        "easy": EASY,
        "mismatch": MISMATCH,
        "wrong": WRONG,
    }[step]
    return Message(Markup(t._(text)), typed_choices=False)


def too_easy(pin: str) -> bool:
    """Digits anyone would try first: one digit four times, a run up or down (1234, 9876)."""
    steps = {int(b) - int(a) for a, b in itertools.pairwise(pin)}
    return len(steps) == 1 and steps <= {-1, 0, 1}


def hashed(pin: str) -> str:
    """The PIN as stored: scrypt with a salt of its own, its cost named (slow: run it off
    the event loop)."""
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"{_NAME}${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def matches(pin: str, stored: str) -> bool:
    """Whether ``pin`` is the PIN of ``stored`` (:func:`hashed`; slow)."""
    try:
        name, n, r, p, salt, digest = stored.split("$")
        if name != _NAME:
            return False
        typed = hashlib.scrypt(
            pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError:
        return False
    return hmac.compare_digest(typed.hex(), digest)


def chooses(event: Event) -> bool:
    """Whether ``event`` asks to choose a PIN (the settings' button)."""
    return isinstance(event, ButtonPress) and event.data == CHOOSE_PIN


async def settings_rows(ctx: Context) -> tuple[list[Markup], list[list[Button]]]:
    """In a call: whether a PIN is set, and the button to choose one."""
    if not ctx.settings.channels.of(ctx.incoming.sender.platform).calls:
        return [], []
    t = ctx.t
    lines = [t.t("🔢 Your calls have a PIN.")] if await ctx.db.phone_pins.get(ctx.user.id) else []
    return lines, [[Button("🔢 " + t._("PIN for your calls"), CHOOSE_PIN)]]


async def _elsewhere(ctx: Context) -> None:
    """Chosen only by keys in a call: pressed anywhere else it means nothing."""
    ctx.stale()


def register(router: Router) -> None:
    router.action(PREFIX, "choose")(_elsewhere)
