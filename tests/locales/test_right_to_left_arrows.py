"""In Arabic and Farsi, back points right and on (more, next) points left: in the chat's
buttons, in the catalogs' texts and on the web pages."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from locales import translator
from tests.support.cli import ROOT

# Arrows that say a direction (not ▶️ "resume", which is a play sign).
DIRECTIONS = {"➡️": "⬅️", "⬅️": "➡️", "→": "←", "←": "→"}


@pytest.mark.parametrize("lang", ["ar", "fa"])
def test_catalog_arrows_point_the_readers_way(lang: str):
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalog = read_po(file)
    wrong = []
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue
        for arrow, mirrored in DIRECTIONS.items():
            if arrow in message.id and arrow in str(message.string):
                wrong.append((message.id, message.string, mirrored))
    assert wrong == []


def test_back_and_on_arrows_mirror_in_right_to_left_languages():
    assert (translator("de").arrow("back"), translator("de").arrow("on")) == ("◀️", "▶️")
    for lang in ("ar", "fa"):
        t = translator(lang)
        assert (t.arrow("back"), t.arrow("on")) == ("▶️", "◀️")
        assert (t.arrow("back", emoji=False), t.arrow("on", emoji=False)) == ("→", "←")
