"""After a match, requester and volunteer talk through the bot.

Both are in conversation state ``relay`` with the request id (set and cleared by the
lifecycle): their texts, voice messages and locations go to the other side with only the
sender's first name - no usernames, no phone numbers. The requester marks the help as done;
the volunteer records the time spent and, for shopping, the money laid out, which the
requester confirms. Both may leave feedback that only coordinators read, and either side
can report the other.

States: ``relay``, ``relay.money``, ``relay.feedback``.
Button data (``rl:…``), each action its own callback: ``done:<id>``, ``end:<id>`` (asks),
``endy:<id>`` (withdraws), ``no:<id>``, ``rep:<id>``, ``min:<id>:<minutes>``, ``mok:<id>``,
``mno:<id>``, ``fb:<id>`` (skip feedback).
"""

from __future__ import annotations

import re

from db.requests import HelpRequest
from db.users import User
from handlers import ui
from handlers.context import Context
from handlers.helping import lifecycle, relay_edits
from handlers.helping.lifecycle import MINUTES, Refused
from handlers.helping.render import requester_buttons, volunteer_buttons
from handlers.helping.reports import ask_for_report
from handlers.model import Button, Location, Media, Message, Recipient, Text, Venue, Voice
from handlers.router import Router
from handlers.text_safety import clean_text, quoted

_MONEY = re.compile(r"^\s*(\d{1,4})(?:[.,](\d{1,2}))?\s*(?:€|eur|euro)?\s*$", re.I)
STATE = lifecycle.RELAY


def _to(user: User) -> Recipient:
    return Recipient(user.platform, user.chat_id)


async def _relay(ctx: Context) -> None:
    state = ctx.get_state()
    assert state is not None
    request = await ctx.db.requests.get(int(state.data["request_id"]))
    t = ctx.t
    if (
        request is None
        or request.state != "matched"
        or ctx.user.id not in (request.requester_id, request.volunteer_id)
        or ctx.user.banned_at
    ):
        ctx.clear_state()
        ctx.reply(t.t("ℹ️ This contact has ended."), ui.back_to_menu(ctx))
        return
    partner = await ctx.mail.reachable(await _partner_id(ctx, request))
    if partner is None:
        ctx.reply(t.t("😔 The other person cannot be reached in the chat any more."))
        return
    name = ctx.user.first_name or "?"

    def buttons(pt) -> list[list[Button]]:
        if partner.id == request.requester_id:
            return requester_buttons(pt, request.id)
        return volunteer_buttons(pt, request.id)

    event = ctx.incoming.event
    if isinstance(event, Text):
        text = clean_text(event.text)
        if not text:
            ctx.reply(t.t("✍️ Please send a text."))
            return
        await _log(ctx, request, "text", text)
        await ctx.mail.to_user(
            partner,
            lambda pt: Message(
                pt.t("💬 <b>{name}</b>: {text}", name=name, text=quoted(pt, text)),
                buttons(pt),
                typed_choices=False,
            ),
            about=[ctx.user.id],
        )
    elif isinstance(event, Location):
        await _log(ctx, request, "location", "")
        # Exactly as shared: meeting at a door needs it. Not stored anywhere else.
        await ctx.mail.to_user(
            partner,
            lambda pt: Message(pt.t("📍 {name} shared a location:", name=name)),
            about=[ctx.user.id],
        )
        await ctx.mail.to_user(
            partner, lambda pt: Venue(event.latitude, event.longitude), about=[ctx.user.id]
        )
    elif isinstance(event, Media) and event.kind in ("voice", "audio") and event.file_id:
        await _log(ctx, request, "voice", "")
        if partner.platform == ctx.user.platform:
            await ctx.mail.to_user(
                partner,
                lambda pt: Voice(
                    event.file_id, ctx.user.platform, caption=pt.t("🎤 {name}", name=name)
                ),
                about=[ctx.user.id],
            )
        else:
            await ctx.mail.to_user(
                partner,
                lambda pt: Message(
                    pt.t(
                        "🎤 {name} sent a voice message that cannot be passed on to "
                        "this chat app. Please ask them to write.",
                        name=name,
                    )
                ),
            )
    else:
        ctx.reply(t.t("🙈 I can pass on texts, voice messages and locations."))
        return
    await relay_edits.passed_on(ctx)


async def _partner_id(ctx: Context, request: HelpRequest) -> int | None:
    if ctx.user.id == request.requester_id:
        return request.volunteer_id
    return request.requester_id


async def _log(ctx: Context, request: HelpRequest, kind: str, text: str) -> None:
    """Relay messages are kept only until the retention job removes them."""
    await ctx.db.contacts.log_relay(
        request.id, ctx.user.id, kind, text, ctx.incoming.message_id or ""
    )


