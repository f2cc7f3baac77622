"""Read aloud: for people who cannot read, every message the bot sends them also comes as a
voice message in their language (the audio is made by the outbox worker, bot/delivery.py,
with the speech engines of bot/speech).

This module decides *what* is said to whom; it owns the rule for both ways a message
reaches a person: the answers to what they did (:func:`speeches`, called by the
dispatcher) and messages from others and from scheduled jobs (the outbox worker asks
:func:`spoken` for the message it just sent). Offered only in the languages the configured
engine speaks (``HandlerSettings.speech_languages``); for a person whose language has no
voice the text goes alone and their coordinators are told once (:func:`no_voice`).

Button data: ``ra:on`` / ``ra:off`` switch it on and off (in /settings, and offered right
after the language is chosen, with the offer itself said aloud: someone who cannot read
the offer hears it); ``ra:no`` declines the offer. Usable before consent. No states.
"""

from __future__ import annotations

from dataclasses import replace

from markupsafe import Markup

from handlers import ui
from handlers.context import Context
from handlers.helping.render import someone
from handlers.language_bridge import as_written
from handlers.messages import Button, Edit, Message, Outgoing, Speech, Venue
from handlers.privacy import consent_buttons, privacy_notice
from handlers.router import Router

PREFIX = "ra"


def spoken(item: Outgoing, lang: str, listener: int = 0) -> Speech | None:
    """What of ``item`` is said aloud: a text with the labels of its buttons, a place's
    name and address; None for what carries no meaning of its own (a toast, a deletion, a
    reaction, a file)."""
    if isinstance(item, Message | Edit):
        text = as_written(item)
        assert isinstance(text, Message | Edit)
        labels = [button.label for row in text.buttons for button in row]
        return Speech(text=text.text, lang=lang, labels=labels, listener=listener)
    if isinstance(item, Venue):
        words = "\n".join(part for part in (item.title, item.address) if part)
        return Speech(text=Markup.escape(words), lang=lang, listener=listener) if words else None
    return None


def speaks(ctx: Context) -> bool:
    """Whether the acting person's language has a voice here."""
    return ctx.t.lang in ctx.settings.speech_languages


async def speeches(ctx: Context, replies: list[Outgoing]) -> list[Speech]:
    """The answers of this update said aloud, for a person in a private chat who switched
    read aloud on; the text alone (and their coordinators told once) where no voice speaks
    their language."""
    if not (ctx.user.read_aloud and ctx.incoming.is_private and replies):
        return []
    if not speaks(ctx):
        await no_voice(ctx)
        return []
    said = [spoken(item, ctx.t.lang, ctx.user.id) for item in replies]
    return [speech for speech in said if speech is not None]


async def no_voice(ctx: Context) -> None:
    """Tell the coordinators, once per language, that a person who wants to hear the bot
    gets text only: someone may need to call them."""
    if not ctx.settings.backchannels:
        return
    if await ctx.db.users.tell_no_voice(ctx.user.id, ctx.t.lang):
        user, lang = ctx.user, ctx.t.lang
        await ctx.mail.to_backchannel(
            lambda t: Message(
                t.t(
                    "🔇 {person} asked me to read aloud, but no voice here speaks "
                    "{language}: they get text only. Maybe someone can call them.",
                    person=someone(t, user),
                    language=t.language(lang),
                )
            ),
            about=[user.id],
        )


def settings_rows(ctx: Context) -> tuple[list[Markup], list[list[Button]]]:
    """The settings line and button, where a voice speaks the person's language."""
    if not speaks(ctx):
        return [], []
    t = ctx.t
    if ctx.user.read_aloud:
        return [t.t("🔊 Read aloud: on")], [[Button("🔇 " + t._("Stop reading aloud"), "ra:off")]]
    return [t.t("🔇 Read aloud: off")], [[Button("🔊 " + t._("Read aloud to me"), "ra:on")]]


def offer(ctx: Context) -> None:
    """Offered right after the language is chosen, before the privacy notice: the offer as
    text (its 🔊 button recognisable without reading) and said aloud; "yes" says the
    notice again, to be heard."""
    if not speaks(ctx) or ctx.user.read_aloud:
        return
    t = ctx.t
    message = Message(
        t.t("🔊 Shall I also read my messages aloud to you?"),
        [
            [Button("🔊 " + t._("Yes, read aloud"), "ra:on")],
            [Button("📖 " + t._("No, I read myself"), "ra:no")],
        ],
    )
    ctx.send(message)
    sample = spoken(message, t.lang, ctx.user.id)
    assert sample is not None
    ctx.send(sample)


async def _switch(ctx: Context, *, on: bool) -> None:
    if on and not speaks(ctx):
        ctx.stale()  # an old button: no voice speaks their language (any more)
    await ctx.db.users.set_read_aloud(ctx.user.id, on)
    ctx.user = replace(ctx.user, read_aloud=on)
    t = ctx.t
    if on:
        text = t.t("🔊 Done: I read every message aloud to you.")
        button = Button("🔇 " + t._("Stop reading aloud"), "ra:off")
    else:
        text = t.t("🔇 Done: messages come as text only.")
        button = Button("🔊 " + t._("Read aloud to me"), "ra:on")
    if ctx.user.consent_at:
        ctx.reply(text, [[button], *ui.back_to_menu(ctx)])
        return
    ctx.reply(text)
    if on:
        # Still in onboarding: the privacy notice again, now to be heard as well.
        ctx.reply(privacy_notice(ctx), consent_buttons(ctx))


async def _on(ctx: Context) -> None:
    await _switch(ctx, on=True)


async def _off(ctx: Context) -> None:
    await _switch(ctx, on=False)


async def _declined(ctx: Context) -> None:
    ctx.reply(ctx.t.t("📖 All right: text only. /settings can switch it on later."), edit=True)


def register(router: Router) -> None:
    router.action(PREFIX, "on", before_consent=True)(_on)
    router.action(PREFIX, "off", before_consent=True)(_off)
    router.action(PREFIX, "no", before_consent=True)(_declined)
