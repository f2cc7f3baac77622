"""Direct chats joined before the bot made a new chat's history its members' of the time
(``joined``) kept it shared with anyone who joins later: at its start the bot changes
them where it has the power (a chat Element X made), once, and leaves the others alone
without trying. Against the real Synapse."""

from __future__ import annotations

import nio
import pytest

from tests.support.matrix_bot import Bot, all_synced, onboard
from tests.support.matrix_encrypted_people import EncryptedPerson
from tests.support.matrix_people import MatrixPerson
from tests.support.synapse_server import Synapse

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def _history(synapse: Synapse, room: str) -> list[tuple[str, str]]:
    """(who, what) of each history visibility the room was given, oldest first."""
    return [
        (e["sender"], e["content"]["history_visibility"])
        for e in synapse.stored_events(room)
        if e["type"] == "m.room.history_visibility"
    ]


async def test_old_direct_chats_get_their_history_for_members_only_at_the_start(
    eva: EncryptedPerson, alice: MatrixPerson, matrix_bot: Bot, synapse: Synapse
):
    element_x = await onboard(eva, matrix_bot, "2")
    # As a chat made before the change was: shared with whoever joins later.
    shared = await eva.client.room_put_state(
        element_x, "m.room.history_visibility", {"history_visibility": "shared"}
    )
    assert isinstance(shared, nio.RoomPutStateResponse), shared
    # A chat made with less power for the bot (private_chat): it cannot change it.
    weaker = await onboard(alice, matrix_bot, "2")
    assert _history(synapse, weaker)[-1][1] == "shared"
    await all_synced(synapse, matrix_bot)
    tried_before = len(_history(synapse, weaker))

    await _restarted(matrix_bot, eva, element_x, synapse)
    assert _history(synapse, element_x)[-1] == (matrix_bot.user_id, "joined")
    assert len(_history(synapse, weaker)) == tried_before
    # Once: a later start finds nothing to change.
    changes = len(_history(synapse, element_x))
    await _restarted(matrix_bot, eva, element_x, synapse)
    assert len(_history(synapse, element_x)) == changes


async def _restarted(bot: Bot, eva: EncryptedPerson, room: str, synapse: Synapse) -> None:
    """Restarted, and past its first sync: Eva is answered, and the bot has stored a sync
    token after her message (the first sync's work comes before its token is stored)."""
    await bot.stop()
    await bot.start()
    mark = len(eva.received)
    await eva.say(room, "!help")
    await eva.wait_for(lambda e: "!menu" in e.get("content", {}).get("body", ""), after=mark)
    await all_synced(synapse, bot)
