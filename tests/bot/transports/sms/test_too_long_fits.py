"""The refusal of a text too long for its step (handlers/dispatcher.py ``TOO_LONG``) fits
one text in every language, easy language too, with a step's choices (Skip, Cancel) as a
texter gets them (docs/sms.md: a text is at most two segments, a longer one is paged at a
sentence). Before, it was cut in Arabic, Persian, Russian and easy German, and "please send
it shorter" came only after the texter sent "0" for more."""

from __future__ import annotations

import pytest

from bot.transports.sms.segments import count, folded
from handlers.dispatcher import TOO_LONG
from handlers.media.texted_form import form_of
from handlers.messages import Button, Message
from locales import SUPPORTED_LANGUAGES, translator


@pytest.mark.parametrize("easy", [False, True])
@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_refusal_of_a_long_text_fits_two_segments(lang: str, easy: bool) -> None:
    t = translator(lang, easy, "sms")
    text = t.t(TOO_LONG, length=1234, limit=1000)
    choices = [
        [Button("⏭ " + t._("Skip"), "hr:skip")],
        [Button("✖️ " + t._("Cancel"), "hr:cancel")],
    ]
    form = form_of(Message(text, choices), t)
    assert form is not None
    sent = folded(f"{form.body}\n{form.lines}")  # as the transport cuts it
    assert count(sent) <= 2, (lang, easy, count(sent), sent)
