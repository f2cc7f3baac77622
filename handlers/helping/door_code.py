"""A new code word at the door, made when a helper takes a request
(handlers/helping/lifecycle.py): one of the pictures anyone can name
(handlers/media/door_codes.py, which names them where a text is said or texted) and a
two-digit number."""

from __future__ import annotations

import secrets

from handlers.media.door_codes import DOOR_SYMBOLS


def new_door_code() -> str:
    return f"{secrets.choice(tuple(DOOR_SYMBOLS))} {10 + secrets.randbelow(90)}"
