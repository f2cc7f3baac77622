"""A call between a helper and a phone resident that hides both numbers: started from the
helper's chat, the bot calls the helper, then the resident, and connects the two
(bot/transports/phone/calls/bridging.py, through :class:`CallPort`, which the phone transport
gives as ``HandlerSettings.bridged_calls``; without it no call is offered).

"📞 Call NAME" is offered to the helper of a taken request whose resident can be called
(``HandlerSettings.channels.callable``: known by their number - a caller, a resident the
desk entered with a number, also one who chose texts), in the main menu's
contact rows and under the resident's relayed messages. Checked when pressed: the current
helper of a request still taken (not done, not withdrawn), the resident still there, not
in the phone's quiet hours, at most :data:`CALLS_PER_HOUR` calls per request in an hour
(:func:`may_start`, counted here for every path that starts one: this chat and
handlers/helping/talk_now.py). The helper's own number is asked once (``phonenumbers``, read as
German, kept as E.164 in db/call_numbers.py: nobody sees it, never logged) and can be
changed or removed in the settings. A number the bot may not call (locales/phone_numbers.py:
premium, shared-cost, personal, satellite, a country not in ``[phone] call_countries``)
is refused with its own answer and not kept.

Button data (``bc:…``): ``call:<request id>`` (call the resident), ``chg`` (change the
number, in the settings), ``del`` (remove it); by text ``call`` and ``chg`` wait for the code
sent to the number (handlers/numbers/coded_acts.py), and ``del`` too unless the number texted
a right code within the last half hour (she can put it back, with a code). State
``bc.number`` (``request_id``: the call to start once the number is given; none: changed in
the settings). By text the number
typed in that state waits for a code too (held act :data:`HELD`, its text names the number):
the state belongs to the sender's number, and a forged text from it could otherwise give
the forger's number after the holder confirmed "Call" - the holder, who gets the code for a
number not theirs, does nothing, and the code lapses in a quarter of an hour.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from db import Database
from db.request_states import MATCHED
from db.users import User
from handlers import ui
from handlers.channels import CallOrder, CallPort
from handlers.context import Context
from handlers.flood_limits import CityCounts
from handlers.helping import code_texts
from handlers.messages import Button, Text
from handlers.numbers import coded_acts
from handlers.router import Router
from handlers.settings import HandlerSettings
from handlers.ui import shortened
from locales import Translator, isolate
from locales.phone_numbers import EXAMPLE_NUMBER, dialable, valid

PREFIX = "bc"
STATE = "bc.number"
# The held act of a number typed by text (handlers/numbers/coded_acts.py).
HELD = "bc.number.given"
# Calls per request within an hour (:func:`may_start`).
CALLS_PER_HOUR = 3
HOUR = 3600.0
# The calls started per request within the last hour, per city (its database: request
# numbers are a city's own) in this process. A restart forgets them, which is harmless:
# the limit keeps a resident from being rung again and again, and a restart is rare. Each
# city's counts are bounded like every count keyed by outside input (flood_limits.py).
_STARTED = CityCounts(window=HOUR)


def may_start(db: Database, settings: HandlerSettings, request_id: int) -> bool:
    """Whether a call for the city's ``request_id`` may start now (fewer than
    :data:`CALLS_PER_HOUR` within the hour by the city's clock), counted as started when it
    may: a call that fails counts too."""
    counts = _STARTED.of(db, settings.clock)
    key = ("bridged call", str(request_id), False)
    if counts.counted(key) >= CALLS_PER_HOUR:
        return False
    counts.count(key)
    return True


def _port(ctx: Context) -> CallPort | None:
    port: CallPort | None = ctx.settings.bridged_calls
    return port


def offered(ctx: Context, partner: User | None, *, as_requester: bool) -> bool:
    """Whether the helper may be offered a call with ``partner`` (known by their number)."""
    return (
        not as_requester
        and partner is not None
        and ctx.settings.channels.callable(partner.platform)
        and _port(ctx) is not None
    )


def call_button(t: Translator, request_id: int, partner: User) -> Button:
    if partner.first_name:
        # Names can be long or right-to-left: shortened, and isolated inside the label.
        name = isolate(shortened(partner.first_name, 20))
        label = "📞 " + t._("Call {name}").format(name=name)
    else:
        label = "📞 " + t._("Call the resident")
    return Button(label, f"{PREFIX}:call:{request_id}")


async def _resident_of(ctx: Context, request_id: int) -> User | None:
    """The phone resident of the helper's request if it is still taken, else None."""
    request = await ctx.db.requests.get(request_id)
    if (
        request is None
        or ctx.user.banned_at
        or request.state != MATCHED
        or request.volunteer_id != ctx.user.id
    ):
        return None
    resident = await ctx.mail.reachable(request.requester_id)
    if resident is None or not ctx.settings.channels.callable(resident.platform):
        return None
    return resident


async def _resident(ctx: Context, request_id: int) -> User:
    """As :func:`_resident_of`, else the "no longer valid" answer."""
    resident = await _resident_of(ctx, request_id)
    if resident is None:
        ctx.stale()
    return resident


