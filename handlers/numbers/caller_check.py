"""Who is on a voice line: a caller ID is a claim, a call-back that its holder confirms is
proof. The dialogue of it - its texts, its buttons and which key means what - for any
voice transport with a keypad (the phone line says it and carries out its calls,
bot/transports/phone/transport.py and outbox_calls.py).

A caller ID proves little, even from the provider (many trunks let the caller set it, and
it is spoofed from abroad); a number typed by a withheld caller proves nothing. So:

- A call from a number - whether a person the bot knows has it or nobody - is not taken
  as that number's person at first: it goes on as a person of its own for this one call
  (an id like a withheld caller's, :func:`made`, the dispatcher's ``stand_in_for``), with
  nothing of the number's person, so that a caller who sets someone's number as caller ID
  hears and may do exactly what a caller from a number nobody has hears and may do, and
  writes nothing to the number's person (not her language, not her consent). Such a call
  may do what concerns nobody in particular (:func:`free`): the main menu, find places,
  browse events, "0" for a person, the privacy notice (its answers are the stand-in's).
  Whatever would say something of a person or act for one - requests, a new request,
  who comes and the code word, settings and data rights, reminders, becoming a volunteer,
  a PIN - waits: every such call is asked "type your PIN, or press the hash key and we
  call you back" (handlers/numbers/phone_pin.py ``asked_for``), PIN or not, person or not;
  its "#", a lockout or the city's limit come back here (``check:now``, ``check:wait``),
  and the call-back to the number is the proof, for a new number too. The
  transport says whose number a call claims (``Sender.claims``); its gate (:func:`gate`,
  registered among the router's gates for channels that call) holds what is not free
  (:func:`held`, :func:`hold`, state :data:`STATE`) and the caller hears
  :func:`offer` ("we call you back first"); its first button (key "1", ``check:call``)
  ends the call with :func:`calling` ("we call you in a moment", or at a time: the quiet
  hours; ``Message.closing``) and the voice transport's check calls
  (``HandlerSettings.check_calls``, :class:`CheckPort`) call the number (its pool has a
  reserve that only numbers whose person has a request or a desk entry may spend: the port
  asks the dispatcher's ``reserved_for``); "#" (its ``back``
  button, the main menu) or any other input goes back to the main menu. A key while
  "please hang up now" is said changes nothing: the bot hangs up. A caller may ask
  for ``per_caller_hour`` checks an hour, counted here (:data:`ASKED`, all withheld
  callers as one; a stranger claiming someone's number can make the bot ring it only so
  often; the withheld callers' share used up stops callers who never asked, so the
  coordinators are told, once an hour: call_notices.withheld_used_up); how often a number is
  checked, and the city's day of them, are the port's
  (bot/transports/phone/calls/check_calls.py); past either the caller
  hears why (:data:`REFUSED`: not today, not this hour, not this number) and the call goes
  on.
- A withheld caller who types a number to ask for help is not attached to that number's
  person: "1" on the number said back ends the call with :data:`CALLING_TYPED` and the
  bot calls that number (handlers/numbers/number_entry.py).
- The call that checks a caller first says what happened and asks who picked up (the
  phone's own words, bot/transports/phone/words/who_picked_up.py: "someone called us and
  asked us to call back at this number; if that was you, press 1"); answered "me", it goes
  on as the person's own conversation (its updates say it is checked, ``Sender.checked``;
  a PIN offered first, handlers/numbers/phone_pin.py ``after_check``). It proves the
  number, no more: a claimed call's check begins with what the caller asked for where it
  only shows her own things or starts something she then chooses herself - her requests,
  a new request's first question, her settings (:func:`carried`) -, else the main menu; a
  typed number's with what the caller asked for (:func:`then_data`) - never with an answer
  to the privacy notice. A person who was not there yet (a typed number) is made now
  (:func:`answered`), with the language and easy texts of the call that asked, never its
  consent: whoever answered has not heard the notice, and hears it first; a person there
  already keeps what they chose.

A voice transport presses a dialogue's buttons by key: the n-th button by "n", the button
of role ``back`` by "#". The texts name those keys themselves, so the buttons' labels are
not said.

Button data: ``check:call`` (the offer; its way back is ``menu:main``), ``check:wait``
(the offer, where the PIN was not typed: phone_pin.py ``WAIT_FOR_CALL``). States:
:data:`STATE` (``then``: the button the checked call begins with - the main menu for a
claimed call; ``number``: the number claimed, which the call-back rings).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

from markupsafe import Markup

from db import Database
from db.users import User
from handlers.channels import CheckPort, Profile, Refusal
from handlers.context import Context
from handlers.flood_limits import CityCounts
from handlers.menu import show_main_menu
from handlers.messages import Button, ButtonPress, Event, Message
from handlers.numbers import call_notices
from handlers.numbers.phone_pin import (
    CALL_NOW,
    CHOOSE_PIN,
    WAIT_FOR_CALL,
    after_check,
    asked_for,
)
from handlers.router import Router, may_unchecked, shows_only_own
from locales import N_, Translator

log = logging.getLogger(__name__)

OFFER = N_(
    "🔐 Before I say anything about you, we call you back at your number."
    " Press 1, then hang up: your phone rings in a moment."
    " To go back, press the hash key."
)
CALLING = N_("📞 Thank you. Please hang up now. We will call you in a moment.")
CALLING_TYPED = N_(
    "📞 Thank you. Please hang up now. We will call you at this number in a moment."
    " Then you can ask for help."
)
CALLING_AT = N_("📞 Thank you. Please hang up now. We will call you back on {when}.")
CALLING_TYPED_AT = N_(
    "📞 Thank you. Please hang up now. We will call you at this number on {when}."
    " Then you can ask for help."
)
NOT_NOW = N_(
    "😔 We cannot call you back today. Please call again tomorrow, or press 0 to talk to a person."
)
NOT_THIS_HOUR = N_(
    "😔 We cannot call you back right now. Please call again in an hour,"
    " or press 0 to talk to a person."
)
CANNOT_CALL = N_("😔 We cannot call this number. Please press 0 to talk to a person.")
# What the caller hears of why a check call is not placed (handlers/channels.py
# ``Refusal``): each reason its own true sentence.
REFUSED: dict[Refusal, str] = {"never": CANNOT_CALL, "hour": NOT_THIS_HOUR, "day": NOT_NOW}

# The check calls each caller asked for within the hour, per city and on its clock
# (HandlerSettings.clock): someone claiming a number, or typing one, can make the bot ring
# it only so often (the line's own caps per number and per day are its port's). In memory
# and bounded (flood_limits.py).
ASKED = CityCounts(window=3600.0)
# The key all withheld callers' asks are counted under.
WITHHELD = "withheld"
# All withheld callers share one count, so its limit stops callers who never asked before:
# the coordinators are told while it does, once an hour (:data:`TOLD`, as :data:`ASKED`;
# the words: call_notices.withheld_used_up).
TOLD = CityCounts(window=3600.0)

CALL_ME = "check:call"
STATE = "check"
# Where "#" (or any other input) on the offer goes.
BACK = "menu:main"


def free(event: Event, unchecked: Collection[str]) -> bool:
    """Whether an unchecked call may go on with ``event``: what the features declared so
    where they registered it (``unchecked``: ``Router.unchecked``, handlers/router.py
    ``may_unchecked``) - what shows the same to everyone (the menu, places, events' lists
    and details, the privacy notice) or concerns only this call (its language, read aloud,
    easy language); the privacy notice's answers and the erasure question "No, thanks"
    brings are the stand-in's own (a claimed call is a new person of its own, the
    dispatcher's ``stand_in_for``), as a new caller's are hers - and heard as a new caller
    hears them (held, the notice's "1" would tell the caller that the number is someone's).
    Whoever answers the check call agrees herself (:func:`then_data`). No list here of other
    features' commands or buttons: renaming one keeps what it declared."""
    return may_unchecked(unchecked, event)


