"""A translator keeps a chat's messages as translated (locales ``Translator.gettext`` and
``Translator.t`` without values): the same words as translating each time, in every
language, never more than MESSAGES_KEPT of them; a medium's translator keeps none, so a
variant declared after its first message still applies."""

from __future__ import annotations

import _string

from markupsafe import Markup

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


def test_every_message_is_filled_as_markupsafe_fills_it() -> None:
    """Translator.format puts values into a message with bare names by str.format:
    the same text as markupsafe's formatter gives, in every catalog message and language,
    values with markup characters and right-to-left letters included."""
    compared = 0
    for lang in SUPPORTED_LANGUAGES:
        t = translator(lang)
        for message in t._tr._catalog.values():
            texts = message if isinstance(message, tuple) else (message,)
            for text in texts:
                try:
                    names = {f for _, f, _, _ in _string.formatter_parser(text) if f}
                except ValueError:
                    continue
                values = {name: f"<{name}> & \u0639\u0644\u064a" for name in names}
                try:
                    slow = Markup(text).format(
                        **{k: t._value(t._identified(k, v)) for k, v in values.items()}
                    )
                except (KeyError, IndexError, ValueError, AttributeError):
                    continue
                if t.rtl:
                    slow = locales.start_right_to_left(slow)
                assert t.format(text, **values) == slow, (lang, text)
                compared += 1
    assert compared > 1000
