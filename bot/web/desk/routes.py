"""Every desk route: login and the pages (each page module adds its own)."""

from __future__ import annotations

from aiohttp import web

from bot.web.desk import (
    auth,
    certificates,
    data_export,
    erasure,
    events,
    phone_pins,
    phone_residents,
    places,
    queue,
    requests,
    stats,
    voice,
    volunteers,
)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/desk", auth.entrance)
    app.router.add_get("/desk/login/{token}", auth.login_page)
    app.router.add_post("/desk/login/{token}", auth.log_in)
    app.router.add_post("/desk/logout", auth.log_out)
    app.router.add_post("/desk/logout/everywhere", auth.log_out_everywhere)
    for page in (queue, requests, voice, volunteers, certificates, places, events, stats):
        page.add_routes(app)
    phone_residents.add_routes(app)
    data_export.add_routes(app)
    erasure.add_routes(app)
    phone_pins.add_routes(app)
