"""One turn of an answered call, as a jambonz app's ``say`` + ``gather``: what the newest
answer asks of the caller, made once from the answer (:func:`turn_of`) and replaced by the
next - never changed field by field (a page turned or a choice ticked makes a new one).

A turn holds what is gathered (the runner's :class:`~.verbs.Gather`: one key where
the answer offers choices, each on its key - "1"-"9", "0" the tenth of ten, "9" a page's
"More"; else the caller's own digits, at most ``MOST_DIGITS`` or as many as the message
asks for, ended by "#", by the pause between keys (``KEY_PAUSE``) or, for a number asked
for (``Message.typed_digits``), by "#" only), the choices by number and the way back,
the next part on "9", the pages of a list of more than ten (what_keys_mean.py ``page_of``, the
page said and the choice last ticked on one), whether "0 for a person" is offered (the
main menu, press_0_for_a_person.py), whether the answer takes a spoken answer (``recorded``:
who will hear it), the rest of a message said in two parts (``rest``, likely_choice_first.py:
said once all else is said and a pause passed without a key) and the step that follows
once all is said (``then``: the recording after the tone, the transfer after "connecting",
the hang-up after "please hang up now") and what "*" says again (``said``: the prompts of
the newest answer that said anything).

No button data, no states of its own: the call keeps its turn (answered_call.py
``Call.turn``, written by answers_said.py only). A turn is made here only: by
:func:`turn_of` from an answer, or from the last by what happens in it - a key pressed
(:meth:`Turn.pressed`: nothing ticked yet), the next page (:meth:`Turn.next_page`), a
choice ticked on a page (:meth:`Turn.ticking`), a new update (:meth:`Turn.unrecorded`), a
dialogue's message said alone (:meth:`Turn.said_alone`), a rest kept for after the pause or
said (:meth:`Turn.resting`), a step to follow all said (:meth:`Turn.followed_by`), an
answer said (:meth:`Turn.repeating`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from bot.speech.keys import number_of
from bot.transports.numbered_choices import numbered
from bot.transports.phone.calls.verbs import DIGITS, Gather, Gathered, Pressed, Result, TimedOut
from bot.transports.phone.words import what_keys_mean
from bot.transports.phone.words.press_0_for_a_person import PERSON, offers_person
from bot.transports.phone.words.what_keys_mean import (
    BACK,
    KEYS,
    MORE_KEY,
    MOST_DIGITS,
    REPEAT,
    REPEAT_KEY,
    Meaning,
    Typed,
    finish_number,
    keys_said,
    page_holding,
    paged,
)
from handlers.messages import Edit, Message, SpokenForm, finish, next_part, way_back

ALL_KEYS = "".join(sorted(KEYS))
# What follows once all a turn says is said: the recording (after the tone), the transfer
# to a person (after "connecting"), the hang-up (after "please hang up now"); "": nothing.
Then = Literal["", "record", "transfer", "hang up"]


@dataclass(frozen=True)
class Paged:
    """A message of more than ten choices as the call says it in pages (what_keys_mean.py
    ``page_of``): its text, all its choices (labels and data, in order), its finish (the
    data of its ``done`` button) and the label of "More"."""

    text: str
    labels: list[str]
    data: list[str]
    done: str | None
    more: str

    @property
    def finish(self) -> int | None:
        """The finish's number in the whole list (None: it has none)."""
        return finish_number(self.data, self.done)


def entry(most: int = MOST_DIGITS, *, until_hash: bool = False) -> Gather:
    """The gather of digits of the caller's own: ended by "#", at ``most``, or by the
    pause between keys (``until_hash``: never by a pause)."""
    pause = None if until_hash else what_keys_mean.KEY_PAUSE
    return Gather(ALL_KEYS, max_digits=most, finish_on_key="#", inter_digit_timeout=pause)


# A turn before any answer: digits of the caller's own, ended by "#", the most or the pause.
TYPING = entry()


