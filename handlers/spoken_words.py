"""What of a message is said aloud, the one rule for read aloud (handlers/read_aloud.py) and
the phone line (its answers and its calls back): a text with the labels of its choices, a
place's name and address, a toast where nothing else would show it (the phone); nothing
for what carries no meaning of its own (a deletion, a reaction, a file).

A place's title and address are joined here too (:func:`place_words`), for every medium:
one a line where it is said, on one line where it is shown (an SMS, the console).

No button data, no states.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from handlers.language_bridge import as_written
from handlers.messages import Edit, Message, Outgoing, Toast, Venue, choices


@dataclass(frozen=True)
class Words:
    """What is said of a message: its ``text`` (markup, as written) and the ``labels`` of
    its choices in the order they are numbered (links have no number: "second button" is
    what a typed 2 presses)."""

    text: Markup
    labels: list[str] = field(default_factory=list)


def place_words(title: str, address: str, between: str = "\n") -> str:
    """A place's title and address, whichever it has, ``between`` them."""
    return between.join(part for part in (title, address) if part)


def said_of(item: Outgoing, *, toasts: bool = False) -> Words | None:
    """What of ``item`` is said; ``toasts``: a toast too (the phone, where nothing else
    shows it). None when nothing is."""
    if isinstance(item, Message | Edit):
        text = as_written(item)
        assert isinstance(text, Message | Edit)
        labels = [button.label for row in choices(text.buttons) for button in row]
        return Words(text.text, labels)
    if isinstance(item, Venue):
        words = place_words(item.title, item.address)
        return Words(Markup.escape(words)) if words else None
    if toasts and isinstance(item, Toast) and item.text:
        return Words(Markup.escape(item.text))
    return None
