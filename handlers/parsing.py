"""One parser for numbers that come from outside: button data, commands, web addresses,
query strings and form fields.

``str.isdigit()`` is not enough: it accepts "²", "①" and Arabic-Indic digits, which
``int()`` then refuses or reads, and a number of any length reaches the database, which
cannot hold it ("Python int too large to convert to SQLite INTEGER"). Here a number is
ASCII digits only, at most :data:`MOST_DIGITS` of them, within the bounds the caller gives
(by default what both SQLite and PostgreSQL hold); anything else is None, and the caller
answers "no longer valid", 404 or 400 - never a traceback.
"""

from __future__ import annotations

import re
import unicodedata

from handlers.text_safety import BIDI_CONTROLS, BIDI_MARKS

# The largest id both backends store (SQLite INTEGER, PostgreSQL BIGINT).
MAX_ID = 2**63 - 1
MOST_DIGITS = len(str(MAX_ID))


def number(text: str | None, low: int = 0, high: int = MAX_ID) -> int | None:
    """``text`` as a whole number in ``low``..``high``, or None."""
    if not text or len(text) > MOST_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if low <= value <= high else None


def id_number(text: str | None) -> int | None:
    """A row's id (1 or more), or None."""
    return number(text, low=1)


def is_typed_number(text: str) -> bool:
    """Whether ``text`` is only a number as a person types one (see :func:`typed`)."""
    text = typed(text).strip()
    return bool(text) and text.isascii() and text.isdigit()


def choice_number(text: str, count: int) -> int | None:
    """A button's place (1..``count``) typed by a person: their own script's digits count
    too ("٣" and "۳" are 3 on Arabic and Persian keyboards, also between direction marks),
    "²" or "①" do not."""
    text = typed(text).strip()
    if not text or len(text) > 3 or not (text.isascii() and text.isdigit()):
        return None
    chosen = int(text)
    return chosen if 1 <= chosen <= count else None


def typed_value(text: str) -> float | None:
    """A number a person typed as a value ("5", "۵", "1,5", "1.5", "۱٫۵"), or None: read
    against the values of a step's choices (``Button.value``, handlers/router.py
    ``Router.read_typed``) - 1,5 hours is typed with a comma in most of our languages."""
    found = re.fullmatch(r"([0-9]{1,6})(?:[.,]([0-9]{1,3}))?", typed(text).strip())
    if found is None:
        return None
    whole, part = found.groups()
    return float(f"{whole}.{part or 0}")


# A decimal digit of any script but ASCII's (Arabic-Indic, Persian, Devanagari ...).
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")


def compatible(text: str) -> str:
    """``text`` in NFKC: superscript and circled digits, full-width letters and "＠", and
    no-break spaces become their plain forms - what a pattern looking for a phone number or
    an e-mail address must see, whatever look-alikes someone typed."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def ascii_digits(text: str) -> str:
    """:func:`compatible`, and every script's decimal digits as ASCII ones ("٠١٧١" and
    "۰۱۷۱" are "0171")."""
    if text.isascii():
        return text
    return _OTHER_DIGIT.sub(
        lambda m: str(unicodedata.decimal(m.group(0))), unicodedata.normalize("NFKC", text)
    )


# What a reader of typed numbers must see besides the digits: the Arabic decimal separator
# is a point, the Arabic thousands separator nothing, the Arabic comma and semicolon the
# Latin ones; and the direction marks phones put around numbers in right-to-left text
# (LRM, RLM, ALM, embeddings, overrides, isolates) are nothing at all.
_TYPED_SIGNS = {"\u066b": ".", "\u066c": "", "\u060c": ",", "\u061b": ";"}
# The direction marks are text_safety's (the one list of them), so that a mark added there
# is dropped here too.
_TYPED = re.compile(
    r"(?![0-9])\d|["
    + re.escape("".join(sorted(_TYPED_SIGNS.keys() | BIDI_CONTROLS | BIDI_MARKS)))
    + "]"
)


def _typed_sign(match: re.Match[str]) -> str:
    sign = match.group(0)
    if sign.isdecimal():
        return str(unicodedata.decimal(sign))
    return _TYPED_SIGNS.get(sign, "")


def typed(text: str) -> str:
    """A text a person typed, as every reader of a number in it (a postcode, a time, a date,
    an amount, coordinates, opening hours, a typed choice) must see it: each script's decimal
    digits as ASCII ones ("۴۴۱۳۷", "٤٤١٣٧" and the mixed "44۱۳7" are "44137"), "۱۲٫۵" as
    "12.5", and without the direction marks phones add. The one place for this, so that no
    step reads "٣" where another refuses it; ``\\d`` and ``int()`` alone accept them in some
    patterns and not in others ([0-9], a library's parser). Not for ids from outside
    (:func:`number`), which stay ASCII only, nor for what is kept or passed on as the
    person wrote it."""
    return text if text.isascii() else _TYPED.sub(_typed_sign, text)
