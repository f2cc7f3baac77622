"""The review queue's two views and its filters (issue 100, point 5): eighteen full cards
were 10,846 px on a phone, seventeen of them saying nobody could take them now.

- **The view**: ``?view=cards`` (each request's card with its decisions, the default) or
  ``?view=list`` (one line a request: its number, kind, languages, area, age and whether
  anyone could take it now, each opening the request). The choice stays: it is kept in
  a cookie of the desk (:data:`COOKIE`, a year) and read when no ``view`` is asked for.
- **Nobody can take it now**: in the list, the requests nobody could take now are one
  count ("⚠️ 17 that nobody can take now") that opens to their lines; a caller who wants
  to talk now stays on top whatever the hint.
- **Filters**: ``language`` (a requester's language, as the requests name them) and
  ``area`` (the Stadtbezirk, or the area's name where there is none), offered from what
  waits; the queue's order and paging stay the queue's (handlers/helping/review/review_queue.py),
  over the requests that fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from markupsafe import Markup

from db import Database
from db.requests import HelpRequest
from handlers.helping.render import category_label
from handlers.helping.review import review_queue
from handlers.helping.review.review_pace import waited
from handlers.helping.vocabulary import TALK
from locales import SUPPORTED_LANGUAGES, Translator

COOKIE = "desk_queue_view"
VIEWS = ("cards", "list")
# At most this many waiting requests are filtered (the oldest in the queue's order).
FILTERED = 1000
YEAR = 365 * 24 * 3600


def chosen(request: web.Request) -> str:
    """The view asked for, else the one chosen before (the cookie), else the cards."""
    asked = request.query.get("view", "")
    if asked in VIEWS:
        return asked
    kept = request.cookies.get(COOKIE, "")
    return kept if kept in VIEWS else "cards"


def keep(response: web.StreamResponse, view: str) -> None:
    """Remember the view for the next visit (only the desk's pages read it)."""
    response.set_cookie(COOKIE, view, max_age=YEAR, path="/desk", httponly=True, samesite="Strict")


def area_of(request: HelpRequest) -> str:
    return request.stadtbezirk or request.area_name or ""


@dataclass(frozen=True)
class Filter:
    language: str = ""
    area: str = ""

    @property
    def active(self) -> bool:
        return bool(self.language or self.area)

    def fits(self, request: HelpRequest) -> bool:
        return (not self.language or self.language in (request.languages or ())) and (
            not self.area or area_of(request) == self.area
        )

    def query(self) -> tuple[tuple[str, str], ...]:
        """The filters as the pager's links carry them."""
        return tuple((key, value) for key, value in self.__dict__.items() if value)


def filter_of(request: web.Request) -> Filter | None:
    """The filters asked for; None when one is no choice the desk offers."""
    language = request.query.get("language", "")
    area = request.query.get("area", "").strip()
    if (language and language not in SUPPORTED_LANGUAGES) or len(area) > 200:
        return None
    return Filter(language, area)


@dataclass(frozen=True)
class Waiting:
    """One page of what waits (filtered), how many fit, and the filters' choices."""

    total: int
    page: list[HelpRequest]
    languages: list[str]
    areas: list[str]


async def waiting(db: Database, wanted: Filter, limit: int, offset: int) -> Waiting:
    """The page of the queue (in its order) that fits ``wanted``."""
    _count, everything = await review_queue.page(db, limit=FILTERED, offset=0)
    languages = sorted({code for item in everything for code in item.languages or ()})
    areas = sorted({area for item in everything if (area := area_of(item))})
    if not wanted.active:
        count, page = await review_queue.page(db, limit=limit, offset=offset)
        return Waiting(count.total, page, languages, areas)
    fitting = [item for item in everything if wanted.fits(item)]
    return Waiting(len(fitting), fitting[offset : offset + limit], languages, areas)


def choices(t: Translator, found: Waiting, wanted: Filter) -> dict[str, Any]:
    """What the view switch and the filters offer: each view's address (the filters kept),
    the languages (each named in the reader's language) and the areas that wait."""
    kept = urlencode(wanted.query())
    return {
        "views": {
            view: f"/desk/queue?view={view}" + (f"&{kept}" if kept else "") for view in VIEWS
        },
        "languages": [(code, t.language(code)) for code in found.languages],
        "areas": found.areas,
    }


def lines(
    t: Translator, page: list[HelpRequest], takes: list[tuple[bool, Markup]], now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The list's lines: those shown, and those grouped behind "nobody can take now"."""
    shown: list[dict[str, Any]] = []
    nobody: list[dict[str, Any]] = []
    for request, (someone, hint) in zip(page, takes, strict=True):
        talk = request.category == TALK
        line = {
            "id": request.id,
            "kind": category_label(t, request.category),
            "languages": t.list_of(t.language(code) for code in request.languages or ()),
            "area": area_of(request),
            "age": t.t("⏳ waiting {duration}", duration=waited(t, request.created_at, now)),
            "someone": someone,
            "hint": hint,
            "talk": talk,
        }
        (shown if someone or talk else nobody).append(line)
    return shown, nobody


def nobody_label(t: Translator, count: int) -> Markup:
    """The one count the requests nobody can take now are grouped behind."""
    return t.tn("⚠️ {n} that nobody can take now", "⚠️ {n} that nobody can take now", count)
