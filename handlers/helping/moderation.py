"""The coordinators' backchannel: every new or edited request is checked before volunteers
see it. Posts carry automatic warnings (phone numbers, e-mail, street addresses, links, text
very like a recent request). Only coordinators' presses count, and of two coordinators
deciding at once exactly one wins; the other is told who decided.

Button data (``mod:…``, coordinators, backchannel): ``ok:<id>``, ``no:<id>``,
``rr:<id>:<reason>``, ``back:<id>``, ``ed:<id>``, ``ask:<id>``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import phonenumbers
from markupsafe import Markup
from rapidfuzz import fuzz

from db.clock import to_text
from db.requests import HelpRequest, TransitionError
from db.users import User
from handlers import ui
from handlers.context import Context
from handlers.helping.vocabulary import HELP_CATEGORIES, REJECT_REASONS
from handlers.model import Button, Edit, Message, Recipient
from handlers.router import Router
from locales import DEFAULT_LANGUAGE, N_, Translator, translator

ROLE = "coordinator"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_LINK = re.compile(r"(https?://|www\.)\S+|\b\w[\w-]*\.(de|com|org|net|info|eu)\b", re.I)
_ADDRESS = re.compile(
    r"\b[\wäöüß.-]+(straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|hof|markt)"
    r"\s*\d{1,4}\s?[a-z]?\b",
    re.I,
)
SIMILARITY = 85


def backchannel_t() -> Translator:
    return translator(DEFAULT_LANGUAGE)


def warnings_for(t: Translator, text: str, recent: list[tuple[int, str]]) -> list[Markup]:
    """What a coordinator should look at before publishing."""
    found = []
    if any(True for _ in phonenumbers.PhoneNumberMatcher(text, "DE")):
        found.append(t.t("⚠️ contains a phone number"))
    if _EMAIL.search(text):
        found.append(t.t("⚠️ contains an e-mail address"))
    if _ADDRESS.search(text):
        found.append(t.t("⚠️ contains a street address"))
    if _LINK.search(text):
        found.append(t.t("⚠️ contains a link"))
    for other_id, other_text in recent:
        if fuzz.token_set_ratio(text, other_text) >= SIMILARITY:
            found.append(t.t("⚠️ very similar to request #{id}", id=other_id))
            break
    return found


async def _post_text(ctx: Context, request: HelpRequest, t: Translator) -> Markup:
    from handlers.helping.requests_flow import describe

    requester = await ctx.db.users.get(request.requester_id) if request.requester_id else None
    since = to_text(datetime.now(UTC) - timedelta(days=14))
    recent = await ctx.db.requests.recent_descriptions(since, exclude=request.id)
    lines = [
        t.t("🆕 <b>Request #{id}</b> - please check", id=request.id),
        Markup(""),
        describe(t, request),
    ]
    if requester is not None:
        lines.append(
            t.t(
                "👤 {name} (user {user_id})", name=requester.first_name or "?", user_id=requester.id
            )
        )
    if request.offline_contact:
        lines.append(
            t.t("☎️ Contact (coordinators only): {contact}", contact=request.offline_contact)
        )
    flags = warnings_for(t, request.description, recent)
    if flags:
        lines += [Markup(""), *flags]
    return Markup("\n").join(lines)


def _decision_buttons(t: Translator, request_id: int) -> list[list[Button]]:
    return [
        [
            Button("✅ " + t._("Publish"), f"mod:ok:{request_id}"),
            Button("❌ " + t._("Reject"), f"mod:no:{request_id}"),
        ],
        [
            Button("✏️ " + t._("Edit text"), f"mod:ed:{request_id}"),
            Button("❓ " + t._("Ask the requester"), f"mod:ask:{request_id}"),
        ],
    ]


async def submit_for_review(ctx: Context, request: HelpRequest) -> None:
    """Post the request to every backchannel (in the same transaction as its state)."""
    t = backchannel_t()
    text = await _post_text(ctx, request, t)
    for platform, chat_id in sorted(ctx.settings.backchannels):
        outbox_id = await ctx.queue(
            Message(text, _decision_buttons(t, request.id), to=Recipient(platform, chat_id))
        )
        await ctx.db.requests.add_post(request.id, outbox_id)


async def notify_backchannel(ctx: Context, text: Markup) -> None:
    for platform, chat_id in sorted(ctx.settings.backchannels):
        ctx.send(Message(text, to=Recipient(platform, chat_id)))


async def _mark_posts(ctx: Context, request: HelpRequest, verdict: Markup) -> None:
    """Show the decision on the pressed post and on the request's posts elsewhere."""
    t = backchannel_t()
    text = await _post_text(ctx, request, t) + "\n\n" + verdict
    ctx.reply(text, edit=True)
    pressed_chat = ctx.incoming.chat_id
    for outbox_id in await ctx.db.requests.posts(request.id):
        item = await ctx.db.outbox.target(outbox_id)
        if item is not None and item != (ctx.user.platform, pressed_chat):
            ctx.send(Edit(outbox_id, text, to=Recipient(*item)))


