"""A PIN for the phone line, as voicemail has it: a caller who asks for something of their
own types four digits of their own instead of waiting for a call-back
(handlers/numbers/caller_check.py). A conversation like the others, for any transport
with a keypad whose channel makes calls (``ChannelTraits.calls``): its texts, which key
means what, the slow salted hash; the store is db/phone_pins.py.

What a PIN proves: that the caller knows four digits the number's person chose in a call
the bot made to her number - no more. So it opens her things for one call, and it is
guarded as a thing that can be guessed.

- **Chosen in a checked call only** (``Sender.checked``: a call the bot made and its holder
  confirmed, "if you are Erna, press 1" - never a call that came: a caller ID is a claim,
  and a PIN set by someone claiming a number would later open the person's things to
  them). The call that checked a caller begins with :data:`FIRST` (caller_check.py
  ``check_by_call`` asks for it, :func:`after_check`): it offers a PIN once
  (:data:`OFFER`: "1" chooses, "2" or any other key goes on with what the person had
  pressed) where they agreed to the privacy notice and have none. ⚙️ Settings has "🔢
  PIN for your calls" (:data:`CHOOSE_PIN`, :func:`settings_rows`): in a call that is not
  checked it waits for the call-back (caller_check.py ``held``) and is chosen in that
  call; a withheld caller hears why not (:data:`WITHHELD`). Choosing: four digits
  (:data:`CHOOSE`), the same four again (:data:`AGAIN`); digits too easy to guess
  (:func:`too_easy`: one digit four times, a run up or down, a year 1900-2029, a day and
  month either way round) are refused (:data:`EASY`), two that differ start again
  (:data:`MISMATCH`); saved (:data:`SAVED`), the call goes on with what waited.
- **Changed** in a call that a PIN proved (``Sender.pin_proven``) only after the PIN of
  now is typed again (:data:`OLD`, mode ``old``; a wrong one counts as any wrong try, "#"
  goes back): a PIN guessed once does not become the guesser's for good. A call-back her
  number answered chooses a new one without it (she may have forgotten it). A change is
  told to the person through her own channel (:data:`CHANGED_NOTICE`, the outbox: on the
  phone, a call to her number).
- **Asked when something personal is asked for** (:func:`asked_for`: a call that claims
  the number, ``Sender.claims``, pressed what waits for the check - caller_check.py
  ``held``; :data:`ASK`, "or press the hash key and we call you back"), in the same words
  whether or not the number has a person or its person a PIN, it is locked or the city's
  limit holds - never at a call's start: either would tell anyone which numbers are
  someone's or have one. Digits typed for a number without a PIN are answered as wrong
  ones, tries and all (counted in the database, db/phone_pins.py ``no_pin_wrong_try``:
  every process counts the same three). The right
  one and the call is the person's (the voice transport's check port,
  ``CheckPort.proven``), going on with what was pressed; a wrong one (:data:`WRONG`)
  counts, before it is compared (calls at once share the day's tries); "#" goes to the
  call-back's offer (:data:`WAIT_FOR_CALL`), nothing counted. The
  :data:`~db.phone_pins.MOST_WRONG`-th wrong one of a day (Europe/Berlin, kept in the
  database: hanging up and calling again changes nothing) ends the asking for that day
  (:data:`LOCKED`, then the call-back's offer): the person is told through her own
  channel (:data:`LOCKED_NOTICE`) at most once a week (db/phone_pins.py ``lock_told``:
  anyone claiming her number can lock it daily, and each notice rings her), the
  coordinators in their backchannel each time, by name, never the number
  (:data:`LOCKED_COORDINATORS`).
- **A city-wide limit**: the wrong PINs of all residents within a clock hour (UTC, kept in
  the database) - many numbers tried from one place. Past :data:`CITY_MOST_WRONG` a PIN
  typed for a number whose day already has a wrong try is not compared until the hour
  is over (:data:`PAUSED`, the call-back's offer); a number whose day has none is
  compared once - a resident who types hers right is not locked out by wrong PINs typed
  for others -, a wrong one then ends the asking for that call (:data:`PAUSED`). The
  coordinators are told once that hour, the moment it is reached (:data:`CITY_LIMIT`,
  with when it ends).
- **Cleared by a coordinator** on the desk (bot/web/desk/phone_pins.py): the person is
  checked by call-back again until they choose a new one.

The digits are typed as one entry of four (``Message.typed_digits``: "*" says the step
again and forgets the digits begun, "#" is the step's way back) and are never said back,
never logged, never stored: only :func:`hashed` (scrypt, a salt of its own, its cost in
the text), compared by :func:`matches` - both slow on purpose, so they run off the event
loop. The first typing of a new PIN waits in the state sealed (:func:`_sealed`: a keyed
hash whose key is this process's and never stored - the state is in a person's export,
and four digits' plain hash is guessed in minutes); a restart between the two typings
only asks for them again. The entry's state is kept (``KEPT``): another's act (a
coordinator's question) does not take it over, so the digits never reach another step.
A new call's start (any command) ends an entry left behind. Input that is not four
digits says the step again and changes nothing.

Button data: ``pin:choose`` (settings), ``pin:first:<data>`` (a checked call's first
press), ``pin:new``, ``pin:later`` (the offer), ``pin:skip`` (the way back of an entry);
``check:wait`` (:data:`WAIT_FOR_CALL`, caller_check.py's). States: :data:`STATE`
(``mode``: offer, old, choose, again or ask; ``then``: the press that goes on after it;
``first``: the first typing, sealed; ``old``: the PIN of now was typed in this call).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import logging
import secrets
from datetime import UTC
from typing import Literal

from markupsafe import Markup

from db.clock import hour_end, local_day
from db.phone_pins import MOST_WRONG, Pin
from db.users import User
from handlers.context import KEPT, Context
from handlers.messages import Button, ButtonPress, Message, Text
from handlers.router import Router
from locales import N_, Translator

DIGITS = 4
STATE = "pin"
PREFIX = "pin"
CHOOSE_PIN = "pin:choose"
FIRST = "pin:first"
NEW = "pin:new"
LATER = "pin:later"
SKIP = "pin:skip"
# What a claimed call goes to when its PIN cannot be checked (three wrong today, the city's
# limit): the offer of the call-back; "#" on the PIN asked: the call-back at once
# (handlers/numbers/caller_check.py registers both; ``:<then>``, what waited, follows).
WAIT_FOR_CALL = "check:wait"
CALL_NOW = "check:now"
# Wrong PINs within a clock hour, all residents together, past which no PIN is asked in
# the city until the hour is over (many numbers tried from one place); the coordinators
# are told once an hour when it is reached.
CITY_MOST_WRONG = 20

OFFER = N_(
    "🔢 With a PIN, next time you need not wait for our call."
    " To choose four digits now, press 1. To go on, press 2."
)
CHOOSE = N_("🔢 Please choose four digits you will remember, and type them.")
AGAIN = N_("🔢 Please type the same four digits again.")
EASY = N_("😔 These digits are too easy to guess. Please choose other digits.")
MISMATCH = N_("😔 The digits were not the same. Please choose four digits again.")
SAVED = N_("✅ Your PIN is saved. When you call us and ask for something of yours, type it then.")
# Said to every call that claims a number, for whatever waits for the check, whether or not
# the number's person chose a PIN: so the words tell nobody which numbers have one.
ASK = N_("🔢 Please type your PIN, or press the hash key and we call you back.")
WRONG = N_("😔 That PIN is not right. Please type it again. Without a PIN, press the hash key.")
LOCKED = N_("🔒 That PIN was wrong three times. Today we can only call you back.")
# A new PIN in a call that a PIN proved: the one of now first (a PIN guessed once must not
# become the person's line for good); "#" goes back.
OLD = N_(
    "🔢 To choose a new PIN, please first type the PIN you have now."
    " To go back, press the hash key."
)
# The city-wide limit on wrong PINs an hour (:data:`CITY_MOST_WRONG`) is reached.
PAUSED = N_("🔒 We cannot check PINs just now. We can call you back instead.")
# What the person is told through her own channel (the outbox: on the phone, a call).
CHANGED_NOTICE = N_(
    "🔢 The PIN for your calls was changed. If you did not do that, please call us and"
    " press 0 to talk to a person."
)
LOCKED_NOTICE = N_(
    "🔒 Someone typed a wrong PIN for your calls three times today. Until tomorrow, we check"
    " your calls by calling you back. If that was not you, please call us and press 0 to"
    " talk to a person."
)
# What the coordinators are told (their backchannel).
LOCKED_COORDINATORS = N_(
    "🔒 A wrong PIN was typed three times today in calls from the number of {name}. Until"
    " tomorrow the bot asks no PIN there and checks such calls by calling the number back."
    " The resident is told of it as well."
)
CITY_LIMIT = N_(
    "🔒 Wrong PINs typed within this hour in calls from residents' numbers: {count}."
    " Someone may be trying PINs. Until {time} the bot asks no PIN and checks such calls"
    " by calling the number back."
)
WITHHELD = N_(
    "🔢 A PIN works only when you call from your own number. Please call without hiding it."
)

Mode = Literal["offer", "old", "choose", "again", "ask"]
# What each mode says when it is entered (or said again).
_SAID: dict[str, str] = {
    "offer": OFFER,
    "old": OLD,
    "choose": CHOOSE,
    "again": AGAIN,
    "ask": ASK,
}

# scrypt's cost: 16 MiB and some tens of milliseconds a try (RFC 7914's interactive figures).
_N, _R, _P = 2**14, 8, 1
_SALT_BYTES = 16
_NAME = "scrypt"

log = logging.getLogger(__name__)


def after_check(then: str) -> str:
    """The press a call that checks a caller begins with, for ``then`` (the press that
    waited for the check): the PIN offered first, where it may be."""
    return f"{FIRST}:{then}"


def _calls(ctx: Context) -> bool:
    """Whether the acting person's channel makes calls (where a PIN means something)."""
    return ctx.settings.channels.of(ctx.incoming.sender.platform).calls


