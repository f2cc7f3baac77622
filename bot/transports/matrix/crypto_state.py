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
  - before one-time keys or device keys are uploaded (``_Client._send``): a key on the
    server whose private half exists nowhere would make someone's next message
    undecryptable.

  An Olm session the bot started for sending keys and lost in a crash costs nothing (the
  next message starts a new one); matrix-nio does not keep the Megolm sessions it sends
  with, so after a restart a new one is shared.
- **Secrets.** The store is never logged, never exported by /mydata, and declared in the
  personal-data map as technical state. It is in the database's backup, which is what lets
  a restored installation go on with the same device.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import shutil
import sqlite3
import tempfile
from pathlib import Path

from db.transport_state import TransportStateStore


class CryptoState:
    """The device's store file in a private folder, loaded from and saved to the database."""

    def __init__(self, state: TransportStateStore) -> None:
        self._state = state
        # mkdtemp makes the folder readable by this user only (0700).
        self.folder = Path(tempfile.mkdtemp(prefix="nachbarbot-matrix-"))
        self._saved: dict[tuple[str, str], str] = {}

    def path(self, user_id: str, device_id: str) -> Path:
        """Where matrix-nio's SqliteStore keeps this device's store in ``folder``."""
        return self.folder / f"{user_id}_{device_id}.db"

    async def restore(self, user_id: str, device_id: str) -> bool:
        """Write the device's saved store into the folder; False if none was saved."""
        saved = await self._state.crypto_store(user_id, device_id)
        path = self.path(user_id, device_id)
        path.unlink(missing_ok=True)
        if saved is None:
            return False
        data = base64.b64decode(saved)
        await asyncio.to_thread(_write_private, path, data)
        self._saved[(user_id, device_id)] = hashlib.sha256(data).hexdigest()
        return True

    async def save(self, user_id: str, device_id: str, next_batch: str | None = None) -> None:
        """A checkpoint: the store as it is now (if it changed) and ``next_batch``, in one
        transaction."""
        path = self.path(user_id, device_id)
        store = None
        if path.exists():
            data = await asyncio.to_thread(_snapshot, path)
            digest = hashlib.sha256(data).hexdigest()
            if self._saved.get((user_id, device_id)) != digest:
                store = base64.b64encode(data).decode("ascii")
                self._saved[(user_id, device_id)] = digest
        if store is None and next_batch is None:
            return
        try:
            await self._state.save_crypto_store(user_id, device_id, store, next_batch)
        except BaseException:
            # Not saved after all: the next checkpoint must write it.
            self._saved.pop((user_id, device_id), None)
            raise

    def remove(self) -> None:
        """Delete the private copy (the database keeps the saved one)."""
        shutil.rmtree(self.folder, ignore_errors=True)


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
