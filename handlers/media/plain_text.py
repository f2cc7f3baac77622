"""The small HTML subset handlers write (Telegram-style ``<b>``, ``<i>``, ``<u>``, ``<s>``,
``<code>``, ``<pre>``, ``<a href>``; user text inside it already escaped) as plain text, for
a reader whose medium shows no markup (a texted reader, handlers/media/texted_form.py) and for
every transport without markup of its own (bot/transports/markup.py).

No button data, no states.
"""

from __future__ import annotations

import html
import re

from markupsafe import Markup

from handlers.messages import Button, links

TAG = re.compile(r"(<[^>]*>)")
TAG_NAME = re.compile(r"^</?\s*([a-zA-Z0-9-]+)")
_ANSI = {"b": ("\033[1m", "\033[22m"), "i": ("\033[3m", "\033[23m"), "u": ("\033[4m", "\033[24m")}


def html_to_plain(text: str, *, ansi: bool = False) -> str:
    """Strip tags (links keep their address in brackets, unless their text is the address
    already); optionally show bold etc. with ANSI."""
    out: list[str] = []
    href_stack: list[tuple[str | None, int]] = []
    for piece in TAG.split(text):
        if not piece:
            continue
        if not piece.startswith("<"):
            out.append(html.unescape(piece))
            continue
        match = TAG_NAME.match(piece)
        if not match:
            continue
        name, closing = match.group(1).lower(), piece.startswith("</")
        if name == "a":
            if closing:
                href, start = href_stack.pop() if href_stack else (None, len(out))
                if href and "".join(out[start:]).strip() != href:
                    out.append(f" ({href})")
            else:
                found = re.search(r'href="([^"]*)"', piece)
                href_stack.append((html.unescape(found.group(1)) if found else None, len(out)))
        elif ansi and name in _ANSI:
            out.append(_ANSI[name][1 if closing else 0])
    return "".join(out)


def with_links(text: Markup, rows: list[list[Button]]) -> Markup:
    """The text with its link buttons as lines below it (label and address), for
    transports that have no link buttons."""
    found = links(rows)
    if not found:
        return text
    lines = [Markup('{0}: <a href="{1}">{1}</a>').format(b.label, b.url) for b in found]
    return Markup(text) + Markup("\n\n") + Markup("\n").join(lines)
