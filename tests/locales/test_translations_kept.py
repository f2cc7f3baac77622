"""A translator keeps a chat's messages as translated (locales ``Translator.gettext`` and
``Translator.t`` without values): the same words as translating each time, in every
language, never more than MESSAGES_KEPT of them; a medium's translator keeps none, so a
variant declared after its first message still applies."""

from __future__ import annotations

import locales
from locales import SUPPORTED_LANGUAGES, Translator, medium_variant, translator

MENU = "Main menu"
WITH_COMMAND = "Help your neighbours as a volunteer — write /volunteer to the bot"


def test_kept_words_are_the_words_translated_each_time() -> None:
    for lang in SUPPORTED_LANGUAGES:
        for easy in (False, True):
            kept = translator(lang, easy=easy)
            fresh = Translator(lang, easy=easy)
            for message in (MENU, WITH_COMMAND):
                for _ in range(2):
                    assert kept.gettext(message) == fresh._directional(fresh._tr.gettext(message))
                    assert kept.t(message) == fresh.format(fresh.gettext(message))


def test_values_are_filled_each_time() -> None:
    t = translator("de")
    assert t.t("You are {name}. Type /start to begin.", name="Ana") != t.t(
        "You are {name}. Type /start to begin.", name="Ola"
    )


def test_a_translator_keeps_at_most_messages_kept(monkeypatch) -> None:
    monkeypatch.setattr(locales, "MESSAGES_KEPT", 3)
    t = Translator("tr")
    said = [t.t(f"message {n}") for n in range(10)]
    assert said == [f"message {n}" for n in range(10)]
    assert len(t._translated) == 3 and len(t._shown) == 3


def test_a_variant_declared_after_a_medium_s_first_message_applies() -> None:
    spoken = translator("pl", medium="spoken")
    chat_message = "A chat message no variant had yet (test)"
    assert spoken.t(chat_message) == chat_message
    try:
        medium_variant("spoken", chat_message, MENU)
        assert spoken.t(chat_message) == translator("pl").t(MENU)
        assert translator("pl").t(chat_message) == chat_message
    finally:
        locales._VARIANTS.pop(("spoken", chat_message), None)
