"""The code in a text the bot sent a number (handlers/channels.py ``CODE_DIGITS`` ASCII
digits, no others beside them): what the holder of the number types back; and a held act's
code lapsing (:func:`lapse`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from db import Database
from db.clock import to_text
from db.statements import execute
from handlers.channels import CODE_DIGITS

_CODE = re.compile(rf"(?<![0-9])[0-9]{{{CODE_DIGITS}}}(?![0-9])")


def code_in(text: str) -> str:
    """The one code in ``text`` (fails when there is none, or more than one)."""
    found = _CODE.findall(text)
    assert len(found) == 1, text
    return found[0]


def other_code(code: str) -> str:
    """A code of the same form that is not ``code``: a wrong try."""
    first = "1" + "0" * (CODE_DIGITS - 1)
    return first if code != first else first[:-1] + "1"


def has_code(text: str) -> bool:
    """Whether ``text`` holds a code at all."""
    return _CODE.search(text) is not None


async def lapse(db: Database, number: str) -> None:
    """The quarter of an hour of the act held for ``number``'s code is over (passed, never
    waited): its code and the wait for it (handlers/numbers/coded_acts.py ``gate``) lapse,
    as the holder who did not ask would let them."""
    user = await db.users.find("sms", number)
    assert user is not None
    state = await db.users.get_state(user.id)
    past = datetime.now(UTC) - timedelta(minutes=1)
    if state is not None and state.data.get("until"):
        await db.users.set_state(user.id, state.state, {**state.data, "until": past.isoformat()})
    await execute(
        db.transactions,
        "UPDATE sms_numbers SET code_until = ? WHERE number = ? AND code_until IS NOT NULL",
        (to_text(past), number),
    )


async def checked(db: Database, number: str) -> None:
    """``number`` texted a right code back a moment ago (its holder is there): its answers
    go from all of its texts, not only the unchecked share (bot/transports/sms/checking.py)."""
    await execute(
        db.transactions,
        "UPDATE sms_numbers SET confirmed_at = ? WHERE number = ?",
        (to_text(datetime.now(UTC)), number),
    )
