"""A STOP from a person whose help is under way, while the hour's code texts are used up
(``[sms] codes_per_hour``, budget.py ``take_code``): the texts stop but for the help's, and
the person is told when a code can come and how to get it then - a STOP again after that
time, which gets the code. Before, she was told only that the help's texts go on, and a
STOP again was not answered at all (her number already kept the help's notices), so she
could not stop them by text for a day. Through real Kannel (tests/support/sms/city.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.transports.sms.budget import Limits, hour_of
from bot.transports.sms.store import SmsStore
from db import Database
from db.clock import hour_end
from handlers.numbers import text_stops
from locales import translator
from tests.support.sms.city import City, onboarded, write_request
from tests.support.sms.codes import code_in, has_code

GRETA = "+4917633333333"
T = translator("de")


async def test_a_stop_in_a_busy_hour_says_when_and_a_stop_then_gets_the_code(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city(Limits(codes_hour=4))  # type: ignore[misc]
    moment = datetime.now(UTC).replace(minute=20)
    city.sms.budget.clock = lambda: moment
    greta, _ = await onboarded(city, GRETA)
    asked = await write_request(greta, "Ich brauche Hilfe beim Einkaufen", from_menu=True)
    await greta.say(code_in(asked))  # her help is under way
    # The hour's other code texts go to others.
    assert await SmsStore(db.transactions).take_code_text(hour_of(moment), 4)
    assert await SmsStore(db.transactions).take_code_text(hour_of(moment), 4)
    assert await SmsStore(db.transactions).take_code_text(hour_of(moment), 4)

    (stopped,) = await greta.say("STOPP")
    assert not has_code(stopped.text), stopped.text
    # When a code can come, and how: as the text says it (no icons, folded for the wire).
    later = str(T.t(text_stops.STOPPED_BUT_HELP_LATER, time=T.time(hour_end(moment))))
    assert T.time(hour_end(moment)) in stopped.text, stopped.text
    assert later.split(".")[1].strip() in stopped.text, stopped.text

    # The next hour, a STOP again gets the code.
    moment = hour_end(moment) + timedelta(minutes=1)
    (again,) = await greta.say_and_deliver("STOPP")
    assert has_code(again.text), again.text
    await greta.say(code_in(again.text))
    assert await SmsStore(db.transactions).stop_state(GRETA) == "all"
