"""After a match, requester and volunteer talk through the bot.

The relay stands while the request is matched, whatever else either person does in
between (a place search, /myrequests, the menu): free input sent outside any other step
goes to the partner (``router.free_input``, rank 10), and so does a text or voice message
that the person's step cannot use (``router.refused_input``). With several relays the bot asks
which one it is for, unless the person chose one with "💬 Write to NAME" (state
``relay``). Texts, voice messages and locations go to the other side with only the
sender's first name - no usernames, no phone numbers. The newest relayed message, the main
menu and /myrequests carry "💬 Write to NAME" and the way to end the relay (done for
the requester, hand back for the volunteer); where the reader's transport can change a sent
message, the one before loses them (newest_buttons.py). The requester marks the help as
done; the volunteer records the time spent and, for shopping, the money laid out, which the
requester confirms. Both may leave feedback that only coordinators read, and either side
can report the other.

By text (a number whose sender can be forged) a message waits for the code sent to the
number unless it confirmed one a moment ago, and withdrawing, "done" or a report wait for
one (handlers/numbers/coded_acts.py); so do the helper's time spent and money laid out
(held act ``relay.money``) and the requester's answer whether that amount is right, each
passing without another code within half an hour of a right one.

A hand-back leaves the requester in ``relay.left`` (``request_id``, set by the lifecycle):
their next text or voice message was meant for the helper who left, so it is passed on to
nobody - not to another helper of theirs either - and the bot says so and that the request
is looking for someone again; while no other relay runs, the message is then offered as a
new request as any free input is (nothing typed is lost).

States: ``relay`` (``request_id``: the relay chosen with "Write to"), ``relay.left``,
``relay.which`` (``item``, ``message_id``: a message kept while the person picks the
relay), ``relay.money``, ``relay.feedback``.
Button data (``rl:…``), each action its own callback: ``to:<id>`` (write to),
``for:<id>`` (the relay for the kept message), ``done:<id>`` (asks), ``doney:<id>`` (the
help is done), ``end:<id>`` (asks), ``endy:<id>`` (withdraws), ``no:<id>``, ``rep:<id>``,
``min:<id>:<minutes>``, ``msk:<id>`` (skip the money: nothing recorded), ``mok:<id>``,
``mno:<id>``, ``fb:<id>`` (skip feedback).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from db.request_states import DONE, OPEN
from db.requests import HelpRequest
from db.users import User
from handlers import ui
from handlers.context import Context
from handlers.helping import bridged_calls, code_texts, contact, lifecycle, newest_buttons
from handlers.helping.languages import shown_to
from handlers.helping.lifecycle import MINUTES, Refused
from handlers.helping.relay import edits
from handlers.helping.render import (
    door_code_text,
    first_name,
    relay_buttons,
    relay_endings,
    relay_row,
)
from handlers.helping.reports import ask_for_report
from handlers.messages import Button, Event, Location, Media, Message, Text, Venue, Voice
from handlers.numbers import coded_acts
from handlers.parsing import number, typed
from handlers.router import WRITTEN_LIMIT, Router
from handlers.text_safety import clean_text
from locales import N_, Translator

_MONEY = re.compile(r"^\s*(\d{1,4})(?:[.,](\d{1,2}))?\s*(?:€|eur|euro)?\s*$", re.I)
STATE = contact.RELAY
PASSED = N_("✅ Passed on to {name}.")
# A text for the helper by a number whose sender can be forged, held for its code
# (handlers/numbers/coded_acts.py); the text follows it on its own line.
HELD_KIND = "relay"
# The helper's money laid out by text, held for its code (:func:`_money_saved` does it).
MONEY_KIND = "relay.money"
WHICH = "relay.which"
# The voice and audio kinds the relay passes on.
_SOUND = ("voice", "audio")


@dataclass(frozen=True)
class RunningRelay:
    """A running relay as one side sees it."""

    request: HelpRequest
    partner: User | None  # None: the partner cannot be reached in the chat any more
    as_requester: bool
    # The partner's first name as this side reads it (render.py ``first_name``: a caller on
    # the phone line has none and is "📞 Resident", never their number).
    partner_name: str = "?"


async def running_relays(ctx: Context) -> list[RunningRelay]:
    """The person's running relays (none for someone blocked)."""
    if ctx.user.banned_at:
        return []
    found = []
    for request in await ctx.db.requests.relays_of(ctx.user.id):
        as_requester = request.requester_id == ctx.user.id
        partner_id = request.volunteer_id if as_requester else request.requester_id
        partner = await ctx.mail.reachable(partner_id)
        found.append(RunningRelay(request, partner, as_requester, first_name(ctx.t, partner)))
    return found