async def tell_requester(ctx: Context, request: HelpRequest, message: str, **values) -> None:
    if request.requester_id is None:
        return
    requester = await ctx.db.users.get(request.requester_id)
    if requester is None or not requester.chat_id:
        return
    t = ctx.translator_for(requester)
    ctx.send(Message(t.t(message, **values), to=Recipient(requester.platform, requester.chat_id)))


async def request_closed(ctx: Context, request: HelpRequest, how: str) -> None:
    """A requester withdrew: the coordinators and a matched volunteer are told."""
    t = backchannel_t()
    await notify_backchannel(
        ctx, t.t("↩️ Request #{id} was withdrawn by the requester.", id=request.id)
    )
    from handlers.helping import matching

    await matching.request_withdrawn(ctx, request)


async def _name(ctx: Context, user_id: int | None) -> str:
    user: User | None = await ctx.db.users.get(user_id) if user_id else None
    return (user.first_name if user else "") or "?"


def register(router: Router) -> None:
    @router.button("mod", role=ROLE, backchannel=True)
    async def decide(ctx: Context) -> None:
        action, _, rest = ctx.args.partition(":")
        request_id_text, _, value = rest.partition(":")
        t = ctx.t
        if not request_id_text.isdigit():
            ctx.toast(t._("This button is no longer valid."))
            return
        request = await ctx.db.requests.get(int(request_id_text))
        if request is None:
            ctx.toast(t._("This button is no longer valid."))
            return
        if action == "no":
            text = await _post_text(ctx, request, backchannel_t())
            ctx.reply(
                text + "\n\n" + t.t("❌ Why is it not published?"),
                [
                    [Button(t._(label), f"mod:rr:{request.id}:{key}")]
                    for key, label in REJECT_REASONS.items()
                ]
                + [[Button("↩️ " + t._("Back"), f"mod:back:{request.id}")]],
                edit=True,
            )
            return
        if action == "back":
            ctx.reply(
                await _post_text(ctx, request, backchannel_t()),
                _decision_buttons(t, request.id) if request.state == "review" else [],
                edit=True,
            )
            return
        if action in ("ed", "ask"):
            if not ctx.user.chat_id:
                ctx.toast(t._("Please start a private chat with the bot first."), alert=True)
                return
            ctx.set_state(f"mod.{action}", {"request_id": request.id})
            own = ctx.translator_for(ctx.user)
            prompt = (
                own.t("✏️ Please send the corrected text for request #{id}.", id=request.id)
                if action == "ed"
                else own.t(
                    "❓ Please send your question for the requester of #{id}.", id=request.id
                )
            )
            ctx.send(Message(prompt, to=Recipient(ctx.user.platform, ctx.user.chat_id)))
            ctx.toast(t._("I have written to you in a private chat."))
            return
        try:
            if action == "ok":
                request = await ctx.db.requests.transition(
                    request.id, "open", ctx.user.id, expect=("review",), decided_by=ctx.user.id
                )
            elif action == "rr" and value in REJECT_REASONS:
                request = await ctx.db.requests.transition(
                    request.id,
                    "rejected",
                    ctx.user.id,
                    expect=("review",),
                    decided_by=ctx.user.id,
                    reject_reason=value,
                )
            else:
                ctx.toast(t._("This button is no longer valid."))
                return
        except TransitionError as exc:
            who = await _name(ctx, exc.decided_by)
            ctx.toast(t._("Already decided by {name}.").format(name=who), alert=True)
            current = await ctx.db.requests.get(request.id)
            if current is not None:
                await _mark_posts(ctx, current, t.t("ℹ️ Decided by {name}.", name=who))
            return
        name = await _name(ctx, ctx.user.id)
        if request.state == "open":
            await _mark_posts(ctx, request, t.t("✅ Published by {name}.", name=name))
            await tell_requester(
                ctx,
                request,
                N_("✅ Your request #{id} is published. We are now looking for a helper nearby."),
                id=request.id,
            )
            from handlers.helping import matching

            await matching.offer(ctx, request)
        else:
            reason = t._(REJECT_REASONS[request.reject_reason])
            await _mark_posts(
                ctx,
                request,
                t.t("❌ Not published ({reason}), by {name}.", reason=reason, name=name),
            )
            await _tell_rejected(ctx, request)

    async def coordinator_text(ctx: Context) -> None:
        got = await ctx.expect_text()
        if got is None:
            return
        state, text = got
        request = await ctx.db.requests.get(int(state.data["request_id"]))
        ctx.clear_state()
        if request is None or request.state not in ("review", "open"):
            ctx.reply(ctx.t.t("😔 This request can no longer be changed."), ui.back_to_menu(ctx))
            return
        text = text[:1000]
        if state.state == "mod.ed":
            request = await ctx.db.requests.update_fields(request.id, ctx.user.id, description=text)
            ctx.reply(ctx.t.t("✅ Text of request #{id} changed.", id=request.id))
            if request.state == "review":
                await submit_for_review(ctx, request)
            return
        requester = await ctx.db.users.get(request.requester_id) if request.requester_id else None
        if requester is None or not requester.chat_id:
            ctx.reply(ctx.t.t("😔 The requester cannot be reached in the chat."))
            return
        rt = ctx.translator_for(requester)
        ctx.send(
            Message(
                rt.t("❓ The coordinators have a question about your request #{id}:", id=request.id)
                + "\n"
                + rt.format("<i>{text}</i>", text=text)
                + "\n\n"
                + rt.t("Please answer with a message here."),
                to=Recipient(requester.platform, requester.chat_id),
            )
        )
        await ctx.set_state_of(requester.id, "request.answer", {"request_id": request.id})
        await ctx.db.requests.audit(ctx.user.id, "request.question", f"request:{request.id}")
        ctx.reply(ctx.t.t("✅ Your question was sent."))

    router.state("mod.ed")(coordinator_text)
    router.state("mod.ask")(coordinator_text)

    @router.state("request.answer")
    async def requester_answer(ctx: Context) -> None:
        got = await ctx.expect_text()
        if got is None:
            return
        state, text = got
        ctx.clear_state()
        request_id = int(state.data["request_id"])
        t = backchannel_t()
        await notify_backchannel(
            ctx,
            t.t("💬 Answer from the requester of #{id}:", id=request_id)
            + "\n"
            + t.format("<i>{text}</i>", text=text[:1000]),
        )
        ctx.reply(ctx.t.t("✅ Thank you, your answer was passed on."), ui.back_to_menu(ctx))

    async def decide_by_command(ctx: Context, action: str) -> None:
        """``/publish 12`` and ``/reject 12 trade`` do what the buttons do (for rooms where
        reactions are awkward)."""
        from handlers.model import Command

        event = ctx.incoming.event
        args = event.args.split() if isinstance(event, Command) else []
        if (
            not args
            or not args[0].isdigit()
            or (action == "rr" and (len(args) < 2 or args[1] not in REJECT_REASONS))
        ):
            ctx.reply(
                ctx.t.t(
                    "Please name the request number, for example: /publish 12 or "
                    "/reject 12 {reasons}",
                    reasons="|".join(REJECT_REASONS),
                )
            )
            return
        ctx.args = f"{action}:{args[0]}" + (f":{args[1]}" if action == "rr" else "")
        await decide(ctx)

    @router.command("publish", N_("Publish a request (coordinators)"), role=ROLE, backchannel=True)
    async def publish_command(ctx: Context) -> None:
        await decide_by_command(ctx, "ok")

    @router.command(
        "reject", N_("Reject a request with a reason (coordinators)"), role=ROLE, backchannel=True
    )
    async def reject_command(ctx: Context) -> None:
        await decide_by_command(ctx, "rr")

    @router.command(
        "pending", N_("Requests waiting for a decision (coordinators)"), role=ROLE, backchannel=True
    )
    async def pending(ctx: Context) -> None:
        waiting = await ctx.db.requests.in_state("review")
        if not waiting:
            ctx.reply(ctx.t.t("✅ No requests are waiting."))
            return
        for request in waiting[:10]:
            ctx.reply(await _post_text(ctx, request, ctx.t), _decision_buttons(ctx.t, request.id))

    @router.command("stats", N_("Figures on requests (coordinators)"), role=ROLE, backchannel=True)
    async def stats(ctx: Context) -> None:
        t = ctx.t
        figures = await ctx.db.requests.statistics()
        by_state = figures["by_state"]
        lines = [
            t.t("📊 <b>Requests</b>"),
            t.t(
                "open: {open} · matched: {matched} · done: {done}",
                open=by_state.get("open", 0),
                matched=by_state.get("matched", 0),
                done=by_state.get("done", 0),
            ),
            t.t(
                "being checked: {review} · not published: {rejected} · withdrawn: "
                "{withdrawn} · expired: {expired}",
                review=by_state.get("review", 0),
                rejected=by_state.get("rejected", 0),
                withdrawn=by_state.get("withdrawn", 0),
                expired=by_state.get("expired", 0),
            ),
        ]
        median = figures["median_minutes_to_match"]
        if median is not None:
            lines.append(
                t.t(
                    "⏱ median time until a helper was found: {hours} hours",
                    hours=round(median / 60, 1),
                )
            )
        for title, key in ((N_("By district"), "stadtbezirk"), (N_("By kind of help"), "category")):
            lines += [Markup(""), t.format("<b>{title}</b>", title=t._(title))]
            for name, states in sorted(figures[key].items()):
                label = category_label(t, name) if key == "category" else name
                lines.append(
                    t.t(
                        "{name}: open {open}, matched {matched}, done {done}",
                        name=label,
                        open=states.get("open", 0),
                        matched=states.get("matched", 0),
                        done=states.get("done", 0),
                    )
                )
        ctx.reply(Markup("\n").join(lines))

    @router.command(
        "coordinator_add", N_("Make a user a coordinator (admins)"), role="admin", backchannel=True
    )
    async def coordinator_add(ctx: Context) -> None:
        await _set_coordinator(ctx, True)

    @router.command(
        "coordinator_remove",
        N_("Take the coordinator role away (admins)"),
        role="admin",
        backchannel=True,
    )
    async def coordinator_remove(ctx: Context) -> None:
        await _set_coordinator(ctx, False)

    @router.command(
        "ban", N_("Block a user from posting (coordinators)"), role=ROLE, backchannel=True
    )
    async def ban(ctx: Context) -> None:
        await _set_ban(ctx, True)

    @router.command(
        "unban",
        N_("Allow a blocked user to post again (coordinators)"),
        role=ROLE,
        backchannel=True,
    )
    async def unban(ctx: Context) -> None:
        await _set_ban(ctx, False)


