"""A forged "Remove number" must not take away the number the bot rings a helper on.
Through real Kannel (tests/support/sms/city.py): by text, removing it waits for the code
texted to the number (unless it texted a right one in the last half hour: she can put it
back, with a code), as changing it does - before, a forger's text removed it at once, and
her calls about a help went through the texts instead.

A forger sends from her number but never receives its texts: a text sent "by the forger" is
a text from her number whose code the test then does not use."""

from __future__ import annotations

from collections.abc import Callable

from db import Database
from locales import translator
from tests.support.sms.city import City, onboarded
from tests.support.sms.codes import code_in as _code
from tests.support.sms.codes import other_code as _other

VERA = "+4917644444446"
SAVED = "+492311111111"
T = translator("de")


async def test_removing_the_number_for_calls_by_text_waits_for_the_code(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    vera, user_id = await onboarded(city, VERA)
    await db.call_numbers.set(user_id, SAVED)

    await vera.say("/settings")
    (asked,) = await vera.choose(T._("Remove number"))
    assert await db.call_numbers.get(user_id) == SAVED
    await vera.say(_other(_code(asked.text)))
    assert await db.call_numbers.get(user_id) == SAVED

    await vera.say(_code(asked.text))
    assert await db.call_numbers.get(user_id) is None
