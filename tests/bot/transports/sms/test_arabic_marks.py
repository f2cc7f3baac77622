"""Arabic texts carry their vowel marks only where they cost no segment (issue 101, point 7).

The Arabic catalog writes the short vowels where the phone says the words (eSpeak NG needs
them), and an SMS carried them too: free on the main walk (the words take the segments
anyway), one or two segments more on side paths. Decided: a text keeps its marks unless
they cost it a segment; then it goes unvocalised, as Arabic is usually written. Every
Arabic message of the catalogs (usual and easy), texted through the SMS path (form_of, then
the segments' folding)."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po
from markupsafe import Markup

import bot.transports.registry  # noqa: F401 - declares the SMS medium
from bot.transports.sms.segments import count, folded
from handlers.media.texted_form import form_of
from handlers.messages import Message
from handlers.reader import Medium, translator_for
from locales.catalogs import LOCALES_DIR

MARKS = re.compile("[\u064b-\u0652]")


def test_vowel_marks_are_texted_only_where_they_cost_nothing():
    t = translator_for("ar", False, Medium.TEXTED)
    stripped = kept = 0
    for domain in ("messages", "easy"):
        with open(LOCALES_DIR / "ar" / "LC_MESSAGES" / f"{domain}.po", "rb") as fp:
            texts = [m.string for m in read_po(fp) if isinstance(m.string, str)]
        for text in texts:
            if not MARKS.search(text):
                continue
            form = form_of(Message(Markup(text)), t)
            if form is None or not form.body:
                continue
            sent = folded(form.body)
            bare = MARKS.sub("", form.body)
            if count(bare) < count(form.body):
                assert not MARKS.search(sent) and count(sent) == count(bare), text
                stripped += 1
            else:
                assert MARKS.search(sent), text  # free: the words as written
                kept += 1
    assert stripped and kept, (stripped, kept)
