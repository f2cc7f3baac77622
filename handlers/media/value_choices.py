"""What a message that asks for a number tells of its choices, where choices are numbered
(a texted reader by SMS, the console, Matrix; handlers/media/texted_form.py and the reader
chain, handlers/reader_chain.py, ask here - no transport words it).

A message asks for a number when its choices carry values (``Button.value``: a volunteer's
distance 1, 2 or 5 km, how many requests at once, an event's duration; ``messages.valued``).
There a typed number is that number (handlers/router.py ``Router.read_typed``): "4" is no
distance offered, never the fourth choice. So the list must not number the choices - a
texter read "4 Abbrechen", typed 4, and got the same list again:

- **The values** are one sentence that asks for the number (:data:`VALUES_ASKED`): "Answer
  with a number: 1 km, 2 km or 5 km." - each choice's label where it shows its number in
  the reader's digits, else the number with the label after it ("2 (ساعتان)").
- **The other choices** (Cancel) keep their place in the list (handlers/messages.py
  ``others``), and each transport names them the way that presses them there: the console
  ``[:4]`` (``:N`` always presses), Matrix its keycap, to react with. A text names none of
  them: a texter answers with a number, a number there is a value, and a command is a
  chat's word, not a text's (tests/handlers/test_no_chat_words.py; ``CANCEL`` alone is an
  SMS stop word). The only such step a texter meets is "how many at once", answered with
  1, 2 or 3; /cancel still cancels for one who knows it.

The reader chain puts the sentence on a chat's message (handlers/reader_chain.py
``asked``: ``Message.values_asked``), in its reader's words; a texted form has it in its
text (handlers/media/texted_form.py).

A phone says its keys as ever ("press 4 to cancel"): a key stays the choice it was said for.

No button data, no states.
"""

from __future__ import annotations

import re

from markupsafe import Markup

from handlers.messages import Button, choices
from handlers.parsing import typed
from locales import N_, Translator

# The sentence that asks for a number where the choices are values ({values}: the labels,
# joined with "or" in the reader's way).
VALUES_ASKED = N_("Please answer with a number: {values}.")


def _shown(button: Button, t: Translator) -> str:
    """A value's label where it shows the value in the reader's digits ("5 km", "۵
    کیلومتر", "1,5 Stunden"), else the number and the label ("2 (ساعتان)")."""
    value = float(button.value or 0)
    written = str(t.number(int(value) if value.is_integer() else value))
    # The number as a whole, not a part of another ("1" is not in "10 km", nor in "1,5 h").
    if re.search(
        rf"(?<![0-9.,]){re.escape(typed(written))}(?![0-9]|[.,][0-9])", typed(button.label)
    ):
        return button.label
    return f"{written} ({button.label})"


def values_asked(rows: list[list[Button]], t: Translator) -> Markup:
    """The sentence that asks for one of the values of ``rows`` (empty if they carry none)."""
    shown = [_shown(b, t) for row in choices(rows) for b in row if b.value is not None]
    return t.t(VALUES_ASKED, values=t.list_of(shown, "or")) if shown else Markup()