async def _running_relay(ctx: Context, request_id: int) -> RunningRelay | None:
    for relay in await running_relays(ctx):
        if relay.request.id == request_id:
            return relay
    return None


def _passable(event: Event) -> bool:
    return isinstance(event, Text | Location) or (
        isinstance(event, Media) and event.kind in _SOUND and bool(event.file_id)
    )


def _keep(event: Event) -> dict[str, Any]:
    """A message kept in the conversation state while the person picks the relay."""
    if isinstance(event, Text):
        return {"text": event.text}
    if isinstance(event, Location):
        return {"lat": event.latitude, "lon": event.longitude}
    assert isinstance(event, Media)
    return {
        "media": event.kind,
        "file_id": event.file_id,
        "seconds": event.duration_seconds,
        "mime_type": event.mime_type,
    }


def _kept(item: dict[str, Any]) -> Event:
    if "text" in item:
        return Text(str(item["text"]))
    if "lat" in item:
        return Location(float(item["lat"]), float(item["lon"]))
    return Media(
        item["media"], str(item["file_id"]), item.get("seconds"), item.get("mime_type") or ""
    )


async def _chosen(ctx: Context) -> None:
    """State ``relay``: the person chose this relay with "Write to"."""
    state = ctx.get_state()
    assert state is not None
    if await _to_replied(ctx):
        return
    relay = await _running_relay(ctx, int(state.data["request_id"]))
    if relay is None:
        # That relay ended meanwhile; another running one may still take the message.
        ctx.clear_state()
        if not await _to_running_relay(ctx):
            ctx.reply(ctx.t.t("ℹ️ This contact has ended."), ui.back_to_menu(ctx))
        return
    await _pass_on(ctx, relay, ctx.incoming.event, ctx.incoming.message_id)


async def _to_running_relay(ctx: Context) -> bool:
    """Free input outside any step: to the one running relay, or ask which."""
    if not ctx.in_contact:
        # No contact ran as the update arrived, and nothing before this taker starts one:
        # a text from someone in no contact (a place's name, most free input) asks nothing.
        return False
    found = await running_relays(ctx)
    if not found:
        return False
    event = ctx.incoming.event
    if len(found) == 1:
        await _pass_on(ctx, found[0], event, ctx.incoming.message_id)
        return True
    t = ctx.t
    if not _passable(event):
        ctx.reply(t.t("🙈 I can pass on texts, voice messages and locations."))
        return True
    ctx.set_state(WHICH, {"item": _keep(event), "message_id": ctx.incoming.message_id})
    ctx.reply(
        t.t("💬 Who is this message for?"),
        [
            [
                Button(
                    f"💬 {c.partner_name} (#{t.identifier(c.request.id)})", f"rl:for:{c.request.id}"
                )
            ]
            for c in found
        ],
    )
    return True


ENDED_NOT_PASSED = N_("ℹ️ This contact has ended, so your message was not passed on.")


async def _to_replied(ctx: Context, *, said: bool = False) -> bool:
    """A reply (``Incoming.reply_to``) to a message the relay passed on from a partner goes
    to that partner, whatever contact the person chose or is asked about, if that contact
    still runs with them; if it ended (or its helper left), nothing is passed on, to anyone,
    and the person is told so - taken where another contact runs, else left to the later
    takers, which offer it as a new request (nothing typed is lost). A reply to anything
    else is not taken. ``said``: confirm a passed message in words (inside another step)."""
    target = ctx.incoming.reply_to
    if target is None or not _passable(ctx.incoming.event):
        return False
    found = await ctx.db.relay.replied_to(
        ctx.incoming.sender.platform, ctx.incoming.chat_id, target
    )
    if found is None:
        return False
    request_id, writer = found
    relay = await _running_relay(ctx, request_id) if ctx.in_contact else None
    if relay is not None and writer == (
        relay.request.volunteer_id if relay.as_requester else relay.request.requester_id
    ):
        if await _pass_on(ctx, relay, ctx.incoming.event, ctx.incoming.message_id) and said:
            ctx.reply(ctx.t.t(PASSED, name=relay.partner_name), ui.back_to_menu(ctx))
        return True
    state = ctx.get_state()
    if state is not None and state.state == lifecycle.HELPER_LEFT:
        ctx.clear_state()  # this is the message the hand-back notice would be about
    ctx.reply(ctx.t.t(ENDED_NOT_PASSED))
    return ctx.in_contact and bool(await running_relays(ctx))


