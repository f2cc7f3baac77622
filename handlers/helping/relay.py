"""After a match, requester and volunteer talk through the bot.

Both are in conversation state ``relay`` with the request id: their texts, voice messages and
locations go to the other side with only the sender's first name - no usernames, no phone
numbers. The requester marks the help as done; the volunteer records the time spent and, for
shopping, the money laid out, which the requester confirms. Both may leave feedback that
only coordinators read, and either side can report the other.

Button data (``rl:…``): ``done:<id>``, ``end:<id>``, ``endy:<id>``, ``rep:<id>``,
``min:<id>:<minutes>``, ``mok:<id>``, ``mno:<id>``, ``fb:<id>`` (skip feedback).
"""

from __future__ import annotations

import re
from typing import Any

from db.requests import HelpRequest, TransitionError
from db.users import User
from handlers import ui
from handlers.context import Context
from handlers.helping.moderation import backchannel_t, notify_backchannel
from handlers.model import Button, Location, Media, Message, Recipient, Text, Venue, Voice
from handlers.router import Router
from locales import N_, Translator

STATE = "relay"
MINUTES = (30, 60, 120, 180)
_MONEY = re.compile(r"^\s*(\d{1,4})(?:[.,](\d{1,2}))?\s*(?:€|eur|euro)?\s*$", re.I)


def _to(user: User) -> Recipient:
    return Recipient(user.platform, user.chat_id)


def requester_buttons(t: Translator, request_id: int) -> list[list[Button]]:
    return [
        [Button("✅ " + t._("Help is done"), f"rl:done:{request_id}")],
        [
            Button("🚪 " + t._("End contact"), f"rl:end:{request_id}"),
            Button("⚠️ " + t._("Report"), f"rl:rep:{request_id}"),
        ],
    ]


def volunteer_buttons(t: Translator, request_id: int) -> list[list[Button]]:
    return [
        [
            Button("↩️ " + t._("I cannot make it"), f"mt:back:{request_id}"),
            Button("⚠️ " + t._("Report"), f"rl:rep:{request_id}"),
        ]
    ]


async def connect(ctx: Context, request: HelpRequest) -> None:
    """Called in the accepting volunteer's update: both sides now talk through the bot."""
    volunteer = ctx.user
    requester = await ctx.db.users.get(request.requester_id) if request.requester_id else None
    ctx.set_state(STATE, {"request_id": request.id})
    t = ctx.t
    if requester is not None and requester.chat_id:
        await ctx.set_state_of(requester.id, STATE, {"request_id": request.id})
        rt = ctx.translator_for(requester)
        ctx.send(
            Message(
                rt.t(
                    "🎉 <b>{name} will help you</b> with request #{id}.",
                    name=volunteer.first_name or "?",
                    id=request.id,
                )
                + "\n"
                + rt.t(
                    "Write your messages here and I will pass them on. Your phone number and "
                    "address stay private unless you share them yourself."
                ),
                requester_buttons(rt, request.id),
                to=_to(requester),
            )
        )
        ctx.reply(
            t.t(
                "💬 You can now write to {name} here; I pass your messages on.",
                name=requester.first_name or "?",
            ),
            volunteer_buttons(t, request.id),
        )
    elif request.offline_contact:
        # Entered by a coordinator for someone without a smartphone: only the matched
        # volunteer sees how to reach them.
        ctx.reply(
            t.t(
                "☎️ The person asking has no chat. Please contact them: {contact}",
                contact=request.offline_contact,
            ),
            volunteer_buttons(t, request.id),
        )


async def disconnect(ctx: Context, request: HelpRequest, message: str, leaving_user: int) -> None:
    """End the relay; tell the other side ``message`` (translated for them)."""
    for user_id in (
        request.requester_id,
        request.volunteer_id,
        leaving_user if leaving_user not in (request.requester_id, request.volunteer_id) else None,
    ):
        if user_id is None:
            continue
        state = await ctx.state_of(user_id)
        if (
            state is not None
            and state.state == STATE
            and state.data.get("request_id") == request.id
        ):
            await ctx.clear_state_of(user_id)
    other_id = (
        request.requester_id if leaving_user != request.requester_id else request.volunteer_id
    )
    other = await ctx.db.users.get(other_id) if other_id else None
    if other is not None and other.chat_id:
        ot = ctx.translator_for(other)
        ctx.send(Message(ot.t(message, id=request.id), ui.back_to_menu_for(ot), to=_to(other)))


async def _partner(ctx: Context, request: HelpRequest) -> User | None:
    other_id = request.volunteer_id if ctx.user.id == request.requester_id else request.requester_id
    return await ctx.db.users.get(other_id) if other_id else None


