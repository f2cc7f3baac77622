"""The bot's device, cross-signed by the bot's own identity - and nothing else.

Element has announced that it will stop exchanging messages with devices their owner has
not cross-signed, and matrix-nio does not cross-sign. So the bot does it itself, per the
client-server spec ("Cross-signing"), once its device keys are on the server:

1. **Its identity**: a master key and a self-signing key (Ed25519, made with
   ``cryptography``), made once, and only while the account has no identity on the
   homeserver. The private seeds are written to the transport state
   (``matrix.cross_signing``, sealed with the installation's key: key_vault.py) *before*
   anything is uploaded: an identity on the server whose private half exists nowhere could
   never sign a device again.
2. **Upload** (``POST /keys/device_signing/upload``): the master key, and the
   self-signing key signed by it. The homeserver may ask for the account's password
   (user-interactive auth); the first upload of an account usually needs none (MSC3967).
3. **Sign the device** (``POST /keys/signatures/upload``): the homeserver's copy of the
   device's keys (``/keys/query``), but only once it is shown to be the bot's own: the
   user and device ids are the bot's, its keys are exactly the two identity keys of the
   local Olm account, and it carries a valid signature of that account's Ed25519 key.
   Only the bot can make that signature, so the object signed is one the bot made
   itself; a homeserver that hands over anything else (a foreign key under the bot's
   device id, another device) gets nothing signed. That endpoint answers 200 even when
   it rejects a signature: its ``failures`` are read.

**No silent identity replacement.** When the homeserver holds another identity than this
installation's (cross-signing set up in Element on the bot's account, a second
installation on the same account, or this installation's saved identity lost), the bot
does not upload its own over it: everyone who talks with the bot would see an identity
reset, and those who verified it a verification violation. It logs an error, ``doctor``
says what happened, and replacing is the operator's explicit command
(:func:`replace_identity`, ``python -m bot matrix replace-identity``).

Everything read from the homeserver is checked for its shape: a ``keys`` or
``signatures`` that is not an object is a key not there or a signature refused, never an
exception. It runs in the process holding the Matrix role, after the device's keys are
uploaded: the role is the lock that keeps two processes from making two identities. A
device made anew (the old one's keys were lost) is signed by the same identity.
``doctor`` asks :func:`cross_signing_status`, which only reads and verifies. The seeds
are secrets: registered for redaction, never logged.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from typing import Any

import nio
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from bot.log_redaction import redact_everywhere
from bot.transports.matrix.config import MatrixSection
from bot.transports.matrix.key_vault import (
    KeyUnavailable,
    is_sealed,
    opened_text,
    sealed_text,
)
from db.transport_state import TransportStateStore

log = logging.getLogger(__name__)

KEY = "matrix.cross_signing"
# What the seeds are sealed as (the associated data of key_vault's sealing).
SEEDS = "matrix.cross_signing"
# The running bot's latest outcome of cross-signing its device, for ``doctor``.
OUTCOME = "matrix.cross_signing_outcome"
SIGNED = "cross-signed by the bot's identity"
NEEDS_PASSWORD = (
    "the homeserver asks for the bot's password (matrix.password) to set up its identity"
)
# The operator's command that makes this installation's identity the account's.
REPLACE_COMMAND = "python -m bot matrix replace-identity"
ANOTHER_IDENTITY = (
    "the account has another cross-signing identity than this installation's (set up in"
    " Element, another installation on this account, or this installation's saved identity"
    f" lost); the bot does not replace it by itself. To make this installation's identity"
    f" the account's, run `{REPLACE_COMMAND}` (needs matrix.password); everyone who talks"
    " with the bot is then told that its identity changed"
)
NOT_OWN_DEVICE = (
    "the homeserver's copy of the bot's device keys is not the bot's own (other keys, or"
    " no valid signature of the device): nothing signed"
)
NOT_LISTED = "the device has no keys on the homeserver yet"


def unpadded(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _decode(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one: a server's answer of another
    shape holds nothing usable."""
    return value if isinstance(value, dict) else {}


