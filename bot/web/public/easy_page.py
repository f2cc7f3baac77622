"""The map explained in Leichte Sprache (BITV 2.0 § 4: a public body's site explains
itself in easy German): what the map is, how to use it, how to reach the bot, what helps
with reading. Linked from the map's first screen in every language.

Route: ``GET /leichte-sprache``. The page is German by definition, whatever the visitor's
language: its body text is German content written in the template
(``public/leichte_sprache.html``), not a translation, and its frame (the skip link, the
language control) comes from the German catalog so that the whole page is ``lang="de"``.
The language control leads to the map in the language chosen (the page has no other
language); the visitor's choice is remembered as on every page.

How to reach the bot names every way in the city runs, each as its transport's declaration
words it (bot/transports/registry.py ``contacts``: a chat app, a number to call or to text,
each only when configured); and for a reader with none of the chat apps, what to do
instead (a call, a text) or a place to ask at.
"""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from bot.transports.registry import Contact, chat_apps, contacts
from bot.web.pages import context, render
from bot.web.site import SITE
from locales import translator

PATH = "/leichte-sprache"


def _switch_url(code: str) -> str:
    return (
        f"{PATH}?{urlencode({'lang': code})}" if code == "de" else f"/?{urlencode({'lang': code})}"
    )


def without_a_chat(ways: list[Contact]) -> tuple[str, str]:
    """For a reader with none of the chat apps, where the city offers a chat app and a way
    without one: the question, naming every app ("Sie haben kein Telegram und kein
    Matrix?"), and what to do instead ("Dann rufen Sie an. Oder schreiben Sie eine SMS.");
    ("", "") otherwise."""
    instead = [way.instead for way in ways if way.instead]
    if not any(way.chat for way in ways) or not instead:
        return "", ""
    question = "Sie haben kein " + " und kein ".join(chat_apps()) + "?"
    answer = " ".join(f"{'Dann' if n == 0 else 'Oder'} {what}." for n, what in enumerate(instead))
    return question, answer


async def easy_page(request: web.Request) -> web.Response:
    site = request.app[SITE]
    ways = contacts(site.config, site.bot_username)
    question, instead = without_a_chat(ways)
    return render(
        request,
        "public/leichte_sprache.html",
        **{**context(request, translator("de")), "switch_url": _switch_url},
        city=site.settings.city,
        contacts=ways,
        no_chat=question,
        instead=instead,
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get(PATH, easy_page)