HELPER_LEFT_NOT_PASSED = N_(
    "↩️ Your helper has left request #{id}, so this message was not passed on to anyone. "
    "The request is open again and we are looking for someone else."
)


async def _after_hand_back(ctx: Context) -> bool:
    """The first free input after the requester's helper handed the request back (state
    ``relay.left``): not passed on, and said so. True (taken) where another relay runs,
    which must not get a message meant for someone else; otherwise the later takers offer
    it as a new request."""
    state = ctx.get_state()
    if state is None or state.state != lifecycle.HELPER_LEFT:
        return False
    ctx.clear_state()
    event = ctx.incoming.event
    request = await ctx.db.requests.get(state.data.get("request_id", 0))
    if request is None or request.state != OPEN or not _passable(event):
        return False  # matched again (to the new helper), ended, or nothing to pass on
    ctx.reply(ctx.t.t(HELPER_LEFT_NOT_PASSED, id=request.id))
    return ctx.in_contact and bool(await running_relays(ctx))


async def _refused_in_a_step(ctx: Context) -> bool:
    """Input the person's conversation step could not use (``ctx.refuse``), while a contact
    runs: the bot told them to write their messages here, so a text or voice message that
    is no place, date or choice was meant for the other side - it goes there and the step
    stays where it was (a reply typed at "📅 this week" was taken for a place and lost).
    With several contacts the bot asks which one, as outside any step."""
    event = ctx.incoming.event
    if not ctx.in_contact or not (
        isinstance(event, Text) or (isinstance(event, Media) and event.kind in _SOUND)
    ):
        return False  # (no contact ran as the update arrived: see _to_running_relay)
    if await _to_replied(ctx, said=True):
        return True
    found = [relay for relay in await running_relays(ctx) if relay.partner is not None]
    if not found:
        return False
    if len(found) > 1:
        return await _to_running_relay(ctx)
    relay = found[0]
    if await _pass_on(ctx, relay, event, ctx.incoming.message_id):
        ctx.reply(ctx.t.t(PASSED, name=relay.partner_name), ui.back_to_menu(ctx))
    return True


async def _kept_input(ctx: Context) -> None:
    """State ``relay.which``: something else was sent instead of picking a relay; it
    replaces the kept message and the question is asked again. A reply to a relayed message
    goes to its writer (:func:`_to_replied`), and the kept message still waits."""
    if await _to_replied(ctx):
        return
    ctx.clear_state()
    await _to_running_relay(ctx)


async def _for(ctx: Context) -> None:
    state = ctx.get_state()
    relay = await _running_relay(ctx, ctx.id_arg())
    if state is None or relay is None:
        ctx.stale()
    ctx.set_state(STATE, {"request_id": relay.request.id})
    await _pass_on(ctx, relay, _kept(state.data["item"]), state.data.get("message_id"), edit=True)


async def _write_to(ctx: Context) -> None:
    """ "💬 Write to NAME": this person's next messages go to that relay."""
    relay = await _running_relay(ctx, ctx.id_arg())
    if relay is None:
        ctx.stale()
    t = ctx.t
    ctx.set_state(STATE, {"request_id": relay.request.id})
    text = t.t("✍️ Write your message for {name}. I will pass it on.", name=relay.partner_name)
    if relay.request.door_code:
        text += "\n\n" + door_code_text(
            t,
            relay.request.door_code,
            requester=relay.as_requester,
            partner_name=relay.partner_name,
            partner=relay.partner,
        )
    # Everything under a relayed message but "Write to", which was just pressed.
    endings = relay_endings(t, relay.request.id, requester=relay.as_requester)
    heard = t.t("🎤 Only {name} hears your message.", name=relay.partner_name)
    ctx.send(Message(text, [*endings, *ui.back_to_menu(ctx)], recorded=heard))


