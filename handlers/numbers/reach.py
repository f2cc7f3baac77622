"""How a person known by their phone number is reached: a call or a text (db/people_by_number.py).

Whoever calls the bot's phone line and texts it from the same number is one person. What
the bot has for them (their request's notices, reminders, a helper's messages) comes by the
channel they chose: at first the one they used first, changed here. Offered in /settings to
a number's person where the city runs both a channel that calls and one that texts
(``HandlerSettings.channels``, handlers/channels.py): on the phone a key presses it, by SMS
a typed number, as every choice there. Answers to what the person does go where they did
it (a call's answers are said, a text's come as texts); only the messages that come later
go by the channel.

Button data: ``reach:<platform>``, the platform of the channel that calls (call me) or
texts (text me). Pressed by anyone else, or for a channel the city does not run, it is the
"no longer valid" answer and nothing changes (checked when pressed). Texts for a number
that sent STOP (the texting transport's store, ``TextLine.stopped``) are refused with how
to undo it: no text would reach them. Pressed by text, the change waits for the code sent
to the number (handlers/numbers/coded_acts.py). No states.
"""

from __future__ import annotations

from dataclasses import replace

from markupsafe import Markup

from handlers import ui
from handlers.channels import Channel
from handlers.context import Context
from handlers.messages import Button
from handlers.router import Router
from locales import N_, Translator

PREFIX = "reach"
STOPPED = N_("💬 You sent STOP, so no texts go to your number. Send START first.")
CODED = N_(
    "🔐 To change how messages for you come, reply {code} within a quarter of an hour. "
    "If you did not ask for this, do nothing."
)


def _both(ctx: Context) -> tuple[Channel, Channel] | None:
    """The channel that calls and the one that texts, when the city runs both."""
    channels = ctx.settings.channels
    calling, texting = channels.calling(), channels.texting()
    return (calling, texting) if calling is not None and texting is not None else None


def offered(ctx: Context) -> bool:
    """Whether the person may choose: a number's person, both channels running here."""
    both = _both(ctx)
    return both is not None and ctx.user.platform in (both[0].platform, both[1].platform)


def _button(t: Translator, channel: Channel) -> Button:
    if channel.calls:
        return Button("📞 " + t._("Call me"), f"{PREFIX}:{channel.platform}")
    return Button("💬 " + t._("Send me texts"), f"{PREFIX}:{channel.platform}")


def _other(ctx: Context, channel: Channel) -> Channel:
    both = _both(ctx)
    assert both is not None  # offered
    calling, texting = both
    return texting if channel.calls else calling


def settings_rows(ctx: Context) -> tuple[list[Markup], list[list[Button]]]:
    """The settings line (how messages come now) and the button for the other channel."""
    if not offered(ctx):
        return [], []
    t = ctx.t
    channel = ctx.settings.channels.of(ctx.user.platform)
    line = (
        t.t("📞 Messages for you come as a call.")
        if channel.calls
        else t.t("💬 Messages for you come as text messages.")
    )
    return [line], [[_button(t, _other(ctx, channel))]]


async def _choose(ctx: Context, channel: Channel) -> None:
    if not offered(ctx):
        ctx.stale()
    line = ctx.settings.channels.line(channel.platform, ctx.db.transactions)
    if line is not None and await line.stopped(ctx.user.chat_id):
        ctx.reply(ctx.t.t(STOPPED), ui.back_to_menu(ctx))
        return
    if not await ctx.db.users.set_channel(ctx.user.id, channel.platform):
        ctx.stale()
    ctx.user = replace(ctx.user, platform=channel.platform)
    t = ctx.t
    text = (
        t.t("📞 Done: from now on I call you when there are messages for you.")
        if channel.calls
        else t.t("💬 Done: from now on I send you messages as texts.")
    )
    ctx.reply(text, [[_button(t, _other(ctx, channel))], *ui.back_to_menu(ctx)])


async def _pressed(ctx: Context) -> None:
    """``reach:<platform>``: that channel, if it is one of the two running here."""
    both = _both(ctx)
    chosen = next((c for c in both or () if c.platform == ctx.args), None)
    if chosen is None:
        ctx.stale()
    await _choose(ctx, chosen)


def register(router: Router) -> None:
    # Where a sender can be forged, the change waits for the code sent to the number
    # (handlers/numbers/coded_acts.py): it would send the person's notices elsewhere.
    router.button(PREFIX, coded=CODED)(_pressed)
