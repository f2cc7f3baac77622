"""Issue 77 follow-up (SMSCODE, point 2), through real Kannel: a new number's first text is
answered in the language it is written in, with the language choice still offered -
before, "مرحبا" was answered "Hallo!" and the German list. The text's letters and words
decide (handlers/helping/text_language.py ``first_text_language``), the number's country
where the text cannot (a Turkish number's "Merhaba").

What is checked is the choice the answer puts first (the language picker puts the
reader's language first, ticked) and that every language is still offered; each step waits
for events (tests/support/sms/city.py)."""

from __future__ import annotations

import re
from collections.abc import Callable

from handlers.helping.text_language import script_of
from locales import SUPPORTED_LANGUAGES, language_name
from tests.support.sms.city import City, Resident

_CHOICE = re.compile(r"^(\d+) (.+)$")

# (number, first text, the language it is answered in); each number a prefix of its own,
# so the day's first contacts per prefix (five) take them all.
FIRST_TEXTS = (
    ("+4917610000001", "مرحبا، أحتاج مساعدة في التسوق", "ar"),
    ("+4917620000001", "سلام، برای خرید کمک لازم دارم", "fa"),
    ("+4917630000001", "Добрий день! Мені потрібна допомога", "uk"),
    ("+4917640000001", "Здравствуйте, мне нужна помощь", "ru"),
    ("+4917650000001", "Здравейте, търся помощ за пазаруване", "bg"),
    ("+4917660000001", "Dzień dobry, potrzebuję pomocy", "pl"),
    ("+905321234567", "Merhaba", "tr"),
    ("+4917670000001", "Hallo", "de"),
)


def _choices(text: str) -> list[str]:
    return [found.group(2) for line in text.splitlines() if (found := _CHOICE.match(line))]


async def test_a_first_text_is_answered_in_its_language(
    make_city: Callable[..., object],
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    for number, text, lang in FIRST_TEXTS:
        newcomer = Resident(city, number)
        first = (await newcomer.say(text))[0].text
        choices = _choices(first)
        assert choices and choices[0].startswith(language_name(lang)), (lang, first)
        # The choice is still offered: every language, in the first text.
        for code in SUPPORTED_LANGUAGES:
            assert any(choice.startswith(language_name(code)) for choice in choices), (lang, code)
        greeting = first.split("\n")[0]
        if lang in ("ar", "fa"):
            assert script_of(greeting) == "ARABIC", first
        if lang in ("uk", "ru", "bg"):
            assert script_of(greeting) == "CYRILLIC", first