# The privacy notice's answers: what the asking call pressed there is never carried into
# the checked call (whoever answers it has not heard the notice; a resident the desk
# entered never called at all). A typed number's call begins with the main menu instead.
_CONSENT_PRESSES = frozenset({"consent:yes", "consent:no"})


def then_data(event: Event) -> str:
    """The button a checked call for a typed number begins with: what the asking call
    pressed to ask for help, else - and instead of an answer to the privacy notice - the
    main menu."""
    if isinstance(event, ButtonPress) and event.data not in _CONSENT_PRESSES:
        return event.data
    return BACK


def carried(then: str, shows_own: Collection[str]) -> str:
    """The button a claimed call's check call begins with, for ``then`` (what waited): what
    only shows the person her own things (``shows_own``: ``Router.shows_own``, her
    requests, her settings, her reminders, a new request's first question - what she then
    answers herself -, as their features declared them), so she is where she wanted to go
    after her "1" without pressing it again: a senior who called to ask for help is asked
    what she needs. Anything that acts (withdraw, erase) is not carried: until the check it
    was anybody's press, and the one who answers chooses for herself - she begins with the
    main menu."""
    return then if shows_only_own(shows_own, then) else BACK


def offer(t: Translator) -> Message:
    """What an unchecked call hears for a press that needs the check: "1" calls back,
    "#" goes back (the text names its keys)."""
    buttons = [[Button("📞 " + t._("Call me"), CALL_ME)], *back_button(t, BACK)]
    return Message(Markup(t._(OFFER)), buttons, typed_choices=False, keys_named=True)


