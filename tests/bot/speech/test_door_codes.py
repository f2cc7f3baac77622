"""A door code is said whole (issue 41, point 3): "🔐 🦊 35" is heard as "Fuchs
fünfunddreißig", the picture by its name in the reader's language (the names beside the
pictures, handlers/media/door_codes.py DOOR_SYMBOLS), not as "fünfunddreißig" alone; any
other icon is still left out."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from bot.speech.number_words import number_words
from bot.speech.script import script
from handlers.helping.render import door_code_text
from handlers.media.door_codes import DOOR_SYMBOLS
from locales import SUPPORTED_LANGUAGES, translator


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("requester", [True, False])
def test_the_picture_of_a_door_code_is_said_by_its_name(lang, requester):
    t = translator(lang)
    for symbol, name in DOOR_SYMBOLS.items():
        said = t.gettext(name)
        assert said and not said.startswith("["), (lang, name)  # a name, not the msgid
        text = door_code_text(t, f"{symbol} 35", requester=requester, partner_name="Vera")
        first = script(text, [], t).split("\n")[0]
        # (ICU's Ukrainian apostrophe is said as the catalogs write it, ’.)
        number = number_words(35, lang).replace("\u02bc", "\u2019")
        assert first == f"{said} {number}.", (lang, symbol)


def test_the_code_in_a_line_of_its_own_and_in_a_sentence():
    de = translator("de")
    assert script(de.t("🔐 Code word: {code}", code="🦊 35"), [], de) == (
        "Codewort: Fuchs fünfunddreißig."
    )
    fa = translator("fa")
    said = script(fa.t("🔐 Code word: {code}", code="🐝 12"), [], fa)
    assert said.endswith("زنبور دوازده.")
    # Only the pictures of a code: one without its number, and every other icon, only
    # decorate.
    assert script(Markup("🦊 Danke 🔐 🌻"), [], de) == "Danke."
    assert script(Markup("🔑 35"), [], de) == "fünfunddreißig."
