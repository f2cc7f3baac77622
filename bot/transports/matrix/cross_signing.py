"""The bot's device, cross-signed by the bot's own identity.

Element has announced that it will stop exchanging messages with devices their owner has
not cross-signed, and matrix-nio does not cross-sign. So the bot does it itself, per the
client-server spec ("Cross-signing"), once its device keys are on the server:

1. **Its identity**: a master key and a self-signing key (Ed25519, made with
   ``cryptography``), made once. The private seeds are written to the transport state
   (``matrix.cross_signing``) *before* anything is uploaded: an identity on the server
   whose private half exists nowhere could never sign a device again.
2. **Upload** (``POST /keys/device_signing/upload``): the master key, and the
   self-signing key signed by it. The homeserver may ask for the account's password
   (user-interactive auth); the first upload of an account usually needs none (MSC3967).
   Replacing an identity the server already holds always needs it, so a bot set up with
   an access token only cannot do that and says so.
3. **Sign the device** (``POST /keys/signatures/upload``): exactly the device object the
   server stored (from ``/keys/query``, without ``signatures`` and ``unsigned``), in
   canonical JSON. That endpoint answers 200 even when it rejects a signature: its
   ``failures`` are read.

It runs in the process holding the Matrix role, after the device's keys are uploaded: the
role is the lock that keeps two processes from making two identities. A device made anew
(the old one's keys were lost) is signed by the same identity. ``doctor`` asks
:func:`cross_signing_status`, which only reads and verifies. The seeds are secrets:
registered for redaction, never logged.
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

from bot.config import MatrixSection
from bot.log_redaction import redact_everywhere
from db.transport_state import TransportStateStore

log = logging.getLogger(__name__)

KEY = "matrix.cross_signing"
SIGNED = "cross-signed by the bot's identity"
NEEDS_PASSWORD = (
    "the homeserver asks for the bot's password (matrix.password) to set up its identity"
)


def unpadded(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _decode(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def canonical(obj: dict[str, Any]) -> bytes:
    """The spec's canonical JSON of a signed object (its signatures and unsigned part out)."""
    bare = {k: v for k, v in obj.items() if k not in ("signatures", "unsigned")}
    return json.dumps(bare, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _public(key: Ed25519PrivateKey) -> str:
    return unpadded(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def signed_by(obj: dict[str, Any], user_id: str, public_key: str) -> bool:
    """Whether ``obj`` carries a valid signature of ``user_id``'s key ``public_key``."""
    signature = obj.get("signatures", {}).get(user_id, {}).get(f"ed25519:{public_key}")
    if not isinstance(signature, str):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(_decode(public_key)).verify(
            _decode(signature), canonical(obj)
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def only_key(key_object: dict[str, Any] | None) -> str | None:
    """The public key of a cross-signing key object (``keys`` holds exactly one)."""
    keys = list((key_object or {}).get("keys", {}).values())
    return keys[0] if len(keys) == 1 and isinstance(keys[0], str) else None


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


async def _identity(state: TransportStateStore, user_id: str) -> Identity:
    """The bot's identity: as saved, or made now and saved before any upload."""
    saved = json.loads(await state.get(KEY) or "{}")
    if saved.get("user_id") == user_id:
        for seed in (saved["master"], saved["self_signing"]):
            redact_everywhere(seed)
        return Identity(
            user_id,
            Ed25519PrivateKey.from_private_bytes(_decode(saved["master"])),
            Ed25519PrivateKey.from_private_bytes(_decode(saved["self_signing"])),
        )
    identity = Identity(user_id, Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate())
    seeds = tuple(
        unpadded(key.private_bytes_raw()) for key in (identity.master, identity.self_signing)
    )
    for seed in seeds:
        redact_everywhere(seed)
    await state.set(
        KEY, json.dumps({"user_id": user_id, "master": seeds[0], "self_signing": seeds[1]})
    )
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
    return response.status, answer if isinstance(answer, dict) else {}


async def query_keys(
    client: nio.AsyncClient, user_id: str, devices: list[str] | None = None
) -> dict[str, Any]:
    """What the homeserver holds of ``user_id``'s keys (``/keys/query``): its devices'
    keys (all, or ``devices``) and its cross-signing keys. Raises on any other answer."""
    status, answer = await _request(client, "keys/query", {"device_keys": {user_id: devices or []}})
    if status != 200:
        raise RuntimeError(f"keys/query answered {status}")
    return answer


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
        return f"uploading the identity failed: {status} {answer.get('errcode', '')}".strip()
    return None


async def ensure_cross_signed(
    client: nio.AsyncClient, config: MatrixSection, state: TransportStateStore
) -> str:
    """Make sure the client's device is signed by the bot's identity (made and uploaded
    if need be); :data:`SIGNED` or why not."""
    user_id, device_id = client.user_id, client.device_id
    identity = await _identity(state, user_id)
    keys = await query_keys(client, user_id)
    master = keys.get("master_keys", {}).get(user_id)
    self_signing = keys.get("self_signing_keys", {}).get(user_id)
    if (
        only_key(master) != identity.master_public
        or only_key(self_signing) != identity.self_signing_public
    ):
        problem = await _upload_identity(client, config, identity)
        if problem is not None:
            if only_key(master) is not None:
                problem = f"the account has another identity; {problem}"
            return problem
        keys = await query_keys(client, user_id)
    device = keys.get("device_keys", {}).get(user_id, {}).get(device_id)
    if device is None:
        return "the device has no keys on the homeserver yet"
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


async def cross_signing_status(client: nio.AsyncClient) -> tuple[bool | None, str]:
    """Whether the client's device is cross-signed by its account's identity, verified
    here (master key → self-signing key → device), None if the bot has not set it up yet
    (no identity or no device keys); and a line saying so or why not."""
    user_id, device_id = client.user_id, client.device_id
    keys = await query_keys(client, user_id)
    master = keys.get("master_keys", {}).get(user_id)
    self_signing = keys.get("self_signing_keys", {}).get(user_id)
    master_public, self_signing_public = only_key(master), only_key(self_signing)
    if master_public is None or self_signing_public is None or self_signing is None:
        return None, "no cross-signing identity yet (the running bot makes it)"
    if not signed_by(self_signing, user_id, master_public):
        return False, "the self-signing key is not signed by the master key"
    device = keys.get("device_keys", {}).get(user_id, {}).get(device_id)
    if device is None:
        return None, "the device has no keys yet (the running bot uploads and signs them)"
    if not signed_by(device, user_id, self_signing_public):
        return False, "the device is not signed by the bot's identity"
    return True, SIGNED