# What only a checked call may do, whoever's the sender: choosing a PIN
# (handlers/numbers/phone_pin.py) - a PIN set by whoever claims a number would later open
# its person's things. (A call from a number is always a claim until it is checked, and a
# claim holds more; this is the rule's last line for a sender that says nothing of it.)
_PROVEN_ONLY = frozenset({CHOOSE_PIN})


def held(ctx: Context) -> bool:
    """Whether the acting person's event waits for a PIN or a call-back: their call claims
    a number (every call from one, until it is checked) and the event is not
    :func:`free`; or the event needs a checked call, and this one, from a number, is
    not."""
    sender, event = ctx.incoming.sender, ctx.incoming.event
    if sender.claims:
        return not free(event, ctx.unchecked)
    return (
        isinstance(event, ButtonPress)
        and event.data in _PROVEN_ONLY
        and not sender.checked
        and not sender.withheld
        and ctx.settings.channels.of(sender.platform).calls
    )


def hold(ctx: Context) -> None:
    """The event waits: the offer of the call-back to the number claimed (or the caller's
    own), which then begins with it."""
    sender = ctx.incoming.sender
    # A claimed call's check begins with the main menu, or what only shows her own things
    # or starts what she chooses herself (:func:`carried`): what the caller pressed to act
    # - "withdraw", "erase" - was a stranger's press until the call-back says otherwise,
    # and the one who answers it chooses for herself. A sender of its own number (choosing
    # a PIN, :data:`_PROVEN_ONLY`) goes on with what they pressed.
    pressed = then_data(ctx.incoming.event)
    then = carried(pressed, ctx.shows_own) if sender.claims else pressed
    data = {"then": then, "number": sender.claims or sender.user_id}
    ctx.set_state(STATE, data)
    ctx.send(offer(ctx.t))


def back_button(t: Translator, data: str) -> list[list[Button]]:
    """A dialogue's way back ("#" on a keypad), to ``data``."""
    return [[Button("↩️ " + t._("Back"), data, role="back")]]


