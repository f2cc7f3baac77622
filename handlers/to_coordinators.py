"""``/coordinators``: a message for the coordinators - a voice message or a text - that goes
to their backchannel with who sent it, as their other posts name people ("👤 name (user N)"),
never a phone number. On the phone line it is "0" for a person outside the coordinators'
hours (bot/transports/phone/words/press_0_for_a_person.py): the caller leaves a message after the
tone.

A person may leave :data:`MOST_AN_HOUR` messages within an hour (each is a post in the
coordinators' group); past that ``/coordinators`` says when to try again and asks nothing
(on the phone: no tone, nothing recorded). Counted in memory like the flood limits
(handlers/flood_limits.py): a restart forgets the counts, which is harmless.

State: ``coordinators.message`` (the next voice message or text is the message). No button
data of its own (the main menu's way back).
"""

from __future__ import annotations

import time

from handlers import ui
from handlers.context import Context
from handlers.flood_limits import FloodCounts
from handlers.helping.render import someone
from handlers.messages import Media, Message, Text, Voice
from handlers.router import Router
from handlers.text_safety import clean_text
from locales import N_

STATE = "coordinators.message"
ASK = N_("📞 Leave a message for the coordinators: write it, or send a voice message.")
HEARD = N_("🎤 Only the coordinators hear your message.")
TOO_MANY = N_(
    "⏳ You have left the coordinators several messages within the last hour. They will "
    "answer you. Please try again later."
)
MOST_AN_HOUR = 3
HOUR = 3600.0
# Messages to the coordinators per person within the last hour.
SENT = FloodCounts(time.monotonic, window=HOUR)


def _sender(ctx: Context) -> tuple[str, str, bool]:
    return (ctx.user.platform, ctx.user.platform_user_id, False)


async def ask(ctx: Context) -> None:
    t = ctx.t
    if SENT.counted(_sender(ctx)) >= MOST_AN_HOUR:
        ctx.reply(t.t(TOO_MANY), ui.back_to_menu(ctx))
        return
    ctx.set_state(STATE, {})
    ctx.send(Message(t.t(ASK), ui.back_to_menu(ctx), recorded=t.t(HEARD)))


async def _taken(ctx: Context) -> None:
    """The message: to every backchannel, then thanks."""
    event = ctx.incoming.event
    user = ctx.user
    if SENT.counted(_sender(ctx)) >= MOST_AN_HOUR:  # two chats asked at once
        ctx.clear_state()
        ctx.reply(ctx.t.t(TOO_MANY), ui.back_to_menu(ctx))
        return
    if isinstance(event, Media) and event.kind in ("voice", "audio") and event.file_id:
        await ctx.mail.to_backchannel(
            lambda bt: Message(
                bt.t("📞 A voice message for the coordinators from {who}", who=someone(bt, user))
            ),
            about=[user.id],
        )
        await ctx.mail.to_backchannel(
            lambda bt: Voice(
                event.file_id,
                ctx.incoming.sender.platform,
                caption=bt.t("🎤 {who}", who=someone(bt, user)),
                mime_type=event.mime_type,
                duration_seconds=event.duration_seconds,
            ),
            about=[user.id],
        )
    elif isinstance(event, Text) and clean_text(event.text):
        text = clean_text(event.text)
        await ctx.mail.to_backchannel(
            lambda bt: Message(
                bt.t(
                    "📞 A message for the coordinators from {who}: {text}",
                    who=someone(bt, user),
                    text=text,
                )
            ),
            about=[user.id],
        )
    else:
        ctx.refuse(ctx.t.t(ASK))
        return
    SENT.count(_sender(ctx))
    ctx.clear_state()
    ctx.reply(ctx.t.t("✅ The coordinators have your message."), ui.back_to_menu(ctx))


def register(router: Router) -> None:
    router.command("coordinators", N_("Leave a message for the coordinators"), unchecked=True)(ask)
    router.state(STATE)(_taken)
