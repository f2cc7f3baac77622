"""A PIN for the phone line, as voicemail has it: a returning caller types four digits of
their own at the start of a call instead of waiting for a call-back
(handlers/numbers/caller_check.py). A conversation like the others, for any transport
with a keypad whose channel makes calls (``ChannelTraits.calls``): its texts, which key
means what, the slow salted hash; the store is db/phone_pins.py.

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
  (:func:`too_easy`: one digit four times, a run up or down) are refused (:data:`EASY`),
  two that differ start again (:data:`MISMATCH`); saved (:data:`SAVED`), the call goes on
  with what waited.
- **Asked at the start of a later call from the same number** (:func:`asked_first`: the
  call claims the number, ``Sender.claims``, and its person has a PIN that is not locked
  today; :data:`ASK`): the right one and the call is the person's (the voice transport's
  check port, ``CheckPort.proven``), greeted in their language; a wrong one
  (:data:`WRONG`) counts, before it is compared (calls at once share the day's tries);
  the :data:`~db.phone_pins.MOST_WRONG`-th wrong one of a day (Europe/Berlin, kept in the
  database: hanging up and calling again changes nothing) ends the asking for that day
  (:data:`LOCKED`): the call goes on unchecked and only the call-back checks the caller.
  "#" goes on without the PIN (unchecked, nothing counted).
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
press), ``pin:new``, ``pin:later`` (the offer), ``pin:skip`` (the way back of an entry).
States: :data:`STATE` (``mode``: offer, choose, again or ask; ``then``: what goes on after
it, a press's data or :data:`START`; ``first``: the first typing, sealed).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import logging
import secrets
from dataclasses import replace
from typing import Literal

from markupsafe import Markup

from db.clock import local_day
from db.phone_pins import MOST_WRONG
from handlers.context import KEPT, Context
from handlers.messages import Button, ButtonPress, Command, Message, Text
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
# What a call's start goes on with after the PIN asked first: the call's /start.
START = "/start"

OFFER = N_(
    "🔢 With a PIN, next time you need not wait for our call."
    " To choose four digits now, press 1. To go on, press 2."
)
CHOOSE = N_("🔢 Please choose four digits you will remember, and type them.")
AGAIN = N_("🔢 Please type the same four digits again.")
EASY = N_("😔 These digits are too easy to guess. Please choose other digits.")
MISMATCH = N_("😔 The digits were not the same. Please choose four digits again.")
SAVED = N_("✅ Your PIN is saved. Next time you call, type it at the start.")
ASK = N_("🔢 Please type your PIN. Without a PIN, press the hash key.")
WRONG = N_("😔 That PIN is not right. Please type it again. Without a PIN, press the hash key.")
LOCKED = N_("🔒 That PIN was wrong three times. Today we can only call you back.")
WITHHELD = N_(
    "🔢 A PIN works only when you call from your own number. Please call without hiding it."
)

Mode = Literal["offer", "choose", "again", "ask"]
# What each mode says when it is entered (or said again).
_SAID: dict[str, str] = {"offer": OFFER, "choose": CHOOSE, "again": AGAIN, "ask": ASK}

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


def _enter(ctx: Context, mode: Mode, then: str, first: str = "") -> None:
    """The entry in ``mode`` (after it: ``then``), its message said."""
    ctx.set_state(STATE, {"mode": mode, "then": then, "first": first, KEPT: True})
    ctx.send(_message(ctx.t, _SAID[mode], mode))


async def asked_first(ctx: Context) -> bool:
    """Whether the start of a call that claims a number is the PIN's: the number's person
    has one that is not locked today (then it is asked; the start waits for it)."""
    sender, event = ctx.incoming.sender, ctx.incoming.event
    if not sender.claims or event != Command("start") or not _calls(ctx):
        return False
    person = await ctx.db.users.find(sender.platform, sender.claims)
    pin = await ctx.db.phone_pins.get(person.id) if person is not None else None
    if pin is None or pin.locked(_today(ctx)):
        return False
    _enter(ctx, "ask", START)
    return True


class _Pin:
    """The entry's steps, with the router that goes on with what waited."""

    def __init__(self, router: Router) -> None:
        self.router = router

    async def go_on(self, ctx: Context, then: str) -> None:
        """The entry is over: what waited, now (the call's start, or a press)."""
        ctx.clear_state()
        if then == START:
            ctx.incoming = replace(ctx.incoming, event=Command("start"))
            await self.router.start(ctx)
            return
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
        _enter(ctx, "choose", "menu:settings")

    async def new(self, ctx: Context) -> None:
        """The offer's "1": four digits to choose."""
        state = ctx.get_state()
        assert state is not None  # the button is the state's
        _enter(ctx, "choose", str(state.data.get("then") or "menu:main"))

    async def leave(self, ctx: Context) -> None:
        """The offer's "2", an entry's "#": on without it (nothing counted)."""
        state = ctx.get_state()
        assert state is not None
        await self.go_on(ctx, str(state.data.get("then") or "menu:main"))

    async def typed(self, ctx: Context) -> None:
        """State :data:`STATE`: what was typed. Four digits are the step's; anything else
        says the step again (on the offer: goes on)."""
        state = ctx.get_state()
        assert state is not None
        mode, then = state.data.get("mode"), str(state.data.get("then") or "menu:main")
        event = ctx.incoming.event
        digits = event.text.strip() if isinstance(event, Text) else ""
        if mode == "offer":
            await self.go_on(ctx, then)
        elif not (len(digits) == DIGITS and digits.isascii() and digits.isdigit()):
            _enter(ctx, mode if mode in _SAID else "choose", then, state.data.get("first", ""))
        elif mode == "ask":
            await self._asked(ctx, digits, then)
        elif mode == "choose":
            if too_easy(digits):
                ctx.send(_message(ctx.t, EASY, "choose"))
                return
            _enter(ctx, "again", then, _sealed(digits))
        else:
            await self._again(ctx, digits, then, str(state.data.get("first", "")))

    async def _asked(self, ctx: Context, digits: str, then: str) -> None:
        """The PIN typed at a call's start: right, the call is its person's; wrong,
        counted; the last wrong of the day, on unchecked."""
        db, sender = ctx.db, ctx.incoming.sender
        person = await db.users.find(sender.platform, sender.claims) if sender.claims else None
        stored = await db.phone_pins.get(person.id) if person is not None else None
        today = _today(ctx)
        # The try is counted before the comparison: calls at once share the day's three.
        wrong = await db.phone_pins.wrong_try(person.id, today) if person is not None else 0
        port = ctx.settings.check_calls
        if person is None or stored is None or port is None or not 0 < wrong <= MOST_WRONG:
            await self.go_on(ctx, then)  # cleared meanwhile, or locked by another call
            return
        if await asyncio.to_thread(matches, digits, stored.pin_hash):
            await db.phone_pins.right(person.id, today)
            log.info("phone pin: the PIN was right")
            ctx.clear_state()
            # The call is the person's now, as a call-back its holder confirmed.
            port.proven(ctx.incoming.chat_id, _event(then))
            return
        log.info("phone pin: a wrong PIN (%d of %d today)", wrong, MOST_WRONG)
        if wrong >= MOST_WRONG:
            ctx.send(Message(Markup(ctx.t._(LOCKED)), typed_choices=False))
            await self.go_on(ctx, then)
            return
        ctx.send(_message(ctx.t, WRONG, "ask"))

    async def _again(self, ctx: Context, digits: str, then: str, first: str) -> None:
        """The new PIN typed again: saved when it is the same, else chosen anew."""
        if not first or not hmac.compare_digest(_sealed(digits), first):
            ctx.set_state(STATE, {"mode": "choose", "then": then, "first": "", KEPT: True})
            ctx.send(_message(ctx.t, MISMATCH, "choose"))
            return
        if not ctx.incoming.sender.checked:  # never but in a checked call
            await self.go_on(ctx, then)
            return
        await ctx.db.phone_pins.set(ctx.user.id, await asyncio.to_thread(hashed, digits))
        log.info("phone pin: a PIN was chosen")
        ctx.send(Message(Markup(ctx.t._(SAVED)), typed_choices=False))
        await self.go_on(ctx, then)


def _event(then: str) -> Command | ButtonPress:
    """What ``then`` (state data) is as an update's event."""
    return Command("start") if then == START else ButtonPress(then)


def too_easy(pin: str) -> bool:
    """Digits anyone would try first: one digit four times, a run up or down (1234, 9876)."""
    steps = {int(b) - int(a) for a, b in itertools.pairwise(pin)}
    return len(steps) == 1 and steps <= {-1, 0, 1}


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
    router.action(PREFIX, "skip", states=(STATE,), before_consent=True)(pin.leave)
    # A command ends it (``view``): a new call's start, when an entry was left behind.
    router.state(STATE, view=True, before_consent=True)(pin.typed)
