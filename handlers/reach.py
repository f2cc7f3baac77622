"""How a person known by their phone number is reached: a call or a text (db/numbers.py).

Whoever calls the bot's phone line and texts it from the same number is one person. What
the bot has for them (their request's notices, reminders, a helper's messages) comes by the
channel they chose: at first the one they used first, changed here. Offered in /settings to
a number's person where the city runs both the phone line and text messages
(``HandlerSettings.number_platforms``): on the phone a key presses it, by SMS a typed
number, as every choice there. Answers to what the person does go where they did it (a
call's answers are said, a text's come as texts); only the messages that come later go by
the channel.

Button data: ``reach:phone`` (call me), ``reach:sms`` (text me). Pressed by anyone else, or
for a channel the city does not run, it is the "no longer valid" answer and nothing changes
(checked when pressed). Texts for a number that sent STOP (db/sms.py) are refused with how
to undo it: no text would reach them. No states.
"""

from __future__ import annotations

from dataclasses import replace

from markupsafe import Markup

from db.sms import SmsStore
from handlers import ui
from handlers.context import Context
from handlers.messages import Button
from handlers.router import Router
from locales import N_, Translator

PREFIX = "reach"
CALL = "phone"
TEXT = "sms"
STOPPED = N_("💬 You sent STOP, so no texts go to your number. Send START first.")


def offered(ctx: Context) -> bool:
    """Whether the person may choose: a number's person, both channels running here."""
    channels = ctx.settings.number_platforms
    return ctx.user.platform in channels and {CALL, TEXT} <= channels


def _button(t: Translator, channel: str) -> Button:
    if channel == CALL:
        return Button("📞 " + t._("Call me"), f"{PREFIX}:{CALL}")
    return Button("💬 " + t._("Send me texts"), f"{PREFIX}:{TEXT}")


def _other(channel: str) -> str:
    return TEXT if channel == CALL else CALL


def settings_rows(ctx: Context) -> tuple[list[Markup], list[list[Button]]]:
    """The settings line (how messages come now) and the button for the other channel."""
    if not offered(ctx):
        return [], []
    t = ctx.t
    channel = ctx.user.platform
    line = (
        t.t("📞 Messages for you come as a call.")
        if channel == CALL
        else t.t("💬 Messages for you come as text messages.")
    )
    return [line], [[_button(t, _other(channel))]]


async def _choose(ctx: Context, channel: str) -> None:
    if not offered(ctx):
        ctx.stale()
    if channel == TEXT and await SmsStore(ctx.db.transactions).stopped(ctx.user.chat_id):
        ctx.reply(ctx.t.t(STOPPED), ui.back_to_menu(ctx))
        return
    if not await ctx.db.users.set_channel(ctx.user.id, channel):
        ctx.stale()
    ctx.user = replace(ctx.user, platform=channel)
    t = ctx.t
    text = (
        t.t("📞 Done: from now on I call you when there are messages for you.")
        if channel == CALL
        else t.t("💬 Done: from now on I send you messages as texts.")
    )
    ctx.reply(text, [[_button(t, _other(channel))], *ui.back_to_menu(ctx)])


async def _call(ctx: Context) -> None:
    await _choose(ctx, CALL)


async def _text(ctx: Context) -> None:
    await _choose(ctx, TEXT)


def register(router: Router) -> None:
    router.action(PREFIX, CALL)(_call)
    router.action(PREFIX, TEXT)(_text)
