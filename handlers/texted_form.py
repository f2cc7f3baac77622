"""A message as a texted reader gets it (``Medium.TEXTED``: SMS, or any medium of plain
texts and typed numbers), made by the reader chain's texted link (handlers/reader_chain.py
``texted``) as a :class:`~handlers.messages.TextedForm` on the item. A texting transport
only fits the form to its wire (bot/transports/sms/segments.py: GSM-7 or UCS-2, two
segments) and sends it; nothing of the form is its own.

- **Plain text.** No markup survives (a phone shows ``<b>`` as it is); a link becomes a line
  with its address (handlers/plain_text.py); a door code's picture gets its name before it
  ("Apfel <picture> 86"), so that the code survives where the wire drops pictures.
- **Numbered choices.** A message's choices, numbered as every numbered-choices medium
  numbers them (``handlers.messages.numbered``), one a line ("1 Yes"), all of them however
  many (the twelve kinds of help, the ten languages and "Done"): a typed "12" presses the
  twelfth. A label's own number goes ("1. Seniorenbüro" is "1 Seniorenbüro"): one number a
  choice. Choices count from 1, so :data:`MORE` ("0") never presses one: one key keeps one
  meaning in every text.
- **Paging** (:func:`page`). The choices always come whole in the first text of an answer,
  after as much of the body as fits and the "more" line (:func:`more_line`); the rest of a
  long body comes on "0". How much fits is the wire's measure, which the transport gives.
- **Left out.** A message with a short form (``Message.brief``: a notice to read whole, with
  a link to the rest) goes as that short form, whatever the message is, and ends with how
  to stop all texts (STOP). Toasts, reactions, deletions and voices have no texted form: a
  text carries none of them.
- **No direction marks.** The invisible marks and isolates (U+200E/F, U+061C, U+202A-202E,
  U+2066-2069, handlers/text_safety.py) go from every text: many simple phones show them as
  boxes, each costs a UCS-2 character, and right-to-left words keep the order they are
  written in (the phone lays out each line by its first letter).

No button data, no states.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from handlers.helping.door_code import door_codes_named
from handlers.messages import (
    Button,
    Document,
    Edit,
    Message,
    Outgoing,
    Picture,
    TextedForm,
    Venue,
    numbered,
)
from handlers.plain_text import html_to_plain, with_links
from handlers.spoken_words import place_words
from handlers.text_safety import BIDI_CONTROLS, BIDI_MARKS
from locales import N_, Translator

# "More: send 0" (the texting transport takes it in any digits handlers/parsing.py reads:
# ۰ too): the rest of a text cut to fit. Never a choice (they count from 1).
MORE = "0"
STOP_LINE = N_("Send STOP to end all texts.")
_MORE_LINE = N_("More: send {key}")

_DIRECTION = BIDI_CONTROLS | BIDI_MARKS


def without_direction_marks(text: str) -> str:
    """``text`` without the invisible direction marks and isolates."""
    return "".join(ch for ch in text if ch not in _DIRECTION)


def _plain(text: Markup, buttons: list[list[Button]], t: Translator) -> str:
    plain = html_to_plain(with_links(text, buttons)).strip()
    return without_direction_marks(door_codes_named(plain, t, keep_picture=True))


# A label's own number ("1. Seniorenbüro", "٣. …"): the texted form numbers every choice.
_OWN_NUMBER = re.compile(r"^\d+\.\s+")


def _unnumbered(label: str) -> str:
    """``label`` without a number of its own before it, so that a choice has one number."""
    return _OWN_NUMBER.sub("", label, count=1) or label


def form_of(item: Outgoing, t: Translator) -> TextedForm | None:
    """``item`` in its texted form, in ``t``'s words (the reader's); None for what a text
    carries nothing of (a toast, a reaction, a deletion, a voice, a file without caption)."""
    if isinstance(item, Message | Edit):
        text = item.text
        if isinstance(item, Message) and item.brief is not None:
            text = Markup("\n").join([item.brief, t.t(STOP_LINE)])
        listed = tuple(numbered(item.buttons))
        lines = "\n".join(f"{n} {_unnumbered(label)}" for n, (label, _) in enumerate(listed, 1))
        typed = bool(listed) and (not isinstance(item, Message) or item.typed_choices)
        return TextedForm(
            _plain(text, item.buttons, t), without_direction_marks(lines), listed, typed
        )
    if isinstance(item, Venue):
        return TextedForm(without_direction_marks(place_words(item.title, item.address, ", ")))
    if isinstance(item, Document | Picture) and item.caption:
        return TextedForm(_plain(item.caption, [], t))
    return None


def more_line(t: Translator) -> str:
    """The line that ends a text whose rest comes on :data:`MORE`."""
    return without_direction_marks(str(t.t(_MORE_LINE, key=t.digits(MORE))))


@dataclass(frozen=True)
class Page:
    """A text paged: ``first`` is sent now (ending with the "more" line and the choices
    when there is a ``rest``), ``rest`` when the person asks for more ("" when nothing is
    left)."""

    first: str
    rest: str = ""


# Fits(text, room): whether ``text`` fits in ``room`` (the wire's unit: SMS segments).
Fits = Callable[[str, int], bool]

_SENTENCE_END = re.compile(r"(?<=[.!?؟۔।])\s+")


def page(text: str, more: str, fits: Fits, room: int, choices: str = "") -> Page:
    """``text`` whole, and its ``choices`` after it, if they fit in ``room``; else its
    longest beginning that ends at a line or sentence boundary and fits with ``"\\n" +
    more`` and the choices after it, and the rest. The choices always go whole in the first
    part: where they need more than ``room``, the first part grows (a unit at a time) to
    hold them and the text's beginning. A single line too long for any boundary is cut
    between words."""
    text = text.strip()
    listed = f"\n{choices}" if choices else ""
    tail = f"\n{more}{listed}"
    if choices:
        # Room for the choices and at least the beginning of the text: its first sentence
        # (the question, mostly), at most 40 characters of it.
        first_line = text.split("\n", 1)[0]
        beginning = _SENTENCE_END.split(first_line, maxsplit=1)[0][:40]
        while not fits(f"{beginning}{tail}", room):
            room += 1
    if fits(text + listed, room):
        return Page(text + listed)
    for boundaries in (sorted(set(_line_ends(text) + _sentence_ends(text))), _word_ends(text)):
        best = None
        for end in boundaries:
            head = text[:end].rstrip()
            if head and fits(f"{head}{tail}", room):
                best = end
        if best is not None:
            return Page(f"{text[:best].rstrip()}{tail}", text[best:].strip())
    # Not even one word fits: cut anywhere (a very long address, say).
    size = len(text)
    while size > 1 and not fits(f"{text[:size]}{tail}", room):
        size -= 1
    return Page(f"{text[:size]}{tail}", text[size:].strip())


def _line_ends(text: str) -> list[int]:
    return [m.start() for m in re.finditer(r"\n", text)]


def _sentence_ends(text: str) -> list[int]:
    return [m.start() for m in _SENTENCE_END.finditer(text)]


def _word_ends(text: str) -> list[int]:
    return [m.start() for m in re.finditer(r"\s+", text)]