async def _call(ctx: Context) -> None:
    await _resident(ctx, ctx.id_arg())
    number = await ctx.db.call_numbers.get(ctx.user.id)
    if number is None:
        ctx.set_state(STATE, {"request_id": ctx.id_arg()})
        ctx.reply(_ask(ctx.t), ui.back_to_menu(ctx))
        return
    await _start(ctx, ctx.id_arg(), number)


def _ask(t: Translator) -> Markup:
    return t.t(
        "📞 On which number should I call you? Send your phone number, e.g. {example}."
        " Nobody sees it, not the resident either.",
        example=t.digits(EXAMPLE_NUMBER),
    )


async def _start(ctx: Context, request_id: int, number: str) -> None:
    # Checked again here: the number may have come in a later update.
    resident = await _resident(ctx, request_id)
    t, port = ctx.t, _port(ctx)
    if port is None:
        ctx.reply(t.t("📵 Calls are not possible just now."), ui.back_to_menu(ctx))
        return
    if (until := port.quiet_until()) is not None:
        ctx.reply(
            t.t("🌙 It is quiet time now: no calls until {time}.", time=t.time(until)),
            ui.back_to_menu(ctx),
        )
        return
    order = CallOrder(
        request_id=request_id,
        helper_id=ctx.user.id,
        helper_number=number,
        helper_lang=ctx.user.language or t.lang,
        resident_number=resident.chat_id,
        resident_lang=resident.language or t.lang,
    )
    if not may_start(ctx.db, ctx.settings, request_id):
        ctx.reply(
            t.t("⏳ You called often in the last hour. Please try again later."),
            ui.back_to_menu(ctx),
        )
        return
    port.start(order)
    ctx.reply(
        t.t(
            "📞 I am calling you now. When you answer, I call the resident and connect you."
            " Both numbers stay hidden."
        ),
        ui.back_to_menu(ctx),
    )


async def _number(ctx: Context) -> None:
    """State ``bc.number``: the helper's number, typed."""
    state = ctx.get_state()
    event = ctx.incoming.event
    number = valid(event.text) if isinstance(event, Text) else None
    if state is None or number is None:
        ctx.reply(
            ctx.t.t(
                "🙈 I cannot call that number. Please send a German phone number, e.g. {example}.",
                example=ctx.t.digits(EXAMPLE_NUMBER),
            ),
            ui.back_to_menu(ctx),
        )
        return
    if not dialable(number, ctx.settings.call_countries):
        ctx.reply(
            ctx.t.t(
                "🙈 I cannot call that number: I call only ordinary landline and mobile"
                " numbers, no premium or service numbers. Please send another number."
            ),
            ui.back_to_menu(ctx),
        )
        return
    ctx.clear_state()
    given = {"number": number, "request_id": state.data.get("request_id")}
    if coded_acts.needed(ctx):
        # A forged sender's text may be this one: the number is kept only with the code
        # texted to the number, whose text names the number given.
        await coded_acts.hold(
            ctx,
            HELD,
            given,
            lambda t, code: t.t(code_texts.NUMBER_GIVEN, number=number, code=code),
        )
        return
    await _given(ctx, given)


async def _given(ctx: Context, given: dict[str, Any]) -> None:
    """The helper's number given (and, by text, confirmed): kept, and the call started."""
    number, request_id = str(given["number"]), given.get("request_id")
    if request_id is not None and await _resident_of(ctx, int(request_id)) is None:
        # Done or handed back while the number was typed: nothing is kept or called.
        ctx.reply(ctx.t.t("ℹ️ This contact has ended."), ui.back_to_menu(ctx))
        return
    await ctx.db.call_numbers.set(ctx.user.id, number)
    if request_id is None:
        ctx.reply(ctx.t.t("✅ Your number for calls is saved."), ui.back_to_menu(ctx))
        return
    await _start(ctx, int(request_id), number)


async def settings_rows(ctx: Context) -> tuple[list[Markup], list[list[Button]]]:
    """The settings line and buttons, for someone who gave a number."""
    if await ctx.db.call_numbers.get(ctx.user.id) is None:
        return [], []
    t = ctx.t
    return [t.t("📞 Your number for calls is saved. Only the bot sees it.")], [
        [
            Button("✏️ " + t._("Change number"), f"{PREFIX}:chg"),
            Button("🗑 " + t._("Remove number"), f"{PREFIX}:del"),
        ]
    ]


async def _change(ctx: Context) -> None:
    ctx.set_state(STATE, {})
    ctx.reply(_ask(ctx.t), ui.back_to_menu(ctx))


async def _remove(ctx: Context) -> None:
    await ctx.db.call_numbers.remove(ctx.user.id)
    ctx.reply(ctx.t.t("✅ Your number for calls is removed."), ui.back_to_menu(ctx))


def register(router: Router) -> None:
    router.state(STATE)(_number)
    # By text (a sender can be forged) a call and the number it rings wait for the code: a
    # forger would otherwise give their own number and be put through to the resident.
    router.action(PREFIX, "call", coded=code_texts.CALL)(_call)
    router.action(PREFIX, "chg", coded=code_texts.CALL_NUMBER)(_change)
    # Removing it: a forger would otherwise send her calls about a help to the texts; she
    # can put it back, so a right code a moment ago passes it (as her other settings).
    router.action(PREFIX, "del", coded=code_texts.CALL_NUMBER_REMOVE, vouched_passes=True)(_remove)
    router.confirmed[HELD] = _given
