"""Measuring the easy-language screens (issue 43): the same moment of the week for the
places' open or closed lines, and words counted the same way whether they come from the
messages a chat got or from what the console printed."""

from __future__ import annotations

import re
from datetime import UTC, datetime

# Wednesday, 11:30 in Dortmund: the places answer at one moment of the week.
WEDNESDAY_NOON = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
_TAG = re.compile(r"<[^>]+>")


def word_count(text: str) -> int:
    """The words of ``text`` (markup left out): what has a letter or a digit."""
    return sum(1 for w in _TAG.sub(" ", text).split() if re.search(r"\w", w))
