"""Pages of a desk list: 50 rows each, ``?page=N`` (from 1), links that keep the filters."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from aiohttp import web

from bot.web.inputs import MAX_PAGE, number
from bot.web.pages import kept_query

PAGE_SIZE = 50


def page_number(request: web.Request) -> int | None:
    """The page asked for (1 when none); None for something that is not a page number."""
    return number(request.query.get("page", "1"), 1, MAX_PAGE)


@dataclass(frozen=True)
class Pager:
    number: int
    total: int
    # The query of the list (filters) without ``page``.
    query: tuple[tuple[str, str], ...]
    path: str
    size: int = PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    def url(self, number: int) -> str:
        return f"{self.path}?{urlencode([*self.query, ('page', str(number))])}"

    @property
    def previous(self) -> str:
        return self.url(self.number - 1) if self.number > 1 else ""

    @property
    def next(self) -> str:
        return self.url(self.number + 1) if self.number < self.pages else ""


def pager(request: web.Request, number: int, total: int = 0) -> Pager:
    return Pager(number, total, tuple(kept_query(request, drop=("page",))), request.path)
