"""The bot's end-to-end encryption state: matrix-nio's store of the bot's device, kept in the
installation's database (table ``matrix_crypto``).

Why this shape:

- **One owner.** Only the process holding the Matrix role (``matrix-sync``, bot/cluster.py)
  opens the device's Olm and Megolm sessions, and only it sends Matrix messages (the other
  processes' outbox workers leave Matrix rows to it: ``MatrixTransport.delivering``). Two
  processes with copies of one Olm account would each move ratchets on that the other does
  not know, and a person's client would fail to decrypt one of them. The role is the lock:
  creating the device's keys or its cross-signing identity happens under it, so two
  processes never make two.
- **Handed over through the database.** matrix-nio keeps its store in an SQLite file. The
  holder works on a private copy in a folder only it can read and writes the file back
  (base64) at each checkpoint:

  - after a sync's events and to-device messages are handled, in the same transaction as
    the sync token. The next sync, which tells the homeserver that those to-device
    messages (the room keys) arrived and may be deleted, starts only after they are in the
    database: a process that takes over never has keys older than the events it goes on
    from;
  - before one-time keys or device keys are uploaded, and before Olm-encrypted to-device
    messages (room keys) leave (``_Client._send``): a key on the server whose private half
    exists nowhere would make someone's next message undecryptable, and an Olm session
    restored from before its last step would encrypt again at a chain index the person's
    device already used (it cannot decrypt that, nor so the room key inside).

  matrix-nio does not keep the Megolm sessions it sends with, so after a restart a new one
  is shared.
- **One writer.** Every holding of the role takes a fencing token (``take_role``) before it
  reads the keys, and every write names it: once another process has taken the role, this
  one's writes are refused (:class:`~db.transport_state.NotHolder`). It then sends nothing
  more - not even the next sync, which would tell the homeserver that to-device messages
  arrived which only this process has - and its keys are never saved over the new
  holder's. Giving the role up, it stops sending first, then lets the events in hand
  finish (their answers wait for the next holder), then saves.
- **Secrets.** The store is never logged, never exported by /mydata, and declared in the
  personal-data map as technical state. It is in the database's backup, which is what lets
  a restored installation go on with the same device - sealed with the installation's key,
  which is kept outside the database (key_vault.py), so the backup alone cannot open it.
  matrix-nio pickles the Olm account and sessions inside the store with a passphrase
  derived from that key too (not its public default ``DEFAULT_KEY``), so the private copy
  in the folder is no cleartext either. A store saved before sealing existed is read as it
  was, re-pickled with the new passphrase and saved sealed. A sealed store whose key is
  missing or another is an error (:class:`~bot.transports.matrix.key_vault.KeyMissing`,
  :class:`~bot.transports.matrix.key_vault.WrongKey`) logged with the file or variable it
  needs: the bot does not make a new device over it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import secrets
import shutil
import sqlite3
import tempfile
from pathlib import Path

from nio.store import SqliteStore

from bot.transports.matrix.config import MatrixSection
from bot.transports.matrix.key_vault import (
    NIO_DEFAULT_PICKLE_KEY,
    KeyUnavailable,
    WrongKey,
    is_sealed,
    open_sealed,
    pickle_key,
    seal,
    store_context,
    store_key,
    wrong_key_message,
)
from db.transport_state import TransportStateStore

log = logging.getLogger(__name__)


class CryptoState:
    """The device's store file in a private folder, loaded from and saved to the database."""

    def __init__(self, state: TransportStateStore, config: MatrixSection) -> None:
        self._state = state
        self._config = config
        # The installation's key (key_vault.py), read by restore().
        self._key: bytes | None = None
        # The fencing token of this holding of the Matrix role (db/transport_state.py
        # HOLDER), taken by :meth:`take_role` before the keys are read.
        self.holder = ""
        # One checkpoint at a time: a save that finds the store unchanged must not return
        # while the save that wrote that version is still on its way to the database.
        self._saving = asyncio.Lock()
        # mkdtemp makes the folder readable by this user only (0700).
        self.folder = Path(tempfile.mkdtemp(prefix="nachbarbot-matrix-"))
        self._saved: dict[tuple[str, str], str] = {}

    def path(self, user_id: str, device_id: str) -> Path:
        """Where matrix-nio's SqliteStore keeps this device's store in ``folder``."""
        return self.folder / f"{user_id}_{device_id}.db"

    async def take_role(self) -> None:
        """This process holds the Matrix role now: a new fencing token, committed before
        the keys are read, so that an earlier holder's late writes are refused."""
        self.holder = secrets.token_hex(16)
        await self._state.take_holder(self.holder)

    @property
    def pickle_key(self) -> str:
        """matrix-nio's pickle passphrase for the store (once :meth:`restore` ran)."""
        if self._key is None:
            raise RuntimeError("the store's key is read by restore()")
        return pickle_key(self._key)

    async def restore(self, user_id: str, device_id: str) -> bool:
        """Write the device's saved store into the folder, opened with the installation's
        key; False if none was saved. :class:`~bot.transports.matrix.key_vault.KeyUnavailable`
        (logged) when a sealed store's key is missing or another: never a new device then."""
        saved = await self._state.crypto_store(user_id, device_id)
        path = self.path(user_id, device_id)
        path.unlink(missing_ok=True)
        # The key is made at the first start only: with a sealed store saved, a missing key
        # is lost, not new.
        sealed = saved is not None and is_sealed(saved)
        try:
            key = await asyncio.to_thread(store_key, self._config, create=not sealed)
            if saved is None:
                self._key = key
                return False
            if sealed:
                context = store_context(user_id, device_id)
                try:
                    data = await asyncio.to_thread(open_sealed, key, saved, context)
                except WrongKey:
                    raise WrongKey(wrong_key_message(self._config)) from None
            else:
                data = base64.b64decode(saved)
        except KeyUnavailable as exc:
            log.error("matrix: %s", exc)
            raise
        await asyncio.to_thread(_write_private, path, data)
        self._saved[(user_id, device_id)] = hashlib.sha256(data).hexdigest()
        if not sealed:
            # Saved before sealing existed: pickled with matrix-nio's public default. The
            # changed file is saved, sealed, at the next checkpoint (the digest differs).
            # On the event loop's thread, not another: matrix-nio's store binds its peewee
            # models to a database for each call (``bind_ctx``, process-wide state), so a
            # store opened in a thread while any client's store works on the loop (another
            # city's bot, another account) finds the models unbound or bound to the other
            # file. Once per device, at the first start after sealing came: milliseconds.
            repickle(path, user_id, device_id, pickle_key(key))
            log.info("matrix: the device's stored keys are sealed from now on")
        self._key = key
        return True

    async def save(self, user_id: str, device_id: str, next_batch: str | None = None) -> None:
        """A checkpoint: the store as it is now (if it changed) and ``next_batch``, in one
        transaction; :class:`~db.transport_state.NotHolder` if another process holds the
        role now."""
        async with self._saving:
            await self._save(user_id, device_id, next_batch)

    async def _save(self, user_id: str, device_id: str, next_batch: str | None) -> None:
        path = self.path(user_id, device_id)
        store = None
        if path.exists():
            data = await asyncio.to_thread(_snapshot, path)
            digest = hashlib.sha256(data).hexdigest()
            if self._saved.get((user_id, device_id)) != digest:
                assert self._key is not None  # read by restore()
                store = await asyncio.to_thread(
                    seal, self._key, data, store_context(user_id, device_id)
                )
                self._saved[(user_id, device_id)] = digest
        if store is None and next_batch is None:
            return
        try:
            await self._state.save_crypto_store(
                user_id, device_id, store, next_batch, holder=self.holder
            )
        except BaseException:
            # Not saved after all: the next checkpoint must write it.
            self._saved.pop((user_id, device_id), None)
            raise

    def remove(self) -> None:
        """Delete the private copy (the database keeps the saved one)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def repickle(
    path: Path, user_id: str, device_id: str, new_key: str, old_key: str = NIO_DEFAULT_PICKLE_KEY
) -> None:
    """The store at ``path``, pickled with ``old_key`` (matrix-nio's default passphrase),
    pickled with ``new_key``: the account, its Olm sessions and its inbound Megolm
    sessions, loaded and saved again through matrix-nio's own store (nothing else in it is
    pickled)."""
    store = SqliteStore(user_id, device_id, str(path.parent), old_key, database_name=path.name)
    try:
        account = store.load_account()
        if account is None:
            return
        sessions = store.load_sessions()
        group_sessions = list(store.load_inbound_group_sessions())
        store.pickle_key = new_key
        store.save_account(account)
        for sender_key, olm_sessions in sessions.items():
            for session in olm_sessions:
                store.save_session(sender_key, session)
        for group_session in group_sessions:
            store.save_inbound_group_session(group_session)
    finally:
        store.database.close()


def _snapshot(path: Path) -> bytes:
    """A consistent copy of an SQLite file another connection (matrix-nio's) writes to."""
    source = sqlite3.connect(path)
    target = sqlite3.connect(":memory:")
    try:
        source.backup(target)
        return target.serialize()
    finally:
        source.close()
        target.close()


def _write_private(path: Path, data: bytes) -> None:
    path.touch(mode=0o600)
    path.write_bytes(data)
