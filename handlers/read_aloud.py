"""Read aloud: for people who cannot read, the bot's messages also come as voice messages
in their language (the audio is made by the outbox worker, bot/delivery.py, with the speech
engines of bot/speech). A person chooses how (``db.users.ReadAloud``): every message, said
after it; or on a tap, a "🔊" under each message that says just that one.

This module decides *what* is said to whom (:func:`heard`, :func:`spoken`,
:func:`with_tap`); the reader chain (handlers/reader_chain.py) calls it for both ways a
message reaches a person, the answers to what they did and messages from others and from
scheduled jobs alike. Offered only in the languages the configured engine speaks
(``HandlerSettings.speech_languages``); for a person whose language has no voice the text
goes alone and their coordinators are told once (:func:`unheard`).

What a message with a 🔊 says is kept (db/spoken_texts.py) as long as delivered messages
keep their content, to be said when the 🔊 is tapped, and only to the person it was sent to.
A 🔊 is for everyone who accepted the privacy notice, read aloud chosen or not; not before:
nothing of theirs is kept until then, and the one engine is not anyone's to use (a tap
before is answered as anything else before consent: with the notice to accept). Until
then someone who chose "on a tap" hears the notice said at once.

Button data: ``ra:on`` every message, ``ra:tap`` on a tap, ``ra:off`` text only (in
/settings, and offered right after the language is chosen, with the offer itself said
aloud: someone who cannot read the offer hears it; before consent its answer brings the
privacy notice, handlers/onboarding.py - or first, for every message or on a tap, the offer
of easy language, handlers/easy_language.py, also offered when turned on in /settings);
``ra:no`` declines the offer;
``ra:say:<n>`` the 🔊 under a message (``n``: its kept text). Usable before consent, but
for ``ra:say``. No states.
"""

from __future__ import annotations

from dataclasses import replace

from markupsafe import Markup

from db import Database
from db.spoken_texts import SpokenText
from db.users import ReadAloud
from handlers import easy_offer, ui
from handlers.context import Context
from handlers.helping.render import someone
from handlers.media.spoken_words import said_of
from handlers.messages import Button, Edit, Message, Outgoing, Speech, choices
from handlers.privacy import ask_consent
from handlers.reader import Medium, Reader
from handlers.router import Router
from locales import N_, Translator

PREFIX = "ra"


def spoken(item: Outgoing, lang: str, listener: int = 0) -> Speech | None:
    """``item`` as a speech: what of it is said (handlers/media/spoken_words.py, the phone's rule
    too), None for what carries no meaning of its own (a toast, a deletion, a file)."""
    words = said_of(item)
    if words is None:
        return None
    return Speech(text=words.text, lang=lang, labels=list(words.labels), listener=listener)


def speaks(ctx: Context) -> bool:
    """Whether the acting person's language has a voice here, and a voice message reaches
    them where they are: in a chat (an SMS carries none - read aloud would be a false
    promise there; a phone says everything anyway)."""
    return ctx.t.lang in ctx.settings.speech_languages and ctx.reader.medium == Medium.CHAT


async def unheard(ctx: Context) -> None:
    """Where the person acting chose to hear the bot but no voice here speaks their
    language, the answers go as text alone: their coordinators are told (once)."""
    reader = ctx.reader
    voices = ctx.settings.speech_languages
    if reader.read_aloud != ReadAloud.OFF and reader.heard(voices) == ReadAloud.OFF:
        await no_voice(ctx)


async def with_tap(
    db: Database,
    reader: Reader,
    item: Outgoing,
    *,
    outbox_id: int | None = None,
    about: str | None = None,
) -> Outgoing:
    """``item`` with a 🔊 under it that says it to ``reader``, its words kept for the tap;
    other items (a file, a toast, a message asking for a location, which Telegram can only
    send with its own keyboard) as they are. ``outbox_id`` and ``about``: the outbox message
    it is (one kept text however often it is sent) and whose words it carries."""
    user, t = reader.user, reader.t
    if not isinstance(item, Message | Edit) or user is None or user.consent_at is None:
        return item  # before consent a 🔊 would be refused (:func:`_say`)
    if isinstance(item, Message) and item.request_location:
        return item
    speech = spoken(item, t.lang, user.id)
    assert speech is not None
    said = SpokenText(t.lang, str(speech.text), tuple(speech.labels))
    number = await db.spoken_texts.keep(user.id, said, outbox_id, about)
    tap = [Button("🔊 " + t._("Listen"), f"{PREFIX}:say:{number}")]
    if isinstance(item, Edit):
        return replace(item, buttons=[*item.buttons, tap])
    # Without buttons of its own a typed number stays text (it may answer the message);
    # the 🔊 is reacted to on Matrix, pressed elsewhere.
    typed = item.typed_choices and bool(choices(item.buttons))
    return replace(item, buttons=[*item.buttons, tap], typed_choices=typed)


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


def _mode_buttons(t: Translator) -> dict[ReadAloud, Button]:
    # 🔊 stays the one icon of the button that says a message: on Matrix a reaction picks
    # a button by its icon.
    return {
        ReadAloud.EVERY: Button("🗣 " + t._("Read everything aloud"), f"{PREFIX}:on"),
        ReadAloud.ON_TAP: Button("👆 " + t._("Only when I tap 🔊"), f"{PREFIX}:tap"),
        ReadAloud.OFF: Button("🔇 " + t._("Text only"), f"{PREFIX}:off"),
    }


