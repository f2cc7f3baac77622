"""Acts that end, redirect or put words into running help, or act in a volunteer's name,
confirmed by the holder of the number.

Where a sender can be forged but a text to the number reaches its owner (a ``coded``
channel, handlers/channels.py: SMS), a text may claim to come from a resident who never
sent it. What would end their help or send their helper elsewhere, or take a request (and
its requester's first name and door code) in a volunteer's name, is therefore not done on
the sender's word: it is held, a code is texted to the number (the texting transport's
store issues and checks it, the one code store, as for an erasure: handlers/privacy.py),
and only that code, texted back within a quarter of an hour, does it. The code's text says
what it confirms - a relayed message is quoted whole - so the real holder who gets a code
for something they did not send does nothing, and a forger, who does not receive the
number's texts, never learns it.

- **Buttons** registered with ``coded`` (``Router.action(..., coded=...)``): withdrawing a
  request (handlers/helping/requests_flow.py, relay/chat.py "end"), "the help is done"
  (relay/chat.py), a volunteer's "I can help" on an offer and a helper's hand back
  (offers.py), a report about a request or a contact (offers.py, relay/chat.py), a helper's
  call to the resident and the number it rings (handlers/helping/bridged_calls.py), the
  channel messages come by (handlers/numbers/reach.py); a volunteer's own answers -
  "Not this time" (offers.py), pause, resume, leaving and the talk shift
  (handlers/helping/volunteers.py), and the answers after a help - a helper's time spent and
  the requester's "Yes"/"No" to the amount laid out (relay/chat.py) - which but leaving pass
  without another code within
  :data:`PASSING` of a right one (``vouched_passes``, :func:`waits`). The dispatcher hands
  such a press here (:func:`hold_press`); the code presses it again, checked as any press
  at that moment (a request withdrawn meanwhile is "no longer valid").
- **Anything else a feature holds** (:func:`hold`, done by ``Router.confirmed[kind]``): a
  text for the helper (relay/chat.py), unless the number confirmed a code within the last
  :data:`PASSING` (:func:`vouched`): then its holder is there, and a conversation does not
  cost a code a message; agreeing to the privacy notice for a person who has data and never
  agreed (handlers/onboarding.py: a resident the desk entered). That one is held before
  consent, so the state and ``coded:no`` work then too; dropped, it leaves the person at the
  notice, shown again; a new request or a change of one, sent from its summary
  (handlers/helping/requests_flow.py, held act ``request.send``): each its own code, a
  code a moment ago does not pass it - it is what the coordinators are asked to publish;
  a volunteer's profile answers, saved when she registers or changes one
  (handlers/helping/volunteers.py, held act ``volunteer.save``), and ``/undo`` taking back
  one's last message to the contact (handlers/helping/relay/edits.py, held act
  ``relay.undo``), and a helper's money laid out (relay/chat.py, held act ``relay.money``),
  each unless vouched (:func:`held`, as a text for the helper).

One act is held at a time (the state :data:`STATE`, data ``kind``, ``data``, ``act``: the
act's own id, part of what its code confirms, ``until``: when its code lapses, and
``before``: the step the person was in, back once the act is done or lapsed). While its
code is valid nothing else from the number drops or replaces it (:func:`gate`, the first
of the router's gates after the phone's): a text that is not the code, a command, a press,
a second act - each is answered :data:`WAITING` and does nothing, since a forged text
could otherwise drop what the holder asked for, or put its own act in its place for her
next code to confirm. In the state a six-digit text (``CODE_DIGITS``, handlers/channels.py)
is the code (a wrong one is a try, ``CODE_TRIES`` drop it: the store's rule, the last
answered as an expired code, and the coordinators told once for that code:
:func:`tried_out_told`); the code confirms only the act it was issued for (its purpose is
``act:<id>``). Once the code lapsed, the next text is taken as what else it may be (by the
step the person was in, or ``ctx.refuse``: a running contact passes it on), and a command
moves on as from any shown list.
Button data: ``coded:no`` (from messages before :func:`gate`: dropped where nothing is
held by a code still valid).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from markupsafe import Markup

from db.clock import hour_end, local_day, to_text
from db.users import User
from handlers import channels, ui
from handlers.channels import ACT, CODE_DIGITS, CODE_TRIES, PASSING, CodesPaused, TextLine
from handlers.context import Context
from handlers.messages import Button, ButtonPress, Message, Text
from handlers.messenger import Compose
from handlers.parsing import typed
from handlers.router import ButtonSpec, Router
from locales import N_, Translator

log = logging.getLogger(__name__)

STATE = "coded"
PRESS = "press"
# The router's gates (``Router.gates``): after the phone's caller check (0).
GATE_GROUP = 10

NOTHING_DONE = N_("👍 Nothing was done.")
# Anything from the number but the code while an act waits for it (:func:`gate`): nothing
# is done, the held act stays.
WAITING = N_(
    "⏳ Your message was not used: until {time} only the code we texted you counts. "
    "If you did not ask for that code, do nothing."
)
WRONG = N_("❌ That is not the code. Please try again.")
NO_CODES = N_("⏳ No more codes today. Try again tomorrow.")
# The coordinators, once a day, when a number's codes of the day are used up (:func:`no_codes`).
CODES_USED_UP = N_(
    "⏳ The texts from the number of {name} have used up today's codes. Until tomorrow, "
    "nothing that waits for a code can be done from it by text: a request, a text for the "
    "helper, a volunteer's answers, deleting the data. Someone else may be sending texts in "
    "the number's name. Please call {name} if something cannot wait."
)
# The hour's code texts, all numbers together, are used up (``HandlerSettings.code_texts``):
# nothing is held, the person sends it again then.
CODES_BUSY = N_(
    "⏳ We cannot send codes just now, so nothing was done. Please try again after {time}."
)
EXPIRED = N_("⌛ The code is no longer valid. Nothing was done.")
# The city's wrong codes of the hour reached their limit (the store's ``CITY_WRONG_CODES``):
# no code is checked by anyone until the hour is over (:func:`paused`). The person keeps what
# waits for the code (still valid for its quarter of an hour) and sends it again then.
CODES_PAUSED = N_(
    "⏳ We cannot check codes just now, so nothing was done yet. Please send the code again "
    "after {time}."
)
# The coordinators, once an hour, when the limit is reached (:func:`tell_code_limits`).
CODES_PAUSED_COORDINATORS = N_(
    "⏳ Wrong codes texted back within this hour: {count}. Someone may be guessing codes in "
    "residents' names. Until {time} the bot checks no code sent by text, so nothing that waits "
    "for a code can be done by text: a request, a text for the helper, a volunteer's answers, "
    "deleting the data."
)
# The coordinators, once for the code, when a number's code was dropped by its last wrong
# try (``CODE_TRIES``, handlers/channels.py: :func:`tried_out_told`); the person is told the
# code no longer works (:data:`EXPIRED`, an erasure's and a STOP's own).
CODE_TRIED_OUT = N_(
    "🔐 A wrong code was texted back {count} times from the number of {name}. That code no "
    "longer works, and what it was to confirm was not done. Someone else may be guessing "
    "codes in the number's name. A new code comes only when the person asks again. Please "
    "call them if something cannot wait."
)


def needed(ctx: Context) -> bool:
    """Whether the acting person's acts wait for a code: they wrote from a coded channel."""
    return ctx.incoming.is_private and ctx.settings.channels.coded(ctx.incoming.sender.platform)


