"""Issue 98, point 4: forged senders no longer switch off the city's SMS codes, nor spend a
resident's. Through real Kannel (tests/support/sms/city.py).

Before: a few forged senders asking for erasure codes and answering them wrongly made the
city refuse every code until the hour ended - a newcomer's too, and the right code of a
resident whose help was under way; and one resident's five codes a day went on whatever
asked for them, her own confirmed ones too. Now erasing a person with nothing but her
consent takes no code; a number's wrong codes count against that number before the city
(one code's tries an hour count for the city, the rest against the number alone); the right
code of a person whose help is under way is checked even while the city's wrong codes pause
the others; a code texted back right gives its place among the number's codes of the day
back; the hour's code texts a number that has not confirmed a code today can take are a
share of their own, never those left for the others; and the desk names each limit while
it holds."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.transports.sms import store
from bot.transports.sms.budget import Limits
from db import Database
from db.request_states import DONE
from handlers.numbers import coded_acts
from handlers.privacy import DELETED
from locales import translator
from tests.bot.transports.sms.test_forged_senders import _greta_helped_by_vera
from tests.bot.transports.sms.test_forged_volunteer import _vera_volunteers
from tests.support.sms.city import City, Resident, onboarded, request_until_languages
from tests.support.sms.codes import code_in, has_code, other_code

T = translator("de")
OTTO = "+4917655555555"
VERA = "+4917644444444"
NEWCOMER = "+4917666666666"
GRETA = "+4917622222222"


async def test_erasing_a_person_with_nothing_but_consent_takes_no_code(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    newcomer, user_id = await onboarded(city, NEWCOMER)
    await newcomer.say("/delete")
    (answer,) = await newcomer.choose(T._("Yes, delete everything"))
    assert not has_code(answer.text), answer.text
    assert T.t(DELETED).removeprefix("✅ ").split(".")[0] in answer.text, answer.text
    assert await db.users.get(user_id) is None


async def test_a_forgers_wrong_codes_count_against_his_number_and_running_help_is_checked(
    make_city: Callable[..., object], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "CITY_WRONG_CODES", 4)
    city: City = await make_city()  # type: ignore[misc]
    greta, request_id = await _greta_helped_by_vera(city, db)
    otto, otto_id = await _vera_volunteers(city, db, OTTO)
    vera, vera_id = await _vera_volunteers(city, db, VERA)
    waiting = T.t(coded_acts.CODES_PAUSED, time="").removeprefix("⏳ ").split(",")[0]
    expired = T.t(coded_acts.EXPIRED).removeprefix("⌛ ").split(".")[0]

    async def paused(user_id: int) -> bool:
        volunteer = await db.volunteers.get(user_id)
        assert volunteer is not None
        return volunteer.paused

    # A forger from Otto's number asks for codes and answers them wrongly: six wrong codes
    # within the hour, two codes tried out. Only the first code's three count for the city.
    for _ in range(2):
        await otto.say("/volunteer")
        (asked,) = await otto.choose(T._("Pause"))
        for _ in range(3):
            await otto.say(other_code(code_in(asked.text)))
        assert expired in otto.new[-1].text, otto.new[-1].text
    assert not await paused(otto_id)

    # Vera's own code is still checked (before, six wrong codes past the limit paused it).
    (asked,) = await vera.choose(T._("Pause"))
    await vera.say(code_in(asked.text))
    assert await paused(vera_id), vera.new

    # One wrong code from Vera's number reaches the city's limit: her right one now waits.
    # (Past the half hour in which her right code lets her answers pass without another.)
    await db.execute("UPDATE sms_numbers SET confirmed_at = '2000-01-01T00:00:00Z'")
    await vera.say("/volunteer")
    (asked,) = await vera.choose(T._("Resume"))
    await vera.say(other_code(code_in(asked.text)))
    await vera.say(code_in(asked.text))
    assert waiting in vera.new[-1].text, vera.new[-1].text
    assert await paused(vera_id)

    # Greta's help is under way: her right code is checked all the same.
    await greta.say("/menu")
    await greta.choose(T._("Help is done"))
    await greta.choose(T._("Yes, it is done"))
    await greta.say(code_in(greta.new[-1].text))
    request = await db.requests.get(request_id)
    assert request is not None and request.state == DONE


async def test_her_confirmed_codes_do_not_use_up_her_codes_of_the_day(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    vera, vera_id = await _vera_volunteers(city, db)
    # Seven codes in a day, each texted back right: the sixth and the seventh still come
    # (before, the sixth was "No more codes today").
    for step in range(7):
        label = T._("Pause") if step % 2 == 0 else T._("Resume")
        await vera.say("/volunteer")
        (asked,) = await vera.choose(label)
        assert has_code(asked.text), (step, asked.text)
        await vera.say(code_in(asked.text))
        await vera.say("/menu")
        # Past the half hour a right code lets her answers pass without another.
        await db.execute("UPDATE sms_numbers SET confirmed_at = '2000-01-01T00:00:00Z'")
    volunteer = await db.volunteers.get(vera_id)
    assert volunteer is not None and volunteer.paused


async def _send_a_request(resident: Resident) -> str:
    """A new request by text up to "Send": what answers it (the code's text and the request
    it sends, or the word that no code goes now)."""
    await request_until_languages(resident, "Bitte Milch kaufen")
    if any(T._("Done") in text.text for text in resident.new):
        await resident.choose(T._("Done"))
    else:
        await resident.choose(T._("Only my language"))
    return "\n".join(text.text for text in await resident.choose(T._("Send")))


async def test_numbers_without_a_confirmed_code_take_their_own_share_and_the_desk_says_so(
    make_city: Callable[..., object], db: Database
) -> None:
    """Forged senders from new numbers ask for codes: they spend the new numbers' share of
    the hour (3 of 6, of which 4 for everyone), and Greta, who confirmed a code today, still
    gets hers; the desk names the limit while it holds."""
    city: City = await make_city(limits=Limits(codes_hour=6))  # type: ignore[misc]
    greta, _greta_id = await onboarded(city, GRETA)
    await greta.say(code_in(await _send_a_request(greta)))  # her code of today: 1 of 3
    busy = T.t(coded_acts.CODES_BUSY, time="").removeprefix("⏳ ").split(",")[0]

    refused = 0
    for index in range(4):
        forged, _id = await onboarded(city, f"+49176777777{index:02d}")
        if busy in await _send_a_request(forged):
            refused += 1
    assert refused == 2  # before, one: the forged took what was left for everyone

    from bot.transports.sms.desk_panel import code_lines  # the desk's lines of the limits
    from handlers.helping.render import someone  # the desk's naming

    lines = " ".join(await code_lines(city.sms.budget, translator("en"), someone))
    assert "Codes for numbers that have not confirmed one today" in lines, lines

    # Greta confirmed a code today: hers still comes.
    assert has_code(await _send_a_request(greta))
