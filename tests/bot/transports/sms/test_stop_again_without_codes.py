"""A STOP again from a person whose help is under way, once the number's codes of the day
are used up (store.py ``CODES_A_DAY``): no code can come, and the texter is told so once
that day - in whole sentences in their language, with when to try again (tomorrow) - not
once a STOP, so that nobody can make the bot text-bomb a number with STOPs. The
coordinators are told once, as for any code. Tomorrow a STOP again gets the code. Before, a
STOP again then went unanswered: a texter told "send STOP again" (a code tried out) was
left in silence. Through real Kannel (tests/support/sms/city.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.transports.sms import store
from db import Database
from handlers.numbers import text_stops
from locales import translator
from tests.support.help_story import GROUP
from tests.support.sms.city import City, onboarded, write_request
from tests.support.sms.codes import code_in, has_code

pytestmark = pytest.mark.both_backends

GRETA = "+4917633333333"


async def test_a_stop_again_without_codes_is_told_once_a_day_when_to_try_again(
    make_city: Callable[..., object], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    greta, greta_id = await onboarded(city, GRETA)
    asked = await write_request(greta, "Ich brauche Hilfe beim Einkaufen", from_menu=True)
    await greta.say(code_in(asked))  # her help is under way
    await city.flush()
    before = len(city.story.inbox.get(GROUP, []))
    # Her number's codes of the day are used up: five sent today never texted back right (a
    # forger's; her own right ones give their place back).
    await db.transactions.changed(
        "UPDATE sms_numbers SET codes_in_day = codes_confirmed + ? WHERE number = ?",
        (store.CODES_A_DAY, GRETA),
    )

    (stopped,) = await greta.say_and_deliver("STOPP")
    assert not has_code(stopped.text)

    # STOP again: told that no code comes today and when to try - once.
    (told,) = await greta.say_and_deliver("STOPP")
    assert told.text == str(translator("de").t(text_stops.STOP_AGAIN_NO_CODES)), told.text
    assert not has_code(told.text)
    for _ in range(3):
        assert await greta.say_and_deliver("STOPP") == []
    assert await store.SmsStore(db.transactions).stop_state(GRETA) == "help"
    notices = [str(getattr(item, "text", "")) for item in city.story.inbox.get(GROUP, [])]
    assert sum(str(greta_id) in notice for notice in notices[before:]) == 1, notices[before:]

    # Tomorrow (the number's day of codes over), a STOP again gets the code.
    await db.transactions.changed(
        "UPDATE sms_numbers SET codes_day = '2000-01-01' WHERE number = ?", (GRETA,)
    )
    (again,) = await greta.say_and_deliver("STOPP")
    await greta.say(code_in(again.text))
    assert await store.SmsStore(db.transactions).stop_state(GRETA) == "all"
