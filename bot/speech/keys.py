"""The keys of choices said aloud on a keypad: the one rule for what the speech script says
("Places: press 1.", bot/speech/script.py) and what a key presses on the phone
(bot/transports/phone/words/what_keys_mean.py).

A level offers at most :data:`MOST_KEYED` choices, each on one key, so that no key waits to
see whether another digit comes - the first nine on 1-9 and a tenth on 0 (the language list
of ten). Where a list has ten, 0 is its tenth; elsewhere 0 asks for a person
(bot/transports/phone/words/press_0_for_a_person.py), as the main menu says. The features keep their
levels within it (tests/handlers/test_phone_menu_shapes.py); a longer list is said in pages
(what_keys_mean.py ``page_of``).
"""

from __future__ import annotations

# A level of the phone: at most ten choices, the tenth on the keypad's 0.
MOST_KEYED = 10
TENTH_KEY = "0"


def key_of(number: int, count: int) -> str:
    """The key that presses choice ``number`` (from 1) of ``count``: its digit, the tenth of
    ten on 0; beyond ten (a longer list) its number, typed whole."""
    if number == MOST_KEYED and count == MOST_KEYED:
        return TENTH_KEY
    return str(number)


def number_of(key: str, count: int) -> str:
    """The choice number a single ``key`` presses among ``count`` choices (:func:`key_of`
    turned round): 0 is the tenth of ten, any other digit itself."""
    return str(MOST_KEYED) if key == TENTH_KEY and count == MOST_KEYED else key
