"""Issue 84 point 2 (VOICE-FIX), through real Kannel: the first text of a texter's first
contact ended with the languages but the question that leads them in ("Bitte wählen Sie
Ihre Sprache:") came only on "0", a text that ended with it and no choice. A texter gets
whole sentences and a usable choice in every text: the lead-in of the choices comes in the
same text as the choices, just before them, and no text ends with a lead-in (a line that
ends in a colon), in German (the first contact) and in the other languages after the
choice.

Each step waits for events (tests/support/sms/city.py), never for a time."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from bot.transports.sms.paging import more_line
from handlers.reader import Medium, translator_for
from locales import SUPPORTED_LANGUAGES
from tests.support.sms.city import City, Resident

_CHOICE = re.compile(r"^\d+ ")
_LEAD_IN = re.compile(r"[:：]\s*$")


async def _all_pages(greta: Resident, first: list[str], more: str) -> list[str]:
    """The texts of one answer: ``first`` and every "0" page after it."""
    texts = list(first)
    while texts and more in texts[-1].splitlines():
        texts += [text.text for text in await greta.say("0")]
    return texts


def _check(texts: list[str]) -> None:
    """No text ends with a lead-in: a lead-in comes with what it leads in."""
    assert texts
    for text in texts:
        assert not _LEAD_IN.search(text.splitlines()[-1]), f"a text ends with a lead-in: {text!r}"


def _led_in(text: str) -> bool:
    """Whether the line before the text's first choice leads the choices in."""
    lines = text.splitlines()
    first = next(at for at, line in enumerate(lines) if _CHOICE.match(line))
    return first > 0 and bool(_LEAD_IN.search(lines[first - 1]))


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
async def test_a_lead_in_comes_with_its_choices_in_one_text(
    make_city: Callable[..., object], lang: str
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    greta = Resident(city, "+4917633333336")
    german = more_line(translator_for("de", False, Medium.TEXTED))
    first = [text.text for text in await greta.say("Hallo")]
    texts = await _all_pages(greta, first, german)
    _check(texts)
    assert _led_in(texts[0])  # "Bitte wählen Sie Ihre Sprache:", then "1 Deutsch"
    # The languages: the number of the reader's own.
    (number,) = [
        line.split(" ", 1)[0]
        for line in texts[0].splitlines()
        if _CHOICE.match(line) and SUPPORTED_LANGUAGES.index(lang) + 1 == int(line.split()[0])
    ]
    t = translator_for(lang, False, Medium.TEXTED)
    answer = [text.text for text in await greta.say(number)]
    _check(await _all_pages(greta, answer, more_line(t)))
