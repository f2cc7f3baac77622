"""Server-rendered pages: one Jinja2 environment, each page in the visitor's language.

Templates call ``_("Text {name}", name=value)`` (extracted by ``make extract`` like the
chat's ``t.t``; values are escaped and, in Arabic and Persian, isolated) and use ``t`` for
Babel's dates, numbers and lists. ``base.html`` sets ``lang`` and ``dir`` and carries the
language switcher.
"""

from __future__ import annotations

import hashlib
import secrets
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web
from markupsafe import Markup, escape

from bot.web.i18n import easy_asked, keep, remember, translator_for
from locales import N_, SUPPORTED_LANGUAGES, Translator, language_name

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"

# The desk's sections in its menu; each is shown once its page module added the route.
DESK_SECTIONS = (
    ("/desk/queue", N_("📥 Review")),
    ("/desk/requests", N_("📋 Requests")),
    ("/desk/volunteers", N_("🙋 Volunteers")),
    ("/desk/places", N_("📍 Places")),
    ("/desk/events", N_("📅 Events")),
    ("/desk/stats", N_("📊 Statistics")),
)

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
LANGUAGES = tuple((code, language_name(code)) for code in SUPPORTED_LANGUAGES)
# Explicit bidi controls (embeddings, overrides, isolates and their closers): a browser's
# tab and window title, the history and bookmarks show them as boxes ("الطلب #⁨1⁩"), and
# a title is one short line of its own where a value cannot reorder the page's text.
_TITLE_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def title_text(value: str) -> Markup:
    """A page's ``<title>`` without bidi controls (the template's ``title_text`` filter).
    Escaped first: a place's name in a poster's title is what an importer wrote (markup
    there closed the title and became the page's); what the page rendered is Markup
    already and stays as it is."""
    return Markup(escape(value).translate(_TITLE_CONTROLS))


_ENV.filters["title_text"] = title_text


# What a link to the same page in another language (or a list's next page) keeps of its
# address: the filters and choices the pages read, each short - never the whole query,
# which an address of 8 KB would have repeated in each of ten language links.
KEPT_KEYS = frozenset(
    {
        *("kind", "speaks", "wheelchair", "open", "easy", "q", "stale", "place", "period"),
        *("state", "bezirk", "category", "older", "page", "language", "name"),
        *("unverified", "paused", "due", "talk"),
    }
)
KEPT_LENGTH = 100  # characters of a value (a search typed: the desk reads 100)
KEPT_VALUES = 16  # of one key (the requests' states)


def kept_query(request: web.Request, drop: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """The pairs of the address a link to the same page keeps (``KEPT_KEYS``, bounded)."""
    kept: list[tuple[str, str]] = []
    counts: dict[str, int] = {}
    for key, value in request.query.items():
        if key not in KEPT_KEYS or key in drop or len(value) > KEPT_LENGTH:
            continue
        counts[key] = counts.get(key, 0) + 1
        if counts[key] <= KEPT_VALUES:
            kept.append((key, value))
    return kept


def _switch_url(request: web.Request, lang: str) -> str:
    return f"{request.path}?{urlencode([*kept_query(request), ('lang', lang)])}"


@cache
def static(name: str) -> str:
    """The address of one of our own files, with its version so browsers may cache it."""
    digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
    return f"/static/{name}?v={digest}"


def _desk_sections(request: web.Request, t: Translator) -> list[tuple[str, str]]:
    served = {
        info.get("path") or info.get("formatter")
        for info in (resource.get_info() for resource in request.app.router.resources())
    }
    return [(href, t._(label)) for href, label in DESK_SECTIONS if href in served]


def context(request: web.Request, t: Translator | None = None) -> dict[str, Any]:
    t = t or translator_for(request)

    def gettext(message: str, **values: Any) -> Markup:
        return t.t(message, **values)

    return {
        "_": gettext,
        "t": t,
        "lang": t.lang,
        "dir": "rtl" if t.rtl else "ltr",
        "languages": LANGUAGES,
        "language_name": language_name(t.lang),
        "switch_url": lambda code: _switch_url(request, code),
        "path": request.path,
        "easy": easy_asked(request),
        "keep": keep(request),
        "static": static,
        "desk_sections": lambda: _desk_sections(request, t),
        # A form's own token: sent twice, it acts once (bot/web/desk/once.py).
        "once": lambda: secrets.token_urlsafe(12),
    }


def render(
    request: web.Request, template: str, *, status: int = 200, **values: Any
) -> web.Response:
    # The answer's status too: a page answering a refusal (409, 422) shows its notice as
    # one (desk/base.html), never in the colour and role of a step done.
    values = {**context(request), "status": status, **values}
    body = _ENV.get_template(template).render(**values)
    response = web.Response(text=body, status=status, content_type="text/html", charset="utf-8")
    remember(request, response)
    return response


def render_text(template: str, **values: Any) -> str:
    """A template outside a request (posters in tests, the benchmark)."""
    return _ENV.get_template(template).render(**values)
