"""The desk's certificates for volunteers: what volunteers asked for in the chat, signed or
declined here (issue 41, point 17).

Routes: ``GET /desk/certificates`` (waiting requests, oldest first, and the latest decided);
``GET /desk/certificates/<id>`` (the request, the help the paper will state, the forms);
``POST /desk/certificates/<id>/draft.pdf`` (a preview marked as not signed, with the sign
form's fields as they are);
``GET /desk/certificates/<id>/signed.pdf`` (a signed paper as the volunteer got it);
``POST /desk/certificates/<id>/sign`` (``signer_name``, ``signer_role``, and for the
confirmation ``activity`` and ``basis``) and ``…/decline``.

Signing calls handlers/helping/certificate_requests.py: the paper is made first (a second of
rendering, outside any transaction), then in one transaction the coordinator's role is read
and checked again, the request is signed if it still waits, and the PDF goes to the
volunteer through the outbox. PDFs are sent with ``Cache-Control: no-store``: they carry a
name and, for the confirmation, a date of birth.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from aiohttp import web
from markupsafe import Markup

from bot.web.desk.auth import Desk, desk_of, desk_page
from bot.web.i18n import translator_for
from bot.web.inputs import path_id
from bot.web.pages import render
from db.certificates import ASKED, CONDUCT, ISSUED, RECORD, CertificateRequest
from handlers.documents.volunteer_papers import BASES
from handlers.helping import certificate_requests as papers
from handlers.helping import moved_on
from handlers.helping.certificate_requests import HelpFacts
from handlers.helping.lifecycle import Refused
from handlers.helping.render import someone
from handlers.helping.vocabulary import HELP_CATEGORIES
from locales import N_, Translator

# Decided requests the list shows below the waiting ones.
RECENT = 20
DONE = {
    "sign": N_("✅ Signed. The volunteer gets the PDF in the chat."),
    "decline": N_("✅ Declined. The volunteer was told."),
}
STATES = {
    ASKED: N_("⏳ waiting"),
    ISSUED: N_("✅ signed"),
    "declined": N_("✖️ declined"),
}
FIELDS = ("signer_name", "signer_role", "activity", "basis")
# A sign or decline pressed after a colleague decided: what happened, by whom, when - so
# that nobody signs twice nor wonders whether the volunteer got anything.
ALREADY = {
    ISSUED: N_(
        "⚠️ Certificate request #{id} was already signed by {name} at {time}; the "
        "volunteer gets the PDF. Nothing was changed."
    ),
    "declined": N_(
        "⚠️ Certificate request #{id} was already declined by {name} at {time}; the "
        "volunteer was told. Nothing was changed."
    ),
}


def _moment(stored: str) -> datetime:
    return datetime.fromisoformat(stored.replace("Z", "+00:00"))


def _facts_text(t: Translator, facts: HelpFacts | None) -> dict[str, str]:
    if facts is None:
        return {}
    return {
        "period": t.t(
            "{first} – {last}",
            first=t.date(date.fromisoformat(facts.first)),
            last=t.date(date.fromisoformat(facts.last)),
        ),
        "kinds": t.list_of(t._(HELP_CATEGORIES[key][1]) for key in facts.categories),
        "times": t.number(facts.times),
        "time": t.duration(facts.minutes) if facts.minutes else "–",
    }


async def _row(desk: Desk, t: Translator, request: CertificateRequest) -> dict[str, Any]:
    user = await desk.site.db.users.get(request.user_id)
    return {
        "id": request.id,
        "user_id": request.user_id,
        "account": user.first_name if user is not None else "?",
        "kind": t._(papers.KIND_NAMES[request.kind]),
        "name": request.name,
        "asked": t.datetime(_moment(request.asked_at), "short"),
        "state": t._(STATES[request.state]),
        "waiting": request.state == ASKED,
    }


@desk_page
async def listing(request: web.Request) -> web.Response:
    desk = desk_of(request)
    t = translator_for(request)
    waiting, decided = await desk.site.db.certificates.listed(limit=RECENT)
    return render(
        request,
        "desk/certificates.html",
        desk=desk,
        notice=None,
        configured=bool(desk.site.settings.organisation.name),
        waiting=[await _row(desk, t, found) for found in waiting],
        decided=[await _row(desk, t, found) for found in decided],
    )


def _form(desk: Desk, posted: dict[str, str] | None) -> dict[str, str]:
    """The sign form as posted, or as first shown (the coordinator's own first name)."""
    if posted is None:
        return {key: desk.user.first_name if key == "signer_name" else "" for key in FIELDS}
    return {key: posted.get(key, "") for key in FIELDS}


async def _refused(desk: Desk, t: Translator, number: int, refusal: Refused) -> Markup:
    """A refusal in words; a request a colleague decided meanwhile says what they decided,
    who they were and when (else the lifecycle's "already decided")."""
    found = await desk.site.db.certificates.get(number)
    if refusal.message != papers.NOT_WAITING or found is None or found.state not in ALREADY:
        return refusal.text(t)
    by = await desk.site.db.users.get(found.decided_by) if found.decided_by else None
    if by is None or not found.decided_at:
        return refusal.text(t)
    time = moved_on.when(t, _moment(found.decided_at), datetime.now(UTC))
    return t.t(ALREADY[found.state], id=number, name=someone(t, by), time=time)


async def _detail(
    request: web.Request,
    *,
    error: Markup | None = None,
    status: int = 200,
    posted: dict[str, str] | None = None,
) -> web.Response:
    desk = desk_of(request)
    t = translator_for(request)
    found = await desk.site.db.certificates.get(path_id(request))
    if found is None:
        raise web.HTTPNotFound()
    facts = None
    if found.kind == RECORD:
        facts = (
            HelpFacts.from_dict(found.facts)
            if found.state == ISSUED
            else await papers.facts_of(desk.site.db, found.user_id)
        )
    done = request.query.get("done", "")
    return render(
        request,
        "desk/certificate.html",
        status=status,
        desk=desk,
        notice=t.t(DONE[done]) if done in DONE else None,
        error=error,
        row=await _row(desk, t, found),
        paper=found,
        conduct=found.kind == CONDUCT,
        birth=t.date(date.fromisoformat(found.birth_date), "long") if found.birth_date else "",
        second_language=t.language(found.lang),
        facts=_facts_text(t, facts),
        signed_on=t.date(_moment(found.decided_at)) if found.decided_at else "",
        form=_form(desk, posted),
        # The fields' maxlength: the rule papers.prepare checks them by.
        longest={"signer": papers.SIGNER_LIMIT, "activity": papers.ACTIVITY_LIMIT},
        bases=[(key, t._(label)) for key, label in BASES.items()],
        configured=bool(desk.site.settings.organisation.name),
    )


@desk_page
async def detail(request: web.Request) -> web.Response:
    return await _detail(request)


def _pdf(name: str, content: bytes) -> web.Response:
    return web.Response(
        body=content,
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@desk_page
async def draft_pdf(request: web.Request) -> web.StreamResponse:
    desk = desk_of(request)
    posted = {key: str(value) for key, value in (await request.post()).items()}
    form = _form(desk, posted)
    try:
        prepared = await papers.prepare(
            desk.site.db,
            desk.site.settings,
            path_id(request),
            desk.user,
            name=form["signer_name"],
            role=form["signer_role"],
            activity=form["activity"],
            basis=form["basis"],
            draft=True,
        )
    except Refused as refusal:
        text = refusal.text(translator_for(request))
        return await _detail(request, error=text, status=409, posted=form)
    if prepared is None:
        raise web.HTTPNotFound()
    return _pdf(prepared.filename, prepared.pdf)


@desk_page
async def signed_pdf(request: web.Request) -> web.StreamResponse:
    desk = desk_of(request)
    found = await desk.site.db.certificates.get(path_id(request))
    if found is None or found.state != ISSUED:
        raise web.HTTPNotFound()
    name, content = await papers.signed_pdf(desk.site.settings, found)
    return _pdf(name, content)


@desk_page
async def sign(request: web.Request) -> web.StreamResponse:
    desk = desk_of(request)
    number = path_id(request)
    posted = {key: str(value) for key, value in (await request.post()).items()}
    form = _form(desk, posted)
    t = translator_for(request)
    try:
        prepared = await papers.prepare(
            desk.site.db,
            desk.site.settings,
            number,
            desk.user,
            name=form["signer_name"],
            role=form["signer_role"],
            activity=form["activity"],
            basis=form["basis"],
        )
        if prepared is None:
            raise web.HTTPNotFound()
        async with desk.site.db.transaction():
            # The role as it is now, after the second the paper took to make.
            signer = await desk.site.db.users.get(desk.user.id)
            if signer is None or not await papers.issue(desk.site.scene(), signer, prepared):
                raise Refused(papers.NOT_WAITING)
    except Refused as refusal:
        if refusal.stale:
            # Refused without a reason: the signer is no coordinator any more.
            return render(request, "desk/forbidden.html", status=403, logged_in=True)
        return await _detail(
            request, error=await _refused(desk, t, number, refusal), status=409, posted=form
        )
    desk.site.wake()
    raise web.HTTPSeeOther(f"/desk/certificates/{number}?done=sign")


@desk_page
async def decline(request: web.Request) -> web.StreamResponse:
    desk = desk_of(request)
    number = path_id(request)
    try:
        async with desk.site.db.transaction():
            if not await papers.decline(desk.site.scene(), desk.user, number):
                raise Refused(papers.NOT_WAITING)
    except Refused as refusal:
        t = translator_for(request)
        return await _detail(request, error=await _refused(desk, t, number, refusal), status=409)
    desk.site.wake()
    raise web.HTTPSeeOther(f"/desk/certificates/{number}?done=decline")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/desk/certificates", listing)
    app.router.add_get("/desk/certificates/{id}", detail)
    app.router.add_post("/desk/certificates/{id}/draft.pdf", draft_pdf)
    app.router.add_get("/desk/certificates/{id}/signed.pdf", signed_pdf)
    app.router.add_post("/desk/certificates/{id}/sign", sign)
    app.router.add_post("/desk/certificates/{id}/decline", decline)
