"""How the bot's messages look on Matrix: an ``m.notice`` with HTML and a plain fallback,
buttons as a numbered list (keycap emoji), commands written with "!"; and which button a
reaction or a typed number presses."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Collection
from typing import Any

from markupsafe import Markup

from bot.transports.markup import html_to_plain
from handlers.parsing import choice_number
from locales import N_

log = logging.getLogger(__name__)


PLATFORM = "matrix"
KEYCAPS = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟"]
_GEO = re.compile(r"^geo:(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)")


def number_label(index: int) -> str:
    return KEYCAPS[index] if index < len(KEYCAPS) else f"[{index + 1}]"


# "/name" where a command may stand: not inside a URL or a path ("https://x.org/help",
# "a/b"), not an HTML closing tag.
_SLASH_COMMAND = re.compile(r"(?<![\w/<:.@&;=-])/([A-Za-z][A-Za-z0-9_]*)\b")


def bang_commands(text: str, commands: Collection[str]) -> str:
    """The bot's texts name commands as "/help"; Element takes a typed "/help" for one of
    its own and swallows it, so on Matrix they read "!help". Only registered command names
    change: a "/x" a person wrote inside a quoted text changes too if x is one of them,
    which is harmless, and anything else stays as written."""
    if not commands:
        return text
    return _SLASH_COMMAND.sub(
        lambda m: "!" + m.group(1) if m.group(1).lower() in commands else m.group(0), text
    )


def render(
    text: Markup,
    buttons: list[tuple[str, str]],
    react_hint: str = "",
    commands: Collection[str] = (),
) -> dict[str, Any]:
    """An m.notice with HTML and a plain-text fallback, choices numbered. ``react_hint``:
    a line under the choices for messages whose numbers cannot be typed; ``commands``:
    the registered command names, written with "!"."""
    # Matrix HTML has no collapsed quote (Telegram's "expandable"): a plain one.
    formatted = (
        bang_commands(str(text), commands)
        .replace("<blockquote expandable>", "<blockquote>")
        .replace("\n", "<br>")
    )
    plain = html_to_plain(bang_commands(str(text), commands))
    if buttons:
        lines = [f"{number_label(i)} {label}" for i, (label, _data) in enumerate(buttons)]
        formatted += "<br><br>" + "<br>".join(html.escape(line) for line in lines)
        plain += "\n\n" + "\n".join(lines)
        if react_hint:
            formatted += "<br><i>" + html.escape(react_hint) + "</i>"
            plain += "\n" + react_hint
    return {
        "msgtype": "m.notice",
        "body": plain,
        "format": "org.matrix.custom.html",
        "formatted_body": formatted,
    }


def _leading_emoji(label: str) -> str:
    return label.split(" ", 1)[0] if " " in label else ""


def press_for(key: str, buttons: list[tuple[str, str]]) -> str | None:
    """Button data for a reaction or a typed number, if it names one of the buttons."""
    key = key.strip()
    chosen = choice_number(key, len(buttons))
    if chosen is not None:
        return buttons[chosen - 1][1]
    if key in KEYCAPS and KEYCAPS.index(key) < len(buttons):
        return buttons[KEYCAPS.index(key)][1]
    for label, data in buttons:
        if key and _leading_emoji(label).replace("\ufe0f", "") == key.replace("\ufe0f", ""):
            return data
    return None


# Under the choices of a message whose numbers cannot be typed.
REACT_HINT = N_("👆 React to this message with the emoji of your choice.")