def _today(ctx: Context) -> str:
    """Today in Europe/Berlin, by the settings' clock."""
    return local_day(ctx.settings.clock())


def _hour(ctx: Context) -> str:
    """The clock hour the city's wrong PINs count in (UTC, "YYYY-MM-DDTHH")."""
    return ctx.settings.clock().astimezone(UTC).strftime("%Y-%m-%dT%H")


def _message(t: Translator, text: str, mode: Mode) -> Message:
    """A step of the entry: four digits typed (none on the offer, whose keys are its two
    buttons), "#" its way back; the text names its keys."""
    if mode == "offer":
        buttons = [
            [Button("🔢 " + t._("PIN for your calls"), NEW)],
            [Button("⏭ " + t._("Skip"), LATER, role="back")],
        ]
        return Message(Markup(t._(text)), buttons, typed_choices=False, keys_named=True)
    back = [[Button("↩️ " + t._("Back"), SKIP, role="back")]]
    return Message(
        Markup(t._(text)), back, typed_choices=False, typed_digits=DIGITS, keys_named=True
    )


# The key of :func:`_sealed`: this process's own, never stored.
_SEAL = secrets.token_bytes(32)


def _sealed(digits: str) -> str:
    """The first typing of a new PIN as it waits for the second: keyed by this process."""
    return hmac.new(_SEAL, digits.encode(), hashlib.sha256).hexdigest()