async def menu_rows(ctx: Context) -> list[list[Button]]:
    """The main menu starts with the running relays (and a helper's call to a phone
    resident, bridged_calls.py)."""
    if not ctx.in_contact:
        # No contact ran as the update arrived, and showing a menu starts none.
        return []
    rows = []
    for c in await running_relays(ctx):
        if c.partner is None:
            continue
        rows.append(relay_row(ctx.t, c.request.id, c.partner_name, requester=c.as_requester))
        if bridged_calls.offered(ctx, c.partner, as_requester=c.as_requester):
            rows.append([bridged_calls.call_button(ctx.t, c.request.id, c.partner)])
    return rows


async def _pass_on(
    ctx: Context,
    relay: RunningRelay,
    event: Event,
    source: str | None,
    *,
    edit: bool = False,
    confirmed: bool = False,
) -> bool:
    """Pass ``event`` (the person's message ``source``) on to the relay's partner; whether
    it went. A text from a number whose sender can be forged waits for the code texted to
    it, unless the number confirmed one a moment ago (handlers/numbers/coded_acts.py): "come to
    another address instead" must come from the resident."""
    t = ctx.t
    request, partner = relay.request, relay.partner
    if partner is None:
        ctx.reply(t.t("😔 The other person cannot be reached in the chat any more."))
        return False
    if isinstance(event, Text) and not confirmed and clean_text(event.text):
        quoted = clean_text(event.text)
        name_of = relay.partner_name

        def asked(at: Translator, code: str) -> Markup:
            return at.t(code_texts.PASS_ON, name=name_of, code=code) + Markup("\n") + quoted

        data = {"request_id": request.id, "text": event.text}
        if await coded_acts.held(ctx, HELD_KIND, data, asked):
            return False

    def name(pt: Translator) -> str:
        # As the partner reads it: someone texting or calling has no first name (render.py).
        return first_name(pt, ctx.user)

    calls = bridged_calls.offered(ctx, ctx.user, as_requester=not relay.as_requester)

    def buttons(pt) -> list[list[Button]]:
        rows = relay_buttons(pt, request.id, name(pt), requester=not relay.as_requester)
        if calls:  # to the helper, from a phone resident
            rows.insert(1, [bridged_calls.call_button(pt, request.id, ctx.user)])
        return rows

    if isinstance(event, Text):
        text = clean_text(event.text)
        if not text:
            ctx.reply(t.t("✍️ Please send a text."))
            return False
        await _log(ctx, request, "text", text, source)
        shown = await shown_to(ctx, ctx.user, request, partner, text, switch_off=True)
        carrier = await ctx.mail.to_user(
            partner,
            lambda pt: Message(
                pt.t("💬 <b>{name}</b>: {text}", name=name(pt), text=shown(pt)),
                buttons(pt),
                typed_choices=False,
            ),
            about=[ctx.user.id],
        )
    elif isinstance(event, Location):
        await _log(ctx, request, "location", "", source)
        # Exactly as shared: meeting at a door needs it. Not stored anywhere else.
        carrier = await ctx.mail.to_user(
            partner,
            lambda pt: Message(pt.t("📍 {name} shared a location:", name=name(pt)), buttons(pt)),
            about=[ctx.user.id],
        )
        await ctx.mail.to_user(
            partner, lambda pt: Venue(event.latitude, event.longitude), about=[ctx.user.id]
        )
    elif isinstance(event, Media) and event.kind in _SOUND and event.file_id:
        await _log(ctx, request, "voice", "", source)
        # Across platforms the outbox worker carries the file over (bot/delivery.py).
        await ctx.mail.to_user(
            partner,
            lambda pt: Voice(
                event.file_id,
                ctx.incoming.sender.platform,
                caption=pt.t("🎤 {name}", name=name(pt)),
                mime_type=event.mime_type,
                duration_seconds=event.duration_seconds,
            ),
            about=[ctx.user.id],
        )
        # A voice cannot carry buttons: the way to answer follows it (naming the sender:
        # it goes with her data, as the voice does).
        carrier = await ctx.mail.to_user(
            partner,
            lambda pt: Message(pt.t("🎤 {name} sent a voice message.", name=name(pt)), buttons(pt)),
            about=[ctx.user.id],
        )
    else:
        ctx.reply(t.t("🙈 I can pass on texts, voice messages and locations."))
        return False
    await edits.passed_on(ctx, source, event)
    # Only the newest message of the contact keeps its buttons (newest_buttons.py).
    await newest_buttons.carried(ctx, partner, request.id, carrier, writer=ctx.user.id)
    if edit:
        ctx.reply(t.t(PASSED, name=relay.partner_name), edit=True)
    return True


