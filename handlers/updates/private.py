"""The route of one update in a private chat, in the order handlers/dispatcher.py's
docstring gives: the gates its channel can need, then commands and buttons; before the
privacy notice is accepted only onboarding and the steps that take input then; a text too
long for its step refused there; edits and deletions; the step's input, the features that
take free input, else a hint. The backchannel's route is backchannel.py's.

No button data, no states.
"""

from __future__ import annotations

from handlers import first_kept, ui
from handlers.context import Context
from handlers.messages import (
    ButtonPress,
    Command,
    Edited,
    Event,
    Location,
    Media,
    Message,
    Removed,
    Text,
)
from handlers.numbers import coded_acts
from handlers.router import ButtonSpec, Router
from handlers.staff import NOT_ALLOWED, holds, refusal
from handlers.text_safety import clean_text
from locales import N_

# A text longer than its step takes (``Router.input_limits``): the limit, and what happens
# next - nothing was used, the person sends a shorter one (at the step, whose choices come
# with it). Short: with a step's choices it is one SMS in every language, easy ones too
# (tests/bot/transports/sms/test_too_long_fits.py), never "send it shorter" behind "0".
TOO_LONG = N_(
    "✂️ Too long: {length} characters, at most {limit} fit here. Nothing was changed. "
    "Please send a shorter text."
)

# An edit of an earlier message that nothing takes (a private chat's, a command's in the
# coordinators' group): the person would wait for an answer to the corrected text.
EDITS_NOT_SEEN = N_(
    "✏️ Changes to earlier messages do not reach me here. Please send the corrected text as "
    "a new message."
)


async def route(ctx: Context, router: Router) -> None:
    """What answers a private chat's update."""
    if await _gated(ctx, router):
        return
    # At a step whose answer is a number, a typed number is read as one (the router's rule).
    router.read_typed(ctx)
    event = ctx.incoming.event
    if isinstance(event, Command):
        await _command(ctx, router, event)
        return
    if isinstance(event, ButtonPress):
        await _button(ctx, router, event)
        return
    # Before the notice is agreed, only a step that takes input then sees it; the rest
    # onboards first, whatever its length - a newcomer's first text is not refused.
    if ctx.user.consent_at is None and not await _unagreed_step(ctx, router, event):
        if not isinstance(event, Edited | Removed):
            await router.start(ctx)
        return
    if _too_long(ctx, router, event):
        return
    if ctx.user.consent_at is None:
        # Input to a step that takes it before the notice (``_unagreed_step``).
        state = ctx.get_state()
        assert state is not None
        await _step_input(ctx, router, state.state)
        return
    if isinstance(event, Edited | Removed):
        await _amend(ctx, router, event)
        return
    await _input(ctx, router, event)


async def _gated(ctx: Context, router: Router) -> bool:
    """Whether a gate took the update (``Router.gates``: the caller check and its PIN).
    Only the gates its channel can need are asked: a chat's message meets none of the
    phone's."""
    for gate in router.gates_for(ctx.incoming.sender.platform, ctx.settings.channels):
        if await gate.check(ctx):
            return True
    return False


async def _command(ctx: Context, router: Router, event: Command) -> None:
    spec = router.commands.get(event.name.lower())
    if spec is None:
        ctx.reply(
            ctx.t.t(
                "🤔 I don't know the command {command}. Send /help to see what I can do.",
                command="/" + event.name,
            ),
            ui.back_to_menu(ctx),
        )
        return
    if not await _goes_ahead(ctx, router, spec.before_consent) or not allowed(ctx, spec.role):
        return
    state = ctx.get_state()
    if state is not None and state.state in router.views:
        ctx.clear_state()  # a command moves on from a shown list (Router.views)
    await spec.callback(ctx)


async def _button(ctx: Context, router: Router, event: ButtonPress) -> None:
    found = router.find_button(event.data)
    if found is None:
        ctx.send(ui.no_longer_valid(ctx))
        said = ctx.t.t("⚠️ This button is no longer valid. Here is the main menu.")
        ctx.send(ui.main_menu(ctx, said))
        return
    button, ctx.args = found
    if await _goes_ahead(ctx, router, button.before_consent) and allowed(ctx, button.role):
        await press(ctx, button)


async def _goes_ahead(ctx: Context, router: Router, before_consent: bool) -> bool:
    """Whether a command or a press goes ahead as far as the privacy notice goes: the
    person agreed, it works before that, or it keeps nothing where consent is asked at
    the first step that keeps something (handlers/first_kept.py). Otherwise the notice
    is asked for it, or the onboarding picks up where the person is."""
    if (
        ctx.user.consent_at is not None
        or before_consent
        or await first_kept.goes_ahead(ctx, router)
    ):
        return True
    if not await first_kept.ask(ctx):
        await router.start(ctx)
    return False


