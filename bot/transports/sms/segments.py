"""How many text messages (segments) a text costs, and a texted form fitted to them: the
SMS wire (what any SMS gateway needs; the form itself, its choices, paging and direction
marks, is the reader's: handlers/media/texted_form.py).

A text message is sent in the GSM 7-bit default alphabet (GSM 03.38) when every character is
in its basic table or its extension table, else in UCS-2:

- GSM-7: 160 septets alone, 153 a part when a text is split (the rest is the header that
  joins the parts again); an extension character (``^{}\\[~]|€`` and form feed) takes two
  septets (an escape and itself), and an escape is never split from its character.
- UCS-2: 70 UTF-16 units alone, 67 a part; a character outside the basic plane (most
  emoji) takes two units, and the two halves are never split.

One Arabic letter or one emoji makes a whole text UCS-2: under half of the room. So a
Latin-script text is first *folded* (:func:`folded`): typographic quotes, dashes and the
ellipsis become their GSM look-alikes, and icons are dropped - the texted form has none
(handlers/media/texted_form.py) but a door code's picture, which goes only where that
makes the text GSM-7; a text that is UCS-2 anyway (Arabic, Cyrillic, Turkish ``ş``) keeps
it.

Every bot text fits in ``LIMIT`` segments or is paged (:func:`cut`, by the form's paging
rule with segments as its measure): its first part ending with the "more" line and the
message's choices, whole; the rest is sent when the person asks. Where the choices leave
too little room for the first whole sentence, the first text takes a segment more, and so
does any text where a sentence is longer than ``LIMIT`` segments. A
notice (:func:`fit`) has the STOP line with its choices and ends within three texts, in
``LIMIT`` segments a text or, where that needs more texts, ``LIMIT + 1``.
"""

from __future__ import annotations

import re
import unicodedata

from bot.transports.sms.paging import Page, more_line, notice_pages, page, paged_next, stop_line
from handlers.media.texted_form import without_icons
from handlers.messages import TextedForm
from locales import Translator

# GSM 03.38 basic table (one septet each).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# GSM 03.38 extension table (an escape and the character: two septets each).
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7 = "gsm7"
UCS2 = "ucs2"
# Units of one segment alone, and of one part of a split text.
SINGLE = {GSM7: 160, UCS2: 70}
PART = {GSM7: 153, UCS2: 67}
# A bot text costs at most this many segments; a longer one is cut.
LIMIT = 2

# Typographic characters and their GSM look-alikes.
_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u2026": "...",
        "\u00b7": "-",
        "\u2022": "-",
        "\u2192": "->",
    }
)


def is_gsm(text: str) -> bool:
    """Whether ``text`` goes as GSM-7."""
    return all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text)


def encoding(text: str) -> str:
    return GSM7 if is_gsm(text) else UCS2


def _units(ch: str, coding: str) -> int:
    if coding == GSM7:
        return 2 if ch in GSM_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1


def units(text: str) -> int:
    """Septets (GSM-7) or UTF-16 units (UCS-2) of ``text``."""
    coding = encoding(text)
    return sum(_units(ch, coding) for ch in text)


def parts(text: str) -> list[str]:
    """``text`` as the gateway splits it: one part if it fits alone, else parts of
    ``PART`` units each, never splitting an escaped character or a surrogate pair."""
    coding = encoding(text)
    if units(text) <= SINGLE[coding]:
        return [text] if text else []
    result: list[str] = []
    current: list[str] = []
    used = 0
    for ch in text:
        size = _units(ch, coding)
        if used + size > PART[coding]:
            result.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += size
    if current:
        result.append("".join(current))
    return result


def count(text: str) -> int:
    """The segments ``text`` costs."""
    return len(parts(text))


# A middle dot inside a word: easy German's "Telefon·nummer" (DIN SPEC 33429). GSM-7 has no
# middle dot, and the hyphen it folds to between words made a misspelt "Telefon-nummer" of
# it; the word is texted whole, as the voice says it (bot/speech/script.py).
_DOT_IN_A_WORD = re.compile(r"(?<=\w)\u00b7(?=\w)")


def folded(text: str) -> str:
    """``text`` in GSM-7 where it can be: typographic characters folded, icons dropped, a
    word's middle dot gone; unchanged (but for the typography) where it is UCS-2 anyway."""
    typed = unicodedata.normalize("NFC", _DOT_IN_A_WORD.sub("", text).translate(_FOLD))
    if is_gsm(typed):
        return typed
    plain = without_icons(typed)
    if is_gsm(plain):
        return plain
    return _unvocalised_if_shorter(typed)


# Arabic's short vowels and other marks over and under the letters (fathatan to sukun):
# the catalogs write them where the phone says the words (eSpeak NG needs them,
# bot/speech/arabic.py), and a text carries them too.
_ARABIC_MARKS = re.compile("[\u064b-\u0652]")


def _unvocalised_if_shorter(text: str) -> str:
    """``text`` without its Arabic vowel marks where they cost it a segment, else as it is.
    A reader of Arabic reads it unvocalised as well as vocalised (newspapers, phones write it
    so); on the main walk the marks fit in the segments the words take anyway, on side
    paths they cost one or two (issue 101): there, the segment is worth more."""
    if not _ARABIC_MARKS.search(text):
        return text
    bare = _ARABIC_MARKS.sub("", text)
    return bare if count(bare) < count(text) else text


def _fits(text: str, limit: int) -> bool:
    return count(folded(text)) <= limit


def cut(text: str, more: str, limit: int = LIMIT, choices: str = "") -> Page:
    """``text`` and its ``choices`` paged as a texted reader's form pages them
    (paging.py ``page``: the choices whole in the first part, the rest on
    "more") in ``limit`` segments, each beginning measured folded on its own (an Arabic line
    further on does not make a German beginning UCS-2); the first part folded, the rest not
    yet (it is folded when it is sent). A rest paged already (a notice's) gives its next
    text as it is."""
    paged = paged_next(text) or page(text, more, _fits, limit, choices)
    return Page(folded(paged.first), paged.rest)


def fit(form: TextedForm, t: Translator) -> Page:
    """A texted form as SMS sends it: its body and choices cut (:func:`cut`); a notice with
    how to stop texts before its choices in the first text, the whole of it within three
    texts (paging.py ``notice_pages``: in ``LIMIT`` segments a text, or one more)."""
    if not form.notice:
        return cut(form.body, more_line(t), choices=form.lines)
    choices = "\n".join(filter(None, (stop_line(t), form.lines)))
    paged = notice_pages(form.body, more_line(t), _fits, LIMIT, choices)
    return Page(folded(paged.first), paged.rest)
