"""Numbers in web addresses, query strings and forms, read by the one parser
(``handlers/parsing.py``): anything but ASCII digits in range is a 404 for a path and is
ignored (or a 400) for a query - never a 500."""

from __future__ import annotations

from aiohttp import web

from handlers.parsing import MAX_ID, id_number, number

# Far beyond any list the desk shows, far below an integer that would hurt SQLite.
MAX_PAGE = 100_000
# A count shown in a notice ("12 new, 3 changed"), from the address after a redirect.
MAX_COUNT = 10**8


def path_id(request: web.Request, name: str = "id") -> int:
    """The id in the address (``/desk/requests/<id>``), or 404."""
    found = id_number(request.match_info.get(name))
    if found is None:
        raise web.HTTPNotFound()
    return found


def query_number(
    request: web.Request, name: str, default: int = 0, low: int = 0, high: int = MAX_ID
) -> int:
    """``?name=N`` within ``low``..``high``; ``default`` when absent or not such a number
    (a count in a notice, a page)."""
    found = number(request.query.get(name), low, high)
    return default if found is None else found


__all__ = ["MAX_COUNT", "MAX_PAGE", "id_number", "number", "path_id", "query_number"]
