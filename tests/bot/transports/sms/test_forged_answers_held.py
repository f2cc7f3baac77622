"""Texts forged from a resident's number no longer spend her texts of the hour (issue 98,
the rest of point 4), through real Kannel and fakesmsc (tests/support/sms/city.py).

Before: each of a forger's texts "from" Vera's number was answered to her real number, up
to the 30 a number gets an hour - then the real Vera got nothing more that hour, not even a
code. Now answers to a number that has not texted a right code back lately take a third of
its texts; past that one code goes, and reminders that back off; the code texted back lets
the real holder in, and the coordinators are told while her answers are held.

The budget's clock is set to an hour of the test's own, so that the hour's count is the
forger's; each step waits for events, never for a time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.transports.sms.budget import Limits
from bot.transports.sms.desk_panel import code_lines
from bot.transports.sms.store import CHECK, SmsStore
from db import Database
from db.clock import local_day, to_text
from handlers.helping.render import someone
from handlers.limits.text_messages import held_notice
from handlers.numbers import texters_told
from handlers.numbers.coded_acts import hour_end
from locales import translator
from tests.bot.transports.sms.test_forged_volunteer import _vera_volunteers
from tests.support.help_story import GROUP
from tests.support.sms.city import City, Resident
from tests.support.sms.codes import code_in, has_code

T = translator("de")
EN = translator("en")
VERA = "+4917644444444"
# Texts a forger sends from her number: none of them asks for a code.
FORGED = ("Hallo", "/menu", "Wie geht es?")


def _said(city: City) -> list[str]:
    return [str(getattr(m, "text", "")) for m in city.story.inbox.get(GROUP, [])]


async def _desk_names_her(city: City) -> bool:
    lines = await code_lines(city.sms.budget, EN, someone)
    return any(line.startswith("Many texts came from the numbers of") for line in lines)


async def test_forty_forged_texts_spend_a_few_of_her_texts_and_she_still_gets_in(
    make_city: Callable[..., object], db: Database
) -> None:
    limits = Limits(per_number_hour=30, per_number_day=60)  # the defaults of [sms]
    city: City = await make_city(limits)  # type: ignore[misc]
    vera, vera_id = await _vera_volunteers(city, db)
    budget = city.sms.budget
    hour = datetime(2030, 1, 15, 9, 20, tzinfo=UTC)  # an hour and a day of their own
    budget.clock = lambda: hour

    forger = Resident(city, VERA)
    before = len(vera.texts)
    for index in range(40):
        await forger.say(FORGED[index % len(FORGED)])
    forged = [text.text for text in vera.texts[before:]]

    # A third of her 30 texts of the hour answered the forger, then one code, then
    # reminders at the 2nd, 4th, 8th and 16th held text: 15 of her 30, not 31.
    unchecked, _day = limits.unchecked_caps
    coded = [text for text in forged if has_code(text)]
    assert len(coded) == 1, forged
    assert len(forged) == unchecked + 1 + 4, forged
    reminder = T.t(texters_told.STILL_WORKS, sent="", until="").removeprefix("⏳ ").split(".")[0]
    assert sum(reminder in text for text in forged) == 4, forged

    # The coordinators are told, once, and the desk names her while it holds.
    await city.flush()
    vera_now = await db.users.get(vera_id)
    assert vera_now is not None
    told = str(held_notice(T, vera_now, hour_end(hour)).text)
    assert _said(city).count(told) == 1, _said(city)
    assert await _desk_names_her(city)

    # The real Vera has the code: texted back, she is answered again and can act.
    (thanks,) = await vera.say(code_in(coded[0]))
    assert T.t(texters_told.CHECKED).removeprefix("✅ ") in thanks.text
    assert not await _desk_names_her(city)
    await vera.say("/volunteer")
    await vera.choose(T._("Pause"))  # her right code a moment ago passes it
    volunteer = await db.volunteers.get(vera_id)
    assert volunteer is not None and volunteer.paused
    assert len(vera.texts) - before <= limits.per_number_hour


@pytest.mark.both_backends
async def test_the_store_counts_held_texts_by_hour_and_names_the_numbers_held(
    db: Database,
) -> None:
    store = SmsStore(db.transactions)
    assert [await store.hold_answer(VERA, "2030-01-15T09") for _ in range(3)] == [1, 2, 3]
    assert await store.hold_answer(VERA, "2030-01-15T10") == 1  # a new hour starts again
    assert await store.held_numbers("2030-01-15T10", "2000-01-01T00:00:00Z") == [VERA]
    assert await store.held_numbers("2030-01-15T09", "2000-01-01T00:00:00Z") == []

    now = datetime.now(UTC)
    assert await store.code_out(VERA, to_text(now)) is None
    until = to_text(now + timedelta(minutes=15))
    assert await store.issue_code(VERA, CHECK, until, local_day(now)) is not None
    out = await store.code_out(VERA, to_text(now))
    assert out is not None and out[1] == until and out[0] <= until
    assert await store.code_out(VERA, until) is None  # no longer works then
