"""The review queue: requests waiting for a coordinator, with the chat's four decisions.

Routes: ``GET /desk/queue`` (``?page=N``, 20 requests a page: a caller who wants to talk now
on top, then the urgent ones, each oldest first - handlers/helping/review/review_queue.py; above
them the backlog in one line (handlers/helping/review/backlog.py: how many wait and how long the
oldest has, how many are held and until when, how many nobody can take now), who is on
duty and whether the reader is;
each card says how long it has waited and whether anyone could take it); ``POST /desk/queue/duty``
(``on``: ``1`` on duty now, ``0`` off; handlers/helping/review/review_pace.py);
``POST /desk/queue/<id>/publish``, ``…/reject`` (``reason``: one of the chat's reasons,
or ``other`` with ``note``), ``…/edit`` (``text``; ``was``: the text the form was shown
with - changed meanwhile, the edit is refused), ``…/ask`` (``text``). Each calls the
lifecycle function the chat's button calls, so a decision here is shown in the group, the
requester is told and volunteers get offers the same way; of a web and a chat decision
at the same moment one wins and the other is told who decided.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from markupsafe import Markup

from bot.web.desk import queue_view
from bot.web.desk.auth import desk_of, desk_page
from bot.web.desk.paging import Pager, page_number
from bot.web.i18n import translator_for
from bot.web.inputs import id_number, path_id
from bot.web.pages import render
from db.request_states import REVIEW
from db.requests import HelpRequest
from db.users import User
from handlers.helping import lifecycle, moved_on
from handlers.helping.lifecycle import Refused
from handlers.helping.matching import hint_cache
from handlers.helping.render import recent_texts, review_post
from handlers.helping.review import backlog, review_pace, review_queue
from handlers.helping.vocabulary import REJECT_REASONS, TALK
from handlers.language_bridge import backchannel_reader, from_cache
from handlers.messages import Message
from handlers.router import written_limit
from handlers.staff import is_staff
from locales import N_, SUPPORTED_LANGUAGES, Translator

DONE = {
    "publish": N_("✅ Request #{id} is published. Volunteers nearby get the offer."),
    "reject": N_("✅ Request #{id} was not published. The requester was told."),
    "edit": N_("✅ Text of request #{id} changed."),
    "ask": N_("✅ Your question was sent."),
}


QUEUE_PAGE = 20
CHANGED_MEANWHILE = N_(
    "⚠️ The text of request #{id} was changed meanwhile. Nothing was saved: read the text "
    "as it is now, then edit it again."
)
MISSING = N_("😔 There is no request #{id}: it was never made, or it was erased.")


async def _card(
    site: Any,
    request: HelpRequest,
    t: Translator,
    recent: list[tuple[int, str]],
    now: datetime,
    take: tuple[bool, Markup],
    requesters: dict[int, User],
) -> dict[str, Any]:
    # The card's own heading names the request: the post's first line would repeat it.
    post = await review_post(
        site.db,
        request,
        t,
        backchannel_reader(site.settings, t),
        settings=site.settings,
        recent=recent,
        heading=False,
        requesters=requesters,
    )
    filled = await from_cache(site.db, Message(post))
    assert isinstance(filled, Message)
    someone, hint = take
    return {
        "request": request,
        "post": Markup(filled.text),
        "age": review_queue.age(t, request, now),
        "hint": hint,
        "someone": someone,
        "talk": request.category == TALK,
    }


async def _page(
    request: web.Request,
    *,
    notice: Markup | None = None,
    status: int = 200,
    kept: dict[str, Any] | None = None,
) -> web.Response:
    """The queue, as cards or as a list (queue_view.py), filtered; ``kept``: a refused
    form's request id, action and what was typed, shown again in its form, open (a refused
    coordinator keeps what they wrote)."""
    desk = desk_of(request)
    t = translator_for(request)
    number, wanted = page_number(request), queue_view.filter_of(request)
    if number is None or wanted is None:
        raise web.HTTPBadRequest()
    view = queue_view.chosen(request)
    now = datetime.now(UTC)
    # Before the requests are read: a page read before an erasure keeps no hints.
    read_at = hint_cache.erasures(desk.site.db)
    found = await queue_view.waiting(
        desk.site.db, wanted, limit=QUEUE_PAGE, offset=(number - 1) * QUEUE_PAGE
    )
    pager = Pager(number, found.total, wanted.query(), "/desk/queue", QUEUE_PAGE)
    waiting, kept_alone = await _kept_where(desk.site.db, t, found.page, kept or {})
    # Whether anyone could take each: worked out for the whole page at once (review_queue.hints).
    takes = await review_queue.hints(desk.site.db, desk.site.settings, t, waiting, now, read_at)
    shown, nobody = queue_view.lines(t, waiting, takes, now) if view == "list" else ([], [])
    response = render(
        request,
        "desk/queue.html",
        status=status,
        desk=desk,
        view=view,
        cards=await _cards(desk.site, t, waiting, takes, now) if view == "cards" else [],
        lines=shown,
        nobody=nobody,
        nobody_label=queue_view.nobody_label(t, len(nobody)),
        empty=not waiting,
        wanted=wanted,
        choices=queue_view.choices(t, found, wanted),
        pager=pager,
        reasons=[(key, t._(label)) for key, label in REJECT_REASONS.items()],
        notice=notice or await _done(request, t),
        summary=await backlog.said(desk.site.db, desk.site.settings, t, now),
        oldest=await review_pace.oldest_line(desk.site.db, t, now),
        on_duty=await review_pace.is_on_duty(desk.site.db, desk.user),
        duty=await _on_duty(desk.site.db, t),
        # The lifecycle's limits within the city's, as the chat's steps have them
        # (router.written_limit): the fields' maxlength is what the lifecycle takes.
        note_limit=written_limit(desk.site.settings.max_text_length, lifecycle.NOTE_LIMIT),
        written_limit=written_limit(desk.site.settings.max_text_length),
        kept=kept or {},
        kept_alone=kept_alone,
    )
    if request.query.get("view") == view:
        queue_view.keep(response, view)  # the choice stays for the next visit
    return response


async def _cards(
    site: Any,
    t: Translator,
    waiting: list[HelpRequest],
    takes: list[tuple[bool, Markup]],
    now: datetime,
) -> list[dict[str, Any]]:
    """The cards of a page: the texts the "very similar" warning compares with and the
    requesters read once for the whole page, not once a card (a round trip each)."""
    recent = await recent_texts(site.db) if waiting else []
    requesters = await site.db.users.get_many(
        item.requester_id for item in waiting if item.requester_id
    )
    return [
        await _card(site, item, t, recent, now, take, requesters)
        for item, take in zip(waiting, takes, strict=True)
    ]


async def _done(request: web.Request, t: Translator) -> Markup | None:
    """What the step just done says (``?done=``), as the redirect after it names it."""
    desk = desk_of(request)
    done = request.query.get("done", "")
    if done == "duty":
        on_duty = await review_pace.is_on_duty(desk.site.db, desk.user)
        return t.t(review_pace.ON_DUTY if on_duty else review_pace.OFF_DUTY)
    if done not in DONE or not (shown := id_number(request.query.get("id"))):
        return None
    notice = t.t(DONE[done], id=shown)
    if (unread := request.query.get("unread", "")) in SUPPORTED_LANGUAGES:
        said = lifecycle.UNREAD_QUESTION if done == "ask" else lifecycle.UNREAD
        notice += Markup(" ") + t.t(said, language=t.language(unread))
    return notice


async def _kept_where(
    db: Any, t: Translator, waiting: list[HelpRequest], kept: dict[str, Any]
) -> tuple[list[HelpRequest], list[str]]:
    """Where a refused form's ``kept`` input is shown: in its request's card, put first when
    the request still waits but on another page of the queue; or, where it has moved on and
    has no card (published, rejected, withdrawn meanwhile), on its own (the second value:
    the reason chosen and what was typed) - a refused coordinator keeps what they wrote."""
    if not kept or any(item.id == kept["id"] for item in waiting):
        return waiting, []
    request = await db.requests.get(kept["id"])
    if request is not None and request.state == REVIEW:
        return [request, *waiting], []
    reason = REJECT_REASONS.get(kept.get("reason", "")) if kept["action"] == "reject" else None
    typed = [kept.get(key, "").strip() for key in ("note", "text")]
    return waiting, [said for said in (reason and t._(reason), *typed) if said]


async def _on_duty(db: Any, t: Translator) -> Markup:
    """Who is on duty now, by first name: the coordinators see who else is there."""
    people = [person for person in await db.users.on_duty() if is_staff(person)]
    if not people:
        return t.t("⚪ Nobody is on duty now.")
    return t.t(
        "🟢 On duty: {names}", names=t.list_of(person.first_name or "?" for person in people)
    )


@desk_page
async def queue(request: web.Request) -> web.Response:
    return await _page(request)


def _decision(
    action: str,
    act: Callable[[Any, Any, int, dict[str, str]], Awaitable[Any]],
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    @desk_page
    async def handle(request: web.Request) -> web.StreamResponse:
        desk = desk_of(request)
        request_id = path_id(request)
        form = {key: str(value) for key, value in (await request.post()).items()}
        scene = desk.site.scene()
        try:
            async with desk.site.db.transaction():
                outcome = await act(scene, desk.user, request_id, form)
                await desk.site.db.requests.audit(
                    desk.user.id, f"desk.{action}", f"request:{request_id}"
                )
        except Refused as refusal:
            t = translator_for(request)
            if refusal.missing:  # no such request: not a button gone stale
                return await _page(request, notice=t.t(MISSING, id=request_id), status=404)
            kept = {"id": request_id, "action": action, **form}
            # What it is now, who moved it there and when: as the chat says it.
            notice = await moved_on.said(desk.site.db, t, refusal, request_id)
            return await _page(request, notice=notice, status=409, kept=kept)
        desk.site.wake()
        # A reason that reached the requester untranslated: said with the notice.
        unread = getattr(outcome, "unread", "")
        also = f"&unread={unread}" if unread else ""
        raise web.HTTPSeeOther(f"/desk/queue?done={action}&id={request_id}{also}")

    handle.__name__ = f"queue_{action}"
    return handle


async def _publish(scene, user, request_id: int, form: dict[str, str]) -> None:
    await lifecycle.publish(scene, user, request_id)


async def _reject(scene, user, request_id: int, form: dict[str, str]) -> lifecycle.Decision:
    return await lifecycle.reject(
        scene, user, request_id, form.get("reason", ""), note=form.get("note", "")
    )


async def _edit(scene, user, request_id: int, form: dict[str, str]) -> None:
    # The text the form was shown with: another coordinator's correction made meanwhile
    # (a phone number taken out) is not undone by an edit of the text before it.
    if "was" in form:
        now = await scene.db.requests.get(request_id)
        if now is not None and now.state == REVIEW and meanwhile(now.description, form):
            raise Refused(CHANGED_MEANWHILE, id=request_id)
    await lifecycle.correct_text(scene, user, request_id, form.get("text", ""))


def meanwhile(kept: str | None, form: Mapping[str, str]) -> bool:
    """Whether the text ``kept`` now differs from the one the form was shown with (its
    ``was``; a form without it is taken as before): a save made on an older text would undo
    a colleague's change. One rule for a request's text (here) and its summary (requests.py)."""
    return "was" in form and _lines(kept) != _lines(form["was"])


def _lines(text: str | None) -> str:
    """A text as a form sends it back and as it is kept alike (a browser sends CR LF)."""
    return (text or "").replace("\r\n", "\n").strip()


async def _ask(scene, user, request_id: int, form: dict[str, str]) -> lifecycle.Asked:
    return await lifecycle.ask(scene, user, request_id, form.get("text", ""))


@desk_page
async def duty(request: web.Request) -> web.StreamResponse:
    """On duty now, or off: the same as /duty in the backchannel."""
    desk = desk_of(request)
    on = str((await request.post()).get("on", ""))
    if on not in ("0", "1"):
        raise web.HTTPBadRequest()
    async with desk.site.db.transaction():
        await review_pace.set_on_duty(desk.site.db, desk.user, on == "1")
    raise web.HTTPSeeOther("/desk/queue?done=duty")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/desk/queue", queue)
    app.router.add_post("/desk/queue/duty", duty)
    for action, act in (("publish", _publish), ("reject", _reject), ("edit", _edit), ("ask", _ask)):
        app.router.add_post(f"/desk/queue/{{id}}/{action}", _decision(action, act))
