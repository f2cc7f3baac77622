"""The requester a desk form acts on, and the request page it was sent from.

The forms on a request's page that act on its requester (desk/_erase.html,
desk/_phone_pin.html) post to ``/desk/people/<id>/…`` with ``request``, the id of the page's
request: both are read here, in the caller's transaction, and anything else than a person
who is that request's requester is a 404, so that nothing changes.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from bot.web.desk.auth import desk_of
from bot.web.inputs import id_number, path_id
from db.requests import HelpRequest
from db.users import User


async def requester_of(
    request: web.Request, form: Mapping[str, object]
) -> tuple[User, HelpRequest]:
    """The person the address names and the request of theirs ``form`` names, or 404."""
    db = desk_of(request).site.db
    person_id = path_id(request)
    request_id = id_number(str(form.get("request") or ""))
    person = await db.users.get(person_id)
    found = await db.requests.get(request_id) if request_id is not None else None
    if person is None or found is None or found.requester_id != person.id:
        raise web.HTTPNotFound()
    return person, found