def _enter(ctx: Context, mode: Mode, then: str, first: str = "", *, old: bool = False) -> None:
    """The entry in ``mode`` (after it: ``then``; ``old``: the PIN of now was typed again
    in this call), its message said."""
    data = {"mode": mode, "then": then, "first": first, "old": old, KEPT: True}
    ctx.set_state(STATE, data)
    ctx.send(_message(ctx.t, _SAID[mode], mode))


async def asked_for(ctx: Context, then: str) -> bool:
    """Whether the PIN is asked for ``then``, a press of a call that claims a number which
    waits for the check (handlers/numbers/caller_check.py ``held``: something personal):
    always where the channel calls, in the same words whether or not the number's person
    chose a PIN, whether it is locked today or the city's limit holds (:data:`ASK`, "or
    press the hash key and we call you back") - anything else would tell anyone claiming
    a number whether its person has a PIN. Never at a call's start."""
    sender = ctx.incoming.sender
    if not sender.claims or not _calls(ctx):
        return False
    _enter(ctx, "ask", then)
    return True


async def _locked_out(ctx: Context, person: User) -> None:
    """The day's last wrong try of ``person``'s PIN: she is told through her own channel
    (the one she chose for the bot's messages: a call-back in the daytime, or a text) at
    most once a week (db/phone_pins.py ``lock_told``: anyone claiming her number can lock
    it every day, and each notice rings her), the coordinators in their backchannel each
    time, by name (neither hears the digits)."""
    log.info("phone pin: a PIN locked for the day")
    if await ctx.db.phone_pins.lock_told(person.id, _today(ctx)):
        await ctx.mail.to_user(
            person, lambda t: Message(t.t(LOCKED_NOTICE), typed_choices=False), about=[person.id]
        )
    name = person.first_name

    def told(t: Translator) -> Message:
        who = name or t.t("a phone resident")
        return Message(t.t(LOCKED_COORDINATORS, name=who), typed_choices=False)

    await ctx.mail.to_backchannel(told, about=[person.id])


