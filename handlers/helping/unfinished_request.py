"""A caller who hung up in the middle of a help request, calling back: "continue your
request" or "start again", by keypad (docs/phone.md "A request not finished").

The request's draft lives in the conversation state (requests_flow.py ``FORM``: state
``request.<step>``, the description or its recording, the postcode, …), kept like every
conversation (db/personal_data.py ``conversations``: export, erasure, retention). A call's
start used to say the main menu over it, and the draft was lost with the next choice. Now
a call's start (onboarding.py ``start``, for a caller who agreed) asks first while the
draft is at most :data:`KEPT_FOR` old; an older one is dropped there (the menu, as before).

Buttons: ``unfinished:go`` (the step the caller was at, asked again with the draft) and
``unfinished:new`` (the draft dropped, the main menu). States: ``request.<step>``, left as
it is until one of them is pressed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.context import Context
from handlers.helping.requests_flow import FORM, STATE
from handlers.menu import show_main_menu
from handlers.messages import Button
from handlers.router import Router
from locales import N_

# How long a request not finished is offered to be continued on a call back.
KEPT_FOR = timedelta(hours=2)

ASKED = N_("You did not finish your request for help.")
GO_ON = N_("Continue my request")
ANEW = N_("Start again")


def _step(ctx: Context) -> str | None:
    """The step of the request form the person is at, or None."""
    state = ctx.get_state()
    if state is None or not state.state.startswith(STATE):
        return None
    step = state.state.removeprefix(STATE)
    return step if step in FORM.steps and FORM.draft in state.data else None


async def offered(ctx: Context) -> bool:
    """At a call's start: whether a request not finished is offered to be continued (then
    nothing else is said); one too old is dropped."""
    if not ctx.settings.channels.of(ctx.incoming.sender.platform).calls or _step(ctx) is None:
        return False
    since = await ctx.db.users.state_since(ctx.user.id)
    if since is None or datetime.now(UTC) - since > KEPT_FOR:
        ctx.clear_state()
        return False
    t = ctx.t
    ctx.reply(
        t.t(ASKED),
        [
            [Button("▶️ " + t._(GO_ON), "unfinished:go")],
            [Button("🔄 " + t._(ANEW), "unfinished:new")],
        ],
    )
    return True


def register(router: Router) -> None:
    @router.button("unfinished")
    async def pressed(ctx: Context) -> None:
        step = _step(ctx)
        state = ctx.get_state()
        if step is None or state is None:
            ctx.stale()
        if ctx.args == "go":
            FORM.ask(ctx, step, state.data)
            return
        ctx.clear_state()
        await show_main_menu(ctx)