async def _relay(ctx: Context) -> None:
    state = ctx.get_state()
    assert state is not None
    request = await ctx.db.requests.get(int(state.data["request_id"]))
    t = ctx.t
    if (
        request is None
        or request.state != "matched"
        or ctx.user.id not in (request.requester_id, request.volunteer_id)
    ):
        ctx.clear_state()
        ctx.reply(t.t("ℹ️ This contact has ended."), ui.back_to_menu(ctx))
        return
    partner = await _partner(ctx, request)
    if partner is None or not partner.chat_id:
        ctx.reply(t.t("😔 The other person cannot be reached in the chat any more."))
        return
    pt = ctx.translator_for(partner)
    name = ctx.user.first_name or "?"
    buttons = (
        requester_buttons(pt, request.id)
        if partner.id == request.requester_id
        else volunteer_buttons(pt, request.id)
    )
    event = ctx.incoming.event
    if isinstance(event, Text):
        text = event.text.strip()
        await _log(ctx, request, "text", text)
        ctx.send(
            Message(
                pt.t("💬 <b>{name}</b>: {text}", name=name, text=text), buttons, to=_to(partner)
            )
        )
    elif isinstance(event, Location):
        await _log(ctx, request, "location", "")
        ctx.send(Message(pt.t("📍 {name} shared a location:", name=name), to=_to(partner)))
        ctx.send(Venue(event.latitude, event.longitude, to=_to(partner)))
    elif isinstance(event, Media) and event.kind in ("voice", "audio") and event.file_id:
        await _log(ctx, request, "voice", "")
        if partner.platform == ctx.user.platform:
            ctx.send(
                Voice(
                    event.file_id,
                    ctx.user.platform,
                    caption=pt.t("🎤 {name}", name=name),
                    to=_to(partner),
                )
            )
        else:
            ctx.send(
                Message(
                    pt.t(
                        "🎤 {name} sent a voice message that cannot be passed on to "
                        "this chat app. Please ask them to write.",
                        name=name,
                    ),
                    to=_to(partner),
                )
            )
    else:
        ctx.reply(t.t("🙈 I can pass on texts, voice messages and locations."))
        return
    ctx.toast(t._("Passed on."))


async def _log(ctx: Context, request: HelpRequest, kind: str, text: str) -> None:
    """Relay messages are kept only until the retention job removes them (issue 7)."""
    await ctx.db.contacts.log_relay(request.id, ctx.user.id, kind, text)


