"""Issue 98, point 5: a forged text neither replaces nor drops what a resident holds for her
code, and a code text says what it confirms. Through real Kannel (tests/support/sms/city.py).

Before: she changed her request by text and got code A; a forged text from her number a
moment later got code B, worded exactly like A; A was refused and B published the forger's
words. Any other text dropped what she held, so a forger texting "x" kept her from ever
confirming. Now the code's text quotes the request as it would read, and while her code is
valid nothing but that code reaches what she holds: every other text is answered that it
was not used, and no second code is made.

A forger sends from her number but never receives its texts: a text sent "by the forger"
is a text from her number whose answer the test does not use."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.transports.sms.paging import more_line
from bot.transports.sms.segments import count, cut, fit
from db import Database
from db.request_states import OPEN, REVIEW
from handlers.helping.requests_flow import what_is_sent
from handlers.media.texted_form import form_of
from handlers.messages import Message
from handlers.numbers import coded_acts
from handlers.text_safety import invisible
from locales import SUPPORTED_LANGUAGES, translator
from tests.bot.transports.sms.test_forged_requests import (
    CHANGED,
    FORGED,
    OWN,
    T,
    _change_description,
    _greta,
)
from tests.support.help_story import GROUP, grant_role_to, press
from tests.support.sms.city import City, Resident, write_request
from tests.support.sms.codes import code_in, has_code, lapse

# What every text but the code is answered while an act waits for it (its first words).
NOT_USED = T.t(coded_acts.WAITING, time="").removeprefix("⏳ ").split(":")[0]


async def _published(city: City, db: Database) -> tuple[Resident, int]:
    """Greta's own request, sent with her code and published: she and its id."""
    greta, user_id = await _greta(city, db)
    await greta.say(code_in(await write_request(greta, OWN)))
    (request,) = await db.requests.for_requester(user_id)
    await city.story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    await city.story.in_group("cora", press(f"mod:ok:{request.id}"))
    await city.flush()
    return greta, request.id


async def test_her_held_change_survives_forged_texts_and_her_code_does_it(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    greta, request_id = await _published(city, db)

    # Her change: the code's text says what it confirms - her new words, quoted.
    asked = await _change_description(greta, request_id, CHANGED)
    assert CHANGED in asked, asked
    code = code_in(asked)

    # A forger's "x", a command and a change of his own from her number: none is used,
    # each is told so, and no second code is sent.
    for forged in ("x", "/myrequests", "1"):
        (answer,) = await greta.say(forged)
        assert NOT_USED in answer.text, answer.text
        assert not has_code(answer.text), answer.text
    kept = await db.requests.get(request_id)
    assert kept is not None and kept.state == OPEN and kept.description == OWN

    # Her code A still does her change, and only hers.
    await greta.say(code)
    await city.flush()
    changed = await db.requests.get(request_id)
    assert changed is not None and changed.state == REVIEW and changed.description == CHANGED
    assert CHANGED in city.story.received(GROUP)


async def test_a_forgers_held_change_quotes_his_words_and_takes_no_place_of_hers(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    greta, request_id = await _published(city, db)

    # The forger's change first: its code text, which reaches her phone, quotes his
    # address and number - she does nothing.
    forged = await _change_description(greta, request_id, FORGED)
    assert "Hauptstraße 5" in forged and "0176 5555555" in forged, forged

    # Her own change meanwhile is not put in its place: told, and no code for it.
    (answer,) = await greta.say("/myrequests")
    assert NOT_USED in answer.text and not has_code(answer.text), answer.text

    # Once the forger's code lapsed, her own change gets its code, which does hers.
    await lapse(db, greta.number)
    asked = await _change_description(greta, request_id, CHANGED)
    assert CHANGED in asked and "Hauptstraße" not in asked, asked
    await greta.say(code_in(asked))
    changed = await db.requests.get(request_id)
    assert changed is not None and changed.description == CHANGED


# The joiners Persian and Arabic writing needs: letters' shapes, not marks.
JOINERS = {"\u200c", "\u200d"}
# A change as long as a description may be, with a place and a day: the longest quote.
LONG = {
    "category": "shopping",
    "description": " ".join(["Bitte bringen Sie mir Brot, Milch und Äpfel vom Markt."] * 8),
    "description_lang": "de",
    "area_name": "Innenstadt-Nord",
    "when_kind": "date",
    "when_text": "2026-12-01 afternoon",
    "languages": ("de", "tr"),
}


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_what_the_code_sends_is_quoted_in_whole_texts(lang: str) -> None:
    """As a texter gets it, in every language: the request the code would send, in a text
    of its own after the one with the code (which keeps "if you did not ask for this, do
    nothing" in its first text: test_code_texts_fit.py), paged on "0" at line ends, each
    text within two segments (three for a sentence longer than that); the new words and
    the place whole; no invisible mark (Persian keeps its joiners)."""
    t = translator(lang)
    form = form_of(Message(what_is_sent(t, dict(LONG))), t)
    assert form is not None
    page = fit(form, t)
    texts = [page.first]
    while page.rest:
        page = cut(page.rest, more_line(t))
        texts.append(page.first)
    assert all(count(text) <= 3 for text in texts), [count(text) for text in texts]
    assert count(texts[0]) <= 2, texts[0]
    more = more_line(t)
    joined = " ".join(" ".join(text.removesuffix(more) for text in texts).split())
    assert LONG["description"] in joined and "Innenstadt-Nord" in joined, texts
    assert not any(invisible(ch) and ch not in JOINERS for text in texts for ch in text), lang


async def test_her_erasure_waits_for_its_code_whatever_else_comes(
    make_city: Callable[..., object], db: Database
) -> None:
    """An erasure asked for is held as an act is: a forged "x" or "1" from her number no
    longer drops it (before, any other text kept the data and ended the wait), and her
    code erases."""
    city: City = await make_city()  # type: ignore[misc]
    greta, user_id = await _greta(city, db)
    await db.call_numbers.set(user_id, "+492311234567")  # data of hers: erased by code only
    await greta.say("/delete")
    (asked,) = await greta.choose(T._("Yes, delete everything"))
    code = code_in(asked.text)
    for forged in ("x", "1", "/menu"):
        (answer,) = await greta.say(forged)
        assert NOT_USED in answer.text, answer.text
    assert await db.users.get(user_id) is not None
    await greta.say(code)
    assert await db.users.get(user_id) is None
