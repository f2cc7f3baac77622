"""Consent asked where the bot first keeps something of a person (issue 80, point 5).

On a channel whose transport says so (``Channel.asks_when_kept``, handlers/channels.py: the
phone line), a new person who has chosen a language hears the main menu, not the privacy
notice: finding places keeps nothing of them beyond what the call itself holds before
consent - their number as the account's id and their language, as a caller who hangs up at
the notice leaves them, and the step they are at (a places search: the area searched, a
view the next step replaces, an unfinished one gone after ``privacy.conversation_days``) -
so a caller asking for places hears places first. The
first choice that would keep something of theirs (a request, a volunteer's profile, an
event followed, a PIN, a message to the coordinators - everything the router does not mark
``keeps_nothing``, handlers/router.py) brings the notice instead, with its consent keys;
"I agree" records consent and presses that choice again (handlers/onboarding.py), so the
caller goes on where they wanted to go. "No, thanks" leads to the same confirmation as
ever (handlers/privacy.py), which says truthfully that only the number and the language are
kept so far (the notice's state holds only the choice, never the search before it).

Not for a person who already has data (db/users.py ``has_data``: a resident the desk
entered, with a request, who never agreed): the bot keeps something of hers already, so
she is asked at once, after the language, as on every other channel. A call that only
claims such a person's number (a stand-in, handlers/numbers/caller_check.py) is a new
caller of its own, and asked as one: she hears the notice at the start of the call that
checks her.

No button data. No states of its own: the notice's (``onboarding.privacy``,
handlers/privacy.py :data:`READING_NOTICE`) keeps the choice that asked for it under
:data:`THEN`.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.messages import ButtonPress, Command, Text
from handlers.privacy import READING_NOTICE, ask_consent
from handlers.router import ButtonSpec, Router

# The notice's state data: the button data of the choice that brought it, or a command's
# name after :data:`COMMAND` (the phone's "0" is /coordinators).
THEN = "then"
COMMAND = "/"


def here(ctx: Context) -> bool:
    """Whether the person's channel asks consent at the first step that keeps something."""
    return ctx.settings.channels.asks_when_kept(ctx.incoming.sender.platform)


async def applies(ctx: Context) -> bool:
    """Whether this person, not agreed yet, is asked only where something is kept: on such
    a channel, with a language chosen and nothing of theirs kept yet. A call that claims a
    known number is a new person of its own (a stand-in, handlers/numbers/caller_check.py)
    and is asked where a new caller is: anything else would tell the caller that the
    number is someone's."""
    return (
        here(ctx)
        and ctx.user.consent_at is None
        and ctx.user.language is not None
        and not await ctx.db.users.has_data(ctx.user.id)
    )


async def goes_ahead(ctx: Context, router: Router) -> bool:
    """Before consent: whether the incoming press or input keeps nothing and goes ahead
    (the main menu, finding places), where consent waits for the first keeping step."""
    event = ctx.incoming.event
    if isinstance(event, ButtonPress):
        free = router.kept_nothing(event.data)
    elif isinstance(event, Command):
        free = COMMAND + event.name in router.keeps_nothing
    elif isinstance(event, Text):
        state = ctx.get_state()
        free = state is not None and state.state in router.keeps_nothing
    else:
        free = False
    return free and await applies(ctx)


async def ask(ctx: Context) -> bool:
    """Before consent, a press that would keep something: the notice with its consent keys,
    keeping the press to go on with after "I agree"; whether it was asked (else the
    onboarding picks up as everywhere)."""
    event = ctx.incoming.event
    if isinstance(event, ButtonPress):
        choice = event.data
    elif isinstance(event, Command) and not event.args:
        choice = COMMAND + event.name  # the phone's "0" outside the coordinators' hours
    else:
        return False
    if not await applies(ctx):
        return False
    # Only the choice: not what the step before held (a places search is not carried into
    # what consent covers).
    ctx.set_state(READING_NOTICE, {THEN: choice})
    ask_consent(ctx)
    return True


async def asked_again(ctx: Context) -> bool:
    """Input that is no choice while the notice waits for one (a key no choice has, on the
    phone a digit the notice's three keys do not take): the notice again, the choice that
    brought it kept; whether it was. Before, the onboarding picked up as at a call's start,
    with the main menu, and the caller's choice was gone - bad input changed the step."""
    state = ctx.get_state()
    if not (
        isinstance(ctx.incoming.event, Text)
        and state is not None
        and state.state == READING_NOTICE
        and then(state.data)
        and await applies(ctx)
    ):
        return False
    ask_consent(ctx)
    return True


async def take_press(ctx: Context, router: Router, button: ButtonSpec) -> bool:
    """Before consent, a press that waited (a check call's, ``Router.press_again``): it
    goes ahead where it keeps nothing, else the notice is asked for it; whether it was
    taken here (else the onboarding picks up as everywhere)."""
    if await goes_ahead(ctx, router):
        await button.callback(ctx)
        return True
    return await ask(ctx)


def then(data: dict[str, object]) -> str:
    """The choice to go on with once the person agreed ("" for none)."""
    value = data.get(THEN, "")
    return value if isinstance(value, str) else ""


async def go_on(ctx: Context, router: Router, choice: str) -> None:
    """After "I agree", the choice that brought the notice, as it is now (checked again)."""
    if choice.startswith(COMMAND):
        await router.command_again(ctx, choice.removeprefix(COMMAND))
    else:
        await router.press_again(ctx, choice)
