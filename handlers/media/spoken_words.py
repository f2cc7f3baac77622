"""What of a message is said aloud, the one rule for read aloud (handlers/read_aloud.py) and
the phone line (its answers and its calls back): a text with the labels of its choices, a
place's name and address, a toast where nothing else would show it (the phone); nothing
for what carries no meaning of its own (a deletion, a reaction, a file).

A place's title and address are joined by the place itself (``Venue.words``), for every
medium: one a line where it is said, on one line where it is shown (an SMS, the console).

Which key presses which of the choices is the keypad's (bot/speech/keys.py): this says the
labels in their order. On the phone a list's item button, only a number ("👉 1",
handlers/places/short_lists.py ``item_buttons``), is said as the text's line of that item
("1. Café Kultur · 300 m · open" becomes the choice "Café Kultur · 300 m · open"), and the
line is not said before it: each item's key once, with its name - "one: press one" named
nothing (issue 80, point 6).

The phone takes it as the item's spoken form (``SpokenForm``), put on by the reader chain's
spoken link (handlers/reader_chain.py ``spoken``).

No button data, no states.
"""

from __future__ import annotations

import re

from markupsafe import Markup

from handlers.language_bridge import as_written
from handlers.messages import Edit, Message, Outgoing, SpokenForm, Toast, Venue, choices
from handlers.parsing import ascii_digits
from handlers.text_safety import without_bidi

# An item's line in a list ("1. <b>Café Kultur</b> · …"): its number and the rest.
_ITEM_LINE = re.compile(r"^\s*+(\d++)\.\s++(.++)$")


def said_of(item: Outgoing, *, toasts: bool = False, keyed: bool = False) -> SpokenForm | None:
    """What of ``item`` is said; ``toasts``: a toast too (the phone, where nothing else
    shows it); ``keyed``: a list's items with their keys (the phone, where a key is said
    with its choice; read aloud says the message as it is shown). None when nothing is."""
    if isinstance(item, Message | Edit):
        text = as_written(item)
        assert isinstance(text, Message | Edit)
        labels = [button.label for row in choices(text.buttons) for button in row]
        if not keyed:
            return SpokenForm(text.text, tuple(labels))
        said, labels = _items_keyed(text.text, labels)
        return SpokenForm(said, tuple(labels))
    if isinstance(item, Venue):
        words = item.words()
        return SpokenForm(Markup.escape(words)) if words else None
    if toasts and isinstance(item, Toast) and item.text:
        return SpokenForm(Markup.escape(item.text))
    return None


def _item_number(label: str) -> str | None:
    """The number a list's item button is, in ASCII digits ("👉 ۲": "2"); None for a label
    with words."""
    kept = ascii_digits("".join(c for c in label if c.isalnum()))
    return kept if kept.isdigit() and kept.isascii() else None


def _items_keyed(text: Markup, labels: list[str]) -> tuple[Markup, list[str]]:
    """``text`` without the lines of the items whose buttons are only their numbers, and
    the labels with each such button's line in its place (the module's docstring)."""
    numbered = {n: i for i, label in enumerate(labels) if (n := _item_number(label))}
    if not numbered:
        return text, labels
    labels, kept = list(labels), []
    for line in str(text).split("\n"):
        found = _ITEM_LINE.match(ascii_digits(without_bidi(Markup(line).striptags())))
        index = numbered.pop(found.group(1), None) if found else None
        if found is None or index is None:
            kept.append(line)
            continue
        labels[index] = found.group(2)
    return Markup("\n".join(kept)), labels
