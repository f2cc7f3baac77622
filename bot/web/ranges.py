"""A sound held in memory answered whole or as the one byte range a player asks for.

An ``<audio>`` player that cannot ask for ranges plays an OGG file as a stream: Chromium
shows no length and cannot seek, since the length is in the file's last page (its granule
position), which it reads with a range from the end. Single ranges only (``bytes=a-b``,
``bytes=a-``, ``bytes=-n``), as players ask; anything else is answered 416.

With ``etag``, a range asked ``If-Range`` for another version of the file gets the whole
new file instead (a place's details, and so their sound, change when it opens or closes).
"""

from __future__ import annotations

from aiohttp import web


def ranged(
    request: web.Request,
    content: bytes,
    mime_type: str,
    *,
    cache_control: str,
    etag: str = "",
) -> web.Response:
    """``content`` whole (200), the range asked for (206) or 416 when it is not in it."""
    headers = {"Content-Type": mime_type, "Accept-Ranges": "bytes", "Cache-Control": cache_control}
    if etag:
        headers["ETag"] = f'"{etag}"'
    if "Range" not in request.headers or (
        "If-Range" in request.headers and request.headers["If-Range"] != headers.get("ETag")
    ):
        return web.Response(body=content, headers=headers)
    size = len(content)
    try:
        asked = request.http_range
    except ValueError:
        asked = None
    start, stop = (asked.start, asked.stop) if asked is not None else (None, None)
    if asked is not None and start is not None and start < 0:  # "bytes=-N": the last N
        start, stop = max(size + start, 0), size
    start = start or 0
    stop = size if stop is None else min(stop, size)
    if asked is None or start >= size or start >= stop:
        del headers["Content-Type"]
        return web.Response(status=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
    return web.Response(status=206, body=content[start:stop], headers=headers)
