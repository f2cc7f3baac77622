"""Bounds on the keys that people who share no room with the bot leave in its device store.

Any Matrix user can send the bot's device Olm-encrypted to-device messages: each may open
a new Olm session and carry a room key (``m.room_key``) for any room id. matrix-nio keeps
every one of them in the device's store, which is saved to the database at each
checkpoint (crypto_state.py) - without a bound, a stranger could grow it without end.

Why after each sync and not at arrival: room keys arrive before the invite they belong to
is handled (Element X creates an encrypted direct chat with its first message, so the
key for that message comes with, or before, the invite). A filter by room at arrival
would throw that key away. After the sync's invites and memberships are handled, and after
``keys_query`` told which user each device key belongs to, the keys of senders who share
no joined or invited room with the bot are counted and the oldest beyond the bounds are
removed, from matrix-nio's memory and its store file, before the checkpoint saves it:

- per sender (user id; a key whose device no user is known for counts under its own
  device key) at most ``PER_SENDER_ROOM_KEYS`` room keys and ``PER_SENDER_SESSIONS``
  Olm sessions;
- all such senders together at most ``ALL_ROOM_KEYS`` and ``ALL_SESSIONS``.

A person who shares a room with the bot is never pruned: a new direct chat needs one
Olm session per device and one room key per room, far under the bounds. Room keys and Olm
sessions are the only things a stranger's to-device messages store (device keys are read
only for users the bot queries; key requests are answered only for the bot's own rooms).

The store is walked (:class:`Pruning`) only when something could have taken the strangers'
keys beyond a bound since the last walk - an Olm message came (the only way a room key or
an Olm session comes in), the people sharing a room with the bot changed (someone who left
counts as a stranger from then on), or the owners of device keys were read again (a key
counted under its device key may now count under its user) - and at most every
``PRUNE_SECONDS`` while that goes on: a sync with none of these walks nothing, and a flood
costs one walk per ``PRUNE_SECONDS``, not one per sync. What came meanwhile is pruned by
the first walk due (a walk waits for a sync, which comes at least every
``matrix.sync_timeout``), down to the same bounds.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import nio
from nio.store.models import ForwardedChains, MegolmInboundSessions, OlmSessions

log = logging.getLogger(__name__)

PER_SENDER_ROOM_KEYS = 20
PER_SENDER_SESSIONS = 10
ALL_ROOM_KEYS = 500
ALL_SESSIONS = 200
# The least time between two walks of the key store while keys keep coming.
PRUNE_SECONDS = 5.0

# matrix-nio keeps no arrival time for a room key: its row's rowid in the store file is one.
ORDER_OF_ROOM_KEYS = "SELECT session_id FROM megolminboundsessions ORDER BY rowid"


def people_sharing_a_room(client: nio.AsyncClient) -> set[str]:
    """The bot and everyone in a room it joined or is invited to (the inviter too)."""
    people = {client.user_id}
    for room in list(client.rooms.values()) + list(client.invited_rooms.values()):
        people.update(room.users)
        inviter = getattr(room, "inviter", None)
        if inviter:
            people.add(inviter)
    return people


class Pruning:
    """When the store is walked (see the module's docstring): after a change that could
    take the strangers' keys beyond a bound, at most every ``PRUNE_SECONDS``; the first
    time at once."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._sharing: set[str] | None = None
        self._due = True
        self._last = float("-inf")

    def prune_if_due(self, client: nio.AsyncClient) -> int:
        """After a sync: note what changed and prune if it is time; how many were
        removed. ``client.keys_changed`` (parts.py ``_Client``) says whether an Olm message
        came or device owners were read again since it was last taken."""
        sharing = people_sharing_a_room(client)
        if sharing != self._sharing or getattr(client, "keys_changed", True):
            self._due = True
        self._sharing = sharing
        client.keys_changed = False  # taken: noted in _due
        now = self._clock()
        if not self._due or now - self._last < PRUNE_SECONDS:
            return 0
        self._last = now
        removed = prune(client, sharing)
        self._due = False  # only once walked: a walk that failed is due still
        return removed


def beyond_bounds(owned: Iterable[tuple[str, Any]], per_sender: int, overall: int) -> list[Any]:
    """Of (sender, item) pairs, oldest first, the items to drop: each sender's oldest
    beyond ``per_sender``, then the oldest of all beyond ``overall``."""
    in_order = list(owned)
    kept_of: dict[str, list[Any]] = defaultdict(list)
    dropped: list[Any] = []
    for sender, item in in_order:
        kept_of[sender].append(item)
    for items in kept_of.values():
        dropped.extend(items[: max(0, len(items) - per_sender)])
    gone = {id(item) for item in dropped}
    kept = [item for _, item in in_order if id(item) not in gone]
    dropped.extend(kept[: max(0, len(kept) - overall)])
    return dropped


def prune(client: nio.AsyncClient, sharing: set[str] | None = None) -> int:
    """Remove the strangers' keys beyond the bounds (``sharing``: the people sharing a
    room with the bot, if known); how many were removed."""
    olm = client.olm
    if olm is None:
        return 0
    if sharing is None:
        sharing = people_sharing_a_room(client)
    owner_of = {device.curve25519: device.user_id for device in olm.device_store}
    # The bot's own device: its room keys for its own messages are kept too.
    owner_of[olm.account.identity_keys["curve25519"]] = client.user_id

    def stranger(curve_key: str) -> str | None:
        owner = owner_of.get(curve_key)
        return None if owner in sharing else (owner or curve_key)

    # (sender, key) pairs of strangers' keys: who the sender is, asked once per key.
    group = [
        (who, s) for s in olm.inbound_group_store if (who := stranger(s.sender_key)) is not None
    ]
    if len(group) > PER_SENDER_ROOM_KEYS:  # else within every bound: no need to order them
        rows = olm.store.database.execute_sql(ORDER_OF_ROOM_KEYS)
        order = {row[0]: n for n, row in enumerate(rows)}
        group.sort(key=lambda pair: order.get(pair[1].id, len(order)))
    olm_sessions = sorted(
        (
            (who, (key, s))
            for key, sessions in list(olm.session_store.items())
            if (who := stranger(key)) is not None
            for s in sessions
        ),
        key=lambda pair: pair[1][1].creation_time,
    )
    drop_group = beyond_bounds(group, PER_SENDER_ROOM_KEYS, ALL_ROOM_KEYS)
    drop_olm = beyond_bounds(olm_sessions, PER_SENDER_SESSIONS, ALL_SESSIONS)
    _forget(olm, drop_group, drop_olm)
    if drop_group or drop_olm:
        log.warning(
            "matrix: dropped %d room keys and %d Olm sessions of senders who share no room",
            len(drop_group),
            len(drop_olm),
        )
    return len(drop_group) + len(drop_olm)


def _forget(olm: Any, group: list[Any], sessions: list[tuple[str, Any]]) -> None:
    """Out of matrix-nio's memory and out of its store file (its own tables)."""
    for session in group:
        olm.inbound_group_store[session.room_id][session.sender_key].pop(session.id, None)
    for key, session in sessions:
        kept = olm.session_store[key]
        if session in kept:
            kept.remove(session)
    store = olm.store
    with store.database.bind_ctx(store.models), store.database.atomic():
        for session in group:
            ForwardedChains.delete().where(ForwardedChains.session == session.id).execute()
            MegolmInboundSessions.delete().where(
                MegolmInboundSessions.session_id == session.id
            ).execute()
        for _, session in sessions:
            OlmSessions.delete().where(OlmSessions.session_id == session.id).execute()
