"""A newcomer's first text tells the language it is answered in (handlers/helping/
text_language.py ``first_text_language``; issue 77 follow-up, SMSCODE point 2): the letters
only one language writes first, then the detector, the number's country deciding where
the text cannot. Before, there was no such guess: every first text was answered in the
city's first language."""

from __future__ import annotations

import pytest

from handlers.helping import text_language
from handlers.helping.text_language import TELLING, first_text_language
from locales import SUPPORTED_LANGUAGES


@pytest.mark.parametrize(
    ("text", "number_hint", "expected"),
    [
        # Arabic script: Persian's own letters (پ چ ژ گ, its ی and ک) against Arabic's (ي ك ة).
        ("مرحبا", "de", "ar"),
        ("السلام عليكم", "de", "ar"),
        ("\u0633\u0644\u0627\u0645 \u0686\u0637\u0648\u0631\u06cc", "de", "fa"),  # سلام چطوری
        ("\u06a9\u0645\u06a9", "ar", "fa"),  # کمک with Persian kaf, from a Syrian number
        ("\u0643\u0645\u0643", "fa", "ar"),  # the same word with Arabic kaf
        ("\u0645\u0633\u0627\u0639\u062f\u0629", "fa", "ar"),  # مساعدة: ta marbuta
        # Cyrillic: Ukrainian і ї є ґ, Russian ы э ё, else the words.
        ("Привіт", "de", "uk"),
        ("Їжа", "ru", "uk"),
        ("Вы здесь?", "uk", "ru"),
        ("Привет", "de", "ru"),
        ("Здравейте", "de", "bg"),
        ("Добър ден", "ru", "bg"),
        # Cyrillic without telling letters, the detector unsure: a Ukrainian number's
        # country decides ("Добрий день" is Ukrainian written without і ї є ґ).
        ("Добрий день", "uk", "uk"),
        ("Добрий день", None, "ru"),
        # Latin with the letters of one language.
        ("Dzień dobry", "de", "pl"),
        ("Cześć", None, "pl"),
        ("Bună ziua", "de", "ro"),
        ("Iyi günler, yardım lazım", "de", "tr"),
        ("İyi akşamlar", "de", "tr"),
        ("İSTANBUL", "de", "tr"),
        # Latin without them: the detector when sure, else the number's country.
        ("Hello, I need help with shopping", "de", "en"),
        ("Ich brauche Hilfe beim Einkaufen", "tr", "de"),
        ("Merhaba", "tr", "tr"),
        ("Hello", "de", "de"),
        ("Hallo", "de", "de"),
        ("Hi", None, None),
        # No letters: the number's country.
        ("123", "tr", "tr"),
        ("👋", "ar", "ar"),
        ("123", None, None),
    ],
)
def test_first_text_language(text: str, number_hint: str | None, expected: str | None) -> None:
    assert first_text_language(text, number_hint) == expected


def test_a_number_hint_of_no_language_here_is_no_hint() -> None:
    """A number from a country whose language the bot does not speak (+33: fr) hints
    nothing; the text still tells its own."""
    assert first_text_language("Bonjour", "fr") in (*SUPPORTED_LANGUAGES, None)
    assert first_text_language("123", "fr") is None
    assert first_text_language("Привіт", "fr") == "uk"


def test_telling_letters_belong_to_one_language_each() -> None:
    """No letter tells two languages (else a text with it would be a tie)."""
    letters = [char for chars in TELLING.values() for char in chars]
    assert len(letters) == len(set(letters))
    assert set(TELLING) <= set(SUPPORTED_LANGUAGES)


def test_the_detector_judges_a_first_text_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its scores choose the language and say how sure the choice is: one run of the
    detector a first text (before, two - ~1 ms each, on every newcomer's text)."""
    runs: list[str] = []
    judged = text_language.confidences

    def counted(text: str) -> dict[str, float]:
        runs.append(text)
        return judged(text)

    monkeypatch.setattr(text_language, "confidences", counted)
    assert first_text_language("Guten Tag, ich brauche Hilfe beim Einkaufen", "tr") == "de"
    assert first_text_language("Hello", "tr") == "tr"  # unsure: the number's country
    assert len(runs) == 2
