"""Desk login, sessions, CSRF and roles.

Routes: ``GET /desk/login/<token>`` shows a button (a link preview or a mail scanner
fetching the link must not spend it); ``POST`` to the same address spends the link and
opens a session; ``POST /desk/logout`` ends it, ``POST /desk/logout/everywhere`` ends all of
the person's sessions and unused links. ``desk_page`` wraps every other desk
handler: no valid session, or no coordinator/admin role *now*, is 403; a POST without
the session's CSRF token, or from another origin, is 403; a form sent twice acts once
(once.py). It also counts the backlog - the requests waiting for review and those held
back (handlers/helping/review/backlog.py) - which every desk page shows in its title and its 📥
section.

A refused form keeps what was typed (``desk/kept_form.html``, still 403, nothing saved): a
POST whose session has ended answers that it ended, how to sign in again, and a form
carrying the typed fields back to the same address; sent again under the new session (its
old token no longer fits), a same-origin POST gets the same fields back with the new token
to confirm. A POST from another origin gets the bare 403 - it carries nothing back.

Each city's desk has its own cookie: browsers send a cookie to every port of a host, so
two cities' desks on one host under one name would log each other's sessions out. The
main city's is ``nb_desk`` (existing sessions survive), a further city's ``nb_desk_<slug>``.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.web.desk.once import FIELD as ONCE
from bot.web.desk.once import SentForms
from bot.web.pages import render
from bot.web.site import SITE, Site
from db.desk import SESSION_VALID, DeskSession
from db.users import User
from handlers.helping.review import backlog
from handlers.staff import is_staff

COOKIE = "nb_desk"
CSRF_FIELD = "csrf"

PageHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Desk:
    """Who is at the desk for this request, and the token their forms carry."""

    user: User
    session: DeskSession
    site: Site
    # The backlog (waiting for review and held back): the queue's section and the page's
    # title carry it (a coordinator sees it in a browser tab), counted when the page is
    # asked for.
    waiting: int = 0

    @property
    def csrf(self) -> str:
        return self.session.csrf


DESK = web.RequestKey("desk", Desk)


def desk_of(request: web.Request) -> Desk:
    return request[DESK]


def cookie_name(site: Site) -> str:
    return f"{COOKIE}_{site.city}" if site.city else COOKIE


def may_use_desk(user: User | None) -> bool:
    """Coordinators and admins who are not banned, at this moment (the chat's rule)."""
    return is_staff(user)


def _forbidden(request: web.Request, *, logged_in: bool) -> web.Response:
    return render(request, "desk/forbidden.html", status=403, logged_in=logged_in)


# A value that looks like a form's own choice (a reason's key, a number, a yes) rather than a
# person's words: carried back unseen, the typed words are shown, so the coordinator sees
# what is kept.
_CHOICE = re.compile(r"[\w.:-]{0,32}")


async def _kept(request: web.Request, *, csrf: str = "") -> web.Response:
    """The refused form's fields back in a form that sends them to the same address."""
    form = await request.post()
    fields = [(k, v) for k, v in form.items() if k != CSRF_FIELD and isinstance(v, str)]
    return render(
        request,
        "desk/kept_form.html",
        status=403,
        ended=not csrf,
        csrf=csrf,
        action=request.path_qs,
        fields=fields,
        typed=[v for _k, v in fields if not _CHOICE.fullmatch(v)],
        files_dropped=any(not isinstance(v, str) for v in form.values()),
    )


def _same_origin(request: web.Request, site: Site) -> bool:
    """A browser names the page a form came from; it must be this site."""
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if not origin or origin == "null":
        return origin is None
    parts = urlsplit(origin)
    allowed = {request.host}
    if site.config.web.public_url:
        allowed.add(urlsplit(site.config.web.public_url).netloc)
    return parts.netloc in allowed


async def current(request: web.Request) -> tuple[User, DeskSession] | None:
    """The logged-in user of this request's session, if the session is valid."""
    site = request.app[SITE]
    session_id = request.cookies.get(cookie_name(site), "")
    if not session_id or len(session_id) > 128:
        return None
    session = await site.db.desk.session(session_id, datetime.now(UTC))
    if session is None:
        return None
    user = await site.db.users.get(session.user_id)
    return (user, session) if user is not None else None


def desk_page(handler: PageHandler) -> PageHandler:
    """Only coordinators and admins, checked on every request; forms need the CSRF token."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        site = request.app[SITE]
        found = await current(request)
        posted = request.method not in ("GET", "HEAD")
        if found is None:
            if posted and _same_origin(request, site):
                return await _kept(request)
            return _forbidden(request, logged_in=False)
        user, session = found
        if not may_use_desk(user):
            return _forbidden(request, logged_in=True)
        if posted:
            form = await request.post()
            sent = str(form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token") or "")
            if not _same_origin(request, site):
                return render(request, "error.html", status=403, code=403, detail="")
            if not (
                sent
                and hmac.compare_digest(
                    sent.encode(errors="surrogateescape"), session.csrf.encode()
                )
            ):
                return await _kept(request, csrf=session.csrf)
        request[DESK] = Desk(user, session, site, await backlog.total(site.db))
        if posted:  # a form sent twice acts once (once.py)
            if site.forms_sent is None:
                site.forms_sent = SentForms(site.db.marks)
            token = str((await request.post()).get(ONCE) or "")
            return await site.forms_sent.once(session.csrf, token, lambda: handler(request))
        return await handler(request)

    guarded.__name__ = handler.__name__
    guarded.__doc__ = handler.__doc__
    return guarded


def _cookie_options(site: Site) -> dict[str, Any]:
    return {
        "httponly": True,
        "samesite": "Strict",
        "secure": site.config.web.public_url.startswith("https://"),
        "path": "/desk",
    }


async def login_page(request: web.Request) -> web.Response:
    site = request.app[SITE]
    token = request.match_info["token"]
    valid = len(token) <= 128 and await site.db.desk.login_is_open(token, datetime.now(UTC))
    return render(
        request, "desk/login.html", status=200 if valid else 403, valid=valid, token=token
    )


async def log_in(request: web.Request) -> web.StreamResponse:
    site = request.app[SITE]
    token = request.match_info["token"]
    now = datetime.now(UTC)
    if len(token) > 128 or not _same_origin(request, site):
        return render(request, "desk/login.html", status=403, valid=False, token="")
    async with site.db.transaction():
        user_id = await site.db.desk.redeem_login(token, now)
        user = await site.db.users.get(user_id) if user_id is not None else None
        if user is None or not may_use_desk(user):
            return render(request, "desk/login.html", status=403, valid=False, token="")
        session_id, _session = await site.db.desk.open_session(user.id, now)
        await site.db.requests.audit(user.id, "desk.login", f"user:{user.id}")
    response = web.Response(status=303, headers={"Location": "/desk/queue"})
    response.set_cookie(
        cookie_name(site),
        session_id,
        max_age=int(SESSION_VALID.total_seconds()),
        **_cookie_options(site),
    )
    return response


@desk_page
async def log_out(request: web.Request) -> web.StreamResponse:
    desk = desk_of(request)
    async with desk.site.db.transaction():
        await desk.site.db.desk.close_session(request.cookies.get(cookie_name(desk.site), ""))
        await desk.site.db.requests.audit(desk.user.id, "desk.logout", f"user:{desk.user.id}")
    return _logged_out(desk)


@desk_page
async def log_out_everywhere(request: web.Request) -> web.StreamResponse:
    """Every session of this person (a lost phone, a shared computer) and their unused links."""
    desk = desk_of(request)
    async with desk.site.db.transaction():
        await desk.site.db.desk.close_all(desk.user.id)
        await desk.site.db.requests.audit(
            desk.user.id, "desk.logout_everywhere", f"user:{desk.user.id}"
        )
    return _logged_out(desk)


# Where a logout lands: the entrance, saying so (the entrance alone would greet the person
# who has just logged out with "only for coordinators").
LOGGED_OUT = "/desk?out=1"


def _logged_out(desk: Desk) -> web.Response:
    response = web.Response(status=303, headers={"Location": LOGGED_OUT})
    response.del_cookie(cookie_name(desk.site), path="/desk")
    return response


async def entrance(request: web.Request) -> web.StreamResponse:
    """``/desk``: to the queue when logged in, else how to log in."""
    found = await current(request)
    if found is not None and may_use_desk(found[0]):
        raise web.HTTPSeeOther("/desk/queue")
    if found is None and "out" in request.query:
        return render(request, "desk/logged_out.html", status=200)
    return _forbidden(request, logged_in=found is not None)