def register(router: Router) -> None:
    router.state(STATE)(_relay)

    @router.button("rl")
    async def relay_button(ctx: Context) -> None:
        action, _, rest = ctx.args.partition(":")
        request_id, _, value = rest.partition(":")
        t = ctx.t
        request = await ctx.db.requests.get(int(request_id)) if request_id.isdigit() else None
        if request is None or ctx.user.id not in (request.requester_id, request.volunteer_id):
            ctx.toast(t._("This button is no longer valid."))
            return
        is_requester = ctx.user.id == request.requester_id
        if action == "done" and is_requester:
            await _done(ctx, request)
        elif action == "end" and is_requester:
            ctx.reply(
                t.t("🚪 End the contact? Your request #{id} will be withdrawn.", id=request.id),
                [
                    [
                        Button("🚪 " + t._("Yes, end it"), f"rl:endy:{request.id}"),
                        Button("↩️ " + t._("No"), f"rl:no:{request.id}"),
                    ]
                ],
            )
        elif action == "endy" and is_requester:
            try:
                request = await ctx.db.requests.transition(
                    request.id, "withdrawn", ctx.user.id, expect=("matched",)
                )
            except TransitionError:
                ctx.toast(t._("This button is no longer valid."))
                return
            await disconnect(
                ctx,
                request,
                N_(
                    "🚪 The person you were helping ended the contact for request #{id}. Thank you!"
                ),
                ctx.user.id,
            )
            ctx.reply(t.t("✅ The contact has ended."), ui.back_to_menu(ctx), edit=True)
        elif action == "no":
            ctx.toast(t._("All right."))
        elif action == "rep":
            ctx.set_state("relay.report", {"request_id": request.id, "back": await _previous(ctx)})
            ctx.reply(
                t.t(
                    "⚠️ What happened? Please write a few words. Only the coordinators will read it."
                )
            )
        elif (
            action == "min"
            and not is_requester
            and value.isdigit()
            and int(value) in MINUTES
            and request.state == "done"
        ):
            await ctx.db.requests.update_fields(request.id, ctx.user.id, minutes_spent=int(value))
            if request.category == "shopping":
                ctx.set_state("relay.money", {"request_id": request.id})
                ctx.reply(
                    t.t("🛒 How much money did you lay out? For example 12,50. Send 0 if none."),
                    edit=True,
                )
            else:
                await _ask_feedback(ctx, request, "volunteer", edit=True)
        elif action in ("mok", "mno") and is_requester and request.money_cents:
            if action == "mok":
                await ctx.db.requests.update_fields(request.id, ctx.user.id, money_confirmed=True)
                ctx.reply(t.t("✅ Thank you, the amount is confirmed."), edit=True)
            else:
                bt = backchannel_t()
                await notify_backchannel(
                    ctx,
                    bt.t(
                        "⚠️ The requester of #{id} does not confirm the amount laid out.",
                        id=request.id,
                    ),
                )
                ctx.reply(t.t("👍 Thank you. A coordinator will look into it."), edit=True)
        elif action == "fb":
            ctx.clear_state()
            ctx.reply(t.t("👍 Thank you!"), ui.back_to_menu(ctx), edit=True)
        else:
            ctx.toast(t._("This button is no longer valid."))

    @router.state("relay.report")
    async def report_text(ctx: Context) -> None:
        got = await ctx.expect_text()
        if got is None:
            return
        state, text = got
        request_id = int(state.data["request_id"])
        await ctx.db.contacts.report(ctx.user.id, f"request:{request_id}", text)
        await ctx.db.requests.audit(ctx.user.id, "report", f"request:{request_id}")
        bt = backchannel_t()
        await notify_backchannel(
            ctx,
            bt.t(
                "⚠️ <b>Report</b> about request #{id} from user {user_id}:",
                id=request_id,
                user_id=ctx.user.id,
            )
            + "\n"
            + bt.format("<i>{text}</i>", text=text[:1000]),
        )
        back: dict[str, Any] | None = state.data.get("back")
        if back:
            ctx.set_state(back["state"], back["data"])
        else:
            ctx.clear_state()
        ctx.reply(ctx.t.t("✅ Thank you. The coordinators will look into it."))

    @router.state("relay.money")
    async def money_text(ctx: Context) -> None:
        state = ctx.get_state()
        event = ctx.incoming.event
        match = _MONEY.match(event.text) if isinstance(event, Text) else None
        if state is None or match is None:
            ctx.reply(ctx.t.t("🛒 Please send the amount as a number, for example 12,50."))
            return
        cents = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
        request = await ctx.db.requests.update_fields(
            int(state.data["request_id"]), ctx.user.id, money_cents=cents
        )
        if cents and request.requester_id:
            requester = await ctx.db.users.get(request.requester_id)
            if requester is not None and requester.chat_id:
                rt = ctx.translator_for(requester)
                amount = rt.number(cents / 100)
                ctx.send(
                    Message(
                        rt.t(
                            "🛒 Your helper laid out {amount} € for you (request #{id}). Is that "
                            "right?",
                            amount=amount,
                            id=request.id,
                        ),
                        [
                            [
                                Button("✅ " + rt._("Yes"), f"rl:mok:{request.id}"),
                                Button("❌ " + rt._("No"), f"rl:mno:{request.id}"),
                            ]
                        ],
                        to=_to(requester),
                    )
                )
        await _ask_feedback(ctx, request, "volunteer")

    @router.state("relay.feedback")
    async def feedback_text(ctx: Context) -> None:
        got = await ctx.expect_text()
        if got is None:
            return
        state, text = got
        await ctx.db.contacts.save_feedback(
            int(state.data["request_id"]), ctx.user.id, state.data["role"], text
        )
        ctx.clear_state()
        ctx.reply(ctx.t.t("👍 Thank you for your feedback!"), ui.back_to_menu(ctx))


async def _previous(ctx: Context) -> dict[str, Any] | None:
    state = ctx.get_state()
    return None if state is None else {"state": state.state, "data": state.data}


async def _ask_feedback(
    ctx: Context, request: HelpRequest, role: str, *, edit: bool = False
) -> None:
    t = ctx.t
    ctx.set_state("relay.feedback", {"request_id": request.id, "role": role})
    ctx.reply(
        t.t("💬 How was it? Write a few words if you like - only the coordinators read them."),
        [[Button("⏭ " + t._("Skip"), f"rl:fb:{request.id}")]],
        edit=edit,
    )


async def _done(ctx: Context, request: HelpRequest) -> None:
    t = ctx.t
    try:
        request = await ctx.db.requests.transition(
            request.id, "done", ctx.user.id, expect=("matched",)
        )
    except TransitionError:
        ctx.toast(t._("This button is no longer valid."))
        return
    await disconnect(
        ctx, request, N_("🎉 Request #{id} is done. Thank you for your help!"), ctx.user.id
    )
    volunteer = await ctx.db.users.get(request.volunteer_id) if request.volunteer_id else None
    if volunteer is not None and volunteer.chat_id:
        vt = ctx.translator_for(volunteer)
        ctx.send(
            Message(
                vt.t("⏱ How much time did you spend on it?"),
                [
                    [
                        Button(vt.t("{minutes} min", minutes=m), f"rl:min:{request.id}:{m}")
                        for m in MINUTES
                    ]
                ],
                to=_to(volunteer),
            )
        )
    await _ask_feedback(ctx, request, "requester")
    bt = backchannel_t()
    await notify_backchannel(ctx, bt.t("🎉 Request #{id} is done.", id=request.id))
