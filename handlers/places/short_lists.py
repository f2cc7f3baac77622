"""Lists for listeners and easy readers: someone who hears the bot (read aloud, every
message or on a tap, or on a phone line) or reads in easy language
(handlers/easy_language.py) gets a list three items at a time, one short line each, with a
button per item for its details and "➕ More" for the next three; people who read get the
whole page as before.

A list said in full took over a minute and a half to hear (the places near someone, this
week's events: three lines and the name of every button for each item); three short lines
and numbered buttons take a fraction of that, and the details come when asked for.

This module holds what the places' and the events' short lists share: who gets them, the
"➕ More" button and the key of the list a button belongs to. Each list's "more" carries
that key and where to go on (an offset for places, a cursor for events; the button data
is documented in ``handlers.places.chat`` and ``handlers.events.chat``), so that the same
button always gives the same next three, and a button of another list (an older search,
other filters) or a forged one is stale: answered as any stale button, nothing changed.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from db.users import ReadAloud
from handlers.messages import Button
from handlers.reader import Medium
from locales import Translator

if TYPE_CHECKING:
    from handlers.context import Context

SHORT = 3
KEY_LENGTH = 8  # hex digits of the list's key in a button's data


def listens(ctx: Context) -> bool:
    """Whether the acting person gets short lists: they hear the bot's messages here, in a
    voice that speaks their language (read aloud's own rule, ``Reader.heard``) or on a
    medium that says everything (``Medium.SPOKEN``: a phone line), or they read in easy
    language (shorter content, not only simpler words)."""
    reader = ctx.reader
    if reader.easy or reader.medium == Medium.SPOKEN:
        return True
    return reader.heard(ctx.settings.speech_languages) != ReadAloud.OFF


def list_key(*values: Any) -> str:
    """A short key of what makes a list (its place, filters and time span): a button from
    another list carries another key."""
    canonical = json.dumps(values, sort_keys=True, ensure_ascii=True)
    return hashlib.blake2s(canonical.encode(), digest_size=KEY_LENGTH // 2).hexdigest()


def item_buttons(t: Translator, data: list[str]) -> list[list[Button]]:
    """The details of the items, in one row of numbered buttons: each message numbers its
    items from one, so the first button opens item one, as said ("first button: one"),
    as seen, and as a typed "1" presses it on Matrix and in the console."""
    if not data:
        return []
    return [[Button(f"👉 {t.number(n)}", each) for n, each in enumerate(data, start=1)]]


def more_button(t: Translator, data: str) -> Button:
    # The arrow points on the way the reader reads (left in Arabic and Farsi).
    return Button("➕ " + t._("More") + " " + t.arrow("on"), data)


def pressed_key(args: str) -> tuple[str, str]:
    """The key and the rest of a "more" button's arguments (``<key>:<rest>``)."""
    key, _, rest = args.partition(":")
    return key, rest
