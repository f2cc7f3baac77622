"""Issue 77, point 8: thirty texts a day from new numbers no longer silence SMS for
newcomers. Through real Kannel (tests/support/sms/city.py): a share of the day's first
contacts is kept for the city's own area codes and numbers seen before; the coordinators
are told the moment a share runs out; a texter turned away is told once, with the number
to call, and is a number seen before the next day."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import PhoneSection, SmsSection, compose
from bot.transports.sms.budget import Limits, area_codes_of
from bot.transports.sms.segments import count, folded
from bot.transports.sms.transport import service
from db import Database
from db.clock import to_text
from handlers.dispatcher import Dispatcher
from handlers.numbers import texters_told
from locales import SUPPORTED_LANGUAGES, translator
from tests.support.help_story import GROUP
from tests.support.sms.city import City, Resident

CALL = "0231 5557788"
# Numbers from elsewhere: each its own prefix, so only the day's caps count.
CROWD = [f"+49151{n}0000001" for n in range(1, 8)]
# Numbers of the city's own area code (Dortmund landlines).
DORTMUND = [f"+4923155501{n:03d}" for n in range(1, 4)]


def _ran_out(city: City) -> list[str]:
    """The coordinators' notices that first contacts ran out."""
    texts = [str(getattr(item, "text", "")) for item in city.story.inbox.get(GROUP, [])]
    return [text for text in texts if "📵" in text]


async def _text(city: City, number: str) -> Resident:
    resident = Resident(city, number)
    await resident.say("Hallo")
    await city.flush()
    return resident


async def _answered(db: Database, number: str) -> bool:
    return await db.users.find("sms", number) is not None


async def test_new_numbers_leave_the_kept_share_and_the_turned_away_hear_of_it(
    make_city: Callable[..., object], db: Database
) -> None:
    limits = Limits(
        new_numbers_day=4, new_numbers_kept_percent=50, area_codes=area_codes_of(["0231"], "DE")
    )
    city: City = await make_city(limits)  # type: ignore[misc]
    city.sms.call_instead = CALL
    now = datetime.now(UTC)
    clock = [now]
    city.sms.budget.clock = lambda: clock[0]

    # A crowd from elsewhere: two are answered, then the rest of the day is kept. The one
    # turned away gets one text with the number to call, no account, and no second text.
    for number in CROWD[:2]:
        assert (await _text(city, number)).new
        assert await _answered(db, number)
    assert _ran_out(city) == []
    turned = await _text(city, CROWD[2])
    assert not await _answered(db, CROWD[2])
    (told,) = turned.new
    assert CALL in told.text, told.text
    assert len(_ran_out(city)) == 1  # the coordinators learn it at once
    await turned.say("Hallo?")
    assert turned.new == []
    assert len((await _text(city, CROWD[3])).new) == 1
    assert not await _answered(db, CROWD[3])
    assert len(_ran_out(city)) == 1  # once

    # The city's own numbers still get through, on the kept share; when that is used up
    # too, the coordinators are told again.
    for number in DORTMUND[:2]:
        await _text(city, number)
        assert await _answered(db, number), number
    await _text(city, DORTMUND[2])
    assert not await _answered(db, DORTMUND[2])
    assert len(_ran_out(city)) == 2

    # The next day: the one told yesterday is a number seen before - answered even when
    # the crowd has used the day's share for new numbers.
    clock[0] = now + timedelta(days=1)
    for number in CROWD[4:6]:
        await _text(city, number)
        assert await _answered(db, number)
    await _text(city, CROWD[6])
    assert not await _answered(db, CROWD[6])
    await _text(city, CROWD[2])
    assert await _answered(db, CROWD[2])