async def _tell_rejected(ctx: Context, request: HelpRequest) -> None:
    if request.requester_id is None:
        return
    requester = await ctx.db.users.get(request.requester_id)
    if requester is None or not requester.chat_id:
        return
    rt = ctx.translator_for(requester)
    ctx.send(
        Message(
            rt.t(
                "😔 Your request #{id} could not be published: {reason}.",
                id=request.id,
                reason=rt._(REJECT_REASONS[request.reject_reason]),
            )
            + "\n"
            + rt.t("You are welcome to post a new request."),
            to=Recipient(requester.platform, requester.chat_id),
        )
    )


async def _set_coordinator(ctx: Context, on: bool) -> None:
    target_id = ctx.number_argument()
    target = await ctx.db.users.get(target_id) if target_id else None
    if target is None:
        ctx.reply(ctx.t.t("Please name the user number, for example: /coordinator_add 17"))
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


def category_label(t: Translator, key: str) -> str:
    icon, label = HELP_CATEGORIES.get(key, HELP_CATEGORIES["other"])
    return f"{icon} {t._(label)}"


async def _set_ban(ctx: Context, banned: bool) -> None:
    target_id = ctx.number_argument()
    target = await ctx.db.users.get(target_id) if target_id else None
    if target is None:
        ctx.reply(ctx.t.t("Please name the user number, for example: /ban 17"))
        return
    await ctx.db.users.set_banned(target.id, banned)
    await ctx.db.requests.audit(
        ctx.user.id, "user.ban" if banned else "user.unban", f"user:{target.id}"
    )
    if target.chat_id:
        tt = ctx.translator_for(target)
        ctx.send(
            Message(
                tt.t(
                    "⛔ You have been blocked from posting requests. If you think this is a "
                    "mistake, please contact the neighbourhood office."
                )
                if banned
                else tt.t("✅ You can post requests again."),
                to=Recipient(target.platform, target.chat_id),
            )
        )
    ctx.reply(
        ctx.t.t("✅ User {user_id} is blocked.", user_id=target.id)
        if banned
        else ctx.t.t("✅ User {user_id} is unblocked.", user_id=target.id)
    )
