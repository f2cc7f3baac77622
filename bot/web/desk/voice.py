"""A request's voice message, played on the desk before a coordinator decides.

Route: ``GET /desk/requests/<id>/voice`` - the sound of request ``<id>``'s voice message,
for the ``<audio>`` element of the review queue and the request's page (single byte
ranges are served, so that the player can seek).

The file is never kept here: every request fetches it from the chat platform it was sent
to, through the city's transport for that platform (a :class:`~bot.transports.sending.MediaSource`
handed to the site), and answers it with ``Cache-Control: no-store``. So it is heard no
longer than the request keeps ``voice_file_id``: retention and erasure clear that, and
the route answers 404 from then on. Who may listen is the desk's rule, checked when the
sound is asked for (``desk_page``: a coordinator or admin of this city, not banned, now).
Logs name the request and the platform, never the file's id.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.transports.sending import DeliveryError
from bot.web.desk.auth import desk_of, desk_page
from bot.web.inputs import path_id
from bot.web.pages import render
from bot.web.ranges import ranged
from db.request_states import UNSENT

log = logging.getLogger(__name__)

# What the platforms record voice messages as (OGG/Opus) and what else may come: a type
# the platform did not name is told by the file's first bytes.
_OGG = b"OggS"
_UNKNOWN = "application/octet-stream"


def audio_type(content: bytes, declared: str) -> str:
    """The Content-Type to serve ``content`` with: the platform's own if it names a
    sound, else OGG when the file is one (an encrypted Matrix file comes without a
    type), else an unknown binary (browsers still try to play it)."""
    if declared.split(";")[0].strip().lower().startswith("audio/"):
        return declared
    return "audio/ogg" if content.startswith(_OGG) else _UNKNOWN


@desk_page
async def voice(request: web.Request) -> web.StreamResponse:
    desk = desk_of(request)
    request_id = path_id(request)
    found = await desk.site.db.requests.get(request_id)
    if found is None or found.state in UNSENT or not found.voice_file_id:
        raise web.HTTPNotFound()
    source = desk.site.media.get(found.voice_platform)
    try:
        if source is None:
            raise DeliveryError("no connection to the platform here", permanent=True)
        content, declared = await source.fetch_media(found.voice_file_id)
    except DeliveryError as failure:
        log.warning(
            "desk: voice of request %d not fetched from %s (%s)",
            request_id,
            found.voice_platform or "?",
            "for good" if failure.permanent else "for now",
        )
        return render(
            request,
            "desk/voice_failed.html",
            status=502,
            desk=desk,
            notice=None,
            request_id=request_id,
        )
    return ranged(request, content, audio_type(content, declared), cache_control="no-store")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/desk/requests/{id}/voice", voice)
