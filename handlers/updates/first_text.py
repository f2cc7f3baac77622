"""A newcomer's text before the privacy notice is agreed: told, not lost in silence.

Someone new often starts with what they need ("Ich brauche Hilfe beim Einkaufen"), before
choosing a language or agreeing. Nothing may be kept of them before consent, so the text
is neither passed on nor stored - and the onboarding's first answer says so, in the
language guessed for them (handlers/reader.py), with what they wrote quoted back
(:func:`handlers.text_safety.quoted`: escaped, each line isolated; bounded at
:data:`SHOWN` characters, cut at a word with "…"), so that they keep it and can send it
again after the few steps; a voice message, a photo or a file is said not passed on, without
a quote (the person still has it). Not on a line where the bot is heard (``Medium.SPOKEN``): a
caller cannot copy what they hear.

What the onboarding keeps of it is one mark in its own state (:data:`TYPED`), never the
text: the first main menu after "I agree" asks for the message again
(handlers/onboarding.py). The state is the onboarding's, gone with it ("No, thanks"
erases it as everything else).

No button data, no states.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handlers.context import Context
from handlers.messages import Media, Message, Text
from handlers.text_safety import clean_text, quoted, readable
from handlers.ui import shortened
from locales import N_, Medium

# The onboarding state's mark: a text came before consent (its content is not kept).
TYPED = "typed"
# At most this many characters of it are quoted back: whatever its length, one message
# that fits every channel (a text's pages too).
SHOWN = 400

NOT_PASSED_ON = N_(
    "📝 Your message has not been passed on to anyone, and it is not kept. First a few "
    "short steps (language, privacy notice), then please send it again. You wrote:"
)
# A voice message, a photo or a file: the same, without the quote (the person still has it).
NOT_PASSED_ON_SENT = N_(
    "📝 Your message has not been passed on to anyone, and it is not kept. First a few "
    "short steps (language, privacy notice), then please send it again."
)
# What a person sends as their need, not as a greeting (a sticker, anything else).
_SENT = frozenset({"voice", "audio", "photo", "video", "document"})
SEND_AGAIN = N_("📝 Now please send your message again: the one from before was not passed on.")


def note(ctx: Context) -> Markup | None:
    """Before consent, a text the onboarding does not take: what tells the person it was
    not passed on nor kept, with what they wrote, to send again; None for anything else."""
    event = ctx.incoming.event
    if ctx.user.consent_at is not None or ctx.t.medium == Medium.SPOKEN:
        return None
    if isinstance(event, Media):
        return ctx.t.t(NOT_PASSED_ON_SENT) if event.kind in _SENT else None
    if not isinstance(event, Text):
        return None
    text = clean_text(event.text).strip()
    if not readable(text) or len(text.split()) < 2:
        # "👋", "Hallo", "مرحبا": a greeting the onboarding's own answers, nothing to lose.
        return None
    return Markup("\n").join([ctx.t.t(NOT_PASSED_ON), quoted(ctx.t, shortened(text, SHOWN))])


def say(ctx: Context, told: Markup | None, mark: int) -> None:
    """``told`` at the top of the step's message the onboarding just wrote (its newest
    with choices after ``mark`` in ``ctx.out``): one message, read first, that stays the
    newest with choices - a message after it would end its numbered choices (Matrix, SMS:
    bot/transports/numbered_choices.py), and a texter's first text keeps the choices
    whole with it. Its own message where the step wrote none; nothing for None."""
    if told is None:
        return
    for item in reversed(ctx.out[mark:]):
        if isinstance(item, Message) and item.buttons:
            item.text = told + "\n\n" + item.text
            return
    ctx.reply(told)


def marked(data: dict[str, str], typed: bool, before: dict[str, Any]) -> dict[str, str]:
    """The onboarding's new state ``data`` with the mark, where a text came now (``typed``)
    or before (in the state ``before``)."""
    if typed or before.get(TYPED):
        return {**data, TYPED: "1"}
    return data


def reminder(ctx: Context, data: dict[str, Any]) -> Markup | None:
    """The first main menu's line asking for the message again, where one came before."""
    return ctx.t.t(SEND_AGAIN) if data.get(TYPED) else None
