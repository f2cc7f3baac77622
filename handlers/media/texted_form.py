"""A message as a texted reader gets it (``Medium.TEXTED``: plain texts and typed numbers,
by SMS or any transport of plain text), made by the reader chain's texted link
(handlers/reader_chain.py ``texted``) as a :class:`~handlers.messages.TextedForm` on the
item. The form promises nothing of a wire: a texting transport fits it to its own and adds
its own promises (SMS: bot/transports/sms/paging.py pages it by segments, "More: send 0",
and says after a notice how to STOP texts); nothing of the form is the transport's.

- **Plain text.** No markup survives (a phone shows ``<b>`` as it is); a link becomes a line
  with its address (handlers/media/plain_text.py); a door code's picture gets its name before it
  ("Apfel <picture> 86"), so that the code survives where the wire drops pictures.
- **Numbered choices.** (Where they are values - a distance, a count - they are one sentence
  asking for the number instead, and no other choice is named - a command is a chat's
  word: handlers/media/value_choices.py.)
  A message's choices, numbered as every numbered-choices medium
  numbers them (``handlers.messages.numbered``), one a line ("1 Yes"), all of them however
  many (the twelve kinds of help, the ten languages and "Done"): a typed "12" presses the
  twelfth. One number a choice: a label has none of its own (the places' list names a
  texted reader's places without theirs, handlers/places/chat.py); a number that begins a
  label is its words - a German day, "29. Nov. Sprachcafé" (before, every label's leading
  "N. " was cut off, and a week's events read "1 Nov. Sprachcafé", "2 Nov. …", the days
  gone; tests/bot/transports/sms/test_whole_sentences.py). Choices count from 1, so a
  texting transport may give "0" a meaning of its own
  (SMS: the rest of a text it cut, bot/transports/sms/paging.py). A form's Cancel reads
  "Never mind" (:data:`TEXTED_CANCEL`): the words for Cancel are stop words of SMS.
- **Short forms.** A message with a short form (``Message.brief``: a notice to read whole,
  with a link to the rest) goes as that short form, whatever the message is, marked as a
  notice (``TextedForm.notice``): a transport whose texts cost says after it how to stop
  them (SMS's STOP). Toasts, reactions, deletions and voices have no texted form: a text
  carries none of them.
- **No icons.** The icons a chat puts before a line or a label ("🔒", "✅ I agree") go from
  every text, whatever its script (:func:`without_icons`): an icon costs one or two UCS-2
  characters, the texts of eight of the ten languages are UCS-2 anyway, and a simple phone
  shows a box. Only a door code's picture stays (with its name before it, above): it is
  the code.
- **No invisible marks.** What shows as nothing (handlers/text_safety.py ``invisible``, the
  one list) goes from every text: the marks and isolates of direction (U+200E/F, U+061C,
  U+202A-202E, U+2066-2069) - many simple phones show them as boxes, each costs a UCS-2
  character, and right-to-left words keep the order they are written in (the phone lays
  out each line by its first letter) - and the other invisible characters a text copied
  from a page or a chat app carries: a zero-width space, a soft hyphen, a word joiner, a
  byte-order mark, the combining grapheme joiner, a variation selector, a Hangul filler
  (one of them made a German text UCS-2). The joiners Arabic and Persian writing needs
  (ZWNJ, ZWJ: text_safety's ``LETTER_JOINERS``) stay: they shape letters.
- **No line like a choice.** Where typed numbers press the choices, a line of the body that
  begins with a digit gets "- " before it (:func:`set_apart`): a choice is a line beginning
  with its number, and a date written day first (Turkish "1 Ara Sal 14:00 · Sommerfest",
  German "1.12.", most languages but English) - or a postcode, a count - made a line of
  the weekly events look like choice 1, right above the real "1 30 Kas Sprachcafé". A
  hyphen is in every phone's alphabet (GSM 7-bit): the text's encoding stays as it was.

No button data, no states.
"""

from __future__ import annotations

import re

from markupsafe import Markup

from handlers.media import value_choices
from handlers.media.door_codes import DOOR_SYMBOLS, door_codes_named
from handlers.media.plain_text import html_to_plain, with_links
from handlers.messages import (
    Button,
    Choice,
    Document,
    Edit,
    Message,
    Outgoing,
    Picture,
    TextedForm,
    Venue,
    numbered,
    valued,
)
from handlers.text_safety import LETTER_JOINERS, invisible, is_icon
from locales import N_, Translator


