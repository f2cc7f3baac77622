"""Published requests are offered to matching volunteers; the first "I can help" wins.

Matching: the volunteer helps with the category, in the request's district or within their
radius of it, is not paused, is confirmed (if required), has room for one more request, and
is not the requester. Volunteers who share a language with the requester are told first.
Offers in a volunteer's quiet hours wait in the outbox until the quiet hours end.

Button data (``mt:…``, volunteers): ``acc:<id>`` I can help, ``dec:<id>`` not this time,
``back:<id>`` hand back (asks for a reason), ``br:<id>:<reason>``.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from db.requests import HelpRequest, TransitionError
from db.volunteers import Volunteer
from handlers import ui
from handlers.context import Context
from handlers.helping import relay
from handlers.helping.moderation import backchannel_t, notify_backchannel
from handlers.helping.requests_flow import describe
from handlers.model import Button, Edit, Message, Recipient
from handlers.places.gazetteer import distance_m
from handlers.router import Router
from locales import N_, TIMEZONE

HAND_BACK_REASONS = {
    "time": N_("I have no time after all"),
    "ill": N_("I am ill"),
    "fit": N_("The request does not suit me"),
    "other": N_("Another reason"),
}


def _in_area(volunteer: Volunteer, request: HelpRequest) -> bool:
    if volunteer.stadtbezirke:
        return request.stadtbezirk in volunteer.stadtbezirke
    if None in (volunteer.lat, volunteer.lon, request.lat, request.lon):
        return False
    return distance_m(volunteer.lat, volunteer.lon, request.lat, request.lon) <= (
        volunteer.radius_m or 0
    )


def quiet_until(volunteer: Volunteer, now: datetime) -> datetime | None:
    """The end of the volunteer's quiet hours if ``now`` falls into them."""
    start, end = volunteer.quiet_start, volunteer.quiet_end
    if start == end:
        return None
    local = now.astimezone(TIMEZONE)
    hour = local.hour
    quiet = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not quiet:
        return None
    day = local.date() if hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end), TIMEZONE)


async def matching_volunteers(ctx: Context, request: HelpRequest) -> list[Volunteer]:
    candidates = await ctx.db.volunteers.candidates(
        request.category, request.requester_id, ctx.settings.require_verified_volunteers
    )
    found = [v for v in candidates if _in_area(v, request)]
    # A shared language first: they can talk without a go-between.
    return sorted(found, key=lambda v: (not set(v.languages) & set(request.languages), v.user_id))


def _offer_buttons(ctx: Context, t, request_id: int) -> list[list[Button]]:
    return [
        [
            Button("🙋 " + t._("I can help"), f"mt:acc:{request_id}"),
            Button("🙅 " + t._("Not this time"), f"mt:dec:{request_id}"),
        ],
        [Button("⚠️ " + t._("Report"), f"mt:rep:{request_id}")],
    ]


async def offer(ctx: Context, request: HelpRequest, *, skip: set[int] | None = None) -> int:
    """Tell every matching volunteer about an open request; return how many were told."""
    now = datetime.now(UTC)
    told = 0
    for volunteer in await matching_volunteers(ctx, request):
        if skip and volunteer.user_id in skip:
            continue
        user = await ctx.db.users.get(volunteer.user_id)
        if user is None or not user.chat_id:
            continue
        t = ctx.translator_for(user)
        text = (
            t.t("🔔 <b>Someone nearby needs help</b> (#{id})", id=request.id)
            + "\n\n"
            + describe(t, request)
        )
        outbox_id = await ctx.queue(
            Message(
                text, _offer_buttons(ctx, t, request.id), to=Recipient(user.platform, user.chat_id)
            ),
            not_before=quiet_until(volunteer, now),
        )
        await ctx.db.volunteers.record_offer(request.id, volunteer.user_id, outbox_id)
        told += 1
    if told == 0:
        bt = backchannel_t()
        await notify_backchannel(
            ctx,
            bt.t(
                "⚠️ No matching volunteer for request #{id} - please look for help.", id=request.id
            ),
        )
    return told


async def _update_offers(
    ctx: Context, request: HelpRequest, text_key: str, except_user: int | None = None
) -> None:
    """Replace the offer messages of everyone told about the request (e.g. "taken")."""
    for volunteer_id, outbox_id, _declined in await ctx.db.volunteers.offers(request.id):
        if volunteer_id == except_user:
            continue
        user = await ctx.db.users.get(volunteer_id)
        target = await ctx.db.outbox.target(outbox_id)
        if user is None or target is None:
            continue
        t = ctx.translator_for(user)
        ctx.send(Edit(outbox_id, t.t(text_key, id=request.id), to=Recipient(*target)))


