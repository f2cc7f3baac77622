"""SMS's own promises on a texted form (handlers/media/texted_form.py: the medium's, which
promises nothing of a wire): a long text is paged by the wire's measure (segments.py: the
segments) with "More: send 0" (:data:`MORE`, :func:`more_line`) and its rest on "0"; a
notice's short form (``TextedForm.notice``) says how to stop all texts (:data:`STOP_LINE`,
:func:`stop_line`) in its first text, before its choices (:func:`notice_pages`; a text sent
whole, unpaged, has it after its body: :func:`body_of`). Another texting
transport (an e-mail, say) sends the same form without either.

- **Paging** (:func:`page`). The choices always come whole in the first text of an answer,
  after as much of the body as fits and the "more" line; the rest of a long body comes on
  "0", which never presses a choice (the form's choices count from 1). How much fits is the
  wire's measure, which the caller gives. A text ends at a line or a sentence, never in
  the middle of one: the first text grows to hold the body's first whole sentence before
  the choices (a texter may answer it before asking for more), and any text grows by a
  unit where a sentence is longer than the room (a Ukrainian sentence of 137 characters
  was cut between words on "0"). Only a sentence longer than that is cut between words.
  A text never ends with a lead-in (a line ending in a colon): a body cut before its
  choices moves its closing lead-in ("Please choose your language:") to the first text,
  just before the choices it leads in, and no later text breaks right after one.
- **A notice** (:func:`notice_pages`, a form's short form: the privacy notice a texter
  agrees to) has how to stop texts (:data:`STOP_LINE`) in its first text, with its choices,
  and ends within :data:`NOTICE_TEXTS` texts: each "0" costs the city a text. Its texts
  are paged at once, in the wire's room or one unit more where that is what ends it in
  time; the rest is kept paged (each text after :data:`PAGED`), and "0" sends the next as
  it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from handlers.media.texted_form import without_invisible_marks
from handlers.messages import TextedForm
from locales import N_, Translator

# "More: send 0" (the transport takes it in any digits handlers/parsing.py reads: ۰ too):
# the rest of a text cut to fit. Never a choice (they count from 1).
MORE = "0"
STOP_LINE = N_("Send STOP to end all texts.")
_MORE_LINE = N_("More: send {key}")


# How many texts a notice takes at most, its first (with the choices and STOP) included.
NOTICE_TEXTS = 3
# Leads each text of a rest paged already (a notice's): "0" sends the next as it is.
PAGED = "\x1e"


def more_line(t: Translator) -> str:
    """The line that ends a text whose rest comes on :data:`MORE`."""
    return without_invisible_marks(str(t.t(_MORE_LINE, key=t.digits(MORE))))


def stop_line(t: Translator) -> str:
    """How to stop all texts, as a notice's first text says it."""
    return without_invisible_marks(str(t.t(STOP_LINE)))


def body_of(form: TextedForm, t: Translator) -> str:
    """The form's body as a text says it: a notice's short form with the STOP line after it
    (a form kept from before has it in its body already: ``notice`` false)."""
    if not form.notice:
        return form.body
    return f"{form.body}\n{stop_line(t)}"


@dataclass(frozen=True)
class Page:
    """A text paged: ``first`` is sent now (ending with the "more" line and the choices
    when there is a ``rest``), ``rest`` when the person asks for more ("" when nothing is
    left)."""

    first: str
    rest: str = ""


# Fits(text, room): whether ``text`` fits in ``room`` (the wire's unit: SMS segments).
Fits = Callable[[str, int], bool]

# A stop and the space after it: a sentence's end where :func:`_ends_sentence` says so.
_SENTENCE_END = re.compile(r"(?<=[.!?؟۔।])\s+")


def page(text: str, more: str, fits: Fits, room: int, choices: str = "") -> Page:
    """``text`` whole, and its ``choices`` after it, if they fit in ``room``; else its
    longest beginning that ends at a line or sentence boundary and fits with ``"\\n" +
    more`` and the choices after it, and the rest. The choices always go whole in the first
    part: where they need more than ``room``, the first part grows (a unit at a time) to
    hold them and the text's beginning. A single line too long for any boundary is cut
    between words."""
    text = text.strip()
    if choices and not fits(f"{text}\n{choices}", room):
        # Cut, the body's closing lead-in ("Please choose your language:") goes with the
        # choices it leads in, not to a later text that would end with it.
        text, choices = _lead_in_to_choices(text, choices)
    listed = f"\n{choices}" if choices else ""
    tail = f"\n{more}{listed}"
    if choices:
        room = _room_for_beginning(text, tail, fits, room)
    if fits(text + listed, room):
        return Page(text + listed)
    every = sorted(set(_line_ends(text) + _sentence_ends(text)))
    # A text never ends with a lead-in (a line ending in a colon) its next text answers.
    whole = [end for end in every if not _leads_in(text[:end])] or every
    # A line or a sentence in the room; else in a unit more (a sentence longer than the
    # room, on any page: a text never ends in the middle of one); else between words.
    for boundaries, size in ((whole, room), (whole, room + 1), (_word_ends(text), room)):
        best = None
        for end in boundaries:
            head = text[:end].rstrip()
            if head and fits(f"{head}{tail}", size):
                best = end
        if best is not None:
            return Page(f"{text[:best].rstrip()}{tail}", text[best:].strip())
    # Not even one word fits: cut anywhere (a very long address, say).
    size = len(text)
    while size > 1 and not fits(f"{text[:size]}{tail}", room):
        size -= 1
    return Page(f"{text[:size]}{tail}", text[size:].strip())