def _asked_too_often(ctx: Context, caller: str | None, most: int) -> bool:
    """Counts this ask of ``caller`` (its caller ID; None: withheld, all withheld callers
    together as one): whether it is past ``most`` within the hour."""
    sender = (ctx.incoming.sender.platform, caller or WITHHELD, False)
    return ASKED.of(ctx.db, ctx.settings.clock).count(sender) > most


async def _withheld_used_up(ctx: Context) -> None:
    """The withheld callers' checks of the hour are used up (:func:`_asked_too_often`): a
    limit that stops every caller who withholds their number, so the coordinators are told,
    once within the hour it lasts at most (before, only the caller heard "not this hour")."""
    key = (ctx.incoming.sender.platform, WITHHELD, False)
    if not TOLD.of(ctx.db, ctx.settings.clock).first(key):
        return
    log.warning("caller check: the withheld callers' checks of the hour are used up")
    await ctx.mail.to_backchannel(call_notices.withheld_used_up)


async def check_by_call(
    ctx: Context, caller: str | None, number: str, data: str, profile: Profile, *, back: str
) -> None:
    """Ask the voice transport's check calls for a call to ``number`` (``caller``: the
    caller ID that asks, None: withheld; ``data``: the button the checked call begins with)
    and say what comes of it: "hang up, we call" (the conversation ends), or why not, with
    a way back to ``back`` (the call goes on). The state of the step that asked is over."""
    ctx.clear_state()
    port: CheckPort | None = ctx.settings.check_calls
    refusal: Refusal
    # No line that calls, or a number it may not call: no ask at all, so not counted.
    if port is None or not port.may_call(number):
        refusal = "never"
    elif _asked_too_often(ctx, caller, port.per_caller_hour):
        refusal = "hour"
        if caller is None:
            await _withheld_used_up(ctx)
    else:
        # The checked call offers a PIN first, where it may (phone_pin.py).
        at = await port.ask(number, after_check(data), profile)
        if isinstance(at, datetime):
            # A withheld caller's number is one they typed: "we call you at this number".
            when = None if port.soon(at) else at
            ctx.send(calling(ctx.t, typed=caller is None, when=when))
            return
        refusal = at
    ctx.send(Message(Markup(ctx.t._(REFUSED[refusal])), back_button(ctx.t, back), keys_named=True))


def _asking(ctx: Context) -> Profile:
    """What a claimed call passes on to the call-back it asks for: the language and easy
    texts it chose (a stand-in's own, the same for every number), so that whoever answers
    the call-back is asked in them where the number has no person with a language yet - a
    first-time caller is not asked her language again. Never its consent
    (:func:`answered`); a person's own language is never changed (:func:`made`)."""
    return replace(profile_of(ctx.user), consented=False)


async def _call_me(ctx: Context) -> None:
    """ "1" on the offer: the check call to the number claimed; the caller hangs up."""
    state = ctx.get_state()
    number = state.data.get("number") if state is not None else None
    if state is None or not number:
        ctx.stale()
    then = state.data.get("then") or BACK
    await check_by_call(ctx, number, number, then, _asking(ctx), back=BACK)


async def _wait_for_call(ctx: Context) -> None:
    """``check:wait:<then>`` (phone_pin.py ``WAIT_FOR_CALL``): a claimed call whose PIN
    cannot be checked (three wrong today, the city's limit) hears the offer of the
    call-back to the number it claims, which begins with :func:`carried` of what waited
    (what acts was a stranger's press until the call-back says otherwise)."""
    number = ctx.incoming.sender.claims
    if not number:
        ctx.stale()
    ctx.set_state(STATE, {"then": carried(ctx.args or BACK, ctx.shows_own), "number": number})
    ctx.send(offer(ctx.t))


async def _call_now(ctx: Context) -> None:
    """``check:now:<then>`` (phone_pin.py ``CALL_NOW``): "#" on "type your PIN, or press
    the hash key and we call you back" - the call to the number claimed at once, no offer
    in between (the caller chose it)."""
    number = ctx.incoming.sender.claims
    if not number:
        ctx.stale()
    then = carried(ctx.args or BACK, ctx.shows_own)
    await check_by_call(ctx, number, number, then, _asking(ctx), back=BACK)


