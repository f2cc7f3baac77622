"""A person's data for the coordinators to hand on: someone on a platform that cannot
receive a file (a channel without ``files``, ``HandlerSettings.channels``) hears or reads
/mydata's summary and is told the coordinators give them the whole file; this is where they
get it - the same document /mydata sends (handlers/privacy.py ``export_file``).

Route: ``POST /desk/people/<id>/data.json`` (a form on the page of a request whose requester
is such a person, desk/_data_export.html): the file as a download,
``nachbarbot-<id>-data.json``, never cached. Coordinators only, at the moment of the request,
with the form's token (auth.py ``desk_page``); a person who is not there or can receive the
file themselves is a 404. Each export is recorded as a decision about the person
(``desk.export``), which their own export lists under "Decisions about you". Neither the
person's number nor the file's content is logged.
"""

from __future__ import annotations

from aiohttp import web

from bot.web.desk.auth import desk_of, desk_page
from bot.web.inputs import path_id
from handlers.privacy import export_file


@desk_page
async def export(request: web.Request) -> web.StreamResponse:
    desk = desk_of(request)
    person_id = path_id(request)
    db = desk.site.db
    async with db.transaction():
        person = await db.users.get(person_id)
        if person is None or desk.site.settings.channels.files(person.platform):
            raise web.HTTPNotFound()
        # Recorded first, so the file handed over lists this export too.
        await db.requests.audit(desk.user.id, "desk.export", f"user:{person.id}")
        _sections, content = await export_file(db, person)
    return web.Response(
        body=content,
        content_type="application/json",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="nachbarbot-{person.id}-data.json"',
            "Cache-Control": "no-store",
        },
    )


def add_routes(app: web.Application) -> None:
    app.router.add_post(r"/desk/people/{id:\d+}/data.json", export)
