"""QA of the SMS line (issue 77 follow-up, QA-VOICE), through real Kannel: a texter who
picks a place of the list gets its details, cut to fit with "More: send 0" and its choices,
and then its address as a text of its own (the chat's map pin, a ``Venue`` that goes
*alongside* the answer's message: bot/transports/contract.py ``Routed.alongside``). Before,
the SMS transport took that address text for the newest message: "0" no longer sent the
rest of the details (the place search took it for a district: 'I don't know "0"') and the
details' numbered choices pressed nothing. Now what goes alongside leaves the message's rest
and choices as they were, as numbered_choices.py promises for every transport."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from bot.transports.sms.paging import more_line
from db import Database
from locales import translator
from tests.support.places_sample import import_sample
from tests.support.sms.city import City, Resident

GREETINGS = {"de": ("Hallo", "+4917622220001"), "uk": ("Привіт", "+380501230001")}


@pytest.mark.parametrize("lang", ["de", "uk"])
async def test_more_and_the_choices_of_a_place_outlast_its_address(
    make_city: Callable[..., object], db: Database, lang: str
) -> None:
    await import_sample(db)
    city: City = await make_city()  # type: ignore[misc]
    t = translator(lang)
    greeting, number = GREETINGS[lang]
    texter = Resident(city, number)
    await texter.say(greeting)
    await texter.say("1")  # her language, offered first
    await texter.choose(t._("I agree"))
    await texter.say("44145")
    details, address = await texter.say("1")  # the first place: details, then address
    more = more_line(t)
    assert more in details.text, details.text
    assert more not in address.text and "\n1 " not in address.text, address.text
    # "0": the rest of the details - not a search for "0" with districts to choose from.
    # (The rest of a cut text is body alone: its choices all came in the first text.)
    rest = await texter.say("0")
    assert rest, "nothing came for 0"
    for text in rest:
        assert not re.search(r"^\d+ ", text.text, re.MULTILINE), text.text
    # The details' choices still press: "back to the list" brings the list again.
    texter.new = [details]
    relisted = await texter.choose(t._("Back to the list"))
    assert any(t._("Filters") in text.text for text in relisted), [x.text for x in relisted]
