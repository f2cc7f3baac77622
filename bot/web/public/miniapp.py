"""The map as a Telegram Mini App: the "🗺 Map" button opens ``/`` inside Telegram, which
passes ``initData`` in the address's fragment (``#tgWebAppData=…``); ``static/map.js``
reads it (no script from telegram.org: no third-party requests) and posts it here.

Route: ``POST /api/miniapp/me`` (body: the initData as text). Only after ``initdata.verify``
accepted it with the bot's token: ``{"language": the person's chat language, "places":
[{"id", "name"}] they follow, "districts": [names] they follow}``. Forged, stale or missing
initData, or no token configured: 403 ``{"error": "forbidden"}`` and nothing else.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.transports.registry import mini_app
from bot.web.inputs import id_number
from bot.web.public import initdata
from bot.web.site import SITE
from locales import negotiate

log = logging.getLogger(__name__)


async def me(request: web.Request) -> web.Response:
    site = request.app[SITE]
    body = await request.content.read(initdata.MAX_LENGTH + 1)
    # The transport whose app opens the Mini App, and its key (bot/transports/registry.py).
    platform, key = mini_app(site.config) or ("", "")
    try:
        verified = initdata.verify(body.decode("utf-8", "replace").strip(), key)
    except initdata.Refused as refusal:
        log.info("web: Mini App data refused (%s)", refusal)
        return web.json_response({"error": "forbidden"}, status=403)
    user = await site.db.users.find(platform, str(verified.user_id))
    language = negotiate(verified.language_code, default="") if verified.language_code else ""
    places: list[dict[str, object]] = []
    districts: list[str] = []
    if user is not None:
        language = user.language or language
        subscriptions = await site.db.events.subscriptions(user.id)
        ids = [
            place_id
            for kind, target in subscriptions
            if kind == "place" and (place_id := id_number(target)) is not None
        ]
        found = await site.db.places.get_many(ids)
        lang = language or "de"
        places = [
            {"id": place_id, "name": found[place_id].name_in(lang)}
            for place_id in ids
            if place_id in found
        ]
        districts = [target for kind, target in subscriptions if kind != "place"]
    return web.json_response(
        {"language": language, "places": places, "districts": districts},
        headers={"Cache-Control": "no-store"},
    )


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/miniapp/me", me)
