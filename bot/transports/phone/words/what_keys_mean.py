"""What the caller's keys mean: the phone's rules for typed numbers, repeat and back.

A key pressed on the phone (an RFC 4733 tone or a SIP INFO) is one of "0"-"9", "*", "#".

- ``*`` repeats the last prompt (:data:`REPEAT`), and forgets any digits begun.
- ``#`` ends digits begun (they are sent as typed); with none begun it goes back
  (:data:`BACK`: the message's back button, else the main menu - the transport's to find).
- Digits, where the newest message has choices: a choice, one key each, at once (every
  level of the phone has at most ten, bot/speech/keys.py ``key_of``): "1"-"9", and "0"
  the tenth of ten (elsewhere "0" stays "0", a person). A longer list is said in pages
  (below), whose keys are at most nine.
- Digits, where it has none (the bot asks for a postcode): gathered until ``#`` or
  ``MOST_DIGITS`` of them (or as many as the message asks for: a number to call back, a
  PIN - those ended by ``#`` only, however slowly they come), or the pause between keys
  (:data:`KEY_PAUSE`). A ``#`` right after an entry that ended by its length (before the
  pause, with no other key between: "44137#", as the line demands a ``#`` after a number
  elsewhere) ends that entry too - it means nothing more, never "back", and stops nothing
  being said (the answer to the entry may have begun).

The call's turn says which (calls/turn.py ``Turn.key``); the digits are the runner's
``Gather`` to take (calls/verbs.py: its end key, its most, its pause), the call's loop
runs it (calls/answered_call.py): the phone keeps no digits of its own.

What a caller hears of a message's choices is keyed the same way (:func:`keys_said`): each
on its place's key, the main menu's person last, on "0"; where the caller types digits of
their own, none - a digit there is part of the entry, never a choice ("#" goes back, as
everywhere).

A message with more than ten choices (a form's tick list: ten languages, twelve kinds of
help, twelve districts, each with "✔️ Done") is said in pages (:func:`page_of`), so that
one key stays one choice there too: each page names at most :data:`ON_A_PAGE` of its
choices on keys 1-8, the list's finish (its ``done`` button, handlers/messages.py
``finish``) on every page as its last, and "➡️ More" on :data:`MORE_KEY`, which says the
next page (after the last, the first again). A key on a page presses the list's own choice
(:func:`on_page`: its number in the whole list); a key no choice of the page has says the
page again. The call keeps its page in its turn (calls/turn.py ``Turn.page``).

A text said in parts (the privacy notice's "All details", handlers/privacy.py) has its
"Next" (button role ``next``) on :data:`MORE_KEY` too, as the pages' "More": the caller
hears and presses 9 for it (the transport turns the 9 into that choice).

What is sent is :class:`Typed` (the digits, then pressed or taken as text by the numbered
choices, bot/transports/numbered_choices.py), :data:`REPEAT` or :data:`BACK`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.speech.keys import MOST_KEYED, key_of
from bot.transports.phone.words.press_0_for_a_person import PERSON
from locales import N_

# Free digits gathered at most (a postcode).
MOST_DIGITS = 5
# How long digits begun wait for the next key, in seconds (then they are sent); and how
# long the "#" after an entry ended by its length is waited for.
KEY_PAUSE = 2.0
REPEAT: Literal["repeat"] = "repeat"
REPEAT_KEY = "*"
BACK: Literal["back"] = "back"
KEYS = frozenset("0123456789*#")
# A longer list's page: at most this many of its choices, on 1-8, and "More" on 9.
ON_A_PAGE = 8
MORE_KEY = "9"
MORE = N_("➡️ More")
NEXT_PAGE: Literal["next page"] = "next page"


@dataclass(frozen=True)
class Typed:
    digits: str


Meaning = Typed | Literal["repeat", "back"]


def keys_said(
    labels: list[str],
    data: list[str],
    *,
    free_digits: bool,
    person: str | None,
    page: int = 0,
    done: str | None = None,
    more: str = "",
    next_at: int | None = None,
) -> tuple[list[str], list[str] | None]:
    """The choices a caller hears (``labels``, their ``data`` in the same order) and the key
    of each (None: each on its place's): none where the caller types digits of their own
    (``free_digits``: the keys are the entry's); of more than ten, page ``page`` of them
    (:func:`page_of`; ``done``: the data of the list's finish) and ``more`` (a label) on
    :data:`MORE_KEY`; else all of them, the next part (``next_at``: its number, a
    message's ``next`` button, handlers/messages.py ``next_part``) on :data:`MORE_KEY` as a
    page's "More", and ``person`` (the main menu's, a label) last on "0"."""
    if free_digits:
        return [], None
    if paged(len(labels)):
        finish = finish_number(data, done) if len(data) == len(labels) else None
        numbers = page_of(len(labels), page, finish)
        keys = [str(key) for key in range(1, len(numbers) + 1)]
        return [*(labels[number - 1] for number in numbers), more], [*keys, MORE_KEY]
    keys = [key_of(number, len(labels)) for number in range(1, len(labels) + 1)]
    if next_at is not None and 0 < next_at <= len(keys):
        keys[next_at - 1] = MORE_KEY
    elif person is None:
        return labels, None
    if person is None:
        return labels, keys
    return [*labels, person], [*keys, PERSON]


def finish_number(data: list[str], done: str | None) -> int | None:
    """The number (from 1) of a list's finish among its choices ``data`` (``done``: its
    data; None: the list has none)."""
    return data.index(done) + 1 if done in data else None


def paged(count: int) -> bool:
    """Whether a message of ``count`` choices is said in pages (more than ten)."""
    return count > MOST_KEYED


def _pages(count: int, done: int | None) -> list[list[int]]:
    others = [number for number in range(1, count + 1) if number != done]
    size = ON_A_PAGE - (done is not None)
    pages = [others[start : start + size] for start in range(0, len(others), size)] or [[]]
    return [[*page, done] if done is not None else page for page in pages]


def page_of(count: int, page: int, done: int | None = None) -> list[int]:
    """The numbers (from 1, in the whole list) of the choices page ``page`` (from 0, taken
    round: after the last the first) names on keys 1, 2, …: in the list's order, the
    finish (``done``: its number, None where the list has none) last on every page."""
    pages = _pages(count, done)
    return pages[page % len(pages)]


def page_count(count: int, done: int | None = None) -> int:
    """How many pages ``count`` choices take."""
    return len(_pages(count, done))


def page_holding(count: int, number: int, done: int | None = None) -> int:
    """The page (from 0) that names choice ``number`` (the finish: the first)."""
    for index, page in enumerate(_pages(count, done)):
        if number in page:
            return index
    return 0


def on_page(digit: str, count: int, page: int, done: int | None = None) -> int | str | None:
    """What ``digit`` pressed on page ``page`` of ``count`` choices means: the number of the
    choice in the whole list, :data:`NEXT_PAGE` (:data:`MORE_KEY`), or None (no choice of
    the page has it)."""
    if digit == MORE_KEY:
        return NEXT_PAGE
    numbers = page_of(count, page, done)
    if len(digit) == 1 and "1" <= digit <= str(len(numbers)):
        return numbers[int(digit) - 1]
    return None