def line(ctx: Context) -> TextLine:
    """The store of the texting transport the person wrote by (a coded channel): the one
    that issues and checks its codes (an erasure's too, handlers/privacy.py)."""
    made = ctx.settings.channels.line(ctx.incoming.sender.platform, ctx.db.transactions)
    if made is None:  # a coded channel texts its people: its declaration gives its store
        raise LookupError("a coded channel without a text line")
    return made


async def vouched(ctx: Context) -> bool:
    """Whether the number texted back a right code within :data:`PASSING`."""
    since = to_text(datetime.now(UTC) - PASSING)
    return await line(ctx).confirmed_since(ctx.incoming.chat_id, since)


async def waits(ctx: Context, button: ButtonSpec) -> bool:
    """Whether a press of a ``coded`` button waits for a code: from a coded channel, unless
    the button passes on a fresh right code (``vouched_passes``) and the number has one."""
    if not needed(ctx):
        return False
    return not (button.vouched_passes and await vouched(ctx))


async def held(
    ctx: Context, kind: str, data: dict[str, Any], asked: Callable[[Translator, str], Markup]
) -> bool:
    """What a volunteer's own answers hold (handlers/helping/volunteers.py): from a coded
    channel and without a right code within :data:`PASSING`, the act is held (:func:`hold`)
    and True; else False, to be done now."""
    if not needed(ctx) or await vouched(ctx):
        return False
    await hold(ctx, kind, data, asked)
    return True


