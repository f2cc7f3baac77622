"""A text of any length and any digits is prepared for speech in bounded work
(bot/speech/script.py): cut before any pattern runs, every pattern linear by its shape,
numbers ICU cannot say said digit by digit (and the preparing is done off the event loop:
tests/bot/speech/test_shared_engine.py).

No test here measures time: the patterns' shapes are checked (an unbounded repeat that
could give back what it took, or a pattern that may start inside a run, is what made a
2,000-digit text take a second and a 20,000-digit one minutes), the outputs of long
texts are checked, and the speed is bench/speech_soak.py's figure.
"""

from __future__ import annotations

import re._constants as sre
import re._parser as sre_parse

import pytest
from markupsafe import Markup

from bot.speech import script as script_module
from bot.speech.number_words import number_words
from bot.speech.script import MOST_CHARACTERS, MOST_WRITTEN, patterns, script
from locales import SUPPORTED_LANGUAGES, translator

_REPEATS_THAT_GIVE_BACK = (sre.MAX_REPEAT, sre.MIN_REPEAT)


def _backtracking_repeats(items: sre_parse.SubPattern | list) -> list[str]:
    """The unbounded repeats in a parsed pattern that are not possessive."""
    found = []
    for op, value in items:
        if op in _REPEATS_THAT_GIVE_BACK:
            _low, high, sub = value
            if high == sre.MAXREPEAT:
                found.append(str(op))
            found += _backtracking_repeats(sub)
        elif op in (sre.POSSESSIVE_REPEAT,):
            found += _backtracking_repeats(value[2])
        elif op in (sre.SUBPATTERN,):
            found += _backtracking_repeats(value[3])
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            found += _backtracking_repeats(value[1])
        elif op == sre.ATOMIC_GROUP:
            found += _backtracking_repeats(value)
        elif op == sre.BRANCH:
            for branch in value[1]:
                found += _backtracking_repeats(branch)
        elif op == sre.GROUPREF_EXISTS:
            found += _backtracking_repeats(value[1])
            if value[2] is not None:
                found += _backtracking_repeats(value[2])
    return found


def _begins_where_a_scan_may(items: sre_parse.SubPattern | list) -> bool:
    """Whether every way the pattern can begin is a literal sign, an anchor or a
    lookbehind: a match is then tried from a run's start, not from each of its
    characters."""
    if not len(items):
        return False
    op, value = items[0]
    if op == sre.BRANCH:
        return all(_begins_where_a_scan_may(branch) for branch in value[1])
    if op == sre.SUBPATTERN:
        return _begins_where_a_scan_may(value[3])
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        return value[0] == -1  # a lookbehind
    return op in (sre.LITERAL, sre.AT)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_pattern_is_linear_by_its_shape(lang):
    checked = patterns(lang)
    assert len(checked) > 15
    for pattern in checked:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
        assert not _backtracking_repeats(parsed), pattern.pattern
        assert _begins_where_a_scan_may(parsed), pattern.pattern


def test_the_shape_check_finds_the_patterns_that_were_quadratic():
    """The money and distance patterns as they were: 1,000 digits 0.32 s, 2,000 1.1 s."""
    amount = r"\d{1,3}(?:\.\d{3})*(?:,\d{2})?|\d+(?:,\d{2})?"
    money = sre_parse.parse(rf"€\s?({amount})|({amount})\s?€")
    distance = sre_parse.parse(r"\s?(\d+(?:,\d+)?)\s?km(?!\w)")
    for shape in (money, distance):
        assert _backtracking_repeats(shape) or not _begins_where_a_scan_may(shape)


LONG = {
    "digits": "5" * 20_000,
    "a decimal ICU cannot say": "1," + "5" * 1998,
    "another": "1." + "5" * 1998,
    "groups": "1" + ".234" * 5000,
    "amount": "12345678901234567890 €",
    "distance": "5" * 5000 + " km",
    "many times": "10:00 " * 3000,
}


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("shape", sorted(LONG))
def test_a_long_run_of_digits_is_said_and_bounded(lang, shape):
    t = translator(lang)
    said = script(Markup.escape(LONG[shape]), [], t)
    assert 0 < len(said) <= MOST_CHARACTERS
    assert not any(c.isdigit() for c in said), said[:200]


def test_a_number_icu_cannot_say_is_said_digit_by_digit():
    # Beyond a float's range PyICU raises a SystemError.
    assert number_words(int("5" * 400), "ar") == " ".join(["خمسة"] * 400)
    assert number_words(int("12" + "0" * 400), "de").startswith("eins zwei null null")


def test_the_text_is_cut_before_any_pattern_runs(monkeypatch):
    seen: list[int] = []
    real = script_module.words

    def words(text: str, t):
        seen.append(len(text))
        return real(text, t)

    monkeypatch.setattr(script_module, "words", words)
    labels = ["7" * 50_000] * 1000
    said = script(Markup("5" * 100_000 + "\n" + "6" * 100_000), labels, translator("de"))
    assert len(said) <= MOST_CHARACTERS
    assert seen and max(seen) <= MOST_WRITTEN
    # What is said is what the first lines and buttons give, and no more is read.
    assert sum(seen) <= MOST_WRITTEN * 2