def _mode_line(t: Translator, mode: ReadAloud) -> Markup:
    if mode == ReadAloud.EVERY:
        return t.t("🔊 Read aloud: every message")
    if mode == ReadAloud.ON_TAP:
        return t.t("👆 Read aloud: when you tap 🔊")
    return t.t("🔇 Read aloud: off")


def _other_modes(t: Translator, mode: ReadAloud) -> list[list[Button]]:
    return [[button] for kind, button in _mode_buttons(t).items() if kind != mode]


def settings_rows(ctx: Context) -> tuple[list[Markup], list[list[Button]]]:
    """The settings line and the buttons for the other two ways, where a voice speaks the
    person's language."""
    if not speaks(ctx):
        return [], []
    mode = ctx.user.read_aloud
    return [_mode_line(ctx.t, mode)], _other_modes(ctx.t, mode)


def offer(ctx: Context) -> bool:
    """Offered right after the language is chosen, before the privacy notice: the offer as
    text (its buttons recognisable by their icons without reading) and said aloud; whether
    it was offered. The caller sends nothing with buttons after it: a number typed after
    hearing it presses its buttons. Its answer brings the notice, heard as chosen."""
    if not speaks(ctx) or ctx.user.read_aloud != ReadAloud.OFF:
        return False
    t = ctx.t
    modes = _mode_buttons(t)
    message = Message(
        t.t("🔊 Shall I also read my messages aloud to you?"),
        [
            [modes[ReadAloud.EVERY]],
            [modes[ReadAloud.ON_TAP]],
            [Button("📖 " + t._("No, I read myself"), f"{PREFIX}:no")],
        ],
    )
    ctx.send(message)
    sample = spoken(message, t.lang, ctx.user.id)
    assert sample is not None
    ctx.send(sample)
    return True


_DONE = {
    ReadAloud.EVERY: N_("🔊 Done: I read every message aloud to you."),
    ReadAloud.ON_TAP: N_("👆 Done: tap 🔊 under a message and I read it aloud."),
    ReadAloud.OFF: N_("🔇 Done: messages come as text only."),
}


async def _switch(ctx: Context, mode: ReadAloud) -> None:
    if mode != ReadAloud.OFF and not speaks(ctx):
        ctx.stale()  # an old button: no voice speaks their language (any more)
    await ctx.db.users.set_read_aloud(ctx.user.id, mode)
    ctx.user = replace(ctx.user, read_aloud=mode)
    t = ctx.t
    text = t.t(_DONE[mode])
    # Someone who hears the bot often reads little: easy language is offered next.
    offer_easy = mode != ReadAloud.OFF and not ctx.user.easy_language
    if ctx.user.consent_at:
        easy = [easy_offer.offer_button(t)] if offer_easy else []
        ctx.reply(text, [*_other_modes(t, mode), *easy, *ui.back_to_menu(ctx)])
        return
    ctx.reply(text)
    # Still in onboarding: easy language or the privacy notice comes next, heard as
    # chosen - on a tap too, said at once, since a 🔊 works only once the notice is
    # accepted.
    say_now(ctx, easy_offer.offer(ctx) if offer_easy else ask_consent(ctx))


def say_now(ctx: Context, message: Message) -> None:
    """Before consent, ``message`` said at once to someone who hears on a tap (the 🔊
    works only once the notice is accepted; every message is said by the chain)."""
    if ctx.user.read_aloud != ReadAloud.ON_TAP or not speaks(ctx):
        return
    speech = spoken(message, ctx.t.lang, ctx.user.id)
    assert speech is not None
    ctx.send(speech)


async def _every(ctx: Context) -> None:
    await _switch(ctx, ReadAloud.EVERY)


async def _on_tap(ctx: Context) -> None:
    await _switch(ctx, ReadAloud.ON_TAP)


async def _off(ctx: Context) -> None:
    await _switch(ctx, ReadAloud.OFF)


async def _declined(ctx: Context) -> None:
    text = ctx.t.t("📖 All right: text only. /settings can switch it on later.")
    if ctx.user.consent_at is None:
        ctx.reply(text, edit=True)
        ask_consent(ctx)  # the onboarding's next step
        return
    ctx.reply(text, ui.back_to_menu(ctx), edit=True)


async def _say(ctx: Context) -> None:
    """The 🔊 under a message: that message said aloud, to the person it was sent to."""
    said = await ctx.db.spoken_texts.said(ctx.id_arg(), ctx.user.id)
    if said is not None and said.lang not in ctx.settings.speech_languages:
        ctx.stale()  # no voice speaks its language any more
    if said is None:
        # Kept only as long as delivered messages are (or never sent to this person).
        gone = Message(ctx.t.t("🔇 This message is too old: I cannot read it aloud any more."))
        ctx.send(gone)
        if speaks(ctx):
            speech = spoken(gone, ctx.t.lang, ctx.user.id)
            assert speech is not None
            ctx.send(replace(speech, easy=ctx.t.easy))
        return
    # The buttons are named in the reader's register, as in every speech (reader_chain.py).
    labels = list(said.labels)
    ctx.send(Speech(Markup(said.text), said.lang, labels, listener=ctx.user.id, easy=ctx.t.easy))


def register(router: Router) -> None:
    # Reading aloud concerns only this call: a call that has not proven its number may.
    router.unchecked_prefix(PREFIX)
    router.action(PREFIX, "on", before_consent=True)(_every)
    router.action(PREFIX, "tap", before_consent=True)(_on_tap)
    router.action(PREFIX, "off", before_consent=True)(_off)
    router.action(PREFIX, "no", before_consent=True)(_declined)
    # Not before consent: the dispatcher answers with the notice to accept.
    router.action(PREFIX, "say")(_say)
