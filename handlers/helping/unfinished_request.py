"""A request for help not finished: "continue your request" or "start again" - for a caller
who hung up in the middle of one and calls back (by keypad, docs/phone.md "A request not
finished"), and for anyone whose message comes at one of its steps after a long silence.

The request's draft lives in the conversation state (requests_flow.py ``FORM``: state
``request.<step>``, the description or its recording, the postcode, …), kept like every
conversation (db/personal_data.py ``conversations``: export, erasure, retention). A call's
start used to say the main menu over it, and the draft was lost with the next choice. Now
a call's start (onboarding.py ``start``, for a caller who agreed) asks first while the
draft is at most :data:`KEPT_FOR` old; an older one is dropped there with a word (then the
menu, as before).

A message after a long silence (:func:`gate`, every channel): a text, voice message or
location that comes at a step of the request more than :data:`PAUSED_AFTER` after the step
was asked is not taken as its answer - "Merhaba" six days later is a greeting, not a
postcode. The person is asked whether to continue the request (its day and category named)
or start again; the message is kept (a text that could describe a request, or a voice
message) and starting again offers it as the description of a new request. A draft older
than the conversation retention (``privacy.conversation_days``: the sweep forgets it
anyway) is dropped with a word, and the message then goes where it would outside any step.

On the phone a call is its number's person only once her PIN or a call-back checks it, so
its start rarely can ask; "Ask for help" in a call asks it too (:func:`gate`), before a new
request would replace the draft.

Buttons: ``unfinished:go`` (the step the person was at, asked again with the draft) and
``unfinished:new`` (the draft dropped; asked whether to ask for help with the held message,
requests_flow.py's "start with anything", else the main menu). States: ``request.<step>``,
left as it is until one of them is pressed (state data ``paused``: the question was asked
at ``step``, which had been asked at ``since``, with the message ``held`` or None).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from markupsafe import Markup

from handlers.context import Context
from handlers.helping.requests_flow import FORM, STATE, description_in, offer_description
from handlers.helping.vocabulary import HELP_CATEGORIES
from handlers.menu import show_main_menu
from handlers.messages import Button, ButtonPress, Location, Media, Text
from handlers.router import Router
from locales import N_

# How long a request not finished is offered to be continued on a call back.
KEPT_FOR = timedelta(hours=2)

ASKED = N_("You did not finish your request for help.")
GO_ON = N_("Continue my request")
ANEW = N_("Start again")

# A message at a step of the request after this long a silence is not taken as its answer.
# Someone in the middle of a form answers within minutes (an SMS arrives within about one);
# after hours the question is off the screen and out of mind, and the next message mostly
# starts something new. The phone's call-back time: one rule for "the person came back".
PAUSED_AFTER = KEPT_FOR
PAUSED = N_("⏸ On {date} you began a request for help and did not finish it.")
PAUSED_ABOUT = N_("⏸ On {date} you began a request for help ({category}) and did not finish it.")
CONTINUE_OR_NOT = N_("Your new message was not used as an answer. Continue or start again?")
DROPPED = N_(
    "🗑 Your unfinished request for help from {date} was too old and has been deleted. "
    "Nothing of it was sent."
)
# The state data that says the question was asked: at which step, when that step had been
# asked, and the message held (or None).
PAUSED_KEY = "paused"
# The gate's place among the gates (handlers/numbers/caller_check.py's is 0): after them.
GATE_GROUP = 50


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
        if since is not None:  # said, not dropped silently; the menu follows
            ctx.reply(ctx.t.t(DROPPED, date=ctx.t.date(since)))
        return False
    _ask(ctx, ctx.t.t(ASKED))
    return True


def _ask(ctx: Context, question: Markup) -> None:
    t = ctx.t
    ctx.reply(
        question,
        [
            [Button("▶️ " + t._(GO_ON), "unfinished:go")],
            [Button("🔄 " + t._(ANEW), "unfinished:new")],
        ],
    )


# "Ask for help" (requests_flow.py's button).
NEW_REQUEST = "hr:new"


async def gate(ctx: Context) -> bool:
    """A message at a step of the request after a long silence (see the module's
    docstring), or "Ask for help" pressed in a call while a request is not finished: True
    when the person was asked to continue or start again instead."""
    if ctx.user.consent_at is None:
        return False
    if isinstance(ctx.incoming.event, ButtonPress) and ctx.incoming.event.data == NEW_REQUEST:
        # A call is its number's person only once checked (her PIN, a call-back:
        # handlers/numbers/caller_check.py), never at its start: the caller who asks for
        # help then is asked here, before a new request replaces the one she began.
        return await offered(ctx)
    if not isinstance(ctx.incoming.event, Text | Media | Location):
        return False
    step = _step(ctx)
    state = ctx.get_state()
    if step is None or state is None:
        return False
    data: dict[str, Any] = state.data
    # Asked at this step already (a question not answered yet): asked again.
    paused: dict[str, Any] | None = data.get(PAUSED_KEY)
    if paused is None or paused.get("step") != step:
        since = await ctx.db.users.state_since(ctx.user.id)
        if since is None or datetime.now(UTC) - since <= PAUSED_AFTER:
            return False
        if datetime.now(UTC) - since > timedelta(days=ctx.settings.retention.conversation_days):
            ctx.clear_state()
            ctx.reply(ctx.t.t(DROPPED, date=ctx.t.date(since)))
            return False  # the message goes where it would outside any step
        paused = {"step": step, "since": since.isoformat(), "held": None}
    # The newest message that could describe a request is kept for "start again".
    paused["held"] = description_in(ctx) or paused["held"]
    data[PAUSED_KEY] = paused
    ctx.set_state(state.state, data)
    t = ctx.t
    day = t.date(datetime.fromisoformat(paused["since"]))
    category = HELP_CATEGORIES.get(data[FORM.draft].get("category", ""))
    # Its name without its icon: inside the sentence, where a text drops icons (by SMS
    # "( Einkäufe" was left).
    began = (
        t.t(PAUSED_ABOUT, date=day, category=t._(category[1]))
        if category
        else t.t(PAUSED, date=day)
    )
    _ask(ctx, began + "\n" + t.t(CONTINUE_OR_NOT))
    return True


def register(router: Router) -> None:
    router.gate(GATE_GROUP)(gate)

    @router.button("unfinished")
    async def pressed(ctx: Context) -> None:
        step = _step(ctx)
        state = ctx.get_state()
        if step is None or state is None:
            ctx.stale()
        held = (state.data.pop(PAUSED_KEY, None) or {}).get("held")
        if ctx.args == "go":
            FORM.ask(ctx, step, state.data)
            return
        ctx.clear_state()
        if held:
            offer_description(ctx, held)  # what they wrote now: a new request with it?
            return
        await show_main_menu(ctx)
