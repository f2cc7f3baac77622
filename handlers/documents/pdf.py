"""HTML and CSS to PDF, with WeasyPrint.

Text is laid out by Pango, which shapes Arabic and Persian through HarfBuzz (joined letters,
right to left, lam-alef ligatures) and orders mixed lines by the Unicode bidi algorithm, so
a page written as HTML in any of the ten languages comes out as its readers write it. The
one font is DejaVu Sans (Debian's fonts-dejavu-core, which make installs): it covers Latin,
Cyrillic, Arabic and Persian, and only the glyphs used are embedded in the file, so a PDF
shows the same on any reader.

Nothing is fetched while rendering: a page brings its images as ``data:`` URLs, and any
other address (a file, the network) is refused. WeasyPrint is imported on first use (it
takes half a second) and renders on a thread of its own, one document at a time: the event
loop goes on, and Pango's font machinery is never used from two threads at once.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

FONT = "DejaVu Sans"
_RENDERER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf")
# WeasyPrint logs each of a document's seven steps at INFO: nothing an operator needs, seven
# lines for every paper. Its warnings (a style it cannot use) still show.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def render(html: str) -> bytes:
    """``html`` as a PDF (blocking: see :func:`pdf_of`)."""
    import weasyprint

    document = weasyprint.HTML(string=html, url_fetcher=_fetcher(), base_url="data:,")
    pdf = document.write_pdf(pdf_variant=None, uncompressed_pdf=False)
    assert pdf is not None
    return bytes(pdf)


async def pdf_of(html: str) -> bytes:
    """``html`` as a PDF, made off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_RENDERER, render, html)
