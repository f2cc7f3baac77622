"""A phone resident's PIN cleared by the coordinators (handlers/numbers/phone_pin.py): a
resident who forgot theirs, or fears someone knows it, asks a coordinator; from then on their
calls are checked by call-back again, until they choose a new PIN in a checked call.

Route: ``POST /desk/people/<id>/pin`` with ``request`` (the id of the request page the form
is on, desk/_phone_pin.html, shown where the requester has a PIN: the page says only that
one is set, never anything of it): the PIN is removed and the page comes back with
``?done=pin``. Coordinators only, at the moment of the POST, with the form's token
(auth.py ``desk_page``); a person who is not there, has no PIN, or is not that request's
requester is a 404 and nothing changes. Recorded as ``desk.pin_clear`` about the person
(their export lists it under "Decisions about you"). A PIN locked today after three wrong
tries is said on the same page (:func:`locked_today`), never the digits or the number.
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from bot.web.desk.auth import desk_of, desk_page
from bot.web.desk.requesters import requester_of
from db import Database
from db.clock import local_day


async def locked_today(db: Database, person_id: int, now: datetime) -> bool:
    """Whether ``person_id``'s PIN is locked today (three wrong tries, Europe/Berlin): the
    request's page says so - until tomorrow her calls are checked by a call-back only (the
    coordinators' group was told the moment it happened, handlers/numbers/phone_pin.py)."""
    pin = await db.phone_pins.get(person_id)
    return pin is not None and pin.locked(local_day(now))


@desk_page
async def clear(request: web.Request) -> web.StreamResponse:
    desk = desk_of(request)
    form = await request.post()
    db = desk.site.db
    async with db.transaction():
        person, found = await requester_of(request, form)
        if not await db.phone_pins.clear(person.id):
            raise web.HTTPNotFound()
        await db.requests.audit(desk.user.id, "desk.pin_clear", f"user:{person.id}")
    raise web.HTTPSeeOther(f"/desk/requests/{found.id}?done=pin")


def add_routes(app: web.Application) -> None:
    app.router.add_post(r"/desk/people/{id:\d+}/pin", clear)
