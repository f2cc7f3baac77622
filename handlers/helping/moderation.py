"""The coordinators' backchannel: every new or edited request is checked before volunteers
see it. Posts carry automatic warnings (phone numbers, e-mail, street addresses, links, text
very like a recent request). Only coordinators' presses count (checked again by the
lifecycle at the moment of deciding), and of two coordinators deciding at once exactly one
wins; the other is told who decided and when (handlers/helping/moved_on.py, as every
refusal of a request that changed meanwhile).

Button data (``mod:…``, coordinators, in the backchannel), each action its own callback:
``ok:<id>`` publish, ``no:<id>`` reject (asks the reason), ``rr:<id>:<reason>``,
``back:<id>``, ``pg:<page>`` and ``pc:<id>:<page>`` (/pending's list, paged in one
message: handlers/helping/review/pending_list.py), ``ed:<id>`` edit the text, ``ask:<id>`` ask
the requester, ``sum:<id>`` write a summary for volunteers (of a voice message),
``why:<id>`` reject with a reason written by hand, ``re:<id>`` offer again, ``end:<id>``
end a request still running (a "just talk" request's notice, handlers/helping/talk_now.py),
``pull:<id>`` pull a request published at once back into review (lifecycle ``pull_back``).
States: ``mod.ed``, ``mod.ask``, ``mod.sum``, ``mod.why`` (the coordinator's text, in their
private chat),
``request.answer`` (the requester's answer to a question). A question, a written reason
and the requester's answer reach the other side in their language if they may not read
it (handlers/language_bridge.py).
Commands: /publish N, /reject N REASON, /offer N, /pending (talk now and urgent first, each
oldest first; ten a page, /pending 2 the next, saying "10 of 14"), /duty
(on duty now, or off again: handlers/helping/review/review_pace.py), /stats, /ban N, /unban N,
/coordinator_add N, /coordinator_remove N.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from markupsafe import Markup

from db.clock import local_day
from db.request_states import (
    DONE,
    EXPIRED,
    MATCHED,
    OPEN,
    REJECTED,
    REVIEW,
    WITHDRAWN,
)
from db.requests import HelpRequest
from db.users import User
from handlers import ui
from handlers.context import Context
from handlers.helping import lifecycle, moved_on, posting_limits
from handlers.helping.languages import shown_to_coordinators
from handlers.helping.lifecycle import Refused
from handlers.helping.matching import held_offers, offer_fanout, waves
from handlers.helping.render import (
    category_label,
    decision_buttons,
    describe,
    group_review_post,
)
from handlers.helping.review import backlog, pending_list, review_pace
from handlers.helping.vocabulary import REJECT_REASONS
from handlers.messages import Button, ButtonPress, Command, Message
from handlers.messenger import backchannel_language
from handlers.parsing import id_number, typed
from handlers.router import WRITTEN_LIMIT, Router
from handlers.staff import may_ban
from handlers.statistics import city_figures
from handlers.statistics.picture import picture
from locales import N_, Translator

ROLE = "coordinator"
# What the lifecycle gives back for a coordinator's text (:func:`_with_text`).
Taken = TypeVar("Taken")
NOT_ABOVE = N_("⛔ Only an admin can block a coordinator or another admin.")
# A user number typed that is nobody's, and one's own for /ban (staff.may_ban's rule).
NO_SUCH_USER = N_("🤔 There is no user {user_id}.")
NOT_YOURSELF = N_("⛔ Nobody can block or unblock themselves.")


async def _request(ctx: Context) -> HelpRequest:
    request = await ctx.db.requests.get(ctx.id_arg())
    if request is None:
        ctx.stale()
    return request


async def _pressed_post(ctx: Context, request_id: int) -> int | None:
    """The review post the coordinator pressed on, if it was one of the request's posts:
    in this chat and, where the chat names the message pressed, that very message. The
    request's card in /pending's list is another message in the same group: a decision
    taken there is shown on it, and the review post is marked by the lifecycle like every
    other - it must not be taken for the card and left asking for a check that is done."""
    event = ctx.incoming.event
    if not isinstance(event, ButtonPress):
        return None
    here = (ctx.user.platform, ctx.incoming.chat_id)
    for outbox_id in await ctx.db.requests.posts(request_id):
        if await ctx.db.outbox.target(outbox_id) != here:
            continue
        if event.message_id is None:
            return outbox_id
        state = await ctx.db.outbox.state(outbox_id)
        if state is not None and state[0] == event.message_id:
            return outbox_id
    return None


async def _decided(ctx: Context, decide) -> None:
    """Run a decision; show it on the pressed post (the others are the lifecycle's)."""
    request_id = ctx.id_arg()
    pressed = await _pressed_post(ctx, request_id)
    try:
        decision = await decide(pressed)
    except Refused as refusal:
        if refusal.stale and isinstance(ctx.incoming.event, ButtonPress):
            ctx.stale()
        if refusal.stale:
            ctx.reply(ctx.t.t(lifecycle.CANNOT_CHANGE))
            return
        # Who was faster, what the request is now, who moved it there and when: as the
        # desk says it.
        said = await moved_on.said(ctx.db, ctx.t, refusal, request_id)
        ctx.toast(await moved_on.alert(ctx.db, ctx.t, refusal, request_id), alert=True)
        if refusal.post is not None and isinstance(ctx.incoming.event, ButtonPress):
            ctx.reply(refusal.post, edit=True)
        elif not isinstance(ctx.incoming.event, ButtonPress):
            ctx.reply(said)
        return
    ctx.reply(decision.post, edit=isinstance(ctx.incoming.event, ButtonPress))


async def _publish(ctx: Context) -> None:
    await _decided(
        ctx,
        lambda pressed: lifecycle.publish(ctx, ctx.user, ctx.id_arg(), pressed_post=pressed),
    )


async def _reject(ctx: Context) -> None:
    await _decided(
        ctx,
        lambda pressed: lifecycle.reject(
            ctx, ctx.user, ctx.id_arg(), ctx.value_arg(), pressed_post=pressed
        ),
    )


def _post_words(ctx: Context) -> Translator:
    """The words of the review post a press changes in place: in the group the post is
    everyone's and reads the group's language (not the presser's, whose answers are
    theirs: handlers/reader.py ``sender_in_group``); in a private chat the person's."""
    return ctx.t if ctx.incoming.is_private else backchannel_language()


async def _ask_reason(ctx: Context) -> None:
    request = await _request(ctx)
    t = _post_words(ctx)
    ctx.reply(
        await group_review_post(ctx.db, ctx.settings, request)
        + "\n\n"
        + t.t("❌ Why is it not published?"),
        [
            [Button(t._(label), f"mod:rr:{request.id}:{key}")]
            for key, label in REJECT_REASONS.items()
        ]
        + [
            [Button("✍️ " + t._("Write a reason"), f"mod:why:{request.id}")],
            [Button("↩️ " + t._("Back"), f"mod:back:{request.id}", role="back")],
        ],
        edit=True,
    )


async def _back(ctx: Context) -> None:
    request = await _request(ctx)
    ctx.reply(
        await group_review_post(ctx.db, ctx.settings, request),
        decision_buttons(_post_words(ctx), request.id) if request.state == REVIEW else [],
        edit=True,
    )


# What the coordinator is asked for in their private chat, per action.
PRIVATE_PROMPTS = {
    "ed": N_("✏️ Please send the corrected text for request #{id}."),
    "ask": N_("❓ Please send your question for the requester of #{id}."),
    "sum": N_(
        "📝 Please send a short summary of request #{id} for the volunteers. "
        "They read it in the offer: only the helper who takes it hears the voice message."
    ),
    "why": N_(
        "✍️ Please write why request #{id} is not published. The requester reads it "
        "(translated into their language if needed)."
    ),
}
# Where no translation engine runs, "why" promises none.
AS_WRITTEN = N_(
    "✍️ Please write why request #{id} is not published. The requester reads it as you "
    "write it: no translation runs here, so write in a language they read."
)


async def _write_privately(ctx: Context) -> None:
    """Edit the text, ask the requester or write a summary: the coordinator writes in
    their private chat."""
    request = await _request(ctx)
    action = ctx.incoming.event.data.split(":")[1]  # type: ignore[union-attr]
    try:
        lifecycle.waiting(request)
    except Refused as refusal:
        # Gone (withdrawn, taken, ended): a text written now would be refused and lost.
        ctx.toast(await moved_on.alert(ctx.db, ctx.t, refusal, request.id), alert=True)
        return
    if not ctx.user.chat_id:
        ctx.toast(ctx.t._("Please start a private chat with the bot first."), alert=True)
        return
    await ctx.set_state_of(ctx.user.id, f"mod.{action}", {"request_id": request.id})
    prompt = AS_WRITTEN if action == "why" and not ctx.settings.translation_rules.engine else None
    prompt = prompt or PRIVATE_PROMPTS[action]
    await ctx.mail.to_user(ctx.user, lambda t: Message(t.t(prompt, id=request.id)))
    ctx.toast(ctx.t._("I have written to you in a private chat."))


async def _end(ctx: Context) -> None:
    """A coordinator ends a request (checked by the lifecycle now)."""
    await _changed(ctx, lifecycle.end_by_coordinator, ctx.t._("Ended."))


async def _pull_back(ctx: Context) -> None:
    """A request published at once goes back to review (checked by the lifecycle now)."""
    await _changed(ctx, lifecycle.pull_back, ctx.t._("Back in review."))


async def _changed(
    ctx: Context, change: Callable[[lifecycle.Scene, User, int], Awaitable[object]], done: str
) -> None:
    """The coordinator's press carried out by the lifecycle's ``change`` of the request the
    press names: ``done`` as its toast, or why not (a stale press also marked stale)."""
    request_id = ctx.id_arg()
    try:
        await change(ctx, ctx.user, request_id)
    except Refused as refusal:
        if refusal.stale:
            ctx.stale()
        ctx.toast(await moved_on.alert(ctx.db, ctx.t, refusal, request_id), alert=True)
        return
    ctx.toast(done)


async def _reoffer(ctx: Context) -> None:
    request_id = ctx.id_arg()
    try:
        told = await offer_fanout.reoffer(ctx, ctx.user, request_id)
    except Refused as refusal:
        if isinstance(ctx.incoming.event, ButtonPress):
            if refusal.stale:
                ctx.stale()
            ctx.toast(await moved_on.alert(ctx.db, ctx.t, refusal, request_id), alert=True)
        elif refusal.stale:
            ctx.reply(ctx.t.t(lifecycle.CANNOT_CHANGE))
        else:
            ctx.reply(await moved_on.said(ctx.db, ctx.t, refusal, request_id))
        return
    message = (
        ctx.t.tn(
            "📣 Request #{id} was offered to {n} more volunteer.",
            "📣 Request #{id} was offered to {n} more volunteers.",
            told,
            id=request_id,
        )
        if told
        else await _nobody_told(ctx, request_id)
    )
    request = await ctx.db.requests.get(request_id)
    held = await _held_lines(ctx, request) if told and request is not None else []
    if isinstance(ctx.incoming.event, ButtonPress):
        first, *more = message.split("\n")
        ctx.toast(Markup(first).striptags())
        if more or held:
            # For whom it is held and until when does not fit a toast: a message says it.
            ctx.reply(Markup("\n").join([message, *held]))
    else:
        # /offer: who was asked so far, in how many waves, and when the next goes.
        if request is not None and ctx.settings.offer_rules.waves:
            message = message + "\n" + await waves.progress(ctx.db, ctx.t, request)
        ctx.reply(Markup("\n").join([message, *held]))


async def _held_lines(ctx: Context, request: HelpRequest) -> list[Markup]:
    """Of the offers just sent, those held for quiet hours: for whom and until when."""
    found = await held_offers.held(
        ctx.db, ctx.settings, request, ctx.settings.clock(), nobody_asked_now=False
    )
    return held_offers.coordinator_lines(ctx.t, request.id, found)


async def _nobody_told(ctx: Context, request_id: int) -> Markup:
    """Nobody new was offered the request: "nobody left", or for whom it is held."""
    request = await ctx.db.requests.get(request_id)
    if request is None:
        return ctx.t.t(offer_fanout.NOBODY_LEFT, id=request_id)
    return await offer_fanout.nobody_told(ctx.db, ctx.settings, ctx.t, request)


async def _with_text(ctx: Context, act: Callable[[int, str], Awaitable[Taken]]) -> Taken | None:
    """The coordinator's text, given with the request their step is about to ``act`` (the
    lifecycle's); None when there was no text or it was refused, said why. The step ends -
    unless the lifecycle refused the text as blank (invisible marks only; a longer one
    than the step takes the dispatcher refused before, ``LIMITS``): then the step stays,
    so that the text they send again is taken for the same request instead of as a new
    message to the bot."""
    got = await ctx.expect_text()
    if got is None:
        return None
    state, text = got
    ctx.clear_state()
    try:
        return await act(int(state.data["request_id"]), text)
    except Refused as refusal:
        if refusal.message == lifecycle.WRITE_BETWEEN:
            ctx.set_state(state.state, state.data)
            ctx.reply(refusal.text(ctx.t))
        else:
            now = await moved_on.said(ctx.db, ctx.t, refusal, int(state.data["request_id"]))
            ctx.reply(
                ctx.t.t(lifecycle.CANNOT_CHANGE) if refusal.stale else now, ui.back_to_menu(ctx)
            )
        return None


async def _new_text(ctx: Context) -> None:
    """State ``mod.ed``: the corrected text of the request."""
    request = await _with_text(
        ctx, lambda request_id, text: lifecycle.correct_text(ctx, ctx.user, request_id, text)
    )
    if request is None:
        return
    # The request as it reads now, with the language label the new text got.
    done = (
        ctx.t.t("✅ Text of request #{id} changed. The requester was told.", id=request.id)
        if request.requester_id is not None
        else ctx.t.t("✅ Text of request #{id} changed.", id=request.id)
    )
    ctx.reply(done + "\n\n" + describe(ctx.t, request))


async def _summary_text(ctx: Context) -> None:
    """State ``mod.sum``: the summary volunteers read with the offer."""
    request = await _with_text(
        ctx, lambda request_id, text: lifecycle.summarise(ctx, ctx.user, request_id, text)
    )
    if request is not None:
        ctx.reply(ctx.t.t("✅ Summary of request #{id} saved.", id=request.id))


async def _reason_text(ctx: Context) -> None:
    """State ``mod.why``: the reason for not publishing, in the coordinator's words."""
    decision = await _with_text(
        ctx,
        lambda request_id, note: lifecycle.reject(
            ctx, ctx.user, request_id, lifecycle.OWN_REASON, note=note
        ),
    )
    if decision is None:
        return
    said = ctx.t.t(
        "✅ Request #{id} was not published. The requester was told.", id=decision.request.id
    )
    if decision.unread:
        said += "\n" + ctx.t.t(lifecycle.UNREAD, language=ctx.t.language(decision.unread))
    ctx.reply(said)


async def _question_text(ctx: Context) -> None:
    """State ``mod.ask``: a question for the requester."""
    asked = await _with_text(
        ctx, lambda request_id, text: lifecycle.ask(ctx, ctx.user, request_id, text)
    )
    if asked is None:
        return
    said = ctx.t.t("✅ Your question was sent.")
    if asked.unread:
        said += "\n" + ctx.t.t(lifecycle.UNREAD_QUESTION, language=ctx.t.language(asked.unread))
    ctx.reply(said)


async def requester_answer(ctx: Context) -> None:
    """State ``request.answer``: the requester's answer to a coordinator's question, to the
    backchannel (one longer than ``WRITTEN_LIMIT`` the dispatcher refused, the step kept -
    never cut short without them knowing)."""
    got = await ctx.expect_text()
    if got is None:
        return
    state, text = got
    ctx.clear_state()
    request_id = int(state.data["request_id"])
    request = await ctx.db.requests.get(request_id)
    if request is None or request.requester_id != ctx.user.id:
        ctx.reply(ctx.t.t("ℹ️ This contact has ended."), ui.back_to_menu(ctx))
        return
    answer = await shown_to_coordinators(ctx, ctx.user, request, text)
    await ctx.mail.to_backchannel(
        lambda t: Message(
            t.t("💬 Answer from the requester of #{id}:", id=request_id) + "\n" + answer(t)
        ),
        about=[ctx.user.id],
    )
    ctx.reply(ctx.t.t("✅ Thank you, your answer was passed on."), ui.back_to_menu(ctx))


async def _translation_figures(ctx: Context) -> list[Markup]:
    """Today's and the last 30 days' use of the translation engine."""
    t = ctx.t
    now = datetime.now(UTC)
    lines = [t.t("🌐 <b>Translation</b>")]
    for label, first in ((N_("today"), now), (N_("30 days"), now - timedelta(days=29))):
        usage = await ctx.db.translations.usage_since(local_day(first))
        lines.append(
            t.t(
                "{period}: {texts} texts translated ({characters} characters), {cached} from "
                "memory, {failures} failed, {over} over the daily limit",
                period=t._(label),
                texts=usage.translated,
                characters=usage.characters,
                cached=usage.cached,
                failures=usage.failures,
                over=usage.over_budget,
            )
        )
    return lines


def _command_args(ctx: Context) -> list[str]:
    event = ctx.incoming.event
    # Typed by a person: a request number in the digits the bot showed it in ("/offer ۱۲").
    return typed(event.args).split() if isinstance(event, Command) else []


# /reject with a request number but no reason (or one not in the list).
REASON_MISSING = N_("Please add the reason after the number, for example: /reject {id} {reasons}")
# A typed number no request has (a typo): said so, not "can no longer be changed".
NO_SUCH_REQUEST = N_("🤔 There is no request #{id}.")


async def _no_such_request(ctx: Context, number: int) -> bool:
    """Whether the typed ``number`` names no request; if so, the coordinator is told."""
    if await ctx.db.requests.get(number) is not None:
        return False
    ctx.reply(ctx.t.t(NO_SUCH_REQUEST, id=number))
    return True


async def _decide_by_command(ctx: Context, action: str) -> None:
    """``/publish 12`` and ``/reject 12 trade`` do what the buttons do (for rooms where
    reactions are awkward)."""
    args = _command_args(ctx)
    reasons = "|".join(REJECT_REASONS)
    number = id_number(args[0]) if args else None
    if number is None:
        ctx.reply(
            ctx.t.t(
                "Please name the request number, for example: /publish 12 or /reject 12 {reasons}",
                reasons=reasons,
            )
        )
        return
    if action == "rr" and (len(args) < 2 or args[1] not in REJECT_REASONS):
        # The number was named: what is missing (or unknown) is the reason.
        ctx.reply(ctx.t.t(REASON_MISSING, id=number, reasons=reasons))
        return
    if await _no_such_request(ctx, number):
        return
    ctx.args = args[0] + (f":{args[1]}" if action == "rr" else "")
    await (_publish(ctx) if action == "ok" else _reject(ctx))


async def _publish_command(ctx: Context) -> None:
    await _decide_by_command(ctx, "ok")


async def _reject_command(ctx: Context) -> None:
    await _decide_by_command(ctx, "rr")


async def _offer_command(ctx: Context) -> None:
    args = _command_args(ctx)
    number = id_number(args[0]) if args else None
    if number is None:
        ctx.reply(ctx.t.t("Please name the request number, for example: /offer 12"))
        return
    if await _no_such_request(ctx, number):
        return
    ctx.args = args[0]
    await _reoffer(ctx)


# /pending shows this many a page; "/pending 2" the next (handlers/helping/review/review_queue.py).


async def _pending(ctx: Context) -> None:
    """The requests waiting for review, talk now and urgent first, each oldest first; a page
    at a time, saying how many of how many and how to see the rest."""
    args = _command_args(ctx)
    number = id_number(args[0]) if args else 1
    if number is None:
        ctx.reply(ctx.t.t("Please name a page, for example: /pending 2"))
        return
    ctx.reply(*await _pending_page(ctx, number))


async def _pending_turn(ctx: Context) -> None:
    """◀ ▶ and "↩️ Back to the list" under /pending's list: that page, in the same message
    (handlers/helping/review/pending_list.py)."""
    ctx.reply(*await _pending_page(ctx, ctx.id_arg()), edit=True)


async def _pending_page(ctx: Context, number: int) -> tuple[Markup, list[list[Button]]]:
    """/pending's page ``number`` as one message (pending_list.page)."""
    return await pending_list.page(ctx.db, ctx.settings, ctx.t, number)


async def _duty(ctx: Context) -> None:
    """On duty now, or off again: each /duty switches (handlers/helping/review/review_pace.py)."""
    on_duty = not await review_pace.is_on_duty(ctx.db, ctx.user)
    answer = await review_pace.set_on_duty(ctx.db, ctx.user, on_duty)
    if answer is not None:
        ctx.reply(ctx.t.t(answer))


def _state_lines(t: Translator, by_state: dict[str, int]) -> list[Markup]:
    return [
        t.t("📊 <b>Requests</b>"),
        t.t(
            "open: {open} · matched: {matched} · done: {done}",
            open=by_state.get(OPEN, 0),
            matched=by_state.get(MATCHED, 0),
            done=by_state.get(DONE, 0),
        ),
        t.t(
            "being checked: {review} · not published: {rejected} · withdrawn: "
            "{withdrawn} · expired: {expired}",
            review=by_state.get(REVIEW, 0),
            rejected=by_state.get(REJECTED, 0),
            withdrawn=by_state.get(WITHDRAWN, 0),
            expired=by_state.get(EXPIRED, 0),
        ),
    ]


def _group_lines(t: Translator, figures: city_figures.Summary) -> list[Markup]:
    lines: list[Markup] = []
    for title, groups, kinds in (
        (N_("By district"), figures.stadtbezirk, False),
        (N_("By kind of help"), figures.category, True),
    ):
        lines += [Markup(""), t.format("<b>{title}</b>", title=t._(title))]
        for name, states in sorted(groups.items()):
            label = category_label(t, name) if kinds else name
            lines.append(
                t.t(
                    "{name}: open {open}, matched {matched}, done {done}",
                    name=label,
                    open=states.get(OPEN, 0),
                    matched=states.get(MATCHED, 0),
                    done=states.get(DONE, 0),
                )
            )
    return lines


async def _stats(ctx: Context) -> None:
    t = ctx.t
    figures = await city_figures.summary(ctx.db)
    # The backlog first, in one line: how far behind the city is now.
    now_line = await backlog.said(ctx.db, ctx.settings, t, datetime.now(UTC))
    lines = [*([now_line] if now_line else []), *_state_lines(t, figures.by_state)]
    median = figures.median_minutes_to_match
    if median is not None:
        lines.append(
            t.t(
                "⏱ median time until a helper was found: {duration}",
                duration=t.wait(round(median)),
            )
        )
    lines += _group_lines(t, figures)
    if ctx.settings.translation_rules.engine:
        lines += [Markup(""), *await _translation_figures(ctx)]
    ctx.reply(Markup("\n").join(lines))
    # The period's figures as a picture, the same as on the desk's statistics page.
    districts = city_figures.city_districts(ctx.settings)
    verified = ctx.settings.require_verified_volunteers
    ctx.send(await picture(ctx.db, t, districts, verified=verified))


async def _coordinator_add(ctx: Context) -> None:
    await _set_coordinator(ctx, True)


async def _coordinator_remove(ctx: Context) -> None:
    await _set_coordinator(ctx, False)


async def _ban(ctx: Context) -> None:
    await _set_ban(ctx, True)


async def _unban(ctx: Context) -> None:
    await _set_ban(ctx, False)


# The router tables: button action -> callback, state -> callback, and
# command -> (description, role, callback), in the order /help lists them.
ACTIONS = {
    "ok": _publish,
    "no": _ask_reason,
    "rr": _reject,
    "back": _back,
    "ed": _write_privately,
    "ask": _write_privately,
    "sum": _write_privately,
    "why": _write_privately,
    "re": _reoffer,
    "end": _end,
    "pull": _pull_back,
    "pg": _pending_turn,
    "pc": pending_list.open_card,
}
STATES = {
    "mod.ed": _new_text,
    "mod.ask": _question_text,
    "mod.sum": _summary_text,
    "mod.why": _reason_text,
    "request.answer": requester_answer,
}
# The lifecycle checks a coordinator's words against the same figures (for the desk).
LIMITS = {
    "mod.ed": WRITTEN_LIMIT,
    "mod.ask": WRITTEN_LIMIT,
    "mod.sum": lifecycle.SUMMARY_LIMIT,
    "mod.why": lifecycle.NOTE_LIMIT,
    "request.answer": WRITTEN_LIMIT,
}
COMMANDS = {
    "publish": (N_("Publish a request (coordinators)"), ROLE, _publish_command),
    "reject": (N_("Reject a request with a reason (coordinators)"), ROLE, _reject_command),
    "offer": (N_("Offer a request to volunteers again (coordinators)"), ROLE, _offer_command),
    "pending": (N_("Requests waiting for a decision (coordinators)"), ROLE, _pending),
    "stats": (N_("Figures on requests (coordinators)"), ROLE, _stats),
    "duty": (N_("On duty now, or off again (coordinators)"), ROLE, _duty),
    "coordinator_add": (N_("Make a user a coordinator (admins)"), "admin", _coordinator_add),
    "coordinator_remove": (
        N_("Take the coordinator role away (admins)"),
        "admin",
        _coordinator_remove,
    ),
    "ban": (N_("Block a user from posting (coordinators)"), ROLE, _ban),
    "unban": (N_("Allow a blocked user to post again (coordinators)"), ROLE, _unban),
}


def register(router: Router) -> None:
    for action, callback in ACTIONS.items():
        router.action("mod", action, role=ROLE, backchannel=True)(callback)
    for state, callback in STATES.items():
        router.state(state)(callback)
    # The longest text each step takes: the dispatcher refuses a longer one, the step kept.
    for state, longest in LIMITS.items():
        router.limit_input(state, longest)
    for name, (description, role, callback) in COMMANDS.items():
        router.command(name, description, role=role, backchannel=True)(callback)


async def _set_coordinator(ctx: Context, on: bool) -> None:
    usage = N_("Please name the user number, for example: /coordinator_add 17")
    target = await _named_user(ctx, usage)
    if target is None:
        return
    if on:
        await ctx.db.users.grant_role(target.id, ROLE)
    else:
        await ctx.db.users.revoke_role(target.id, ROLE)
    await ctx.db.requests.audit(
        ctx.user.id, "role.grant" if on else "role.revoke", f"user:{target.id}", {"role": ROLE}
    )
    ctx.reply(
        ctx.t.t("✅ User {user_id} is now a coordinator.", user_id=target.id)
        if on
        else ctx.t.t("✅ User {user_id} is no longer a coordinator.", user_id=target.id)
    )


async def set_ban(
    scene: lifecycle.Scene, target: User, banned: bool, actor: User | None = None
) -> None:
    """The one way an account is banned or unbanned, whoever does it: a coordinator
    (``actor``) in the chat, or the operator sharing a ban across the cities (``actor``
    None). A ban ends the person's requests and contacts through the lifecycle (partners
    and coordinators are told) and outlives their account (``db.bans``); the person is
    told either way. Staff are banned only by someone above them (``handlers/staff.py``):
    raises :class:`Refused` otherwise, changing nothing."""
    if not may_ban(actor, target):
        raise Refused(NOT_ABOVE)
    await scene.db.users.set_banned(target.id, banned)
    await scene.db.requests.audit(
        actor.id if actor else None, "user.ban" if banned else "user.unban", f"user:{target.id}"
    )
    if banned:
        target = await scene.db.users.get(target.id) or target
        await lifecycle.end_all_for(scene, target, lifecycle.BY_BAN, actor)
    await scene.mail.to_user(
        target,
        lambda t: Message(
            t.t(posting_limits.BANNED_TEXT) if banned else t.t("✅ You can post requests again.")
        ),
    )


async def _named_user(ctx: Context, usage: str) -> User | None:
    """The person whose user number the command names; None, said why, when it names
    none (``usage``) or a number nobody has."""
    target_id = ctx.number_argument()
    if not target_id:
        ctx.reply(ctx.t.t(usage))
        return None
    target = await ctx.db.users.get(target_id)
    if target is None:
        ctx.reply(ctx.t.t(NO_SUCH_USER, user_id=target_id))
    return target


async def _set_ban(ctx: Context, banned: bool) -> None:
    target = await _named_user(ctx, N_("Please name the user number, for example: /ban 17"))
    if target is None:
        return
    if target.id == ctx.user.id:
        ctx.reply(ctx.t.t(NOT_YOURSELF))
        return
    try:
        await set_ban(ctx, target, banned, ctx.user)
    except Refused as refusal:
        ctx.reply(refusal.text(ctx.t))
        return
    ctx.reply(
        ctx.t.t("✅ User {user_id} is blocked.", user_id=target.id)
        if banned
        else ctx.t.t("✅ User {user_id} is unblocked.", user_id=target.id)
    )
