"""People on the test homeserver: a matrix-nio client each, collecting what the bot sends."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from typing import Any

import nio

from tests.support.cross_signing import matrix_request
from tests.support.synapse_server import Synapse

_names = itertools.count(1)


# A hang detector, not a speed bound: a busy shared machine (a bot process starting beside a
# full test run) can take many seconds for what takes one alone.
HANG = 60.0
# A person's sync waits this long for something new (a long poll, as Element's does): the
# homeserver answers at once when an event comes, so an idle person costs one request in
# half a minute instead of one a second. ``caught_up`` does not wait for it to run out: it
# writes a mark into the person's account data, which ends the waiting sync at once.
IDLE_POLL_MS = 30_000
# The account data type of that mark (a client's own namespace, as the spec asks), one per
# device: a person's devices share their account data, and each waits for its own mark.
CAUGHT_UP_MARK = "org.nachbarbot.test.caught_up."


class MatrixPerson:
    """A person on a client without encryption; ``received`` holds ``(room_id, event)`` of
    what others sent, each event its source dict plus ``"room"``."""

    PASSWORD = "secret-password"

    def __init__(
        self, synapse: Synapse, name: str, registration: dict[str, Any] | None = None
    ) -> None:
        """A new account, or another device of the ``registration``'s (its ``user_id``)."""
        self.name = f"{name}{next(_names)}"
        self.password = self.PASSWORD
        registration = registration or synapse.register(self.name, password=self.password)
        self.user_id = registration["user_id"]
        self.client = self._make_client(synapse, registration)
        self.received: list[tuple[str, dict[str, Any]]] = []
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()
        # The marks ``caught_up`` wrote, and the newest one a handled sync brought.
        self._marks_written = 0
        self._marks_seen = 0
        self.client.add_event_callback(
            self._collect,
            (nio.RoomMessage, nio.UnknownEvent, nio.ReactionEvent, nio.RedactionEvent),
        )

    def _make_client(self, synapse: Synapse, registration: dict[str, Any]) -> nio.AsyncClient:
        # The device registration made: enough for a client that never encrypts.
        client = nio.AsyncClient(synapse.url, self.user_id)
        client.access_token = registration["access_token"]
        client.user_id = self.user_id
        client.device_id = registration["device_id"]
        return client

    async def _collect(self, room: nio.MatrixRoom, event: Any) -> None:
        if event.sender != self.user_id:
            self._record(room.room_id, event)

    def _record(self, room_id: str, event: Any) -> None:
        self.received.append((room_id, {**event.source, "room": room_id}))
        self._changed.set()

    async def start(self) -> None:
        await self.client.sync(timeout=0, full_state=True)
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            response = await self.client.sync(timeout=IDLE_POLL_MS, since=self.client.next_batch)
            await self._after_sync()
            if isinstance(response, nio.SyncResponse):
                self._marks_seen = max(self._marks_seen, _mark_in(response, self._mark_type))
            self._changed.set()

    async def _after_sync(self) -> None:
        """What a client does between its syncs (nothing without encryption)."""

    async def caught_up(self, timeout: float = HANG) -> None:
        """Until what the homeserver held when called (the bot's answers sent so far) is in
        ``received``: a mark is written into the person's account data after them, and
        the sync that brings it back (it ends a waiting long poll at once) brings all that
        came before it. Instead of waiting a while for more to come; a hang detector, not
        a speed bound."""
        self._marks_written += 1
        target = self._marks_written
        status, answer = await matrix_request(
            self.client.homeserver,
            self.client.access_token,
            "PUT",
            f"/_matrix/client/v3/user/{self.user_id}/account_data/{self._mark_type}",
            {"mark": target},
        )
        assert status == 200, answer
        deadline = asyncio.get_running_loop().time() + timeout
        while self._marks_seen < target:
            remaining = deadline - asyncio.get_running_loop().time()
            assert remaining > 0, f"{self.name}: its mark came back in no sync within {timeout}s"
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 1))

    @property
    def _mark_type(self) -> str:
        return CAUGHT_UP_MARK + str(self.client.device_id)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self.client.close()

    async def dm(self, bot_user_id: str, timeout: float = HANG) -> str:
        """A direct chat with the bot, once the bot has joined it."""
        response = await self.client.room_create(is_direct=True, invite=[bot_user_id])
        assert isinstance(response, nio.RoomCreateResponse), response
        room_id = response.room_id
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            members = await self.client.joined_members(room_id)
            if isinstance(members, nio.JoinedMembersResponse) and any(
                m.user_id == bot_user_id for m in members.members
            ):
                return room_id
            await asyncio.sleep(0.2)
        raise AssertionError("the bot did not join the direct chat")

    async def say(self, room_id: str, text: str) -> str:
        return await self.send(room_id, "m.room.message", {"msgtype": "m.text", "body": text})

    async def send(self, room_id: str, event_type: str, content: dict[str, Any]) -> str:
        response = await self.client.room_send(room_id, event_type, content)
        assert isinstance(response, nio.RoomSendResponse), response
        return response.event_id

    async def react(self, room_id: str, event_id: str, key: str) -> None:
        await self.send(
            room_id,
            "m.reaction",
            {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}},
        )

    async def edit(self, room_id: str, event_id: str, text: str) -> str:
        """Change a text sent earlier, as Element does (``m.replace``)."""
        new = {"msgtype": "m.text", "body": text}
        return await self.send(
            room_id,
            "m.room.message",
            {
                "msgtype": "m.text",
                "body": "* " + text,
                "m.new_content": new,
                "m.relates_to": {"rel_type": "m.replace", "event_id": event_id},
            },
        )

    async def redact(self, room_id: str, event_id: str) -> None:
        response = await self.client.room_redact(room_id, event_id)
        assert isinstance(response, nio.RoomRedactResponse), response

    async def share_location(self, room_id: str, lat: float, lon: float) -> None:
        await self.send(
            room_id,
            "m.room.message",
            {"msgtype": "m.location", "body": "here", "geo_uri": f"geo:{lat},{lon}"},
        )

    async def wait_for(self, predicate, *, after: int = 0, timeout: float = HANG) -> dict[str, Any]:
        """The first message (from index ``after``) the predicate accepts."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for _room, event in self.received[after:]:
                if predicate(event):
                    return event
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                bodies = [
                    e.get("content", {}).get("body", "")[:60] for _, e in self.received[after:]
                ]
                raise AssertionError(
                    f"{self.name}: nothing matched within {timeout}s; got {bodies}"
                )
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 1))


def _mark_in(response: nio.SyncResponse, mark_type: str) -> int:
    """The ``caught_up`` mark a sync's account data brings (0: none)."""
    for event in response.account_data_events:
        if isinstance(event, nio.UnknownAccountDataEvent) and event.type == mark_type:
            mark = event.content.get("mark")
            return mark if isinstance(mark, int) else 0
    return 0


def body(event: dict[str, Any]) -> str:
    return event.get("content", {}).get("body", "")
