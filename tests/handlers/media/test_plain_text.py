"""The HTML subset handlers write, as plain text (handlers/media/plain_text.py)."""

from __future__ import annotations

from handlers.media.plain_text import html_to_plain


def test_plain_text_rendering():
    assert html_to_plain("<b>A</b> &amp; <i>b</i>") == "A & b"
    assert (
        html_to_plain('<a href="https://x.org/?a=1&amp;b=2">x</a>') == "x (https://x.org/?a=1&b=2)"
    )
    assert html_to_plain("<b>A</b>", ansi=True) == "\033[1mA\033[22m"
    # A link whose text is its address is shown once, not twice.
    shown = html_to_plain('🗺 الخريطة: <a href="http://x/?lang=ar">http://x/?lang=ar</a>')
    assert shown == "🗺 الخريطة: http://x/?lang=ar"