async def _confirmed(ctx: Context, data: dict[str, Any]) -> None:
    """The code came back: the held text goes to the helper, if the contact still runs."""
    relay = await _running_relay(ctx, int(data["request_id"]))
    if relay is None:
        ctx.reply(ctx.t.t("ℹ️ This contact has ended."), ui.back_to_menu(ctx))
        return
    if await _pass_on(ctx, relay, Text(str(data["text"])), None, confirmed=True):
        ctx.reply(ctx.t.t(PASSED, name=relay.partner_name), ui.back_to_menu(ctx))


async def _log(
    ctx: Context, request: HelpRequest, kind: str, text: str, source: str | None
) -> None:
    """Relay messages are kept only until the retention job removes them."""
    await ctx.db.relay.log_relay(request.id, ctx.user.id, kind, text, source or "")


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


async def _ask_done(ctx: Context) -> None:
    """One tap must not end a running contact by mistake: asked once - and only while
    it can be done (an old button of a withdrawn request is spent, not asked about)."""
    request = await _requester_only(ctx)
    if request.state not in lifecycle.DONE_FROM:
        ctx.stale()
    t = ctx.t
    ui.ask_first(
        ctx,
        t.t("✅ Is the help for request #{id} done? The contact then ends.", id=request.id),
        Button("✅ " + t._("Yes, it is done"), f"rl:doney:{request.id}"),
        Button("↩️ " + t._("No"), f"rl:no:{request.id}"),
    )


async def _done(ctx: Context) -> None:
    request = await _requester_only(ctx)
    try:
        await lifecycle.done(ctx, ctx.user, request.id)
    except Refused:
        ctx.stale()
    await _ask_feedback(ctx, request, "requester")


async def _ask_end(ctx: Context) -> None:
    request = await _requester_only(ctx)
    if request.state not in lifecycle.WITHDRAW_FROM:
        ctx.stale()  # withdrawn or ended already: nothing to ask about
    t = ctx.t
    ui.ask_first(
        ctx,
        t.t("🚪 End the contact? Your request #{id} will be withdrawn.", id=request.id),
        Button("🚪 " + t._("Yes, end it"), f"rl:endy:{request.id}"),
        Button("↩️ " + t._("No"), f"rl:no:{request.id}"),
    )


async def _end(ctx: Context) -> None:
    """Ending the relay is withdrawing the request: the same as from /myrequests."""
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
    minutes = number(ctx.value_arg())
    if is_requester or minutes not in MINUTES or request.state != DONE:
        ctx.stale()
    t = ctx.t
    await ctx.db.requests.update_fields(request.id, ctx.user.id, minutes_spent=minutes)
    # The time picked stays in sight above the next question: pressed, it was taken.
    noted = t.t("⏱ Time reported: {duration}", duration=t.duration(minutes)) + "\n\n"
    if request.category == "shopping":
        ctx.set_state("relay.money", {"request_id": request.id})
        ctx.reply(
            noted + t.t("🛒 How much money did you lay out? For example 12,50. Send 0 if none."),
            _money_choices(ctx, {"request_id": request.id}),
            edit=True,
        )
    else:
        await _ask_feedback(ctx, request, "volunteer", edit=True, before=noted)


def _money_choices(ctx: Context, data: dict[str, Any]) -> list[list[Button]]:
    """The money step's way out, Skip (``Router.offer``: its refusals show it too): a helper
    who does not know the amount or would rather not say it is not held at the step."""
    return [[Button("⏭ " + ctx.t._("Skip"), f"rl:msk:{data['request_id']}")]]


async def _skip_money(ctx: Context) -> None:
    """No amount recorded and the requester asked nothing: on to the feedback question."""
    request, is_requester = await _mine(ctx)
    state = ctx.get_state()
    if is_requester or state is None or int(state.data["request_id"]) != request.id:
        ctx.stale()
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
    match = _MONEY.match(typed(event.text)) if isinstance(event, Text) else None
    if state is None or match is None:
        ctx.reply(
            ctx.t.t("🛒 Please send the amount as a number, for example 12,50."),
            _money_choices(ctx, state.data) if state else None,
        )
        return
    cents = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
    request_id = int(state.data["request_id"])

    def asked(at: Translator, code: str) -> Markup:
        return at.t(code_texts.LAID_OUT, amount=at.money(cents), id=request_id, code=code)

    data = {"request_id": request_id, "cents": cents}
    if await coded_acts.held(ctx, MONEY_KIND, data, asked):
        return  # the step stays, back once the code comes or the act is dropped
    await _money_saved(ctx, data)