def without_invisible_marks(text: str) -> str:
    """``text`` without what shows as nothing (handlers/text_safety.py ``invisible``: the
    direction marks and isolates, a zero-width space, soft hyphen, word joiner, byte-order
    mark, the combining grapheme joiner, variation selectors …) but the joiners Arabic and
    Persian writing needs."""
    return "".join(ch for ch in text if ch in LETTER_JOINERS or not invisible(ch))


def without_icons(text: str, keep: frozenset[str] = frozenset()) -> str:
    """``text`` without its icons (but those in ``keep``); the space an icon leading a line
    or a label leaves goes too, and two spaces become one."""
    kept = "".join(ch for ch in text if ch in keep or not is_icon(ch))
    kept = re.sub(r"(?m)^[ \t]+|[ \t]+$", "", kept)
    return re.sub(r"[ \t]{2,}", " ", kept)


# A door code's picture (one of DOOR_SYMBOLS and its number): the code itself, kept.
_DOOR_PICTURES = frozenset(DOOR_SYMBOLS)


def _plain(text: Markup, buttons: list[list[Button]], t: Translator) -> str:
    plain = html_to_plain(with_links(text, buttons)).strip()
    named = without_invisible_marks(door_codes_named(plain, t, keep_picture=True))
    # A text of icons alone (a relayed "👍") keeps them: else nothing would be left to send.
    return without_icons(named, keep=_DOOR_PICTURES).strip() or named


# A line that begins with a digit, in any script (Latin, Arabic-Indic, Persian).
_DIGIT_FIRST = re.compile(r"(?m)^(?=\d)")


def set_apart(body: str) -> str:
    """``body`` with "- " before every line that begins with a digit, so that only the
    choices' lines begin with a number."""
    return _DIGIT_FIRST.sub("- ", body)


# A form's Cancel (``…:cancel``, handlers/forms/step_form.py) in a text: not "Cancel". A
# texter who types the word instead of its number must not stop all texts - CANCEL, İPTAL
# (Turkish) and لغو (Persian), the usual words for Cancel, are SMS stop words
# (bot/transports/sms/keywords.py), and a Turkish texter who typed "İptal" got "You will
# get no more texts from us", her form still open. No translation may be a stop word
# (tests/bot/transports/sms/test_keywords.py).
TEXTED_CANCEL = N_("Never mind")


def _label(label: str, data: str, t: Translator) -> str:
    if data.endswith(":cancel"):
        return t._(TEXTED_CANCEL)
    return without_icons(label) or label


def _choice_lines(rows: list[list[Button]], listed: tuple[Choice, ...], t: Translator) -> str:
    """The choices one a line ("1 Yes") - but where they are values (a distance, a count:
    handlers/media/value_choices.py), the sentence asking for the number: a typed number
    is then the value, never a place in the list."""
    if valued(rows):
        return without_icons(html_to_plain(value_choices.values_asked(rows, t)))
    return "\n".join(f"{n} {_label(label, data, t)}" for n, (label, data) in enumerate(listed, 1))


def form_of(item: Outgoing, t: Translator) -> TextedForm | None:
    """``item`` in its texted form, in ``t``'s words (the reader's); None for what a text
    carries nothing of (a toast, a reaction, a deletion, a voice, a file without caption)."""
    if isinstance(item, Message | Edit):
        brief = item.brief if isinstance(item, Message) else None
        text = item.text if brief is None else brief
        listed = tuple(numbered(item.buttons))
        lines = _choice_lines(item.buttons, listed, t)
        typed = bool(listed) and (not isinstance(item, Message) or item.typed_choices)
        body = _plain(text, item.buttons, t)
        return TextedForm(
            set_apart(body) if typed else body,
            without_invisible_marks(lines),
            listed,
            typed,
            brief is not None,
        )
    if isinstance(item, Venue):
        place = item.words(", ")
        return TextedForm(without_icons(without_invisible_marks(place)))
    if isinstance(item, Document | Picture) and item.caption:
        return TextedForm(_plain(item.caption, [], t))
    return None
