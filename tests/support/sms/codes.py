"""The code in a text the bot sent a number (handlers/channels.py ``CODE_DIGITS`` ASCII
digits, no others beside them): what the holder of the number types back."""

from __future__ import annotations

import re

from handlers.channels import CODE_DIGITS

_CODE = re.compile(rf"(?<![0-9])[0-9]{{{CODE_DIGITS}}}(?![0-9])")


def code_in(text: str) -> str:
    """The one code in ``text`` (fails when there is none, or more than one)."""
    found = _CODE.findall(text)
    assert len(found) == 1, text
    return found[0]


def other_code(code: str) -> str:
    """A code of the same form that is not ``code``: a wrong try."""
    first = "1" + "0" * (CODE_DIGITS - 1)
    return first if code != first else first[:-1] + "1"


def has_code(text: str) -> bool:
    """Whether ``text`` holds a code at all."""
    return _CODE.search(text) is not None