async def _city_limit_reached(ctx: Context) -> None:
    """The city's limit on wrong PINs is reached this hour: the coordinators are told once
    an hour (while it lasts, no PIN is asked: the call-back checks the callers)."""
    count = await ctx.db.phone_pins.tell_city_limit(_hour(ctx))
    if count is None:
        return
    until = hour_end(ctx.settings.clock())
    log.warning("phone pin: the city's wrong PINs of the hour reached the limit")
    await ctx.mail.to_backchannel(
        lambda t: Message(
            t.t(CITY_LIMIT, count=t.number(count), time=t.time(until)), typed_choices=False
        )
    )


async def _counted(ctx: Context, owner: int | None, number: str, today: str) -> int | None:
    """A PIN typed for ``number`` counted as a wrong try before it is compared (calls at
    once share the day's tries): the day's wrong tries so far, this one included - of
    ``owner``'s PIN, or of the number where it has none (nobody's, or none chosen:
    db/phone_pins.py ``no_pin_wrong_try``). None: not counted - the day's numbers without a
    PIN are all counted, or the owner's PIN was cleared on the desk meanwhile."""
    if owner is None:
        return await ctx.db.phone_pins.no_pin_wrong_try(number, today)
    return await ctx.db.phone_pins.wrong_try(owner, today) or None


async def _right(digits: str, stored: Pin) -> bool:
    """Whether ``digits`` are the PIN ``stored`` (slow: off the event loop)."""
    return await asyncio.to_thread(matches, digits, stored.pin_hash)


async def _wrong_today(ctx: Context, stored: Pin | None, number: str, today: str) -> int:
    """The wrong tries counted today for ``number``: of its PIN (``stored``), or of the
    number where it has none."""
    if stored is None:
        return await ctx.db.phone_pins.no_pin_wrong_on(number, today)
    return stored.wrong_on(today)


