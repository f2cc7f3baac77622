"""The small HTML subset handlers produce, turned into what a transport can show.

Handlers emit Telegram-style HTML (``<b>``, ``<i>``, ``<u>``, ``<s>``, ``<code>``, ``<pre>``,
``<a href>``); user text inside it is already escaped.
"""

from __future__ import annotations

import html

# The plain text of it is the handlers' (a texted reader's form makes it too): used here as
# every transport without markup of its own does.
from handlers.media.plain_text import TAG as _TAG
from handlers.media.plain_text import TAG_NAME as _TAG_NAME
from handlers.media.plain_text import html_to_plain, with_links

__all__ = ["html_to_plain", "split_html", "utf16_len", "with_links"]


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _visible(piece: str) -> str:
    return html.unescape(piece)


def _follow_tag(open_tags: list[tuple[str, str]], tag: str) -> None:
    """The tags open after ``tag``: an opening one added, its closing one removed."""
    match = _TAG_NAME.match(tag)
    if not match:
        return
    name = match.group(1).lower()
    if not tag.startswith("</"):
        open_tags.append((name, tag))
    elif open_tags and open_tags[-1][0] == name:
        open_tags.pop()


def _fitting(text: str, room: int) -> int:
    """How many characters of ``text`` fit in ``room`` UTF-16 units."""
    fit = text[:room]
    while utf16_len(fit) > room:
        fit = fit[:-1]
    return len(fit)


def _natural_cut(text: str, room: int) -> int:
    """Where to cut ``text`` within ``room``: at the last paragraph break, else line break,
    else space of the longest prefix that fits (0 or less: none)."""
    fit = text[: _fitting(text, room)]
    cut = -1
    for sep in ("\n\n", "\n", " "):
        cut = fit.rfind(sep)
        if cut > 0:
            break
    return cut


def split_html(text: str, limit: int = 4096) -> list[str]:
    """Split HTML into chunks of at most ``limit`` visible UTF-16 units each.

    Cuts prefer paragraph breaks, then line breaks, then spaces; tags open at a cut are
    closed at the end of one chunk and reopened at the start of the next, so every chunk
    is valid markup on its own.
    """
    if 2 * len(text) <= limit or utf16_len(html_to_plain(text)) <= limit:
        # The first: a character is at most two UTF-16 units, and the visible text is never
        # longer than the markup (tags and entities shrink, a link's address in brackets
        # is shorter than its tag) - so most answers skip the parse (issue 104).
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
            _follow_tag(open_tags, piece)
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
            cut = _natural_cut(remaining, room)
            if cut <= 0 and used > 0:
                flush()
                continue
            if cut <= 0:
                cut = _fitting(remaining, room)
            current.append(html.escape(remaining[:cut], quote=False))
            remaining = remaining[cut:]
            flush()
    flush()
    return chunks