async def _money_saved(ctx: Context, data: dict[str, Any]) -> None:
    """The money laid out (``cents``, confirmed by the code where it waited for one): saved,
    the requester asked whether it is right, the helper asked for feedback."""
    cents = int(data["cents"])
    request = await ctx.db.requests.update_fields(
        int(data["request_id"]), ctx.user.id, money_cents=cents
    )
    if cents:
        await ctx.mail.to_user(
            request.requester_id,
            lambda rt: Message(
                rt.t(
                    "🛒 Your helper laid out {amount} for you (request #{id}). Is that right?",
                    amount=rt.money(cents),
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


def _feedback_choices(ctx: Context, data: dict[str, Any]) -> list[list[Button]]:
    """The feedback step's one choice, Skip (``Router.offer``: its refusals show it too)."""
    return [[Button("⏭ " + ctx.t._("Skip"), f"rl:fb:{data['request_id']}")]]


async def _feedback_text(ctx: Context) -> None:
    state = ctx.get_state()
    # Blank or invisible marks alone: asked for a text, Skip at hand, nothing saved.
    got = await ctx.expect_text(_feedback_choices(ctx, state.data) if state else None)
    if got is None:
        return
    state, text = got
    await ctx.db.relay.save_feedback(
        int(state.data["request_id"]), ctx.user.id, state.data["role"], clean_text(text)
    )
    ctx.clear_state()
    ctx.reply(ctx.t.t("👍 Thank you for your feedback!"), ui.back_to_menu(ctx))


async def _ask_feedback(
    ctx: Context,
    request: HelpRequest,
    role: str,
    *,
    edit: bool = False,
    before: Markup | None = None,
) -> None:
    t = ctx.t
    ctx.set_state("relay.feedback", {"request_id": request.id, "role": role})
    ctx.reply(
        (before or Markup(""))
        + t.t("💬 How was it? Write a few words if you like - only the coordinators read them."),
        _feedback_choices(ctx, {"request_id": request.id}),
        edit=edit,
    )


def register(router: Router) -> None:
    router.state(STATE)(_chosen)
    router.state(WHICH)(_kept_input)
    router.free_input_taker(8)(_to_replied)
    router.free_input_taker(9)(_after_hand_back)
    router.free_input_taker(10)(_to_running_relay)
    router.confirmed[HELD_KIND] = _confirmed
    router.confirmed[MONEY_KIND] = _money_saved
    router.refused_input.append(_refused_in_a_step)
    router.menu_sections.append(menu_rows)
    router.action("rl", "for", states=(WHICH,))(_for)
    router.state("relay.money")(_money_text)
    router.offer("relay.money", _money_choices)
    router.state("relay.feedback")(_feedback_text)
    # A few words for the coordinators: a longer feedback is refused, not cut short.
    router.limit_input("relay.feedback", WRITTEN_LIMIT)
    router.offer("relay.feedback", _feedback_choices)
    coded = {
        "doney": code_texts.DONE,
        "endy": code_texts.END,
        "rep": code_texts.REPORT,
        "min": code_texts.TIME_SPENT,
        "mok": code_texts.AMOUNT_RIGHT,
        "mno": code_texts.AMOUNT_WRONG,
    }
    # Answers after the help (time, money, whether the amount is right) pass within half an
    # hour of a right code, as a text for the helper does: the holder is there then.
    passing = {"min", "mok", "mno"}
    for action, callback in {
        "to": _write_to,
        "done": _ask_done,
        "doney": _done,
        "end": _ask_end,
        "endy": _end,
        "no": _keep_going,
        "rep": _report,
        "min": _minutes,
        "mok": _money_answer,
        "mno": _money_answer,
        "fb": _skip_feedback,
    }.items():
        router.action("rl", action, coded=coded.get(action), vouched_passes=action in passing)(
            callback
        )
    # Skipping records nothing, so it waits for no code; only at the money step.
    router.action("rl", "msk", states=("relay.money",))(_skip_money)