class _Pin:
    """The entry's steps, with the router that goes on with what waited."""

    def __init__(self, router: Router) -> None:
        self.router = router

    async def go_on(self, ctx: Context, then: str) -> None:
        """The entry is over: what waited, now (a press)."""
        ctx.clear_state()
        await self.router.press_again(ctx, then)

    async def first(self, ctx: Context) -> None:
        """``pin:first:<data>``: a checked call begins - the offer where it may be, else
        what the person had pressed."""
        then = ctx.args
        if not ctx.incoming.sender.checked or not then:
            ctx.stale()
        if (
            then != CHOOSE_PIN  # asked for: chosen at once, no offer first
            and _calls(ctx)
            and ctx.user.consent_at is not None
            and await ctx.db.phone_pins.get(ctx.user.id) is None
        ):
            _enter(ctx, "offer", then)
            return
        await self.router.press_again(ctx, then)

    async def choose(self, ctx: Context) -> None:
        """Settings' "PIN for your calls": chosen in a checked call (an unchecked one waits
        for the call-back before it comes here, caller_check.py)."""
        sender = ctx.incoming.sender
        if not _calls(ctx):
            ctx.stale()
        if sender.withheld:
            ctx.send(Message(Markup(ctx.t._(WITHHELD)), typed_choices=False))
            return
        if not sender.checked:
            ctx.stale()  # never: held for the call-back (caller_check.py ``held``)
        if sender.pin_proven and await ctx.db.phone_pins.get(ctx.user.id) is not None:
            # Proven by the PIN itself: the one of now again first, so that a PIN guessed
            # once cannot be replaced by the guesser (a call-back proves the number).
            _enter(ctx, "old", "menu:settings")
            return
        _enter(ctx, "choose", "menu:settings")

    async def new(self, ctx: Context) -> None:
        """The offer's "1": four digits to choose."""
        state = ctx.get_state()
        assert state is not None  # the button is the state's
        _enter(ctx, "choose", str(state.data.get("then") or "menu:main"))

    async def leave(self, ctx: Context) -> None:
        """The offer's "2", an entry's "#": on without it (nothing counted) - where the PIN
        was asked for something personal, to the offer of the call-back."""
        state = ctx.get_state()
        assert state is not None
        if state.data.get("mode") == "ask":  # "or press the hash key and we call you back"
            await self.go_on(ctx, f"{CALL_NOW}:{state.data.get('then') or 'menu:main'}")
            return
        await self.go_on(ctx, str(state.data.get("then") or "menu:main"))

    async def typed(self, ctx: Context) -> None:
        """State :data:`STATE`: what was typed. Four digits are the step's; anything else
        says the step again (on the offer: goes on)."""
        state = ctx.get_state()
        assert state is not None
        mode, then = state.data.get("mode"), str(state.data.get("then") or "menu:main")
        event = ctx.incoming.event
        digits = event.text.strip() if isinstance(event, Text) else ""
        old = bool(state.data.get("old"))
        if mode == "offer":
            await self.go_on(ctx, then)
        elif not (len(digits) == DIGITS and digits.isascii() and digits.isdigit()):
            again: Mode = mode if mode in ("old", "choose", "again", "ask") else "choose"
            _enter(ctx, again, then, state.data.get("first", ""), old=old)
        elif mode == "ask":
            await self._asked(ctx, digits, then)
        elif mode == "old":
            await self._old(ctx, digits, then)
        elif mode == "choose":
            if too_easy(digits):
                ctx.send(_message(ctx.t, EASY, "choose"))
                return
            _enter(ctx, "again", then, _sealed(digits), old=old)
        else:
            await self._again(ctx, digits, then, str(state.data.get("first", "")), old=old)

    async def _asked(self, ctx: Context, digits: str, then: str) -> None:
        """The PIN typed for something personal: right, the call is its person's and goes
        on with it; wrong, counted (the number's day and the city's hour); the last wrong
        of the day, or the city's limit reached, the offer of the call-back. A number
        without a PIN - nobody has it, or its person chose none - is answered as a wrong
        PIN is, tries and all (db/phone_pins.py ``no_pin_wrong_try``)."""
        db, sender = ctx.db, ctx.incoming.sender
        number = sender.claims
        port = ctx.settings.check_calls
        wait = f"{WAIT_FOR_CALL}:{then}"
        if not number or port is None:
            await self.go_on(ctx, wait)
            return
        person = await db.users.find(sender.platform, number)
        stored = await db.phone_pins.get(person.id) if person is not None else None
        today, hour = _today(ctx), _hour(ctx)
        # Each try is counted before the comparison: calls at once share the day's three,
        # and the city's hour.
        city = await db.phone_pins.city_wrong_try(hour)
        # Past the city's limit only a number whose day has no wrong try yet is compared:
        # wrong PINs typed for others must not lock out a resident who types hers right.
        paused = city > CITY_MOST_WRONG
        if paused and await _wrong_today(ctx, stored, number, today):
            await db.phone_pins.city_right(hour)  # not compared: no try
            await _city_limit_reached(ctx)
            await self._not_compared(ctx, PAUSED, wait)
            return
        owner = person.id if person is not None and stored is not None else None
        wrong = await _counted(ctx, owner, number, today)
        if wrong is None:
            await db.phone_pins.city_right(hour)
            if owner is None:  # the day's numbers without a PIN are all counted
                await self._not_compared(ctx, PAUSED, wait)
            else:  # cleared on the desk meanwhile: nothing to compare
                await self.go_on(ctx, wait)
            return
        if wrong > MOST_WRONG:  # locked today already
            await db.phone_pins.city_right(hour)
            await self._not_compared(ctx, LOCKED, wait)
            return
        if owner is not None and stored is not None and await _right(digits, stored):
            await db.phone_pins.right(owner, today)
            await db.phone_pins.city_right(hour)
            log.info("phone pin: the PIN was right")
            ctx.clear_state()
            # The call is the person's now, as a call-back its holder confirmed.
            port.proven(ctx.incoming.chat_id, ButtonPress(then))
            return
        log.info("phone pin: a wrong PIN (%d of %d today)", wrong, MOST_WRONG)
        if city >= CITY_MOST_WRONG:
            await _city_limit_reached(ctx)  # told the moment it is reached
        if wrong >= MOST_WRONG and owner is not None and person is not None:
            await _locked_out(ctx, person)
        if wrong >= MOST_WRONG or paused:  # paused: the one try of her day past the limit
            await self._not_compared(ctx, LOCKED if wrong >= MOST_WRONG else PAUSED, wait)
            return
        ctx.send(_message(ctx.t, WRONG, "ask"))

    async def _not_compared(self, ctx: Context, text: str, wait: str) -> None:
        """No (further) PIN is compared in this call: why (``text``), then the call-back's
        offer (``wait``)."""
        ctx.send(Message(Markup(ctx.t._(text)), typed_choices=False))
        await self.go_on(ctx, wait)

    async def _old(self, ctx: Context, digits: str, then: str) -> None:
        """The PIN of now, typed again before a new one in a call its PIN proved: right,
        the new one is chosen; wrong, counted as any wrong try of the day (the last locks
        it, and she and the coordinators are told)."""
        db, today = ctx.db, _today(ctx)
        stored = await db.phone_pins.get(ctx.user.id)
        wrong = await db.phone_pins.wrong_try(ctx.user.id, today) if stored else 0
        if stored is None or not 0 < wrong <= MOST_WRONG:
            await self.go_on(ctx, then)  # cleared, or locked by another call meanwhile
            return
        if await asyncio.to_thread(matches, digits, stored.pin_hash):
            await db.phone_pins.right(ctx.user.id, today)
            _enter(ctx, "choose", then, old=True)
            return
        log.info("phone pin: a wrong PIN before a new one (%d of %d today)", wrong, MOST_WRONG)
        if wrong >= MOST_WRONG:
            await _locked_out(ctx, ctx.user)
            ctx.send(Message(Markup(ctx.t._(LOCKED)), typed_choices=False))
            await self.go_on(ctx, then)
            return
        ctx.send(_message(ctx.t, WRONG, "old"))

    async def _again(self, ctx: Context, digits: str, then: str, first: str, *, old: bool) -> None:
        """The new PIN typed again: saved when it is the same, else chosen anew. A PIN
        there was before is changed only where this call is checked by a call-back or the
        old one was typed again (``old``); its person is told through her channel."""
        if not first or not hmac.compare_digest(_sealed(digits), first):
            data = {"mode": "choose", "then": then, "first": "", "old": old, KEPT: True}
            ctx.set_state(STATE, data)
            ctx.send(_message(ctx.t, MISMATCH, "choose"))
            return
        sender, user = ctx.incoming.sender, ctx.user
        before = await ctx.db.phone_pins.get(user.id)
        if not sender.checked or (sender.pin_proven and before is not None and not old):
            await self.go_on(ctx, then)  # never: only a checked call comes here
            return
        await ctx.db.phone_pins.set(user.id, await asyncio.to_thread(hashed, digits))
        log.info("phone pin: a PIN was chosen")
        if before is not None:
            await ctx.mail.to_user(
                user, lambda t: Message(t.t(CHANGED_NOTICE), typed_choices=False), about=[user.id]
            )
        ctx.send(Message(Markup(ctx.t._(SAVED)), typed_choices=False))
        await self.go_on(ctx, then)


