"""What of a message is said aloud, the one rule for read aloud (handlers/read_aloud.py) and
the phone line (its answers and its calls back): a text with the labels of its choices, a
place's name and address, a toast where nothing else would show it (the phone); nothing
for what carries no meaning of its own (a deletion, a reaction, a file).

A place's title and address are joined here too (:func:`place_words`), for every medium:
one a line where it is said, on one line where it is shown (an SMS, the console).

Which key presses which of the choices is the keypad's (bot/speech/keys.py): this says the
labels in their order.

The phone takes it as the item's spoken form (``SpokenForm``), put on by the reader chain's
spoken link (handlers/reader_chain.py ``spoken``).

No button data, no states.
"""

from __future__ import annotations

from markupsafe import Markup

from handlers.language_bridge import as_written
from handlers.messages import Edit, Message, Outgoing, SpokenForm, Toast, Venue, choices


def place_words(title: str, address: str, between: str = "\n") -> str:
    """A place's title and address, whichever it has, ``between`` them."""
    return between.join(part for part in (title, address) if part)


def said_of(item: Outgoing, *, toasts: bool = False) -> SpokenForm | None:
    """What of ``item`` is said; ``toasts``: a toast too (the phone, where nothing else
    shows it). None when nothing is."""
    if isinstance(item, Message | Edit):
        text = as_written(item)
        assert isinstance(text, Message | Edit)
        labels = [button.label for row in choices(text.buttons) for button in row]
        return SpokenForm(text.text, tuple(labels))
    if isinstance(item, Venue):
        words = place_words(item.title, item.address)
        return SpokenForm(Markup.escape(words)) if words else None
    if toasts and isinstance(item, Toast) and item.text:
        return SpokenForm(Markup.escape(item.text))
    return None