async def request_withdrawn(ctx: Context, request: HelpRequest) -> None:
    await _update_offers(ctx, request, N_("↩️ Request #{id} was withdrawn. Thank you anyway!"))
    if request.volunteer_id and request.state == "matched":
        volunteer = await ctx.db.users.get(request.volunteer_id)
        if volunteer is not None and volunteer.chat_id:
            t = ctx.translator_for(volunteer)
            ctx.send(
                Message(
                    t.t(
                        "↩️ The request #{id} you took on was withdrawn by the "
                        "requester. Your contact has ended.",
                        id=request.id,
                    ),
                    to=Recipient(volunteer.platform, volunteer.chat_id),
                )
            )


def register(router: Router) -> None:
    @router.button("mt", role="volunteer")
    async def offer_button(ctx: Context) -> None:
        action, _, rest = ctx.args.partition(":")
        request_id, _, value = rest.partition(":")
        t = ctx.t
        request = await ctx.db.requests.get(int(request_id)) if request_id.isdigit() else None
        # Only someone who was offered this request may answer it: forged ids change nothing.
        if request is None or not await ctx.db.volunteers.was_offered(request.id, ctx.user.id):
            ctx.toast(t._("This button is no longer valid."))
            return
        if action == "rep":
            # Something wrong with the request itself: the coordinators read the report.
            previous = ctx.get_state()
            ctx.set_state(
                "relay.report",
                {
                    "request_id": request.id,
                    "back": None
                    if previous is None
                    else {"state": previous.state, "data": previous.data},
                },
            )
            ctx.reply(
                t.t(
                    "⚠️ What happened? Please write a few words. Only the coordinators will read it."
                )
            )
            return
        if action == "dec":
            await ctx.db.volunteers.decline(request.id, ctx.user.id)
            ctx.reply(t.t("👍 All right, not this time. Thank you for your answer."), edit=True)
            return
        if action == "acc":
            await _accept(ctx, request)
        elif action == "back" and request.volunteer_id == ctx.user.id:
            ctx.reply(
                t.t("↩️ Why can you not help after all?"),
                [
                    [Button(t._(label), f"mt:br:{request.id}:{key}")]
                    for key, label in HAND_BACK_REASONS.items()
                ],
            )
        elif action == "br" and request.volunteer_id == ctx.user.id and value in HAND_BACK_REASONS:
            await _hand_back(ctx, request, value)
        else:
            ctx.toast(t._("This button is no longer valid."))


async def _accept(ctx: Context, request: HelpRequest) -> None:
    t = ctx.t
    volunteer = await ctx.db.volunteers.get(ctx.user.id)
    if volunteer is None or volunteer.paused:
        ctx.toast(t._("Please resume volunteering first."), alert=True)
        return
    try:
        request = await ctx.db.requests.transition(
            request.id, "matched", ctx.user.id, expect=("open",), volunteer_id=ctx.user.id
        )
    except TransitionError:
        ctx.toast(t._("Someone else is already helping. Thank you!"), alert=True)
        ctx.reply(
            t.t("✅ Request #{id} is already taken. Thank you anyway!", id=request.id), edit=True
        )
        return
    await _update_offers(
        ctx,
        request,
        N_("✅ Request #{id} is already taken. Thank you anyway!"),
        except_user=ctx.user.id,
    )
    ctx.reply(
        t.t("🎉 <b>Thank you! You are helping with request #{id}.</b>", id=request.id)
        + "\n\n"
        + describe(t, request),
        edit=True,
    )
    await relay.connect(ctx, request)
    bt = backchannel_t()
    await notify_backchannel(
        ctx,
        bt.t(
            "🤝 Request #{id} was taken by volunteer {user_id}.", id=request.id, user_id=ctx.user.id
        ),
    )


async def _hand_back(ctx: Context, request: HelpRequest, reason: str) -> None:
    t = ctx.t
    try:
        request = await ctx.db.requests.transition(
            request.id, "open", ctx.user.id, expect=("matched",), volunteer_id=None
        )
    except TransitionError:
        ctx.reply(t.t("😔 This request can no longer be changed."), ui.back_to_menu(ctx))
        return
    await ctx.db.requests.audit(
        ctx.user.id, "request.handed_back", f"request:{request.id}", {"reason": reason}
    )
    await relay.disconnect(
        ctx,
        request,
        N_(
            "↩️ Your helper cannot make it after all. Your "
            "request #{id} is open again and we are looking "
            "for someone else."
        ),
        ctx.user.id,
    )
    ctx.reply(
        t.t("↩️ You handed request #{id} back. Thank you for telling us.", id=request.id),
        ui.back_to_menu(ctx),
    )
    await offer(ctx, request, skip={ctx.user.id})
    bt = backchannel_t()
    await notify_backchannel(
        ctx,
        bt.t(
            "↩️ Request #{id} was handed back ({reason}).",
            id=request.id,
            reason=bt._(HAND_BACK_REASONS[reason]),
        ),
    )
