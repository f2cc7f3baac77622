"""Read aloud names buttons in the reader's register (issue 43): an easy reader hears a
button by its number ("1: Einkaufen."), a usual one by its place ("Erster Knopf: …")."""

from __future__ import annotations

from bot.speech.script import script
from locales import translator


def test_an_easy_reader_hears_the_buttons_by_their_number():
    labels = ["🛒 Einkaufen", "➕ Mehr"]
    usual = script("Wobei brauchen Sie Hilfe?", labels, translator("de"))
    easy = script("Wobei brauchen Sie Hilfe?", labels, translator("de", easy=True))
    assert usual.splitlines()[1:] == ["Erster Knopf: Einkaufen.", "Zweiter Knopf: Mehr."]
    assert easy.splitlines()[1:] == ["1: Einkaufen.", "2: Mehr."]
