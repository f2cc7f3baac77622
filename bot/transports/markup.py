"""The small HTML subset handlers produce, turned into what a transport can show.

Handlers emit Telegram-style HTML (``<b>``, ``<i>``, ``<u>``, ``<s>``, ``<code>``, ``<pre>``,
``<a href>``); user text inside it is already escaped.
"""

from __future__ import annotations

import html
import re

from markupsafe import Markup

from handlers.messages import Button, links

_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"^</?\s*([a-zA-Z0-9-]+)")
_ANSI = {"b": ("\033[1m", "\033[22m"), "i": ("\033[3m", "\033[23m"), "u": ("\033[4m", "\033[24m")}


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def html_to_plain(text: str, *, ansi: bool = False) -> str:
    """Strip tags (links keep their address in brackets, unless their text is the address
    already); optionally show bold etc. with ANSI."""
    out: list[str] = []
    href_stack: list[tuple[str | None, int]] = []
    for piece in _TAG.split(text):
        if not piece:
            continue
        if not piece.startswith("<"):
            out.append(html.unescape(piece))
            continue
        match = _TAG_NAME.match(piece)
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


def _visible(piece: str) -> str:
    return html.unescape(piece)


def split_html(text: str, limit: int = 4096) -> list[str]:
    """Split HTML into chunks of at most ``limit`` visible UTF-16 units each.

    Cuts prefer paragraph breaks, then line breaks, then spaces; tags open at a cut are
    closed at the end of one chunk and reopened at the start of the next, so every chunk
    is valid markup on its own.
    """
    if utf16_len(html_to_plain(text)) <= limit:
        return [text]
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    open_tags: list[tuple[str, str]] = []  # (name, full opening tag)

    def flush() -> None:
        nonlocal current, used
        closing = "".join(f"</{name}>" for name, _ in reversed(open_tags))
        body = "".join(current)
        if html_to_plain(body).strip():
            chunks.append(body + closing)
        current = [tag for _, tag in open_tags]
        used = 0

    for piece in _TAG.split(text):
        if not piece:
            continue
        if piece.startswith("<"):
            match = _TAG_NAME.match(piece)
            if match:
                name = match.group(1).lower()
                if piece.startswith("</"):
                    if open_tags and open_tags[-1][0] == name:
                        open_tags.pop()
                else:
                    open_tags.append((name, piece))
            current.append(piece)
            continue
        remaining = _visible(piece)
        while remaining:
            if used == 0 and chunks:
                remaining = remaining.lstrip("\n ")
                if not remaining:
                    break
            room = limit - used
            if utf16_len(remaining) <= room:
                current.append(html.escape(remaining, quote=False))
                used += utf16_len(remaining)
                break
            # Longest prefix that fits, then the best natural break inside it.
            fit = remaining[:room]
            while utf16_len(fit) > room:
                fit = fit[:-1]
            cut = -1
            for sep in ("\n\n", "\n", " "):
                cut = fit.rfind(sep)
                if cut > 0:
                    break
            if cut <= 0 and used > 0:
                flush()
                continue
            if cut <= 0:
                cut = len(fit)
            current.append(html.escape(remaining[:cut], quote=False))
            remaining = remaining[cut:]
            flush()
    flush()
    return chunks


def with_links(text: Markup, rows: list[list[Button]]) -> Markup:
    """The text with its link buttons as lines below it (label and address), for
    transports that have no link buttons."""
    found = links(rows)
    if not found:
        return text
    lines = [Markup('{0}: <a href="{1}">{1}</a>').format(b.label, b.url) for b in found]
    return Markup(text) + Markup("\n\n") + Markup("\n").join(lines)