async def hold(
    ctx: Context, kind: str, data: dict[str, Any], asked: Callable[[Translator, str], Markup]
) -> bool:
    """Hold an act (``Router.confirmed[kind]`` with ``data`` does it) and text the number a
    code; ``asked`` says, with the code, what it confirms. Whether it is held (no code
    could go: the person was told why)."""
    act = secrets.token_hex(4)
    code = await issued(ctx, _purpose(act), channels.CODE_VALID)
    t = ctx.t
    # The step the person was in (a lapsed act's own, when this one follows it) comes back
    # once this is done or lapsed.
    before = _before(ctx)
    if code is None:
        _back_to(ctx, before)
        return False
    until = datetime.now(UTC) + channels.CODE_VALID
    ctx.set_state(
        STATE,
        {"kind": kind, "data": data, "act": act, "until": until.isoformat(), "before": before},
    )
    # No choice under it: "No" typed from a forged sender would drop what the holder asked
    # for; who did not ask does nothing, and it lapses.
    ctx.reply(asked(t, code))
    return True


def _purpose(act: str | None) -> str:
    """What a held act's code confirms: that act alone (an act held before acts had ids:
    any act)."""
    return f"{ACT}:{act}" if act else ACT


# In the data of another feature's state that waits for a code the same way (an erasure's,
# handlers/privacy.py): it is held by :func:`gate` as a held act is, until its "until".
WAITS = "waits_for_code"


def _waiting_until(ctx: Context) -> datetime | None:
    """Until when the person's held act (or another state that waits for its code,
    :data:`WAITS`) waits for its code; None when none waits."""
    state = ctx.get_state()
    if state is None or not (state.state == STATE or state.data.get(WAITS)):
        return None
    if not state.data.get("until"):
        return None
    until = datetime.fromisoformat(str(state.data["until"]))
    return until if until > datetime.now(UTC) else None


def _is_code(text: str) -> bool:
    return len(text) == CODE_DIGITS and text.isascii() and text.isdigit()


async def gate(ctx: Context) -> bool:
    """While a held act's code is valid, only the code reaches it (the state): anything
    else from the number - a text, a command, a press, a second act - is answered
    :data:`WAITING` and does nothing (True). A forged sender cannot drop what the holder
    asked for, nor put its own act in its place."""
    until = _waiting_until(ctx)
    if until is None:
        return False
    event = ctx.incoming.event
    if isinstance(event, Text) and _is_code(typed(event.text).strip()):
        return False
    ctx.reply(ctx.t.t(WAITING, time=ctx.t.time(until)))
    return True


async def issued(ctx: Context, purpose: str, valid: timedelta) -> str | None:
    """A new code for ``purpose`` (an act's, an erasure's), valid ``valid``, to text the
    number, where one may go now: the hour's code texts have room (``HandlerSettings.
    code_texts``, running help ahead of newcomers) and the number has codes left today.
    Else None, and the person is told why and when (:func:`no_codes`, :data:`CODES_BUSY`);
    the coordinators once while it holds."""
    now = datetime.now(UTC)
    texts = ctx.settings.code_texts
    again = await texts.take_code(ctx.incoming.chat_id) if texts is not None else None
    if again is not None:
        ctx.reply(ctx.t.t(CODES_BUSY, time=ctx.t.time(again)), ui.back_to_menu(ctx))
        return None
    code = await line(ctx).issue_code(
        ctx.incoming.chat_id, purpose, to_text(now + valid), local_day(now)
    )
    if code is None:
        if texts is not None:
            await texts.code_back()
        await no_codes(ctx, local_day(now))
    return code


async def always_checked(ctx: Context) -> bool:
    """Whether the person's right code is checked even while the city's wrong codes of the
    hour pause every other (the store's ``CITY_WRONG_CODES``): her help is under way - a
    forger guessing elsewhere must not keep her from ending it or writing to her helper."""
    texts = ctx.settings.code_texts
    return texts is not None and await texts.running(ctx.incoming.chat_id)


