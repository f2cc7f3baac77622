"""Every text that asks for the code texted to the number fits two segments in every
language, with its "No" choice, as a texter gets it (docs/sms.md: a text is at most two
segments). A longer one is paged at a sentence: the first text asked for the code and its
"If you did not ask for this, do nothing" waited behind "0" - the one sentence that tells
the real holder of a forged request what to do. "Help is done", ending a contact, agreeing
to the notice and changing how messages come were three segments in Turkish, Ukrainian,
Russian, Romanian, Bulgarian and Polish (agreeing in Persian too).

Each constant of handlers/helping/code_texts.py, the one module of them, so a new code text
is measured without being listed here; and the channel's, which lives below it
(handlers/numbers/reach.py)."""

from __future__ import annotations

import pytest

from bot.transports.sms.segments import count, folded
from handlers.helping import code_texts
from handlers.media.texted_form import form_of
from handlers.messages import Button, Message
from handlers.numbers import reach
from locales import SUPPORTED_LANGUAGES, translator

ASKING = {
    name: text
    for name, text in vars(code_texts).items()
    if name.isupper() and isinstance(text, str) and "{code}" in text
} | {"reach.CODED": reach.CODED}
# What the placeholders hold: a request number of five digits, a first name of nine letters
# (a text for the helper names her; the text itself follows on its own line), a number, a
# sum laid out (a helper's shopping, as Translator.money writes it).
VALUES = {
    "code": "471108",
    "id": 12345,
    "name": "Alexandra",
    "number": "+4917612345678",
    "amount": "1.234,50 €",
}


def test_every_code_text_of_the_module_is_measured() -> None:
    # The module's own texts, all of them asking for the code (none left out by a typo).
    assert len(ASKING) >= 17 and {"DONE", "END", "AGREE", "PASS_ON"} <= ASKING.keys()


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_code_text_fits_two_segments(lang: str) -> None:
    t = translator(lang)
    too_long = {}
    for name, asked in ASKING.items():
        text = t.t(asked, **VALUES)
        form = form_of(Message(text, [[Button("↩️ " + t._("No"), "coded:no")]]), t)
        assert form is not None
        sent = folded(f"{form.body}\n{form.lines}")  # as the transport cuts it
        if count(sent) > 2:
            too_long[name] = sent
    assert not too_long, (lang, too_long)