async def _unagreed_step(ctx: Context, router: Router, event: Event) -> bool:
    """Whether input before the privacy notice was accepted goes to the step the person
    is at: one that takes it then (else onboarding; a change to an earlier message,
    which is not a new message, starts nothing)."""
    state = ctx.get_state()
    return (
        isinstance(event, Text)
        and state is not None
        and (
            state.state in router.before_consent_states
            # A postcode typed for places, where consent waits for a keeping step.
            or await first_kept.goes_ahead(ctx, router)
        )
    )


async def _step_input(ctx: Context, router: Router, step: str) -> None:
    """Input to the step ``step``. A refusal there (``ctx.refuse``) shows the step's
    choices after its own buttons (``Router.with_choices``), here for every step and
    refusal, not at each: numbered choices press only the newest message's, so a
    refusal without them left "1" (Cancel) pressing nothing - it became text. At a step
    that asks for a location the refusal asks for it again (``Router.located``): without,
    Telegram took the "📍 Share my location" keyboard away at the first typo."""
    await router.states[step](ctx)
    refused = ctx.refused
    if isinstance(refused, Message):
        refused.buttons = router.with_choices(ctx, refused.buttons)
        router.located(ctx, refused)


def _too_long(ctx: Context, router: Router, event: Event) -> bool:
    """Whether a text is longer than the step it was sent at takes (``Router.input_limits``,
    the one owner of input length, for every transport): then the person is told the
    limit and what happens next, and nothing else happens - the step and what it holds
    stay, and their text, not taken or cut, is still theirs to shorten and send again.
    Counted as it would be kept (text_safety.clean_text), a text over the city's
    ``max_text_length`` as it came."""
    if not isinstance(event, Text | Edited):
        return False
    state = ctx.get_state()
    most = ctx.settings.max_text_length
    # An edit of an earlier message is not for the step the person is at now: it goes
    # to what took that message (``router.amendments``: a relayed one) or nowhere, so
    # the city's limit alone holds for it.
    step = state.state if state is not None and isinstance(event, Text) else None
    limit = router.input_limit(step, most)
    length = len(event.text) if len(event.text) > most else len(clean_text(event.text))
    if length <= limit:
        return False
    # With the step's choices (``Router.offer``): numbered choices press only the newest
    # message's, so without them a typed "1" would be taken as text and Skip be gone.
    ctx.reply(ctx.t.t(TOO_LONG, length=length, limit=limit), router.choices_at(ctx))
    return True


async def _input(ctx: Context, router: Router, event: Event) -> None:
    """Free input: to the step the person is at, else to the features that take it,
    else a hint."""
    state = ctx.get_state()
    if state is not None and state.state in router.states:
        await _step_input(ctx, router, state.state)
        if ctx.refused is not None:
            for taker in router.refused_input:
                if await taker(ctx):
                    ctx.withdraw_refusal()
                    break
        return
    for _, taker in router.free_input:
        if await taker(ctx):
            return
    if isinstance(event, Text):
        said = ctx.t.t("🙂 I did not understand that. Please choose from the menu or send /help.")
        ctx.send(ui.main_menu(ctx, said))
    elif isinstance(event, Location | Media):
        said = ctx.t.t(
            "🙈 I cannot use this kind of message here. Please use the buttons "
            "or write a short text."
        )
        ctx.send(ui.main_menu(ctx, said))


async def _amend(ctx: Context, router: Router, event: Edited | Removed) -> None:
    for taker in router.amendments:
        if await taker(ctx):
            return
    if isinstance(event, Edited):
        # Otherwise the person would wait for an answer to the corrected text.
        ctx.reply(ctx.t.t(EDITS_NOT_SEEN))


async def press(ctx: Context, button: ButtonSpec) -> None:
    """A button of a conversation counts only in the conversation's own steps; a ``coded``
    one pressed where a sender can be forged waits for the code texted to the number
    (handlers/numbers/coded_acts.py)."""
    state = ctx.get_state()
    if not button.valid_in(state.state if state else None):
        ctx.stale()
    if button.coded is not None and await coded_acts.waits(ctx, button):
        await coded_acts.hold_press(ctx, button)
        return
    await button.callback(ctx)


def allowed(ctx: Context, role: str | None) -> bool:
    """Permission check for every command and button, whatever the client showed."""
    if holds(ctx.user, role):
        return True
    if isinstance(ctx.incoming.event, ButtonPress):
        ctx.toast(ctx.t._(NOT_ALLOWED))
        if not ctx.incoming.is_private:
            return False  # a short refusal only: the group is not spammed
    # No main-menu button in the coordinators' group: only its own buttons work there.
    said = ctx.t.t(refusal(ctx.user, role))
    ctx.reply(said, ui.back_to_menu(ctx) if ctx.incoming.is_private else None)
    return False
