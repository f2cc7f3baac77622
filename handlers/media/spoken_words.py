"""What of a message is said aloud, the one rule for read aloud (handlers/read_aloud.py) and
the phone line (its answers and its calls back): a text with the labels of its choices, a
place's name and address, a toast where nothing else would show it (the phone); nothing
for what carries no meaning of its own (a deletion, a reaction, a file).

A place's title and address are joined here too (:func:`place_words`), for every medium:
one a line where it is said, on one line where it is shown (an SMS, the console).

The keys of a phone's choices (:func:`key_of`, the one rule for what is said and what a key
presses, bot/speech/script.py and bot/transports/phone/words/keypad.py): a level offers at most
``MOST_KEYED`` choices, each on one key, so that no key waits to see whether another digit
comes - the first nine on 1-9 and a tenth on 0 (the language list of ten). Where a list
has ten, 0 is its tenth; elsewhere it asks for a person (to_a_person.py), as the main menu
says.

The phone takes it as the item's spoken form (``SpokenForm``), put on by the reader chain's
spoken link (handlers/reader_chain.py ``spoken``).

No button data, no states.
"""

from __future__ import annotations

from markupsafe import Markup

from handlers.language_bridge import as_written
from handlers.messages import Edit, Message, Outgoing, SpokenForm, Toast, Venue, choices

# A level of the phone: at most ten choices, the tenth on the keypad's 0.
MOST_KEYED = 10
TENTH_KEY = "0"


def key_of(number: int, count: int) -> str:
    """The key that presses choice ``number`` (from 1) of ``count`` on the phone: its digit,
    the tenth of ten on 0; beyond ten (a longer list) its number, typed whole."""
    if number == MOST_KEYED and count == MOST_KEYED:
        return TENTH_KEY
    return str(number)


def number_of(key: str, count: int) -> str:
    """The choice number a single ``key`` presses among ``count`` choices (:func:`key_of`
    turned round): 0 is the tenth of ten, any other digit itself."""
    return str(MOST_KEYED) if key == TENTH_KEY and count == MOST_KEYED else key


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
