"""Matrix cross-signing for the tests: which devices their owner signed (master key →
self-signing key → device, checked with Ed25519 over canonical JSON), and a helper that
cross-signs a person's own device on the homeserver, as Element does after setting up
recovery."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import aiohttp
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def canonical_json(obj: dict[str, Any]) -> bytes:
    """What a Matrix signature covers: the object without its signatures and unsigned part."""
    signed = {k: v for k, v in obj.items() if k not in ("signatures", "unsigned")}
    return json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def unpadded_b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _only_key(key_object: dict[str, Any]) -> str | None:
    """The public key of a cross-signing key object (they hold exactly one)."""
    keys = [v for k, v in key_object.get("keys", {}).items() if k.startswith("ed25519:")]
    return keys[0] if len(keys) == 1 else None


def signed_by(obj: dict[str, Any], user_id: str, public_key: str) -> bool:
    signature = obj.get("signatures", {}).get(user_id, {}).get(f"ed25519:{public_key}")
    if not signature:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(_b64decode(public_key)).verify(
            _b64decode(signature), canonical_json(obj)
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def cross_signed_devices(query: dict[str, Any], user_id: str) -> dict[str, dict[str, Any]]:
    """The user's devices (id → device keys object) from a ``/keys/query`` answer that are
    signed by the user's self-signing key, itself signed by the user's master key."""
    master = query.get("master_keys", {}).get(user_id)
    self_signing = query.get("self_signing_keys", {}).get(user_id)
    if not master or not self_signing:
        return {}
    master_key = _only_key(master)
    ssk = _only_key(self_signing)
    if (
        master_key is None
        or ssk is None
        or "master" not in master.get("usage", [])
        or "self_signing" not in self_signing.get("usage", [])
        or master.get("user_id") != user_id
        or self_signing.get("user_id") != user_id
        or not signed_by(self_signing, user_id, master_key)
    ):
        return {}
    return {
        device_id: device
        for device_id, device in query.get("device_keys", {}).get(user_id, {}).items()
        if device.get("user_id") == user_id
        and device.get("device_id") == device_id
        and signed_by(device, user_id, ssk)
    }


def device_curve_key(device: dict[str, Any]) -> str | None:
    return device.get("keys", {}).get(f"curve25519:{device.get('device_id')}")


async def matrix_request(
    homeserver: str, access_token: str, method: str, path: str, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """One client-server API call; the status and the JSON answer."""
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method,
            homeserver + path,
            json=body,
            headers={"Authorization": f"Bearer {access_token}"},
        ) as response,
    ):
        return response.status, await response.json()


async def query_keys(homeserver: str, access_token: str, user_ids: list[str]) -> dict[str, Any]:
    status, answer = await matrix_request(
        homeserver,
        access_token,
        "POST",
        "/_matrix/client/v3/keys/query",
        {"device_keys": {user_id: [] for user_id in user_ids}},
    )
    assert status == 200, answer
    return answer


def _key_object(user_id: str, usage: str, key: Ed25519PrivateKey) -> dict[str, Any]:
    public = public_key(key)
    return {"user_id": user_id, "usage": [usage], "keys": {f"ed25519:{public}": public}}


def _sign(obj: dict[str, Any], user_id: str, key: Ed25519PrivateKey) -> dict[str, Any]:
    public = public_key(key)
    signature = unpadded_b64(key.sign(canonical_json(obj)))
    signatures = {user: dict(sigs) for user, sigs in obj.get("signatures", {}).items()}
    signatures.setdefault(user_id, {})[f"ed25519:{public}"] = signature
    return {**obj, "signatures": signatures}


@dataclass
class CrossSigningKeys:
    """A user's private cross-signing keys, kept so later devices can be signed too."""

    master: Ed25519PrivateKey
    self_signing: Ed25519PrivateKey


def public_key(key: Ed25519PrivateKey) -> str:
    return unpadded_b64(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


async def upload_identity(
    homeserver: str, user_id: str, access_token: str, password: str
) -> CrossSigningKeys:
    """Make and upload a master and a self-signing key for the user, as Element does when
    someone sets up cross-signing (replacing any the account had)."""
    keys = CrossSigningKeys(Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate())
    master = _key_object(user_id, "master", keys.master)
    self_signing = _sign(
        _key_object(user_id, "self_signing", keys.self_signing), user_id, keys.master
    )
    upload: dict[str, Any] = {"master_key": master, "self_signing_key": self_signing}
    path = "/_matrix/client/v3/keys/device_signing/upload"
    status, answer = await matrix_request(homeserver, access_token, "POST", path, upload)
    if status == 401:
        # Replacing cross-signing keys needs the password (user-interactive auth).
        upload["auth"] = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": user_id},
            "password": password,
            "session": answer.get("session"),
        }
        status, answer = await matrix_request(homeserver, access_token, "POST", path, upload)
    assert status == 200, answer
    return keys


async def cross_sign_device(
    homeserver: str,
    user_id: str,
    access_token: str,
    password: str,
    device_id: str,
    keys: CrossSigningKeys | None = None,
) -> CrossSigningKeys:
    """Sign one of the user's own devices with their self-signing key; the first call makes
    and uploads the master and self-signing keys (pass its result to sign more devices)."""
    if keys is None:
        keys = await upload_identity(homeserver, user_id, access_token, password)
    query = await query_keys(homeserver, access_token, [user_id])
    device = query["device_keys"][user_id][device_id]
    # Signed without the device's own signature: the upload carries only the new one, and
    # the server adds it to the device's.
    signed = _sign(
        {k: v for k, v in device.items() if k not in ("signatures", "unsigned")},
        user_id,
        keys.self_signing,
    )
    status, answer = await matrix_request(
        homeserver,
        access_token,
        "POST",
        "/_matrix/client/v3/keys/signatures/upload",
        {user_id: {device_id: signed}},
    )
    # The server answers 200 even when it rejects a signature; the failures say so.
    assert status == 200 and not answer.get("failures"), answer
    return keys