async def no_codes(ctx: Context, day: str) -> None:
    """The number had its codes of ``day`` (an act's, an erasure's): the person is told, and
    the coordinators once that day (:func:`codes_out`)."""
    ctx.reply(ctx.t.t(NO_CODES), ui.back_to_menu(ctx))
    told = await codes_out(line(ctx), ctx.incoming.chat_id, day, ctx.user)
    if told is not None:
        await ctx.mail.to_backchannel(told, about=[ctx.user.id])


async def codes_out(line: TextLine, number: str, day: str, user: User) -> Compose | None:
    """What the coordinators are told when ``number`` had its codes of ``day`` - a limit
    that stops its person ``user``, perhaps spent by someone in her name - by her name and
    user number, never the number: once that day (claimed now; None when told already).
    Whichever code it was (an act's, an erasure's, stopping a help's notices: the SMS
    transport's own)."""
    if not await line.claim_codes_out(number, day):
        return None
    return used_up_notice(user)


def used_up_notice(user: User) -> Compose:
    """The coordinators' notice that ``user``'s number had its codes of the day."""
    log.warning("coded acts: a number's codes of the day are used up")
    return lambda t: Message(t.t(CODES_USED_UP, name=_who(t, user)), typed_choices=False)


def _who(t: Translator, user: User) -> Markup:
    """The person a code limit stopped, as the coordinators are told: her name and user
    number, never the number."""
    return t.t("{name} (user {user_id})", name=user.first_name or t._("Resident"), user_id=user.id)


async def paused(ctx: Context, buttons: list[list[Button]]) -> None:
    """A code texted while the city's wrong codes of the hour are past their limit
    (``check_code`` raised :class:`~handlers.channels.CodesPaused`): nothing was compared,
    and the person, still in the step that waits for the code (``buttons``: its way out),
    is told when to send it again; the coordinators as after a wrong code."""
    until = hour_end(datetime.now(UTC))
    ctx.reply(ctx.t.t(CODES_PAUSED, time=ctx.t.time(until)), buttons)
    await tell_code_limits(ctx)


async def tell_code_limits(ctx: Context) -> None:
    """After a code texted that was not right: the coordinators as :func:`paused_told`
    (the city's wrong codes of the hour) and :func:`tried_out_told` (this number's code
    dropped by its last wrong try) say."""
    told = await paused_told(line(ctx))
    if told is not None:
        await ctx.mail.to_backchannel(told)
    tried_out = await tried_out_told(line(ctx), ctx.incoming.chat_id, ctx.user)
    if tried_out is not None:
        await ctx.mail.to_backchannel(tried_out, about=[ctx.user.id])


async def tried_out_told(line: TextLine, number: str, user: User) -> Compose | None:
    """What the coordinators are told when ``number``'s code was dropped by its last wrong
    try (``CODE_TRIES``) - a limit that stops its person ``user``, perhaps
    tried by someone guessing in her name - by her name and user number, never the number:
    once for that code (claimed now; None when told already, or the code was not tried
    out). Whichever code it was (an act's, an erasure's, a STOP's: the SMS transport's)."""
    if not await line.claim_tried_out(number):
        return None
    return tried_out_notice(user)


def tried_out_notice(user: User) -> Compose:
    """The coordinators' notice that ``user``'s number's code was dropped by its last
    wrong try."""
    log.warning("coded acts: a number's code was tried out")
    return lambda t: Message(
        t.t(CODE_TRIED_OUT, count=t.number(CODE_TRIES), name=_who(t, user)), typed_choices=False
    )


async def paused_told(line: TextLine) -> Compose | None:
    """After a code texted that was not right (or not compared), whichever it confirms:
    what the coordinators are told when the city's wrong codes of the hour reached their
    limit - a limit that stops everyone's codes, and someone may be guessing - with how
    many and until when; once an hour (claimed now; None when told already or not
    reached)."""
    now = datetime.now(UTC)
    count = await line.claim_codes_paused(to_text(now))
    if not count:
        return None
    return paused_notice(count, hour_end(now))