async def _other(ctx: Context) -> None:
    """State :data:`STATE`: any other input on the offer goes back to the main menu."""
    ctx.clear_state()
    await show_main_menu(ctx)


# The caller check's place among the gates every private update meets (``Router.gates``):
# before any feature, and only on a channel that calls (a chat's message never meets it).
GATE_GROUP = 0


async def gate(ctx: Context) -> bool:
    """The caller check as a gate (``Router.gate``): whether the update waits. A call claims
    a number whose person has data: what is not free waits for her PIN or a call-back to
    it (a caller ID proves little), asked in the same words whether or not she chose a PIN
    (phone_pin.py ``asked_for``: anything else would tell anyone which numbers have
    one)."""
    if not held(ctx):
        return False
    if not await asked_for(ctx, then_data(ctx.incoming.event)):
        hold(ctx)
    return True


def register(router: Router) -> None:
    router.gate(GATE_GROUP, needs="calls")(gate)
    # Before consent too: a claimed call may be at the privacy notice (a resident the desk
    # entered never agreed), and "I agree" there is what waits for the call-back; anything
    # else there goes back to the notice (the dispatcher's onboarding), not to the menu.
    # The check itself, all of it: what an unchecked call is offered.
    router.unchecked_prefix("check")
    router.action("check", "call", states=(STATE,), before_consent=True)(_call_me)
    # The PIN asked for something personal not typed ("#", locked, the city's limit;
    # phone_pin.py): the offer of the call-back instead. Before consent too, as above.
    prefix, action = WAIT_FOR_CALL.split(":", 1)
    router.action(prefix, action, before_consent=True)(_wait_for_call)
    prefix, action = CALL_NOW.split(":", 1)
    router.action(prefix, action, before_consent=True)(_call_now)
    router.state(STATE)(_other)


def calling(t: Translator, *, typed: bool, when: datetime | None = None) -> Message:
    """What the caller hears when the check is asked for: hang up, we call (``typed``: at
    the number typed) in a moment, or at ``when`` (the quiet hours, the caps)."""
    if when is None:
        return Message(Markup(t._(CALLING_TYPED if typed else CALLING)), closing=True)
    said = t.day_and_time(when, "MMMMEEEEd")
    return Message(t.t(CALLING_TYPED_AT if typed else CALLING_AT, when=said), closing=True)


def profile_of(user: User | None) -> Profile:
    """What a call's person (None: not there yet) passes on: their language, consent and
    easy texts."""
    if user is None:
        return Profile()
    return Profile(
        language=user.language, consented=user.consent_at is not None, easy=user.easy_language
    )


async def answered(db: Database, platform: str, number: str, profile: Profile) -> None:
    """Whoever answered a check call to ``number`` said it was them: the number's person
    (:func:`made`) with the asking call's language and easy texts - never its consent: the
    one who answered has not heard the notice (and may not have called at all), so a
    person without consent hears it at the checked call's start."""
    await made(db, platform, number, replace(profile, consented=False))


async def made(db: Database, platform: str, number: str, profile: Profile) -> None:
    """The person of ``number`` (a number whose holder confirmed, or a stand-in for one
    call): the one there is, or a new one with the language and consent of ``profile`` -
    what a person already chose is never changed, and the consent of the call that asked
    never goes to a person with data (a resident the desk entered agrees herself: whoever
    typed her number heard the notice, not she)."""
    async with db.transaction():
        person = await db.users.seen(platform, number, number)
        if profile.language and not person.language:
            await db.users.set_language(person.id, profile.language)
        if (
            profile.consented
            and person.consent_at is None
            and not await db.users.has_data(person.id)
        ):
            await db.users.record_consent(person.id)
        if profile.easy and not person.language:  # a new person, as the asking call
            await db.users.set_easy_language(person.id, True)
