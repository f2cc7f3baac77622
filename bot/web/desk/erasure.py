"""The data of a resident known by their number (``HandlerSettings.channels.by_number``:
a caller, a texter, one the desk entered) erased by the coordinators on the resident's
request (issue 44: by a keypress on the line, or by a coordinator when asked): the one erasure
path /delete takes (handlers/privacy.py ``erase``, why "deleted"), so their requests are
withdrawn, a helper and the coordinators are told through the lifecycle, and their
recording files go (``DataRights.after_erasure``).

Route: ``POST /desk/people/<id>/erase`` with ``request`` (the id of the request page the
form is on, desk/_erase.html): without ``confirm`` it shows what will go
(desk/erase.html); with ``confirm=yes`` it erases and leads back to the request page,
``?done=erased``. Coordinators only, at the moment of each POST, with the form's token
(auth.py ``desk_page``); a person who is not there, can delete in a chat themselves, or is
not that request's requester is a 404 and nothing changes. The coordinator's action is
recorded as ``desk.erase`` about ``user:erased`` (what erasure leaves of a decision about
a person, db/personal_data.py's audit_log), so the record never points at the person.
"""

from __future__ import annotations

from aiohttp import web

from bot.web.desk.auth import desk_of, desk_page
from bot.web.desk.requesters import requester_of
from bot.web.pages import render
from handlers import build_router
from handlers.privacy import erase as erase_person


@desk_page
async def erase(request: web.Request) -> web.StreamResponse:
    desk = desk_of(request)
    form = await request.post()
    db = desk.site.db
    async with db.transaction():
        person, found = await requester_of(request, form)
        if not desk.site.settings.channels.by_number(person.platform):
            raise web.HTTPNotFound()
        if form.get("confirm") != "yes":
            return render(
                request, "desk/erase.html", desk=desk, notice=None, person=person, r=found
            )
        # A router of its own, as the retention job's: only its closers are used.
        await erase_person(desk.site.scene(), build_router(), person, "deleted")
        await db.requests.audit(desk.user.id, "desk.erase", "user:erased")
    desk.site.wake()
    raise web.HTTPSeeOther(f"/desk/requests/{found.id}?done=erased")


def add_routes(app: web.Application) -> None:
    app.router.add_post(r"/desk/people/{id:\d+}/erase", erase)
