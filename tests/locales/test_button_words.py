"""A button and a sentence never share a source string: in every language a button starts
with its icon and a capital (where the script has capitals: "⚡ En kısa sürede", "⏰ За 1
годину"), the same words inside a sentence start lower-case and carry no icon."""

from __future__ import annotations

import pytest

from handlers.events.chat import OFFSET_BUTTONS, OFFSET_WORDS
from handlers.helping.vocabulary import DAY_PART_BUTTONS, DAY_PARTS, WHEN, WHEN_BUTTONS
from locales import SUPPORTED_LANGUAGES, translator

BUTTONS = [*WHEN_BUTTONS.values(), *DAY_PART_BUTTONS.values(), *OFFSET_BUTTONS.values()]
SENTENCE_WORDS = [*WHEN.values(), *DAY_PARTS.values(), *OFFSET_WORDS.values()]


def first_letter(text: str) -> str:
    return next((c for c in text if c.isalpha()), "")


def icon(text: str) -> str:
    return text.split(" ", 1)[0]


def test_buttons_and_sentences_have_their_own_source_strings():
    assert not set(BUTTONS) & set(SENTENCE_WORDS)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_buttons_start_with_their_icon_and_a_capital(lang):
    t = translator(lang)
    for source in BUTTONS:
        label = t._(source)
        assert icon(label) == icon(source) and not icon(source).isalnum(), (lang, label)
        # "⏰ 1 hour before": a number first, its word follows it; otherwise a capital.
        words = label.split(" ", 1)[1]
        if not words[0].isdigit():
            assert not first_letter(words).islower(), (lang, label)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_same_words_in_a_sentence_start_lower_case_without_an_icon(lang):
    t = translator(lang)
    for source in SENTENCE_WORDS:
        words = t._(source)
        assert words[0].isalnum(), (lang, words)
        # German writes its nouns with a capital anywhere ("1 Stunde vorher").
        if lang != "de" and not words[0].isdigit():
            assert not first_letter(words).isupper(), (lang, words)