def paused_notice(count: int, until: datetime) -> Compose:
    """The coordinators' notice that the city's wrong codes of the hour reached ``count``,
    their limit: no code is checked until ``until``."""
    log.warning("coded acts: the city's wrong codes of the hour reached the limit")
    return lambda t: Message(
        t.t(CODES_PAUSED_COORDINATORS, count=t.number(count), time=t.time(until)),
        typed_choices=False,
    )


def _before(ctx: Context) -> dict[str, Any] | None:
    state = ctx.get_state()
    if state is None:
        return None
    if state.state == STATE:
        return state.data.get("before")
    return {"state": state.state, "data": state.data}


def _back_to(ctx: Context, before: dict[str, Any] | None) -> None:
    if before is None:
        ctx.clear_state()
    else:
        ctx.set_state(str(before["state"]), dict(before["data"]))


async def hold_press(ctx: Context, button: ButtonSpec) -> None:
    """A press of a ``coded`` button from a coded channel: held until the code comes."""
    event = ctx.incoming.event
    assert isinstance(event, ButtonPress) and button.coded is not None
    number = ctx.args.partition(":")[0]
    asked = button.coded
    await hold(
        ctx,
        PRESS,
        {"data": event.data, "message_id": event.message_id},
        lambda t, code: t.t(asked, code=code, id=int(number) if number.isdigit() else ""),
    )


async def _code(ctx: Context, router: Router) -> None:
    """The state :data:`STATE`: the code does the held act."""
    state = ctx.get_state()
    assert state is not None
    event = ctx.incoming.event
    code = typed(event.text).strip() if isinstance(event, Text) else ""
    t = ctx.t
    before = state.data.get("before")
    if not _is_code(code):
        # Not a code, once the code lapsed (:func:`gate` answers it before): the held act
        # is gone, and the text is what else it may be - in the step the person was in,
        # as if nothing had been held.
        _back_to(ctx, before)
        step = router.states.get(str(before["state"])) if before else None
        if step is None and ctx.user.consent_at is None:
            await _onboarding(ctx, router)  # before consent a text picks up the notice
            return
        if step is None:
            ctx.refuse(t.t(NOTHING_DONE), ui.back_to_menu(ctx))
            return
        await step(ctx)  # its answer says where the person is: no text more
        return
    purpose = _purpose(state.data.get("act"))
    try:
        found = await line(ctx).check_code(
            ctx.incoming.chat_id,
            purpose,
            code,
            to_text(datetime.now(UTC)),
            always=await always_checked(ctx),
        )
    except CodesPaused:
        await paused(ctx, [])  # the held act stays, for the code after the pause
        return
    if found is not True:
        await tell_code_limits(ctx)
    if found is False:
        ctx.reply(t.t(WRONG))
        return
    _back_to(ctx, before)
    if found is None:
        ctx.reply(t.t(EXPIRED), ui.back_to_menu(ctx))
        return
    kind, data = str(state.data["kind"]), dict(state.data["data"])
    if kind == PRESS:
        # The held press, pressed again now: found and checked as any press.
        await router.press_again(ctx, str(data["data"]), data.get("message_id"))
    else:
        await router.confirmed[kind](ctx, data)


async def _no(ctx: Context, router: Router) -> None:
    state = ctx.get_state()
    if state is None or state.state != STATE:
        ctx.stale()
    _back_to(ctx, state.data.get("before"))
    if ctx.user.consent_at is None:
        await _onboarding(ctx, router)
        return
    ctx.reply(ctx.t.t(NOTHING_DONE), ui.back_to_menu(ctx), edit=True)


async def _onboarding(ctx: Context, router: Router) -> None:
    """Before consent (the notice's "I agree" held, handlers/onboarding.py) the step the
    person is back in is the notice: the onboarding shows it again, as it does for any text
    then - nothing was agreed."""
    await router.start(ctx)


def register(router: Router) -> None:
    async def code(ctx: Context) -> None:
        await _code(ctx, router)

    async def no(ctx: Context) -> None:
        await _no(ctx, router)

    # A command moves on: the held act is dropped with it (``Router.views``). Before
    # consent too: the notice's "I agree" for a person with data is held.
    router.state(STATE, view=True, before_consent=True)(code)
    router.action("coded", "no", before_consent=True)(no)
    router.gate(GATE_GROUP, needs="coded")(gate)
