"""The whole privacy notice on the web, in the reader's language: what the bot keeps, who
sees it, how long. Where a text costs (SMS), the notice in the chat is short and links here
(handlers/privacy.py ``brief_notice``); the map links here too, at its foot.

Route: ``GET /privacy`` (``?lang=`` the language, ``?easy=1`` easy language, as every public
page). The words are the chat's own (handlers/privacy.py: the notice's lines, the
translation engine and each purpose of the personal-data map), so the page and the chat
never say different things.
"""

from __future__ import annotations

from aiohttp import web

from bot.web.i18n import translator_for
from bot.web.pages import render
from bot.web.site import SITE
from db.personal_data import PURPOSES
from handlers.privacy import PAGE, notice_lines, purpose_texts, translation_notice


async def privacy_page(request: web.Request) -> web.Response:
    settings = request.app[SITE].settings
    t = translator_for(request)
    heading, *lines = notice_lines(t, settings.city_in(t.lang), settings)
    texts = purpose_texts(t, settings.retention, settings.inactive_account_days)
    return render(
        request,
        "public/privacy.html",
        heading=heading,
        lines=lines,
        translation=translation_notice(t, settings),
        details=t.t("📋 <b>What we store, who sees it, how long</b>"),
        purposes=[(purpose.key, *texts[purpose.key]) for purpose in PURPOSES],
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get(PAGE, privacy_page)
