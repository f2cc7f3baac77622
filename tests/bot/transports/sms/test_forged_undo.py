"""A forged "/undo" must not take back what a resident told her helper. Through real
Kannel (tests/support/sms/city.py): by text, taking back her last relayed message waits for
the code texted to her number, as the message itself did (unless the number texted a right
code in the last half hour) - else a forger would take back "I am not at home today" and
her helper would come anyway.

A forger sends from her number but never receives its texts: a text sent "by the forger" is
a text from her number whose code the test then does not use."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from db import Database
from db.clock import to_text
from handlers.helping.relay.edits import UNDO_WINDOW
from tests.bot.transports.sms.test_forged_senders import GRETA, _greta_helped_by_vera
from tests.support.sms.city import City
from tests.support.sms.codes import code_in as _code
from tests.support.sms.codes import other_code as _other


async def test_undo_by_text_waits_for_the_code(
    make_city: Callable[..., object], db: Database
) -> None:
    """Before, a forged "/undo" took her message back at once."""
    city: City = await make_city()  # type: ignore[misc]
    greta, _ = await _greta_helped_by_vera(city, db)
    user = await db.users.find("sms", GRETA)
    assert user is not None

    # Greta's own messages to Vera: the first with its code, the next a moment later
    # without another (it can be taken back: the relay remembers its copies).
    await greta.say("Ich bin ab 10 Uhr zu Hause")
    await greta.say(_code(greta.new[0].text))
    await greta.say("Ich bin heute doch nicht zu Hause, bitte kommen Sie morgen")
    await city.flush()
    assert "morgen" in city.story.received("vera")

    async def kept() -> bool:
        since = to_text(datetime.now(UTC) - UNDO_WINDOW)
        return await db.relay.last_relayed(user.id, since) is not None

    assert await kept()
    # An hour later (her right code no longer fresh) a forger's "/undo": held for a code.
    await db.execute("UPDATE sms_numbers SET confirmed_at = '2000-01-01T00:00:00Z'")
    await greta.say("/undo")
    (asked,) = greta.new
    await greta.say(_other(_code(asked.text)))
    assert await kept()

    # Greta herself, with the code: taken back.
    await greta.say(_code(asked.text))
    assert not await kept()
