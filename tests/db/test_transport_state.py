"""The Matrix keys have one writer: the process holding the Matrix role. Each holder takes a
fencing token as it takes the role; a write of the keys under an older token is refused,
so a process that lost the role can never save its keys over its successor's."""

from __future__ import annotations

import pytest

from db import Database
from db.transport_state import NEXT_BATCH, NotHolder

USER, DEVICE = "@bot:localhost", "BOTDEVICE"


async def test_a_write_from_an_earlier_holder_is_refused(db: Database):
    state = db.transport_state
    await state.take_holder("first")
    await state.save_crypto_store(USER, DEVICE, "first's keys", "s1", holder="first")
    assert await state.crypto_store(USER, DEVICE) == "first's keys"

    await state.take_holder("second")
    with pytest.raises(NotHolder):
        await state.save_crypto_store(USER, DEVICE, "first's late keys", "s2", holder="first")
    # Nothing of the refused write: neither the keys nor the sync token.
    assert await state.crypto_store(USER, DEVICE) == "first's keys"
    assert await state.get(NEXT_BATCH) == "s1"

    await state.save_crypto_store(USER, DEVICE, "second's keys", "s3", holder="second")
    assert await state.crypto_store(USER, DEVICE) == "second's keys"
    assert await state.get(NEXT_BATCH) == "s3"


async def test_no_holder_no_write(db: Database):
    """Before any process took the role, nobody writes keys."""
    with pytest.raises(NotHolder):
        await db.transport_state.save_crypto_store(USER, DEVICE, "keys", None, holder="")
    assert await db.transport_state.crypto_store(USER, DEVICE) is None
