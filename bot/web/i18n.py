"""The visitor's language: ``?lang=xx`` (the switcher; remembered in a cookie), the cookie,
then the browser's Accept-Language, then German. The same catalogs as the chat.

Easy language (``?easy=1``): the chat's "🗺 Map" carries it for an easy reader
(handlers/ui.py), and the public pages keep it in their links (``keep``); the page's
translator then takes the easy texts (locales ``easy.po``), as the chat's does. Only in the
address, never a cookie: whoever opens a plain link gets the plain page."""

from __future__ import annotations

from aiohttp import web

from locales import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, Translator, negotiate, translator

COOKIE = "lang"


def _accepted(header: str) -> list[str]:
    """Accept-Language ranges, best first (RFC 9110 §12.5.4); ``q=0`` means not wanted."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:32]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]


def chosen(request: web.Request) -> str | None:
    """The language asked for explicitly (switcher or cookie), if it is one of ours."""
    for value in (request.query.get("lang"), request.cookies.get(COOKIE)):
        if value in SUPPORTED_LANGUAGES:
            return value
    return None


def language_of(request: web.Request) -> str:
    explicit = chosen(request)
    if explicit:
        return explicit
    for tag in _accepted(request.headers.get("Accept-Language", "")):
        lang = negotiate(tag, default="")
        if lang:
            return lang
    return DEFAULT_LANGUAGE


def easy_asked(request: web.Request) -> bool:
    """Whether the address asks for easy language (``easy=1``; anything else: no)."""
    return request.query.get("easy") == "1"


def keep(request: web.Request) -> str:
    """What a public page's links add to stay in easy language (``?lang=xx&easy=1``), or
    nothing: the links of a plain page stay as they are."""
    if not easy_asked(request):
        return ""
    return f"?lang={language_of(request)}&easy=1"


def translator_for(request: web.Request) -> Translator:
    return translator(language_of(request), easy=easy_asked(request))


def remember(request: web.Request, response: web.StreamResponse) -> None:
    """A language picked with the switcher is kept for the next pages."""
    lang = request.query.get("lang")
    if lang in SUPPORTED_LANGUAGES and request.cookies.get(COOKIE) != lang:
        response.set_cookie(COOKIE, lang, max_age=365 * 86400, samesite="Lax", httponly=True)