@dataclass(frozen=True)
class Turn:
    """What the newest answer of a call asks of its caller (the module's docstring)."""

    # What is gathered; ``keyed``: the choices one key each presses (0: digits are typed).
    gather: Gather = TYPING
    keyed: int = 0
    # The caller types digits of their own (a postcode, a number): "0" is a digit there.
    free_digits: bool = False
    choices: int = 0
    back: str | None = None
    next_choice: int | None = None
    pages: Paged | None = None
    page: int = 0
    ticked: str | None = None
    person: bool = False
    recorded: str = ""
    rest: Path | None = None
    then: Then = ""
    # What "*" says again: the prompts of the newest answer that said anything.
    said: tuple[Path, ...] = ()

    def key(self, key: str) -> Meaning | Gather | None:
        """What ``key`` asks of the call in this turn (what_keys_mean.py): "*" the answer
        again, "#" the way back, a choice's key that choice, at once; a digit where the
        caller types digits of their own begins them - the gather of the rest, its end key,
        most and pause the turn's (:func:`entered` makes the digits of what it takes).
        None: no key of the phone's."""
        if key not in KEYS:
            return None
        if key == "*":
            return REPEAT
        if key == "#":
            return BACK
        if self.keyed:  # one key, one choice ("0" the tenth of ten)
            return Typed(number_of(key, self.keyed))
        most, pause = self.gather.max_digits, self.gather.inter_digit_timeout
        if most <= 1:
            return Typed(key)
        return Gather(
            DIGITS + REPEAT_KEY,
            pause,
            max_digits=most - 1,
            finish_on_key="#",
            inter_digit_timeout=pause,
        )

    def asks_for_person(self, meaning: object) -> bool:
        """Whether ``meaning`` is "0" for a person (press_0_for_a_person.py): anywhere the caller
        chooses, never while they type digits of their own (a postcode: 0 is a digit)."""
        return meaning == Typed(PERSON) and not self.free_digits

    @property
    def until_hash(self) -> bool:
        """Digits ended by "#" only (a number asked for)."""
        return self.gather.max_digits > 1 and self.gather.inter_digit_timeout is None

    def pressed(self) -> Turn:
        """The turn as a key is taken: nothing ticked on a page yet."""
        return replace(self, ticked=None) if self.ticked is not None else self

    def next_page(self, count: int) -> Turn:
        """The turn on the page after this one (after the last, the first), of ``count``."""
        return replace(self, page=(self.page + 1) % count)

    def ticking(self, data: str) -> Turn:
        """The turn with ``data`` ticked on its page (the list again is said from there)."""
        return replace(self, ticked=data)

    def unrecorded(self) -> Turn:
        """The turn as a new update of the caller's is taken: its answers decide whether it
        takes a spoken answer."""
        return replace(self, recorded="") if self.recorded else self

    def resting(self, rest: Path | None) -> Turn:
        """The turn with ``rest`` to say after the pause (None: nothing kept back)."""
        return replace(self, rest=rest) if rest != self.rest else self

    def repeating(self, said: tuple[Path, ...]) -> Turn:
        """The turn whose "*" says ``said`` again."""
        return replace(self, said=said) if said != self.said else self

    def followed_by(self, then: Then) -> Turn:
        """The turn with ``then`` to follow once all is said ("": nothing)."""
        return replace(self, then=then) if then != self.then else self

    def said_alone(self) -> Turn:
        """The turn of a dialogue's message said as the call's whole answer (the caller
        check's, the PIN's): its keys are digits (a PIN, a number: the gather of digits so
        far) or the way back, no choices of the last."""
        gather = self.gather if self.gather.max_digits > 1 else TYPING
        return replace(self, gather=gather, recorded="", choices=0, keyed=0, pages=None)

    def heard(
        self, labels: list[str], data: list[str], person: str, more: str
    ) -> tuple[list[str], list[str] | None]:
        """The choices the caller hears and the key of each (what_keys_mean.py ``keys_said``):
        ``person`` (its label) last on "0" where the turn offers it."""
        return keys_said(
            labels,
            data,
            free_digits=self.free_digits,
            person=person if self.person else None,
            page=self.page,
            done=self.pages.done if self.pages is not None else None,
            more=more,
            next_at=None if self.free_digits else self.next_choice,
        )


def entered(first: str, rest: Gather, got: Result) -> Meaning | None:
    """The caller's own digits begun with ``first``, as the gather of the ``rest`` ended
    (``got``): typed, as they are, when ended by "#", by the pause or by their most; "*"
    instead: the answer again (the digits forgotten); None: given up (the time to wait for
    the caller passed, or the call ended)."""
    if isinstance(got, Gathered):
        return Typed(first + got.digits)
    if got == Pressed(REPEAT_KEY):
        return REPEAT
    if got == Pressed(rest.finish_on_key) or (
        isinstance(got, TimedOut) and rest.inter_digit_timeout is not None
    ):
        return Typed(first)
    return None


def ended_by_most(rest: Gather, got: Result) -> bool:
    """Whether the caller's own digits ended by their most (then a "#" at once is their
    end too, and means nothing more: what_keys_mean.py)."""
    return isinstance(got, Gathered) and len(got.digits) >= rest.max_digits


def turn_of(item: Message | Edit, words: SpokenForm, typed: bool, more: str, last: Turn) -> Turn:
    """The turn an answer makes: ``typed`` whether it is pressed by number (numbered
    choices), ``more`` the label of a page's "More", ``last`` the call's turn before (a
    choice ticked on a page: the list again is said from the page that holds it)."""
    listed = numbered(item.buttons) if typed else []
    asked = item.typed_digits if isinstance(item, Message) else 0
    free = isinstance(item, Message) and bool(item.request_location or asked)
    data = [data for _, data in listed]
    done = finish(item.buttons) if typed else None
    following = next_part(item.buttons) if typed else None
    pages = None
    if paged(len(listed)) and not free:
        pages = Paged(str(words.text), list(words.labels), data, done, more)
    keyed = 0 if free else int(MORE_KEY) if pages is not None else len(listed)
    return Turn(
        gather=Gather(ALL_KEYS) if keyed else entry(asked or MOST_DIGITS, until_hash=bool(asked)),
        keyed=keyed,
        free_digits=free,
        choices=len(listed),
        back=way_back(item.buttons) if typed else None,
        next_choice=data.index(following) + 1 if following in data else None,
        pages=pages,
        page=_page(last, data, done),
        person=offers_person(item, listed),
        recorded=str(item.recorded) if isinstance(item, Message) and item.recorded else "",
        then=last.then,  # what was to follow the last stays until all is said
        said=last.said,  # "*" says the last answer until this one is said
    )


def _page(last: Turn, data: list[str], done: str | None) -> int:
    """The page a new message of choices ``data`` is said from: after a choice pressed on
    a page that this message has too (a tick: the list again, its ✅ changed), the page
    that holds it - the finish's, the page it was pressed on - so that ticking several on
    page 2 stays there; else the first."""
    ticked = last.ticked
    if ticked is None or ticked not in data or not paged(len(data)):
        return 0
    if ticked == done:
        return last.page
    return page_holding(len(data), data.index(ticked) + 1, finish_number(data, done))
