"""The installation's key for Matrix secrets at rest, and sealing with it.

Why: the bot's device keys (matrix-nio's store, table ``matrix_crypto``) and its
cross-signing seeds live in the database, so that a restored backup goes on with the same
device. But then a database dump or a backup alone was enough to impersonate the bot:
decrypt what people write to it, sign as its identity. Now these secrets are sealed with a
key kept outside the database - a file (``matrix.key_file``, by default beside the SQLite
database, ``var/nachbarbot.sqlite3`` → ``var/nachbarbot.matrix-key``) or the environment
(``NACHBARBOT_MATRIX__STORE_KEY``) - so a dump is only useful together with the key.

- **The key.** 32 random bytes (base64 in the file), made at the first start that needs
  it, written owner-only (0600) and atomically: written to a private temporary file and
  linked into place, so a reader never sees half a key and two processes starting together
  (two cities, two PostgreSQL members on one host) agree on the one that was linked first.
  It is registered for log redaction and never written to the database. A key that exists
  is never replaced: a missing or different key with sealed data stored is an error
  (:class:`KeyMissing`, :class:`WrongKey`) naming the file or variable, never a reason to
  start over with a new device.
- **Sealing.** AES-256-GCM (``cryptography``) with a random 96-bit nonce per seal, under a
  subkey derived with HKDF (one key, separate subkeys per use). The associated data names
  what is sealed (e.g. the device's row), so a sealed value copied into another row does
  not open. A sealed value is text: ``sealed:1:`` and base64; anything else is a value
  stored before sealing existed, which :func:`open_text` returns as it is (to be sealed
  when next written).
- **nio's pickle key.** matrix-nio pickles the Olm account and sessions inside its store
  with a passphrase, by default the public constant ``DEFAULT_KEY``. The bot gives it a
  passphrase derived from the same key (:func:`pickle_key`), so the private copy of the
  store that the role holder works on (a 0700 temporary folder) is no cleartext either.
  Stores saved before this were pickled with ``DEFAULT_KEY``: they are re-pickled once, on
  their first restore (crypto_state.py), by loading with the old passphrase and saving with
  the new through matrix-nio's own store methods - the account, its Olm sessions and its
  inbound Megolm sessions are all that nio pickles.

What to back up: the database and, kept apart from it, the key (file or variable). Either
alone cannot open the device; both lost means a new device (docs/matrix.md).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.config_fields import key_bytes
from bot.log_redaction import redact_everywhere
from bot.transports.matrix.config import DEFAULT_KEY_FILE, MatrixSection

KEY_BYTES = 32
SEALED = "sealed:1:"
NONCE_BYTES = 12
# matrix-nio's pickle passphrase when none is given (AsyncClientConfig.pickle_key).
NIO_DEFAULT_PICKLE_KEY = "DEFAULT_KEY"
STORE_KEY_VARIABLE = "NACHBARBOT_MATRIX__STORE_KEY"


class KeyUnavailable(RuntimeError):
    """The key cannot be had or does not fit; the message says what to do, never a secret."""


class KeyMissing(KeyUnavailable):
    """Sealed data is stored but its key is neither in the file nor the environment."""


class WrongKey(KeyUnavailable):
    """Sealed data does not open with the key given (another installation's key, or
    changed data)."""


def key_path(config: MatrixSection) -> Path:
    """The key file (``matrix.key_file``; a configuration loaded from a file has its
    default filled in beside the database, ``bot.config.Config``)."""
    return Path(config.key_file or DEFAULT_KEY_FILE)


def key_source(config: MatrixSection, variable: str = STORE_KEY_VARIABLE) -> str:
    """Where the key is, for an operator's message (``variable``: matrix.store_key's
    environment variable, a further city's own)."""
    if config.store_key:
        return f"matrix.store_key ({variable})"
    return f"{key_path(config)} (matrix.key_file)"


def store_key(config: MatrixSection, *, create: bool = True) -> bytes:
    """The installation's key: from ``matrix.store_key`` if set, else the key file, made
    now if it does not exist and ``create`` (else :class:`KeyMissing`). Blocking file I/O:
    call it in a thread from the event loop."""
    if config.store_key:
        redact_everywhere(config.store_key)  # as the operator wrote it, too
        key = key_bytes(config.store_key)
        if key is None:  # checked with the configuration already
            raise KeyUnavailable("matrix.store_key: must be 32 bytes in base64")
        return _registered(key)
    path = key_path(config)
    try:
        return _registered(_read(path))
    except FileNotFoundError:
        if not create:
            raise KeyMissing(missing_message(config)) from None
    return _registered(_create(path))


def missing_message(config: MatrixSection, variable: str = STORE_KEY_VARIABLE) -> str:
    return (
        f"the key that seals the bot's Matrix keys is missing: {key_path(config)} "
        f"(matrix.key_file) does not exist and {variable} is not set; restore the file "
        "from its backup - without it the stored device cannot be opened"
    )


