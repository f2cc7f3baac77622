"""The offer of easy language (handlers/easy_language.py) and its buttons, apart from the
module that acts on them: read aloud makes the offer right after someone turned it on
(handlers/read_aloud.py), and easy language's answer to it has the privacy notice said the
way read aloud was chosen - so both import this, and neither imports the other's answers.

Button data (handled by handlers/easy_language.py): ``easy:on``, ``easy:off``, ``easy:no``.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.messages import Button, Message
from locales import Translator

PREFIX = "easy"


def choice_button(t: Translator, on: bool) -> Button:
    """The button that switches easy language on (``on``) or back to the usual texts."""
    if on:
        return Button("🟢 " + t._("Easy language"), f"{PREFIX}:on")
    return Button("📝 " + t._("Usual language"), f"{PREFIX}:off")


def offer_button(t: Translator) -> list[Button]:
    """Easy language as a button under another answer (read aloud just turned on)."""
    return [choice_button(t, True)]


def offer(ctx: Context) -> Message:
    """Offered to someone who just turned read aloud on and does not have easy language
    yet: one question, two buttons. The message, for a caller that has it said."""
    t = ctx.t
    message = Message(
        t.t("🟢 Shall I write to you in easy language? Short sentences, simple words."),
        [[choice_button(t, True)], [Button("📝 " + t._("No, as usual"), f"{PREFIX}:no")]],
    )
    ctx.send(message)
    return message
