"""Easy German's middle dot inside a word reaches a text message as the whole word (issue
101, point 7): "Telefon·nummer" was texted "Telefon-nummer" (GSM-7 has no middle dot, and
the SMS path folded it to a hyphen), a misspelt word. Every easy German message with one,
through the SMS path (form_of, then the segments' folding): each such word whole."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po
from markupsafe import Markup

import bot.transports.registry  # noqa: F401 - declares the SMS medium
from bot.transports.sms.segments import encoding, folded
from handlers.media.texted_form import form_of
from handlers.messages import Message
from handlers.reader import Medium, translator_for
from locales.catalogs import LOCALES_DIR

_DOTTED = re.compile(r"\w+(?:·\w+)+")


def test_a_dotted_word_is_texted_whole():
    t = translator_for("de", True, Medium.TEXTED)
    with open(LOCALES_DIR / "de" / "LC_MESSAGES" / "easy.po", "rb") as fp:
        texts = [m.string for m in read_po(fp) if isinstance(m.string, str) and "·" in m.string]
    assert texts
    for text in texts:
        form = form_of(Message(Markup(text)), t)
        assert form is not None
        sent = folded(form.body)
        for word in _DOTTED.findall(form.body):
            assert word.replace("·", "") in sent, (word, sent)
    # The German easy notice's words in GSM-7 (one segment's alphabet).
    assert encoding(folded("Ihre Telefon·nummer und Ihr Vor·name")) == "gsm7"
    assert folded("Ihre Telefon·nummer und Ihr Vor·name") == "Ihre Telefonnummer und Ihr Vorname"