# A lead-in: a line that ends in a colon (Latin, full-width, Arabic script's is ":" too).
_LEAD_IN = re.compile(r"[:：]\s*$")
# A choice's line begins with its number (in the reader's digits: "1", "١", "۱").
_CHOICE_LINE = re.compile(r"^\d", re.MULTILINE)


def _leads_in(head: str) -> bool:
    return bool(_LEAD_IN.search(head.rstrip()))


def _lead_in_to_choices(text: str, choices: str) -> tuple[str, str]:
    """``text`` without its last line where that line leads in the choices (ends in a colon),
    and the choices with that line just before their first numbered line (after a notice's
    STOP line); else both as they are."""
    body, _, last = text.rpartition("\n")
    found = _CHOICE_LINE.search(choices)
    if not body.strip() or not _leads_in(last) or found is None:
        return text, choices
    at = found.start()
    return body.rstrip(), f"{choices[:at]}{last.strip()}\n{choices[at:]}"


def _room_for_beginning(text: str, tail: str, fits: Fits, room: int) -> int:
    """The room for the choices (``tail``) and at least the beginning of ``text``: its
    first 40 characters at least, and its whole first sentence (the question, mostly)
    where one unit more holds it - a texter may answer the first text, so it does not end
    in half a sentence. A first line longer than that (a quoted text without a stop) is
    cut between words."""
    line = text.split("\n", 1)[0]
    sentence = line[: next(iter(_sentence_ends(line)), len(line))]
    while not fits(f"{sentence[:40]}{tail}", room):
        room += 1
    whole = f"{sentence}{tail}"
    return room + 1 if not fits(whole, room) and fits(whole, room + 1) else room


def pages(text: str, more: str, fits: Fits, room: int, choices: str = "") -> list[str]:
    """``text`` paged whole (:func:`page`): each text as it is sent, the first with the
    choices."""
    part = page(text, more, fits, room, choices)
    texts = [part.first]
    while part.rest:
        part = page(part.rest, more, fits, room)
        texts.append(part.first)
    return texts


def notice_pages(text: str, more: str, fits: Fits, room: int, choices: str) -> Page:
    """A notice (``text``, its ``choices`` with how to stop texts before them) paged in
    ``room``, or in one unit more where ``room`` would take more than :data:`NOTICE_TEXTS`
    texts: the first text, and the rest paged (each text after :data:`PAGED`)."""
    texts = pages(text, more, fits, room, choices)
    if len(texts) > NOTICE_TEXTS:
        texts = pages(text, more, fits, room + 1, choices)
    return Page(texts[0], "".join(PAGED + rest for rest in texts[1:]))


def paged_next(rest: str) -> Page | None:
    """The next text of a rest paged already (:func:`notice_pages`), and what is left of
    it; None for a rest to page."""
    if not rest.startswith(PAGED):
        return None
    first, _, left = rest[len(PAGED) :].partition(PAGED)
    return Page(first, PAGED + left if left else "")


def _line_ends(text: str) -> list[int]:
    return [m.start() for m in re.finditer(r"\n", text)]


def _sentence_ends(text: str) -> list[int]:
    return [m.start() for m in _SENTENCE_END.finditer(text) if _ends_sentence(text, m)]


def _ends_sentence(text: str, stop: re.Match[str]) -> bool:
    """Whether the stop and space ``stop`` end a sentence: not the dot of a number (a German
    or Polish day, "So., 29. Nov., 10:00", "am 2. Dezember"), nor a stop that a small letter
    or a digit goes on from ("z. B. einkaufen", "Dez. 14:00"). Before, such a dot was a
    place to cut: a week's events by text ended "So., 29." and the next text began "Nov.,
    15:00 - …" (tests/bot/transports/sms/test_whole_sentences.py)."""
    at, after = stop.start(), text[stop.end() : stop.end() + 1]
    if text[at - 1 : at] == "." and text[at - 2 : at - 1].isdigit():
        return False
    return not (after.islower() or after.isdigit())


def _word_ends(text: str) -> list[int]:
    return [m.start() for m in re.finditer(r"\s+", text)]