# Clock years anyone would try (a year of birth, of a wedding, this year and the next few).
_YEARS = range(1900, 2030)


def _a_date(first: int, second: int) -> bool:
    """Whether ``first`` is a day of the month and ``second`` a month (a birthday)."""
    return 1 <= first <= 31 and 1 <= second <= 12


def too_easy(pin: str) -> bool:
    """Digits anyone would try first: one digit four times, a run up or down (1234, 9876),
    a year (1900-2029: a birth, a wedding), a day and month either way round (DDMM, MMDD:
    a birthday) - what someone who knows a little of the person tries before anything."""
    steps = {int(b) - int(a) for a, b in itertools.pairwise(pin)}
    if len(steps) == 1 and steps <= {-1, 0, 1}:
        return True
    front, back = int(pin[:2]), int(pin[2:])
    return int(pin) in _YEARS or _a_date(front, back) or _a_date(back, front)


def hashed(pin: str) -> str:
    """The PIN as stored: scrypt with a salt of its own, its cost named (slow: run it off
    the event loop)."""
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"{_NAME}${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def matches(pin: str, stored: str) -> bool:
    """Whether ``pin`` is the PIN of ``stored`` (:func:`hashed`; slow)."""
    try:
        name, n, r, p, salt, digest = stored.split("$")
        if name != _NAME:
            return False
        typed = hashlib.scrypt(
            pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError:
        return False
    return hmac.compare_digest(typed.hex(), digest)


async def settings_rows(ctx: Context) -> tuple[list[Markup], list[list[Button]]]:
    """In a call: whether a PIN is set, and the button to choose one."""
    if not _calls(ctx):
        return [], []
    t = ctx.t
    lines = [t.t("🔢 Your calls have a PIN.")] if await ctx.db.phone_pins.get(ctx.user.id) else []
    return lines, [[Button("🔢 " + t._("PIN for your calls"), CHOOSE_PIN)]]


def register(router: Router) -> None:
    pin = _Pin(router)
    router.action(PREFIX, "choose")(pin.choose)
    # Before consent too: what waited for the check may be the notice's "I agree" (a
    # resident the desk entered agrees herself, in the call that checks her).
    router.action(PREFIX, "first", before_consent=True)(pin.first)
    router.action(PREFIX, "new", states=(STATE,))(pin.new)
    # Before consent too: a claimed call's person may never have agreed (a resident the
    # desk entered) and is asked the PIN all the same.
    router.action(PREFIX, "later", states=(STATE,), before_consent=True)(pin.leave)
    router.action(PREFIX, "skip", states=(STATE,), before_consent=True, unchecked=True)(pin.leave)
    # A command ends it (``view``): a new call's start, when an entry was left behind.
    router.state(STATE, view=True, before_consent=True)(pin.typed)
