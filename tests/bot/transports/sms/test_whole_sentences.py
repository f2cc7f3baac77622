"""Whole sentences in every text, the ones "0" brings too (QA of the texts), through real
Kannel with fakesmsc (tests/support/sms/city.py): a Ukrainian texter asking for help got the
explanation in texts of two UCS-2 segments (134 characters), and its first sentence, 137
characters long, was cut between words - "… бланками, смартфоном, а також" in one text,
"складають компанію." in the next. A text now takes a segment more where a sentence is
longer than two (bot/transports/sms/paging.py ``page``).

A text that goes on in the next begins its rest with a new line or a new sentence: in
Ukrainian and Russian, a capital letter (a cut between words began the next text with a
small one)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from bot.transports.sms.paging import more_line
from db import Database
from locales import language_name, translator
from tests.support.sms.city import City, Resident

NUMBER = "+4917655556666"


@pytest.mark.parametrize("lang", ["uk", "ru"])
async def test_the_help_explanation_comes_in_whole_sentences(
    make_city: Callable[..., object], db: Database, lang: str
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    texter = Resident(city, NUMBER)
    t = translator(lang)
    await texter.say("Привіт")
    await texter.choose(language_name(lang))
    await texter.choose(t._("I agree"))
    await texter.choose(t._("Ask for help"))
    more = more_line(t)
    texts = [texter.new[-1].text]
    while more in texts[-1]:
        (answer,) = await texter.say("0")
        texts.append(answer.text)

    assert len(texts) > 1, texts
    for before, after in itertools.pairwise(texts):
        assert after[:1].isupper(), f"cut in a sentence: {before!r} | {after!r}"
    assert all(answer.parts <= 3 for answer in texter.texts)
