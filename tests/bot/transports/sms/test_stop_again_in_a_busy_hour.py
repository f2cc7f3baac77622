"""A STOP again from a person whose help is under way, while the hour's code texts are used
up (``[sms] codes_per_hour``, all numbers together; budget.py ``take_code``): no code can
come, and the texter is told so once that hour - in whole sentences in their language, with
when to send STOP again - not once a STOP, so that a flood of STOPs cannot make the bot text
without limit (the answer is an answer: the number's caps and the month pay it, not the
code texts nor the reserve). The coordinators are told while the limit stops her, once an
hour. The next busy hour she is told again; an hour with room gives the code. Before, a STOP
again in a busy hour went unanswered. Through real Kannel (tests/support/sms/city.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.transports.sms.budget import Limits, hour_of
from bot.transports.sms.store import SmsStore
from db import Database
from db.clock import hour_end
from handlers.numbers import text_stops
from locales import language_name, translator
from tests.bot.transports.sms.test_direction_marks import DIRECTION_MARKS
from tests.support.help_story import GROUP
from tests.support.sms.city import City, Resident, onboarded, write_request
from tests.support.sms.codes import code_in, has_code

pytestmark = pytest.mark.both_backends

GRETA = "+4917633333333"
SAMIR = "+4917644444444"
T = translator("de")


async def _others_take_the_rest(db: Database, hour: str) -> None:
    """The hour's other code texts go to others."""
    while await SmsStore(db.transactions).take_code_text(hour, 4):
        pass


async def test_a_stop_again_in_a_busy_hour_is_told_once_an_hour_when_to_try(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city(Limits(codes_hour=4))  # type: ignore[misc]
    moment = datetime.now(UTC).replace(minute=20)
    city.sms.budget.clock = lambda: moment
    greta, _ = await onboarded(city, GRETA)
    asked = await write_request(greta, "Ich brauche Hilfe beim Einkaufen", from_menu=True)
    await greta.say(code_in(asked))  # her help is under way
    await _others_take_the_rest(db, hour_of(moment))
    await city.flush()
    before = len(city.story.inbox.get(GROUP, []))

    def told() -> list[str]:
        """What the coordinators were told of the code texts since."""
        texts = [str(getattr(item, "text", "")) for item in city.story.inbox.get(GROUP, [])]
        return [text for text in texts[before:] if text.startswith("📵")]

    (stopped,) = await greta.say_and_deliver("STOPP")
    assert not has_code(stopped.text), stopped.text

    # STOP again: told that no code can come now, and when to send STOP again - once.
    (again,) = await greta.say_and_deliver("STOPP")
    until = T.time(hour_end(moment))
    assert again.text == str(T.t(text_stops.STOP_AGAIN_BUSY, time=until)), again.text
    for _ in range(3):
        assert await greta.say_and_deliver("STOPP") == []
    assert await SmsStore(db.transactions).stop_state(GRETA) == "help"
    # The coordinators know the limit stops people, once this hour.
    assert len(told()) == 1, told()

    # In Arabic too, in written order: no direction mark around the time (transport.py
    # ``_send_now``), and once.
    ar = translator("ar")
    samir = Resident(city, SAMIR)
    await samir.say("Hallo")
    await samir.choose(language_name("ar"))
    await samir.choose(ar._("I agree"))
    user = await db.users.find("sms", SAMIR)
    assert user is not None and user.language == "ar"
    await db.requests.create(user.id, user.id, category="shopping", description="Einkauf")
    await samir.say_and_deliver("STOP")
    (again,) = await samir.say_and_deliver("STOP")
    assert not DIRECTION_MARKS & set(again.text), again.text
    wanted = str(ar.t(text_stops.STOP_AGAIN_BUSY, time=ar.time(hour_end(moment))))
    assert again.text == "".join(ch for ch in wanted if ch not in DIRECTION_MARKS), again.text
    assert await samir.say_and_deliver("STOP") == []

    # The next hour is busy too: told once more, with its own end; the coordinators too.
    moment = hour_end(moment) + timedelta(minutes=5)
    await _others_take_the_rest(db, hour_of(moment))
    (again,) = await greta.say_and_deliver("STOPP")
    assert again.text == str(T.t(text_stops.STOP_AGAIN_BUSY, time=T.time(hour_end(moment))))
    assert await greta.say_and_deliver("STOPP") == []
    assert len(told()) == 2, told()

    # An hour with room: a STOP again gets the code, which ends the help's notices too.
    moment = hour_end(moment) + timedelta(minutes=5)
    (coded,) = await greta.say_and_deliver("STOPP")
    await greta.say(code_in(coded.text))
    assert await SmsStore(db.transactions).stop_state(GRETA) == "all"