def test_the_number_to_call_is_the_configured_or_the_phone_lines(
    dispatcher: Dispatcher, db: Database
) -> None:
    sms = SmsSection(enabled=True, url="http://127.0.0.1:13013")
    line = PhoneSection(enabled=True, number="0231 1234567")
    assert service(compose({"sms": sms, "phone": line}), dispatcher.ports).call_instead == (
        "0231 1234567"
    )
    own = replace(sms, call_instead=CALL)
    assert service(compose({"sms": own, "phone": line}), dispatcher.ports).call_instead == CALL
    off = replace(line, enabled=False)
    assert service(compose({"sms": sms, "phone": off}), dispatcher.ports).call_instead == ""


def test_area_codes_are_read_as_written() -> None:
    assert area_codes_of(["0231", "+49 2304", " 02305 "], "DE") == ("+49231", "+492304", "+492305")


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_turned_away_text_fits_two_segments(lang: str) -> None:
    t = translator(lang)
    for text in (t.t(texters_told.TURNED_AWAY_CALL, number=CALL), t.t(texters_told.TURNED_AWAY)):
        assert count(folded(str(text))) <= 2, (lang, text)


async def test_a_turned_away_numbers_repeats_leave_the_others_their_notice(
    make_city: Callable[..., object], db: Database
) -> None:
    """Texts again from a number told it was turned away take none of the day's notices of
    being turned away: the next new number is still told (issue 77, review of point 8)."""
    city: City = await make_city(Limits(new_numbers_day=2, new_numbers_kept_percent=50))  # type: ignore[misc]
    city.sms.call_instead = CALL
    assert await _answered(db, (await _text(city, CROWD[0])).number)
    turned = await _text(city, CROWD[1])
    assert len(turned.new) == 1 and not await _answered(db, CROWD[1])
    for _ in range(3):
        await turned.say("Hallo?")
        await city.flush()
        assert turned.new == []
    other = await _text(city, CROWD[2])
    assert len(other.new) == 1 and CALL in other.new[0].text


@pytest.mark.both_backends
async def test_only_a_number_told_on_an_earlier_day_is_seen_before(db: Database) -> None:
    """A STOP from a number nobody has keeps a row for it, uncapped: that row makes no
    number "seen before", else STOPs from many numbers today would take tomorrow's kept
    share. A number told it was turned away (those texts are capped) is."""
    from bot.transports.sms.store import SmsStore

    store = SmsStore(db.transactions)
    await store.stop(CROWD[0], stranger=True)
    assert await store.claim_told(CROWD[1], "turned", "2000-01-01T00:00:00Z")
    tomorrow = to_text(datetime.now(UTC) + timedelta(days=1))
    assert not await store.seen(CROWD[0], tomorrow)
    assert await store.seen(CROWD[1], tomorrow)
    assert not await store.seen(CROWD[1], "2000-01-01T00:00:00Z")


async def test_a_number_a_coordinator_entered_gets_the_kept_share(
    make_city: Callable[..., object], db: Database
) -> None:
    """Issue 98, point 8c: texters are mobiles, which no area code names. A number a
    coordinator entered as how a resident is reached (a request entered for her) is answered
    on the kept share once the day's share for new numbers is used up; before, it was
    turned away like any stranger."""
    limits = Limits(new_numbers_day=2, new_numbers_kept_percent=50)
    city: City = await make_city(limits)  # type: ignore[misc]
    city.sms.call_instead = CALL
    cora = await db.users.seen("memory", "cora", "cora", "Cora")
    entered = "+4917612345678"
    await db.requests.create(
        cora.id,
        cora.id,
        entered_by=cora.id,
        category="shopping",
        stadtbezirk="Hörde",
        offline_contact="Frau Sommer, Handy 0176 1234 5678",
    )
    await _text(city, CROWD[0])
    assert await _answered(db, CROWD[0])
    turned = await _text(city, CROWD[1])  # the share for new numbers is used up
    assert not await _answered(db, CROWD[1])
    assert CALL in turned.new[0].text  # told which number to call
    await _text(city, entered)
    assert await _answered(db, entered)
