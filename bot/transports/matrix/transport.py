"""The Matrix connector as a whole: log in, sync (one process at a time), stop. It holds
its parts, each in its own module: ``rooms`` (membership, which rooms are served),
``inbound`` (events to updates) and ``outbound`` (rendering and sending), which share the
connection's state (parts.py ``Shared``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from typing import TYPE_CHECKING, Any

import nio
from nio.store import SqliteStore

from bot.log_redaction import redact_everywhere
from bot.transports.contract import (
    AccountRefused,
    ChatService,
    ChatTurn,
    Routed,
    send_kept_answers,
    take_update,
)
from bot.transports.matrix import stranger_keys
from bot.transports.matrix.config import MatrixSection
from bot.transports.matrix.cross_signing import (
    ANOTHER_IDENTITY,
    NOT_OWN_DEVICE,
    OUTCOME,
    SIGNED,
    ensure_cross_signed,
    query_keys,
)
from bot.transports.matrix.crypto_state import CryptoState
from bot.transports.matrix.inbound import EVENTS, Inbound
from bot.transports.matrix.login import (
    UNKNOWN_TOKEN,
    LoginFailed,
    log_in,
    log_in_again,
    seal_stored_login,
    token_unknown,
)
from bot.transports.matrix.outbound import Outbound
from bot.transports.matrix.parts import Retired, Shared, _Client
from bot.transports.matrix.render import (
    PLATFORM,
)
from bot.transports.matrix.rooms import Rooms
from db import Database
from db.transport_state import NEXT_BATCH, TRANSACTIONS, NotHolder
from handlers.channels import Ports
from handlers.messages import Delete, Incoming, Outgoing

if TYPE_CHECKING:
    from bot.sections import Sections

log = logging.getLogger(__name__)


def service(config: Sections, ports: Ports) -> MatrixTransport:
    """A city's Matrix transport (bot/transports/registry.py), from its ``[matrix]``
    section (a city's ``bot.config.Config``, which imports the transports' sections)."""
    return MatrixTransport(ports, ports.db, config.section(MatrixSection))


class MatrixTransport(ChatService):
    """The Matrix connector: its parts (rooms, inbound, outbound) around one client."""

    platform = PLATFORM

    def __init__(
        self,
        ports: Ports,
        db: Database,
        config: MatrixSection,
    ) -> None:
        self.db = db
        redact_everywhere(config.access_token)
        redact_everywhere(config.password)
        # What the city hands it (bot/city_service.py; handlers/channels.py ``Ports``): the
        # way in for its updates and whatever else it asks; never the dispatcher.
        self.city_ports = ports
        self.shared = Shared(db, config, ports)
        self.outbound = Outbound(self.shared)
        self.rooms = Rooms(self.shared, self.outbound)
        self.inbound = Inbound(self.shared, self.rooms, self.outbound, self._take)
        self._crypto: CryptoState | None = None
        # Set once this process's device keys are on the homeserver and the device's
        # cross-signing was tried (tools and tests wait for it before they start an
        # encrypted chat with a bot that just started). Cross-signing that did not succeed
        # is tried again, with a growing pause, for as long as the role is held.
        self.keys_published = asyncio.Event()
        self._cross_signing = CrossSigningTries()
        # When strangers' keys are pruned (stranger_keys.py): only after a change.
        self._pruning = stranger_keys.Pruning()
        self._full_state = False
        # The stored sync token the first sync after taking the role starts from.
        self._resume_token: str | None = None
        self._greetings_waiting = False
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    @property
    def config(self) -> MatrixSection:
        return self.shared.config

    @config.setter
    def config(self, config: MatrixSection) -> None:
        self.shared.config = config

    @property
    def client(self) -> _Client | None:
        """The client in use: with the device's keys while this process holds the role."""
        return self.shared.client

    @property
    def delivering(self) -> bool:
        return self.shared.delivering

    @delivering.setter
    def delivering(self, value: bool) -> None:
        self.shared.delivering = value

    async def _take(self, incoming: Incoming) -> list[Outgoing]:
        return await take_update(self, incoming)

    async def send_answer(self, answer: Routed) -> None:
        room_id, edit_id = answer.chat_id, answer.edit_message_id
        if answer.elsewhere:
            room_id, edit_id = await self._addressed(room_id, edit_id)
        await self.outbound.send(room_id, answer.item, edit_id, alongside=answer.alongside)

    async def deliver(
        self, chat_id: str, item: Outgoing, edit_message_id: str | None = None
    ) -> str | None:
        room_id, edit_id = await self._addressed(chat_id, edit_message_id)
        if edit_message_id and not edit_id and isinstance(item, Delete):
            return None  # it stayed in the chat the person left
        return await self.outbound.send(room_id, item, edit_id)

    async def _addressed(self, chat_id: str, edit_id: str | None) -> tuple[str, str | None]:
        """The room for what is meant for ``chat_id`` (rooms.py ``address``: another, for
        a chat its person left) and the message it changes there: a message of the chat
        she left is not in the new one, so its edit goes out as a new message."""
        room_id = await self.rooms.address(chat_id)
        if room_id != chat_id and edit_id and not await self.outbound.holds(room_id, edit_id):
            edit_id = None
        return room_id, edit_id

    async def fetch_media(self, file_id: str) -> tuple[bytes, str]:
        return await self.outbound.fetch_media(file_id)

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
        """Log in; events are taken (and Matrix messages sent) by the process that holds
        the role, from :meth:`start_taking` on. This login, without keys, only downloads
        files for the other platforms. (Synced by one process at a time, a chat's events
        need no ``chat_turn``.)"""
        client = _Client(
            self.config.homeserver,
            self.config.user_id,
            store_path=None,
            config=nio.AsyncClientConfig(encryption_enabled=False),
        )
        try:
            await self._log_in(client)
        except BaseException:
            # Not handed to ``shared`` yet, so stopping the transport would not reach it:
            # a failed login (a refused password, a homeserver out of reach, a Ctrl-C)
            # closes its HTTP session here, or aiohttp reports it unclosed at exit.
            await client.close()
            raise
        self.shared.plain = self.shared.client = client

    async def _log_in(self, client: _Client) -> None:
        """Log in (login.py). The account refused - a configured access token the
        homeserver says it does not know, a wrong password, a deactivated account - ends
        the start with :class:`AccountRefused` (``run`` leaves a further city out and
        serves the others; the main city's stops it: the operator must mend it). A
        homeserver out of reach does not: in an installation of several cities one city's
        homeserver down must hold up no other city (tests/system/test_cities_matrix.py), so
        the start goes on, the log says once that it cannot be reached, and the sync loop
        waits for it (``_Client.get_timeout_retry_wait_time``)."""
        try:
            await log_in(client, self.config, self.db.transport_state)
            if not self.config.access_token:
                await seal_stored_login(self.config, self.db.transport_state)
            elif await token_unknown(client):
                raise LoginFailed(
                    f"the homeserver {self.config.homeserver} refused the login: {UNKNOWN_TOKEN}",
                    UNKNOWN_TOKEN,
                )
        except LoginFailed as exc:
            if exc.account_refused:
                raise AccountRefused(f"LoginFailed: {exc}") from exc
            raise

    async def open_for_files(self) -> None:
        """Logged in without keys: all that :meth:`fetch_media` needs."""
        await self.connect()

    async def start_taking(self) -> None:
        """Holding the Matrix role: open the device's keys, catch up, send what was kept,
        and sync."""
        client = await self._encrypted_client()
        self._watch(client)
        self.shared.transactions = await self._transaction_namespace()
        async with self.shared.send_lock:
            self.shared.client = client
        state = self.db.transport_state
        token = await state.get(NEXT_BATCH)
        if token:
            # The whole room state once: which rooms are encrypted and who is in them. The
            # token is not given to matrix-nio as its own: it drops a response carrying the
            # token it has, and after a quiet restart (nothing new since) the full state
            # would be dropped with it, leaving every room unknown until someone writes.
            self._resume_token = token
            self._full_state = True
        else:
            # First start: learn where "now" is without answering old messages.
            await client.sync(timeout=0, full_state=True)
            await self._checkpoint(client.next_batch or None)
        self.shared.ready = True
        self.delivering = True
        await self.rooms.accept_waiting_invites()
        await self.answer_unanswered()
        self._task = asyncio.create_task(self._sync_loop())

    async def _transaction_namespace(self) -> str:
        """This database's own prefix of Matrix transaction ids, made once."""
        state = self.db.transport_state
        namespace = await state.get(TRANSACTIONS)
        if not namespace:
            namespace = secrets.token_hex(6)
            await state.set(TRANSACTIONS, namespace)
        return namespace

    async def stop_taking(self) -> None:
        """The role is given up (or lost): stop sending at once, then let the events
        being handled finish (their answers are kept for the next holder), stop syncing,
        and save the keys - refused if another process holds the role already."""
        self.delivering = False
        client = self.client
        if client is not None and client is not self.shared.plain:
            client.retired = True
        await self._end_sync()
        self._task = None
        self.shared.ready = False
        self.rooms.invites_waiting = {}
        async with self.shared.send_lock:
            client, self.shared.client = self.shared.client, self.shared.plain
        if client is not None and client is not self.shared.plain:
            try:
                await self._checkpoint(client=client)
            except NotHolder:
                log.warning("matrix: another process holds the role; its keys are kept")
            await client.close()

    async def answer_unanswered(self) -> None:
        """Send the answers the bot committed but did not send before it last stopped."""
        await send_kept_answers(self)

    def _watch(self, client: _Client) -> None:
        client.membership_changed = self.rooms.membership_changed
        client.budget = self.shared.budget
        client.held = self.shared.held
        client.standing = self.inbound.strangers.standing
        client.add_event_callback(self.rooms.on_invite, nio.InviteMemberEvent)
        client.add_event_callback(self.rooms.on_member, nio.RoomMemberEvent)
        client.add_event_callback(self.inbound.on_event, EVENTS)
        client.add_to_device_callback(
            self.inbound.on_room_key, (nio.RoomKeyEvent, nio.ForwardedRoomKeyEvent)
        )

    async def _encrypted_client(self) -> _Client:
        """A client with the device's keys: restored from the database, or made and
        published once for a new device. A device whose saved keys are lost is not given
        new ones (people's clients would distrust the changed device): the bot logs in
        to a new device instead, which needs the password."""
        plain = self.shared.plain
        assert plain is not None
        crypto = self._crypto = self._crypto or CryptoState(self.db.transport_state, self.config)
        await crypto.take_role()
        user_id = self.config.user_id
        device_id = plain.device_id or await self._device_of_token(plain)
        if not await crypto.restore(user_id, device_id) and await self._published(device_id):
            if self.config.password and not self.config.access_token:
                log.warning("matrix: the keys of this device are lost; logging in to a new one")
                await log_in_again(plain, self.config, self.db.transport_state, new_device=True)
                await self._delete_device(plain, device_id)
                device_id = plain.device_id
                await crypto.restore(user_id, device_id)
            else:
                log.error(
                    "matrix: the keys of this device are lost and a new device needs the "
                    "password; encrypted rooms stay unreadable"
                )
                return plain
        client = _Client(
            self.config.homeserver,
            user_id,
            device_id=device_id,
            store_path=str(crypto.folder),
            config=nio.AsyncClientConfig(
                encryption_enabled=True,
                store_sync_tokens=False,
                store=SqliteStore,
                pickle_key=crypto.pickle_key,
            ),
        )
        client.restore_login(user_id, device_id, plain.access_token)

        async def save_before_sending() -> None:
            await crypto.save(user_id, device_id)

        client.checkpoint_before_sending = save_before_sending
        await crypto.save(user_id, device_id)
        self.keys_published.clear()  # published again, once, by this holding of the role
        self._cross_signing = CrossSigningTries()
        return client

    async def _delete_device(self, client: _Client, device_id: str) -> None:
        """Delete the device whose keys were lost: left in place, it would stay
        cross-signed by the bot's identity and go on receiving room keys that nobody can
        read. Needs the password (user-interactive auth)."""
        auth = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": self.config.user_id},
            "password": self.config.password or "",
        }
        try:
            first = await client.delete_devices([device_id])
            session = getattr(first, "session", None)
            response = (
                await client.delete_devices([device_id], {**auth, "session": session})
                if session
                else first
            )
        except Exception as exc:
            log.warning("matrix: deleting the lost device failed: %s", type(exc).__name__)
            return
        if isinstance(response, nio.DeleteDevicesResponse):
            log.info("matrix: deleted the device whose keys were lost")
        else:
            log.warning(
                "matrix: deleting the lost device failed: %s",
                getattr(response, "status_code", None) or "?",
            )

    async def _publish_keys(self, client: _Client) -> None:
        """Upload the device's keys once per holding of the role, and have the device
        cross-signed, tried again with a growing pause until it is: in the sync task, so
        that a homeserver that is down (matrix-nio retries for ever) holds up nothing else
        and the task is simply ended at stop. Under the role, so two processes never make
        two identities (cross_signing.py)."""
        if client.olm is None:
            return
        if not self.keys_published.is_set() and client.should_upload_keys:
            response = await client.keys_upload()
            if not isinstance(response, nio.KeysUploadResponse):
                log.warning("matrix: uploading the device keys failed")
                return
        tries = self._cross_signing
        if tries.due(asyncio.get_running_loop().time()):
            try:
                outcome = await ensure_cross_signed(client, self.config, self.db.transport_state)
            except (asyncio.CancelledError, NotHolder, Retired):
                raise
            except Exception as exc:
                outcome = f"cross-signing the device failed: {type(exc).__name__}"
            if tries.note(outcome, asyncio.get_running_loop().time()):
                await self._say_cross_signing(outcome)
        self.keys_published.set()

    async def _say_cross_signing(self, outcome: str) -> None:
        """Log a new outcome of cross-signing (once, not at every try) and keep it for
        ``doctor``."""
        if outcome in (ANOTHER_IDENTITY, NOT_OWN_DEVICE):
            log.error("matrix: the bot's device is not cross-signed: %s", outcome)
        elif outcome != SIGNED:
            log.warning("matrix: the bot's device is not cross-signed (tried again): %s", outcome)
        await self.db.transport_state.set(OUTCOME, outcome)

    async def _device_of_token(self, client: _Client) -> str:
        """The device a configured access token belongs to."""
        response = await client.whoami()
        if not isinstance(response, nio.WhoamiResponse) or not response.device_id:
            raise RuntimeError("matrix: the homeserver did not say which device this token is")
        client.device_id = response.device_id
        return response.device_id

    async def _published(self, device_id: str) -> bool:
        """Whether the homeserver holds keys of this device already."""
        assert self.shared.plain is not None
        try:
            body = await query_keys(self.shared.plain, self.config.user_id, [device_id])
        except Exception as exc:
            # Cannot tell: keys are made (a new device has none on the server anyway).
            log.warning("matrix: asking for the device's keys failed: %s", type(exc).__name__)
            return False
        return device_id in (body.get("device_keys") or {}).get(self.config.user_id, {})

    async def _checkpoint(
        self, next_batch: str | None = None, *, client: _Client | None = None
    ) -> None:
        """Save the device's keys with the sync token (see crypto_state.py); without keys,
        only the token. :class:`NotHolder` when another process holds the role now."""
        client = client or self.client
        if self._crypto is not None and client is not None and client.olm is not None:
            await self._crypto.save(client.user_id, client.device_id, next_batch)
        elif next_batch is not None:
            await self.db.transport_state.set(NEXT_BATCH, next_batch)
        if client is not None and client.released:
            # Their keys are saved now: the held Olm messages handled are held no more.
            released, client.released = client.released, []
            try:
                await self.shared.held.release(released)
            except Exception as exc:  # released at the next checkpoint
                log.warning("matrix: releasing held Olm messages failed: %s", type(exc).__name__)
                client.released = released + client.released

    async def _sync_loop(self) -> None:
        assert self.client is not None
        backoff = 1.0
        while not self._stopping.is_set():
            client = self.client
            try:
                await self._publish_keys(client)
            except asyncio.CancelledError:
                raise
            except (NotHolder, Retired):
                self._retire(client)
                return
            except Exception as exc:  # network trouble: tried again next round
                log.warning("matrix: publishing the device keys failed: %s", type(exc).__name__)
            client.full_state = self._full_state
            # While a greeting waits, short polls: it is sent soon after its moment.
            seconds = 1 if self._greetings_waiting else self.config.sync_timeout
            try:
                response = await client.sync(
                    timeout=seconds * 1000,
                    since=client.next_batch or self._resume_token,
                    full_state=self._full_state,
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
                started, self._full_state = self._full_state, False
                await self._after_sync(client)
                if started:
                    try:
                        await self.rooms.history_to_members_of_old_chats()
                    except Exception as exc:  # the chats are served all the same
                        log.warning("matrix: the old chats' history: %s", type(exc).__name__)
                try:
                    await self._checkpoint(response.next_batch)
                except NotHolder:
                    # Another process took the role: no further sync (it would tell the
                    # homeserver that to-device messages arrived which only this process
                    # has), and nothing more sent from here.
                    self._retire(client)
                    return
            else:
                backoff = await self._sync_refused(client, response, backoff)

    async def _sync_refused(self, client: _Client, response: Any, backoff: float) -> float:
        """A sync the homeserver answered with an error: logged in again where the token
        was revoked, else waited for as it asks; the next backoff."""
        if (
            getattr(response, "status_code", None) == UNKNOWN_TOKEN
            and self.config.password
            and not self.config.access_token
        ):
            # Logged out from elsewhere while running: log in again, on the same device.
            log.warning("matrix: the access token was revoked; logging in again")
            try:
                await log_in_again(client, self.config, self.db.transport_state)
                if self.shared.plain is not None and self.shared.plain is not client:
                    self.shared.plain.access_token = client.access_token
            except Exception as exc:
                log.warning("matrix: logging in again failed: %s", type(exc).__name__)
                await asyncio.sleep(backoff)
                return min(backoff * 2, 60)
            return backoff
        retry = getattr(response, "retry_after_ms", None)
        log.warning("matrix sync error: %s", getattr(response, "status_code", "?"))
        await asyncio.sleep((retry or 0) / 1000 or backoff)
        return min(backoff * 2, 60)

    def _retire(self, client: _Client) -> None:
        """This process found that another holds the Matrix role: it sends nothing more
        (the role's own check ends the rest, see :meth:`stop_taking`)."""
        log.warning("matrix: another process holds the Matrix role; this one stops sending")
        client.retired = True
        self.delivering = False

    async def _after_sync(self, client: _Client) -> None:
        """What a client does between syncs: keep its keys published and its view of
        people's devices current, send queued key messages; then the messages whose key
        arrived, and the greetings no first message made unnecessary."""
        if client.olm is not None:
            try:
                async with self.shared.send_lock:
                    if client.should_upload_keys:
                        await client.keys_upload()
                    if client.should_query_keys:
                        await client.keys_query()
                    if client.should_claim_keys:
                        await client.keys_claim(client.get_users_for_key_claiming())
                    await client.send_to_device_messages()
            except Exception as exc:
                log.warning("matrix: updating keys failed: %s", type(exc).__name__)
            # Before the checkpoint saves the store: strangers' keys stay bounded.
            try:
                self._pruning.prune_if_due(client)
            except Exception as exc:  # tried again after the next sync
                log.warning("matrix: bounding strangers' keys failed: %s", type(exc).__name__)
        await self.inbound.retry_undecrypted()
        try:
            await self.inbound.strangers.tell_coordinators()
        except Exception as exc:  # told after the next sync
            log.warning("matrix: telling of the decryption budget failed: %s", type(exc).__name__)
        await self.rooms.leave_due()
        self._greetings_waiting = await self.inbound.greet_due()

    async def stop(self) -> None:
        self._stopping.set()
        if self.client is not None and self.client is not self.shared.plain:
            await self.stop_taking()
        await self._end_sync()
        if self.shared.plain is not None:
            await self.shared.plain.close()
        if self._crypto is not None:
            self._crypto.remove()

    async def _end_sync(self) -> None:
        if self._task is not None:
            # Let an event being answered finish: cancelled between its commit and its
            # answer, the answer would only go out at the next start.
            for _ in range(200):
                if not self.shared.in_flight:
                    break
                await asyncio.sleep(0.05)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task


class CrossSigningTries:
    """When to try cross-signing the device again: at once at first, then after a pause
    that doubles from ``FIRST`` up to ``LONGEST`` seconds while it does not succeed; never
    again once it did."""

    FIRST = 5.0
    LONGEST = 600.0

    def __init__(self) -> None:
        self.outcome = ""
        self._next = 0.0
        self._pause = self.FIRST

    def due(self, now: float) -> bool:
        return self.outcome != SIGNED and now >= self._next

    def note(self, outcome: str, now: float) -> bool:
        """Take an outcome; whether it differs from the one before."""
        changed, self.outcome = outcome != self.outcome, outcome
        if outcome != SIGNED:
            self._next = now + self._pause
            self._pause = min(self._pause * 2, self.LONGEST)
        return changed
