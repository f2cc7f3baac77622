"""The Matrix connector as a whole: log in, sync (one process at a time), stop; its parts
(rooms, inbound, outbound) in their own modules."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import nio

from bot.config import MatrixSection
from bot.log_redaction import redact_everywhere
from bot.transports.contract import ChatService, ChatTurn, send_kept_answers
from bot.transports.matrix.inbound import Inbound
from bot.transports.matrix.login import UNKNOWN_TOKEN, log_in, log_in_again
from bot.transports.matrix.outbound import Outbound
from bot.transports.matrix.parts import _Client
from bot.transports.matrix.render import (
    PLATFORM,
)
from bot.transports.matrix.rooms import Rooms
from db import Database
from handlers.dispatcher import Dispatcher

log = logging.getLogger(__name__)


class MatrixTransport(Rooms, Inbound, Outbound, ChatService):
    """The Matrix connector: its parts (rooms, inbound, outbound) around one client."""

    platform = PLATFORM

    def __init__(self, dispatcher: Dispatcher, db: Database, config: MatrixSection) -> None:
        self.dispatcher = dispatcher
        self.db = db
        self.config = config
        redact_everywhere(config.access_token)
        redact_everywhere(config.password)
        self.client: _Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._ready = False
        self._in_flight = 0
        # Written "!name" in everything the bot sends here (see bang_commands).
        self._commands = frozenset(dispatcher.router.commands)

    # -- start and stop ---------------------------------------------------------------
    async def start(self) -> None:
        """Log in and take events: a process of its own."""
        await self.connect()
        await self.start_taking()

    # With several processes only the one holding this role syncs.
    update_role = "matrix-sync"
    # The homeserver answers 429 with a wait when it wants fewer messages: no pace is set.
    pace = None

    async def connect(self, chat_turn: ChatTurn | None = None) -> None:
        """Log in and send kept answers; events are taken by :meth:`start_taking`. (Synced
        by one process at a time, a chat's events need no ``chat_turn``.)"""
        state = self.db.transport_state
        client = _Client(self.config.homeserver, self.config.user_id, store_path=None)
        await log_in(client, self.config, state)
        self.client = client
        client.membership_changed = self._membership_changed
        client.add_event_callback(self._on_invite, nio.InviteMemberEvent)
        client.add_event_callback(self._on_member, nio.RoomMemberEvent)
        client.add_event_callback(
            self._on_event,
            (
                nio.RoomMessageText,
                nio.RoomMessageUnknown,
                nio.RoomMessageAudio,
                nio.RoomMessageImage,
                nio.RoomMessageFile,
                nio.RoomMessageVideo,
                nio.ReactionEvent,
                nio.RedactionEvent,
                nio.MegolmEvent,
            ),
        )
        token = await state.get("matrix.next_batch")
        if token:
            client.next_batch = token
        else:
            # First start: learn where "now" is without answering old messages.
            await client.sync(timeout=0, full_state=True)
            if client.next_batch:
                await state.set("matrix.next_batch", client.next_batch)
        self._ready = True
        await self.answer_unanswered()

    async def start_taking(self) -> None:
        await self.start_sync()

    async def stop_taking(self) -> None:
        await self.stop_sync()

    async def start_sync(self) -> None:
        # Another process may have synced meanwhile: go on from where it stopped.
        token = await self.db.transport_state.get("matrix.next_batch")
        if token and self.client is not None:
            self.client.next_batch = token
        self._task = asyncio.create_task(self._sync_loop())

    async def stop_sync(self) -> None:
        await self._end_sync()
        self._task = None

    async def answer_unanswered(self) -> None:
        """Send the answers the bot committed but did not send before it last stopped."""
        await send_kept_answers(self)

    async def _sync_loop(self) -> None:
        assert self.client is not None
        backoff = 1.0
        while not self._stopping.is_set():
            try:
                response = await self.client.sync(
                    timeout=self.config.sync_timeout * 1000, since=self.client.next_batch
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # network trouble: back off and try again
                log.warning("matrix sync failed: %s", type(exc).__name__)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60)
                continue
            if isinstance(response, nio.SyncResponse):
                backoff = 1.0
                await self.db.transport_state.set("matrix.next_batch", response.next_batch)
            elif (
                getattr(response, "status_code", None) == UNKNOWN_TOKEN
                and self.config.password
                and not self.config.access_token
            ):
                # Logged out from elsewhere while running: log in again, on the same device.
                log.warning("matrix: the access token was revoked; logging in again")
                try:
                    await log_in_again(self.client, self.config, self.db.transport_state)
                except Exception as exc:
                    log.warning("matrix: logging in again failed: %s", type(exc).__name__)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 60)
            else:
                retry = getattr(response, "retry_after_ms", None)
                log.warning("matrix sync error: %s", getattr(response, "status_code", "?"))
                await asyncio.sleep((retry or 0) / 1000 or backoff)
                backoff = min(backoff * 2, 60)

    async def stop(self) -> None:
        self._stopping.set()
        await self._end_sync()
        if self.client is not None:
            await self.client.close()

    async def _end_sync(self) -> None:
        if self._task is not None:
            # Let an event being answered finish: cancelled between its commit and its
            # answer, the answer would only go out at the next start.
            for _ in range(200):
                if not self._in_flight:
                    break
                await asyncio.sleep(0.05)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