def canonical(obj: dict[str, Any]) -> bytes:
    """The spec's canonical JSON of a signed object (its signatures and unsigned part out)."""
    bare = {k: v for k, v in obj.items() if k not in ("signatures", "unsigned")}
    return json.dumps(bare, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _public(key: Ed25519PrivateKey) -> str:
    return unpadded(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def signed_by(obj: Any, user_id: str, public_key: str, key_name: str | None = None) -> bool:
    """Whether ``obj`` carries a valid signature of ``user_id``'s Ed25519 key
    ``public_key``, listed under ``ed25519:<key_name>`` (a device signs under its device
    id, a cross-signing key under its public key, the default)."""
    if not isinstance(obj, dict):
        return False
    signatures = mapping(mapping(obj.get("signatures")).get(user_id))
    signature = signatures.get(f"ed25519:{key_name or public_key}")
    if not isinstance(signature, str) or not isinstance(public_key, str):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(_decode(public_key)).verify(
            _decode(signature), canonical(obj)
        )
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def only_key(key_object: Any) -> str | None:
    """The public key of a cross-signing key object (``keys`` holds exactly one)."""
    keys = list(mapping(mapping(key_object).get("keys")).values())
    return keys[0] if len(keys) == 1 and isinstance(keys[0], str) else None


def _held(answer: dict[str, Any], user_id: str, usage: str) -> dict[str, Any] | None:
    """One of ``user_id``'s cross-signing key objects from a ``/keys/query`` answer."""
    held = mapping(answer.get(f"{usage}_keys")).get(user_id)
    return held if isinstance(held, dict) else None


@dataclass(frozen=True)
class Identity:
    user_id: str
    master: Ed25519PrivateKey
    self_signing: Ed25519PrivateKey

    @property
    def master_public(self) -> str:
        return _public(self.master)

    @property
    def self_signing_public(self) -> str:
        return _public(self.self_signing)

    def sign(self, key: Ed25519PrivateKey, obj: dict[str, Any]) -> dict[str, Any]:
        """``obj`` with this key's signature added (its other signatures dropped)."""
        signature = unpadded(key.sign(canonical(obj)))
        bare = {k: v for k, v in obj.items() if k not in ("signatures", "unsigned")}
        return {**bare, "signatures": {self.user_id: {f"ed25519:{_public(key)}": signature}}}

    def key_objects(self) -> dict[str, Any]:
        def key_object(usage: str, public: str) -> dict[str, Any]:
            return {
                "user_id": self.user_id,
                "usage": [usage],
                "keys": {f"ed25519:{public}": public},
            }

        return {
            "master_key": key_object("master", self.master_public),
            "self_signing_key": self.sign(
                self.master, key_object("self_signing", self.self_signing_public)
            ),
        }

    def is_held_in(self, answer: dict[str, Any]) -> bool:
        """Whether a ``/keys/query`` answer shows this identity as the account's."""
        return (
            only_key(_held(answer, self.user_id, "master")) == self.master_public
            and only_key(_held(answer, self.user_id, "self_signing")) == self.self_signing_public
        )


def is_another_identity(answer: dict[str, Any], identity: Identity | None, user_id: str) -> bool:
    """Whether the homeserver holds a master key of ``user_id`` that is not this
    installation's (uploading ``identity`` would replace someone's)."""
    master = _held(answer, user_id, "master")
    if master is None:
        return False
    return identity is None or only_key(master) != identity.master_public


async def saved_identity(
    state: TransportStateStore, config: MatrixSection, *, write: bool = True
) -> Identity | None:
    """This installation's identity for its account, if it made one. The seeds are sealed
    with the installation's key (key_vault.py); seeds saved before sealing existed are
    sealed now (unless ``write`` is off: ``doctor`` only reads). A missing or other key
    raises :class:`~bot.transports.matrix.key_vault.KeyUnavailable`: never taken for "no
    identity", which would make a new one."""
    stored = await state.get(KEY)
    if not stored:
        return None
    saved = json.loads(await opened_text(config, stored, SEEDS))
    if saved.get("user_id") != config.user_id:
        return None
    for seed in (saved["master"], saved["self_signing"]):
        redact_everywhere(seed)
    if write and not is_sealed(stored):
        await state.set(KEY, await sealed_text(config, json.dumps(saved), SEEDS))
    return Identity(
        config.user_id,
        Ed25519PrivateKey.from_private_bytes(_decode(saved["master"])),
        Ed25519PrivateKey.from_private_bytes(_decode(saved["self_signing"])),
    )


async def _new_identity(state: TransportStateStore, config: MatrixSection) -> Identity:
    """An identity made now and saved (sealed) before any upload."""
    user_id = config.user_id
    identity = Identity(user_id, Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate())
    seeds = tuple(
        unpadded(key.private_bytes_raw()) for key in (identity.master, identity.self_signing)
    )
    for seed in seeds:
        redact_everywhere(seed)
    saved = {"user_id": user_id, "master": seeds[0], "self_signing": seeds[1]}
    await state.set(KEY, await sealed_text(config, json.dumps(saved), SEEDS))
    log.info("matrix: made the bot's cross-signing identity")
    return identity


async def _request(
    client: nio.AsyncClient, path: str, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    response = await client.send(
        "POST",
        f"/_matrix/client/v3/{path}",
        json.dumps(body),
        headers={
            "Authorization": f"Bearer {client.access_token}",
            "Content-Type": "application/json",
        },
    )
    try:
        answer = await response.json()
    except Exception:
        answer = {}
    return response.status, mapping(answer)


async def query_keys(
    client: nio.AsyncClient, user_id: str, devices: list[str] | None = None
) -> dict[str, Any]:
    """What the homeserver holds of ``user_id``'s keys (``/keys/query``): its devices'
    keys (all, or ``devices``) and its cross-signing keys. Raises on any other answer."""
    status, answer = await _request(client, "keys/query", {"device_keys": {user_id: devices or []}})
    if status != 200:
        raise RuntimeError(f"keys/query answered {status}")
    return answer


def listed_device(answer: dict[str, Any], user_id: str, device_id: str) -> dict[str, Any] | None:
    """The homeserver's copy of one device's keys in a ``/keys/query`` answer, if any."""
    device = mapping(mapping(answer.get("device_keys")).get(user_id)).get(device_id)
    return device if isinstance(device, dict) else None


def is_own_device(
    device: dict[str, Any], account: dict[str, str], user_id: str, device_id: str
) -> bool:
    """Whether ``device`` is exactly what the bot's Olm account (its ``identity_keys``)
    published for ``device_id``: the ids, both keys and nothing else, and the account's
    own signature over it all."""
    expected_keys = {
        f"ed25519:{device_id}": account.get("ed25519"),
        f"curve25519:{device_id}": account.get("curve25519"),
    }
    return (
        device.get("user_id") == user_id
        and device.get("device_id") == device_id
        and device.get("keys") == expected_keys
        and signed_by(device, user_id, account.get("ed25519", ""), device_id)
    )


async def _upload_identity(
    client: nio.AsyncClient, config: MatrixSection, identity: Identity
) -> str | None:
    """Upload the identity; None when done, else why not."""
    body = identity.key_objects()
    status, answer = await _request(client, "keys/device_signing/upload", body)
    if status == 401 and "session" in answer:
        if not config.password:
            return NEEDS_PASSWORD
        body["auth"] = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": identity.user_id},
            "password": config.password,
            "session": answer["session"],
        }
        status, answer = await _request(client, "keys/device_signing/upload", body)
    if status != 200:
        errcode = answer.get("errcode")
        errcode = errcode if isinstance(errcode, str) else ""
        return f"uploading the identity failed: {status} {errcode[:40]}".strip()
    return None


async def ensure_cross_signed(
    client: nio.AsyncClient, config: MatrixSection, state: TransportStateStore
) -> str:
    """Make sure the client's device is signed by the bot's identity (made and uploaded
    if the account has none yet); :data:`SIGNED` or why not. Never replaces another
    identity, never signs a device object the local Olm account did not make."""
    user_id, device_id = client.user_id, client.device_id
    olm = getattr(client, "olm", None)
    if olm is None:
        return "the device's keys are not open in this process"
    keys = await query_keys(client, user_id)
    identity = await saved_identity(state, config)
    if identity is None or not identity.is_held_in(keys):
        if is_another_identity(keys, identity, user_id):
            return ANOTHER_IDENTITY
        # The account has no identity: this installation's (made now if need be) is
        # uploaded - not a replacement of anyone's.
        identity = identity or await _new_identity(state, config)
        problem = await _upload_identity(client, config, identity)
        if problem is not None:
            return problem
        keys = await query_keys(client, user_id)
    device = listed_device(keys, user_id, device_id)
    if device is None:
        return NOT_LISTED
    if not is_own_device(device, dict(olm.account.identity_keys), user_id, device_id):
        return NOT_OWN_DEVICE
    if signed_by(device, user_id, identity.self_signing_public):
        return SIGNED
    signed = identity.sign(identity.self_signing, device)
    status, answer = await _request(
        client, "keys/signatures/upload", {user_id: {device_id: signed}}
    )
    # 200 even when the signature was refused: the refusals are in ``failures``.
    if status != 200 or answer.get("failures"):
        return f"the homeserver refused the device's signature: {status}"
    log.info("matrix: the bot's device is cross-signed")
    return SIGNED


async def replace_identity(
    client: nio.AsyncClient, config: MatrixSection, state: TransportStateStore
) -> str | None:
    """The operator's explicit choice: make this installation's identity (made now if it
    has none) the account's, over whatever the homeserver holds. None when done, else why
    not. The running bot signs its device with it at its next try."""
    identity = await saved_identity(state, config) or await _new_identity(state, config)
    if identity.is_held_in(await query_keys(client, client.user_id)):
        return None
    problem = await _upload_identity(client, config, identity)
    if problem is None:
        log.warning("matrix: the account's cross-signing identity was replaced by the operator")
    return problem


async def cross_signing_status(
    client: nio.AsyncClient,
    state: TransportStateStore | None = None,
    config: MatrixSection | None = None,
) -> tuple[bool | None, str]:
    """Whether the client's device is cross-signed by its account's identity, verified
    here (master key → self-signing key → device), None if the bot has not set it up yet
    (no identity or no device keys); and a line saying so or why not. With ``state`` and
    ``config``, the account's identity must also be this installation's. Only reads."""
    user_id, device_id = client.user_id, client.device_id
    keys = await query_keys(client, user_id)
    master, self_signing = _held(keys, user_id, "master"), _held(keys, user_id, "self_signing")
    master_public, self_signing_public = only_key(master), only_key(self_signing)
    if state is not None and config is not None:
        try:
            identity = await saved_identity(state, config, write=False)
        except KeyUnavailable as exc:
            return False, f"this installation's identity cannot be opened: {exc}"
        if is_another_identity(keys, identity, user_id):
            return False, ANOTHER_IDENTITY
    if master_public is None or self_signing_public is None or self_signing is None:
        return None, "no cross-signing identity yet (the running bot makes it)"
    if not signed_by(self_signing, user_id, master_public):
        return False, "the self-signing key is not signed by the master key"
    device = listed_device(keys, user_id, device_id)
    if device is None:
        return None, "the device has no keys yet (the running bot uploads and signs them)"
    if not signed_by(device, user_id, self_signing_public):
        return False, "the device is not signed by the bot's identity"
    return True, SIGNED
