"""A forged text must not answer for a resident about the money her helper laid out. Through
real Kannel (tests/support/sms/city.py): "Your helper laid out 12,50 € for you ... Is that
right?" answered by text waits for the code texted to her number - else a forger would
confirm a sum she never agreed to, or dispute one in her name. The helper's own time and
money by text wait for the code the same way (relay/chat.py ``coded`` min/mok/mno, held act
``relay.money``): the same rule, the same code store.

A forger sends from her number but never receives its texts: a text sent "by the forger" is
a text from her number whose code the test then does not use."""

from __future__ import annotations

from collections.abc import Callable

from db import Database
from handlers.context import Backstage
from handlers.helping import lifecycle
from tests.bot.transports.sms.test_forged_senders import GRETA, T, _greta_helped_by_vera
from tests.bot.transports.sms.test_forged_volunteer import _offered_to_vera
from tests.support.sms.city import City
from tests.support.sms.codes import code_in as _code
from tests.support.sms.codes import lapse
from tests.support.sms.codes import other_code as _other


async def test_the_answer_about_the_money_laid_out_waits_for_the_code(
    make_city: Callable[..., object], db: Database
) -> None:
    """Before, a forged "Yes" confirmed the amount at once."""
    city: City = await make_city()  # type: ignore[misc]
    greta, request_id = await _greta_helped_by_vera(city, db)
    user = await db.users.find("sms", GRETA)
    assert user is not None
    async with db.transaction():
        await lifecycle.done(Backstage(db, city.story.dispatcher.settings), user, request_id)
    story = city.story
    # Vera (on a chat) reports her time and 12,50 € laid out: Greta is asked by text.
    await story.press("vera", f"rl:min:{request_id}:30")
    before = len(greta.texts)
    await story.text("vera", "12,50")
    await city.flush()
    greta.new = greta.texts[before:]
    assert "12,50" in "\n".join(text.text for text in greta.new)

    async def confirmed() -> bool:
        request = await db.requests.get(request_id)
        assert request is not None and request.money_cents == 1250
        return bool(request.money_confirmed)

    # A forger's "Yes" from her number: held for the code; a wrong code does nothing.
    await greta.choose(T._("Yes"))
    (asked,) = greta.new
    await greta.say(_other(_code(asked.text)))
    assert not await confirmed()

    # Greta herself, with the code: confirmed.
    await greta.say(_code(asked.text))
    assert await confirmed()


async def test_the_helpers_money_laid_out_by_text_waits_for_the_code(
    make_city: Callable[..., object], db: Database
) -> None:
    """Before, a forger's texts put any sum laid out into the helper's name at once, and
    Rita was asked to confirm it."""
    city: City = await make_city()  # type: ignore[misc]
    vera, request_id, _ = await _offered_to_vera(city, db)
    await vera.choose(T._("I can help"))
    (asked,) = vera.new
    await vera.say(_code(asked.text))
    rita = await db.users.find("memory", "rita")
    assert rita is not None
    async with db.transaction():
        await lifecycle.done(Backstage(db, city.story.dispatcher.settings), rita, request_id)
    # An hour later (her right code no longer fresh) the question of the time spent comes.
    await db.execute("UPDATE sms_numbers SET confirmed_at = '2000-01-01T00:00:00Z'")
    before = len(vera.texts)
    await city.flush()
    vera.new = vera.texts[before:]

    async def laid_out() -> tuple[int | None, int | None]:
        request = await db.requests.get(request_id)
        assert request is not None
        return request.minutes_spent, request.money_cents

    # A forger's time spent: held for the code, nothing saved.
    await vera.choose(T.duration(30))
    (asked,) = vera.new
    await vera.say(_other(_code(asked.text)))
    assert await laid_out() == (None, None)
    # Vera with the code: her time saved, and she is asked for the money laid out.
    await vera.say(_code(asked.text))
    assert (await laid_out())[0] == 30

    # Later (her code no longer fresh) a forger's sum: held for a code, Rita not asked.
    await db.execute("UPDATE sms_numbers SET confirmed_at = '2000-01-01T00:00:00Z'")
    told_rita = len(city.story.inbox.get("rita", []))
    await vera.say("99")
    (asked,) = vera.new
    await vera.say(_other(_code(asked.text)))
    await city.flush()
    assert await laid_out() == (30, None)
    assert len(city.story.inbox.get("rita", [])) == told_rita

    # Vera's own sum with its code, once the forger's lapsed: saved, and Rita is asked
    # whether it is right.
    await lapse(db, vera.number)
    await vera.say("12,50")
    (asked,) = vera.new
    await vera.say(_code(asked.text))
    await city.flush()
    assert await laid_out() == (30, 1250)
    assert "12,50" in city.story.received("rita")
