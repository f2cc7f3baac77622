"""A volunteer answers an offer: "I can help", "not this time", a report; and later hands a
request back. Whether they may is the lifecycle's decision at the moment of pressing.

Button data (``mt:…``, volunteers), each action its own callback: ``acc:<id>`` I can help,
``dec:<id>`` not this time, ``rep:<id>`` report the request, ``back:<id>`` hand back (asks
for a reason), ``br:<id>:<reason>``. By text ``acc``, ``dec``, ``rep`` and ``br`` wait for
the code sent to the number (handlers/numbers/coded_acts.py; ``dec`` not within a while of a
right one): a forged text must neither take a request in the volunteer's name, nor turn her
offers away, nor end the resident's help.

What a volunteer who closed their chat says to their offers: closed_chats.py.
"""

from __future__ import annotations

from db.request_states import MATCHED
from db.requests import HelpRequest
from handlers import ui
from handlers.context import Context
from handlers.helping import code_texts, contact, lifecycle
from handlers.helping.lifecycle import HAND_BACK_REASONS, Refused
from handlers.helping.matching import offer_fanout
from handlers.helping.render import door_code_text, first_name, relay_buttons
from handlers.helping.reports import ask_for_report
from handlers.messages import Button
from handlers.router import Router


async def _offered(ctx: Context) -> HelpRequest:
    """The request of the pressed offer; only someone who was offered it may answer it."""
    request = await ctx.db.requests.get(ctx.id_arg())
    if request is None or not await ctx.db.volunteers.was_offered(request.id, ctx.user.id):
        ctx.stale()
    return request


async def _accept(ctx: Context) -> None:
    request = await _offered(ctx)
    t = ctx.t
    try:
        request = await lifecycle.accept(ctx, ctx.user, request.id)
    except Refused as refusal:
        if refusal.stale:
            ctx.stale()
        ctx.toast(refusal.text(t).striptags(), alert=True)
        if refusal.message == lifecycle.TAKEN:
            ctx.reply(refusal.text(t), edit=True)
        return
    requester = await ctx.mail.reachable(request.requester_id)
    name = first_name(t, requester)
    ctx.reply(
        contact.matched_text(t, request, requester),
        relay_buttons(t, request.id, name, requester=False) if requester else [],
        edit=True,
    )
    if requester is not None:
        ctx.reply(
            door_code_text(
                t, request.door_code, requester=False, partner_name=name, partner=requester
            )
        )


async def _decline(ctx: Context) -> None:
    request = await _offered(ctx)
    if request.volunteer_id == ctx.user.id:
        # Her own request (both buttons tapped, an older copy of the offer): "not this time"
        # would be recorded as a "no" while she stays the helper. Taken, it asks whether
        # she is handing it back ("No, I keep helping" changes nothing); done, it is spent.
        await _ask_hand_back(ctx)
        return
    await offer_fanout.declined(ctx, request, ctx.user.id)
    ctx.reply(ctx.t.t("👍 All right, not this time. Thank you for your answer."), edit=True)


async def _report(ctx: Context) -> None:
    await ask_for_report(ctx, await _offered(ctx))


async def _ask_hand_back(ctx: Context) -> None:
    request = await _offered(ctx)
    if request.volunteer_id != ctx.user.id or request.state != MATCHED:
        ctx.stale()
    t = ctx.t
    ctx.reply(
        t.t("↩️ Why can you not help after all?"),
        [
            *(
                [Button(t._(label), f"mt:br:{request.id}:{key}")]
                for key, label in HAND_BACK_REASONS.items()
            ),
            # Pressed by mistake (it sits next to "Write to" in the menu): nothing changes.
            [Button("💬 " + t._("No, I keep helping"), f"rl:no:{request.id}")],
        ],
    )


# By text (a sender can be forged) taking an offer, declining it, reporting it and handing
# back wait for the code texted to the number (handlers/numbers/coded_acts.py): a forger would
# otherwise take a request in the volunteer's name, learn the requester's first name and door
# code, and talk to her through the relay - or turn her offers away in her name.
CODED = {
    "acc": code_texts.TAKE,
    "dec": code_texts.DECLINE,
    "rep": code_texts.REPORT,
    "br": code_texts.HAND_BACK,
}
# "Not this time" is the volunteer's own answer: a right code a moment ago passes it, so
# that declining several offers in a row costs one code (coded_acts.PASSING).
ANSWERS = ("dec",)


async def _hand_back(ctx: Context) -> None:
    request = await _offered(ctx)
    t = ctx.t
    try:
        await lifecycle.hand_back(ctx, ctx.user, request.id, ctx.value_arg())
    except Refused as refusal:
        if refusal.stale:
            ctx.stale()
        ctx.reply(refusal.text(t), ui.back_to_menu(ctx))
        return
    ctx.reply(
        t.t("↩️ You handed request #{id} back. Thank you for telling us.", id=request.id),
        ui.back_to_menu(ctx),
    )


def register(router: Router) -> None:
    for action, callback in {
        "acc": _accept,
        "dec": _decline,
        "rep": _report,
        "back": _ask_hand_back,
        "br": _hand_back,
    }.items():
        router.action(
            "mt",
            action,
            role="volunteer",
            coded=CODED.get(action),
            vouched_passes=action in ANSWERS,
        )(callback)
