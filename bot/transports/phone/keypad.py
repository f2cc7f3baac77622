"""What the caller's keys mean: the phone's rules for typed numbers, repeat and back.

A key pressed on the phone (an RFC 4733 tone or a SIP INFO) is one of "0"-"9", "*", "#".

- ``*`` repeats the last prompt (:data:`REPEAT`), and forgets any digits begun.
- ``#`` ends digits begun (they are sent as typed); with none begun it goes back
  (:data:`BACK`: the message's back button, else the main menu - the transport's to find).
- Digits, where the newest message has choices: a choice number. Where it has at most ten
  (every level of the phone, handlers/spoken_words.py ``key_of``), one key is one choice,
  at once: "1"-"9", and "0" the tenth of ten (elsewhere "0" stays "0", a person). A longer
  list's numbers are sent as soon as no longer number could be a choice ("1" of 12 waits
  for a second digit, or ``#``, or the pause, :meth:`Keypad.pause`); a number beginning
  with 0 at once.
- Digits, where it has none (the bot asks for a postcode): gathered until ``#`` or
  ``MOST_DIGITS`` of them, or the pause. A ``#`` right after an entry that ended by its
  length (before the pause, with no other key between: "44137#", as the line demands a
  ``#`` after a number elsewhere) ends that entry too - it means nothing more, never
  "back"; the transport waits the pause for it (:attr:`Keypad.waiting`).

What a caller hears of a message's choices is keyed the same way (:func:`keys_said`): each
on its place's key, the main menu's person last, on "0"; where the caller types digits of
their own, none - a digit there is part of the entry, never a choice ("#" goes back, as
everywhere).

What is sent is :class:`Typed` (the digits, then pressed or taken as text by the numbered
choices, bot/transports/numbered_choices.py), :data:`REPEAT` or :data:`BACK`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.transports.phone.to_a_person import PERSON
from handlers.spoken_words import MOST_KEYED, key_of, number_of

# Free digits gathered at most (a postcode).
MOST_DIGITS = 5
REPEAT: Literal["repeat"] = "repeat"
BACK: Literal["back"] = "back"
KEYS = frozenset("0123456789*#")


@dataclass(frozen=True)
class Typed:
    digits: str


Meaning = Typed | Literal["repeat", "back"]


class Keypad:
    """One call's keys; ``choices``: how many the newest message offers by number (0: it
    asks for digits of the caller's own)."""

    def __init__(self) -> None:
        self.digits = ""
        # An entry of free digits just ended by its length: a "#" now is its end.
        self.ended = False

    @property
    def waiting(self) -> bool:
        """Whether digits are begun and wait for more, or an entry just ended and its "#"
        may follow (the transport waits a pause)."""
        return bool(self.digits) or self.ended

    def press(self, key: str, choices: int) -> Meaning | None:
        """What ``key`` means now; None while digits wait for more (or an unknown key)."""
        if key not in KEYS:
            return None
        ended, self.ended = self.ended, False
        if key == "*":
            self.digits = ""
            return REPEAT
        if key == "#":
            if self.digits:
                return self._typed()
            return None if ended else BACK
        self.digits += key
        if 0 < choices <= MOST_KEYED:
            # One key, one choice: nothing waits for a second digit.
            self.digits = ""
            return Typed(number_of(key, choices))
        if choices > 0:
            if self.digits.startswith("0") or int(self.digits) * 10 > choices:
                return self._typed()
            return None
        if len(self.digits) < MOST_DIGITS:
            return None
        self.ended = True
        return self._typed()

    def pause(self) -> Meaning | None:
        """The caller stopped pressing: the digits begun, as they are."""
        self.ended = False
        return self._typed() if self.digits else None

    def _typed(self) -> Typed:
        typed, self.digits = Typed(self.digits), ""
        return typed


def keys_said(
    labels: list[str], *, free_digits: bool, person: str | None
) -> tuple[list[str], list[str] | None]:
    """The choices a caller hears (``labels``) and the key of each (None: each on its
    place's): none where the caller types digits of their own (``free_digits``: the keys
    are the entry's); else all of them, and ``person`` (the main menu's, a label) last on
    "0"."""
    if free_digits:
        return [], None
    if person is None:
        return labels, None
    keys = [key_of(number, len(labels)) for number in range(1, len(labels) + 1)]
    return [*labels, person], [*keys, PERSON]
