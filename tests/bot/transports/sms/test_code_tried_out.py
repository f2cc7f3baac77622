"""A code's last wrong try says the code no longer works, not "try again". Through real
Kannel (tests/support/sms/city.py): the third wrong code drops the held act - the texter is
told that nothing was done, and no longer waits in the code's step (before, she was asked to
try again, and her next try, even the right code, was told the code had expired)."""

from __future__ import annotations

from collections.abc import Callable

from bot.transports.sms.store import CODE_TRIES
from db import Database
from handlers.numbers import coded_acts
from locales import translator
from tests.bot.transports.sms.test_forged_volunteer import T, _vera_volunteers
from tests.support.sms.city import City
from tests.support.sms.codes import code_in, other_code

DE = translator("de")


def _said(msgid: str) -> str:
    """A text as a texter reads it: without its leading icon."""
    return DE.t(msgid).split(" ", 1)[1]


async def test_the_last_wrong_try_ends_the_code_and_says_so(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    vera, vera_id = await _vera_volunteers(city, db)
    await vera.choose(T._("Pause"))
    (asked,) = vera.new
    wrong = other_code(code_in(asked.text))

    for _ in range(CODE_TRIES - 1):
        (answer,) = await vera.say(wrong)
        assert _said(coded_acts.WRONG) in answer.text, answer.text
    (answer,) = await vera.say(wrong)
    assert _said(coded_acts.WRONG) not in answer.text, answer.text
    assert _said(coded_acts.EXPIRED) in answer.text, answer.text
    state = await db.users.get_state(vera_id)
    assert state is None or state.state != coded_acts.STATE
    volunteer = await db.volunteers.get(vera_id)
    assert volunteer is not None and not volunteer.paused