async def _mine(ctx: Context) -> tuple[HelpRequest, bool]:
    """The request of the pressed button, if the person is part of it; and whether they
    asked for it (True) or help with it (False)."""
    request = await ctx.db.requests.get(ctx.id_arg())
    if request is None or ctx.user.id not in (request.requester_id, request.volunteer_id):
        ctx.stale()
    return request, ctx.user.id == request.requester_id


async def _requester_only(ctx: Context) -> HelpRequest:
    request, is_requester = await _mine(ctx)
    if not is_requester:
        ctx.stale()
    return request


async def _done(ctx: Context) -> None:
    request = await _requester_only(ctx)
    try:
        await lifecycle.done(ctx, ctx.user, request.id)
    except Refused:
        ctx.stale()
    await _ask_feedback(ctx, request, "requester")


async def _ask_end(ctx: Context) -> None:
    request = await _requester_only(ctx)
    t = ctx.t
    ctx.reply(
        t.t("🚪 End the contact? Your request #{id} will be withdrawn.", id=request.id),
        [
            [
                Button("🚪 " + t._("Yes, end it"), f"rl:endy:{request.id}"),
                Button("↩️ " + t._("No"), f"rl:no:{request.id}"),
            ]
        ],
    )


async def _end(ctx: Context) -> None:
    """Ending the contact is withdrawing the request: the same as from /myrequests."""
    request = await _requester_only(ctx)
    try:
        await lifecycle.withdraw(ctx, ctx.user, request.id)
    except Refused:
        ctx.stale()
    ctx.reply(ctx.t.t("✅ The contact has ended."), ui.back_to_menu(ctx), edit=True)


async def _keep_going(ctx: Context) -> None:
    await _mine(ctx)
    ctx.toast(ctx.t._("All right."))


async def _report(ctx: Context) -> None:
    request, _ = await _mine(ctx)
    await ask_for_report(ctx, request)


async def _minutes(ctx: Context) -> None:
    request, is_requester = await _mine(ctx)
    value = ctx.value_arg()
    if is_requester or not value.isdigit() or int(value) not in MINUTES or request.state != "done":
        ctx.stale()
    t = ctx.t
    await ctx.db.requests.update_fields(request.id, ctx.user.id, minutes_spent=int(value))
    if request.category == "shopping":
        ctx.set_state("relay.money", {"request_id": request.id})
        ctx.reply(
            t.t("🛒 How much money did you lay out? For example 12,50. Send 0 if none."),
            edit=True,
        )
    else:
        await _ask_feedback(ctx, request, "volunteer", edit=True)


async def _money_answer(ctx: Context) -> None:
    request, is_requester = await _mine(ctx)
    if not is_requester or not request.money_cents or request.money_confirmed:
        ctx.stale()
    t = ctx.t
    if ctx.incoming.event.data.startswith("rl:mok:"):  # type: ignore[union-attr]
        await ctx.db.requests.update_fields(request.id, ctx.user.id, money_confirmed=True)
        ctx.reply(t.t("✅ Thank you, the amount is confirmed."), edit=True)
        return
    await ctx.mail.to_backchannel(
        lambda bt: Message(
            bt.t(
                "⚠️ The requester of #{id} does not confirm the amount laid out.",
                id=request.id,
            )
        )
    )
    ctx.reply(t.t("👍 Thank you. A coordinator will look into it."), edit=True)


async def _skip_feedback(ctx: Context) -> None:
    ctx.clear_state()
    ctx.reply(ctx.t.t("👍 Thank you!"), ui.back_to_menu(ctx), edit=True)


async def _money_text(ctx: Context) -> None:
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
    if cents:
        await ctx.mail.to_user(
            request.requester_id,
            lambda rt: Message(
                rt.t(
                    "🛒 Your helper laid out {amount} € for you (request #{id}). Is that right?",
                    amount=rt.number(cents / 100),
                    id=request.id,
                ),
                [
                    [
                        Button("✅ " + rt._("Yes"), f"rl:mok:{request.id}"),
                        Button("❌ " + rt._("No"), f"rl:mno:{request.id}"),
                    ]
                ],
            ),
        )
    await _ask_feedback(ctx, request, "volunteer")


async def _feedback_text(ctx: Context) -> None:
    got = await ctx.expect_text()
    if got is None:
        return
    state, text = got
    await ctx.db.contacts.save_feedback(
        int(state.data["request_id"]), ctx.user.id, state.data["role"], text
    )
    ctx.clear_state()
    ctx.reply(ctx.t.t("👍 Thank you for your feedback!"), ui.back_to_menu(ctx))


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


def register(router: Router) -> None:
    router.state(STATE)(_relay)
    router.state("relay.money")(_money_text)
    router.state("relay.feedback")(_feedback_text)
    for action, callback in {
        "done": _done,
        "end": _ask_end,
        "endy": _end,
        "no": _keep_going,
        "rep": _report,
        "min": _minutes,
        "mok": _money_answer,
        "mno": _money_answer,
        "fb": _skip_feedback,
    }.items():
        router.action("rl", action)(callback)