def wrong_key_message(config: MatrixSection, variable: str = STORE_KEY_VARIABLE) -> str:
    return (
        f"the bot's Matrix keys in the database do not open with the key in "
        f"{key_source(config, variable)}: they were sealed with another key - restore this "
        "installation's key from its backup"
    )


def store_context(user_id: str, device_id: str) -> str:
    """What a sealed device store is: its own row of ``matrix_crypto`` (a store copied
    into another row does not open)."""
    return f"matrix_crypto {user_id} {device_id}"


def read_key(config: MatrixSection) -> bytes | None:
    """The key if it exists, without making one (``doctor``); None when missing.
    :class:`KeyUnavailable` for a file that cannot be used."""
    try:
        return store_key(config, create=False)
    except KeyMissing:
        return None


def pickle_key(key: bytes) -> str:
    """matrix-nio's pickle passphrase for the bot's store, derived from ``key``."""
    return base64.b64encode(_subkey(key, b"nachbarbot matrix pickle key v1")).decode("ascii")


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED)


def seal(key: bytes, data: bytes, context: str) -> str:
    """``data`` sealed with ``key``, as text; ``context`` names what it is (it must be
    given again to open it)."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_sealing_key(key)).encrypt(nonce, data, context.encode("utf-8"))
    return SEALED + base64.b64encode(nonce + sealed).decode("ascii")


def open_sealed(key: bytes, stored: str, context: str) -> bytes:
    """What :func:`seal` sealed; :class:`WrongKey` if it does not open with ``key`` and
    ``context``."""
    if not is_sealed(stored):
        raise ValueError("not a sealed value")
    try:
        raw = base64.b64decode(stored.removeprefix(SEALED), validate=True)
        nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
        return AESGCM(_sealing_key(key)).decrypt(nonce, sealed, context.encode("utf-8"))
    except (InvalidTag, ValueError):
        raise WrongKey("a sealed value does not open with this key") from None


def seal_text(key: bytes, plaintext: str, context: str = "") -> str:
    """A text sealed with ``key`` (e.g. the cross-signing seeds' JSON under their
    transport-state key as ``context``)."""
    return seal(key, plaintext.encode("utf-8"), context)


def open_text(key: bytes, stored: str, context: str = "") -> str:
    """What :func:`seal_text` sealed; a value stored before sealing existed is returned as
    it is (write it back sealed). :class:`WrongKey` if it does not open."""
    if not is_sealed(stored):
        return stored
    return open_sealed(key, stored, context).decode("utf-8")


async def sealed_text(config: MatrixSection, plaintext: str, context: str) -> str:
    """``plaintext`` sealed with the installation's key (made now if it has none yet), for
    the small secrets kept in the transport state (the login, the cross-signing seeds)."""
    return seal_text(await asyncio.to_thread(store_key, config), plaintext, context)


async def opened_text(config: MatrixSection, stored: str, context: str) -> str:
    """What :func:`sealed_text` sealed, opened with the installation's key - never made
    here: the key of a sealed value is lost, not new (:class:`KeyMissing`,
    :class:`WrongKey`). A value stored before sealing existed is returned as it is."""
    if not is_sealed(stored):
        return stored
    return open_text(await asyncio.to_thread(store_key, config, create=False), stored, context)


def _subkey(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(key)


def _sealing_key(key: bytes) -> bytes:
    return _subkey(key, b"nachbarbot seal v1")


def _registered(key: bytes) -> bytes:
    # Never logged, in either of the ways it is written.
    redact_everywhere(base64.b64encode(key).decode("ascii"))
    redact_everywhere(base64.urlsafe_b64encode(key).decode("ascii"))
    return key


def _read(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyUnavailable(
            f"the key file {path} (matrix.key_file) cannot be read: "
            f"{getattr(exc, 'strerror', None) or type(exc).__name__}"
        ) from None
    key = key_bytes(text)
    if key is None:
        raise KeyUnavailable(
            f"the key file {path} (matrix.key_file) does not hold a key (32 bytes in base64)"
        )
    return key


def _create(path: Path) -> bytes:
    """A new key in ``path``, unless another process linked one there first (then that)."""
    key = os.urandom(KEY_BYTES)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # mkstemp makes the file 0600; linked when whole, so never seen half written.
        fd, temporary = tempfile.mkstemp(prefix=".matrix-key-", dir=path.parent)
    except OSError as exc:
        raise KeyUnavailable(_cannot_create(path, exc)) from None
    try:
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(base64.b64encode(key).decode("ascii") + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return _read(path)
        _sync_folder(path.parent)
        return key
    except OSError as exc:
        raise KeyUnavailable(_cannot_create(path, exc)) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _cannot_create(path: Path, exc: OSError) -> str:
    return (
        f"the key file {path} (matrix.key_file) cannot be made: "
        f"{exc.strerror or type(exc).__name__}; set matrix.key_file to a writable place "
        f"or give the key in {STORE_KEY_VARIABLE}"
    )


def _sync_folder(folder: Path) -> None:
    """The new name survives a power cut."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
