"""Which devices their owner vouches for: room keys go only to those (MSC4153).

A person who has set up cross-signing (a master key, and a self-signing key the master
key signed) says with it which devices are theirs: each is signed by the self-signing key.
A device their identity did not sign may be a new phone not yet confirmed - or a device a
homeserver or a thief added to the account. Element is moving to sending room keys only
to vouched-for devices (MSC4153), and so does the bot: for a person with an identity, a
device it did not sign gets no room key and cannot read the bot's messages. A person
without any identity (older clients, bots) has nothing to vouch with; their devices get
the keys as before. The bot's own user follows the same rule.

matrix-nio reads ``/keys/query`` for the device keys only and drops the cross-signing
keys, so the transport's client parses the raw answer once more here
(:class:`KeysQueryResponse`) and :func:`from_answer` works out, per user, the identity and
the devices it signed: master key → self-signing key signed by the master key → device
signed by the self-signing key, each signature checked with Ed25519 over canonical JSON
(:func:`~bot.transports.matrix.cross_signing.signed_by`). The answer comes from the
homeserver, so every part of it is checked for its shape first: an object of another
shape is a key not there or a signature missing, never an exception. An identity that
cannot be read (a master key without a valid self-signing key) vouches for no device:
its owner did set up cross-signing, and an unreadable identity is no reason to trust
every device.

A device is vouched for by its id *and* its keys: the signature covers the Ed25519 and
Curve25519 keys the homeserver shows, and room keys are encrypted to the Curve25519 key
matrix-nio holds, so both must be the ones signed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import nio

from bot.transports.matrix.cross_signing import mapping, only_key, signed_by


@dataclass(frozen=True)
class Vouching:
    """What one user's cross-signing identity says of their devices."""

    # The user has a cross-signing identity (the answer lists a master key).
    has_identity: bool = False
    # Its master and self-signing public keys, None where missing or not valid.
    master: str | None = None
    self_signing: str | None = None
    # The devices the self-signing key signed: (device id, Ed25519 key, Curve25519 key).
    devices: frozenset[tuple[str, str, str]] = frozenset()

    def vouches_for(self, device_id: str, ed25519: str, curve25519: str) -> bool:
        """Whether the device may get room keys: vouched for, or its owner vouches for none."""
        return not self.has_identity or (device_id, ed25519, curve25519) in self.devices


NO_IDENTITY = Vouching()


def _key(obj: dict[str, Any], user_id: str, usage: str) -> str | None:
    """The public key of one of ``user_id``'s cross-signing key objects, if it is one."""
    usages = obj.get("usage")
    if (
        obj.get("user_id") != user_id
        or not isinstance(usages, list)
        or usage not in usages
        or not isinstance(obj.get("keys"), dict)
    ):
        return None
    return only_key(obj)


def _device_keys(user_id: str, device_id: Any, device: Any) -> tuple[str, str, str] | None:
    """The device's id and keys, if the object is that device's keys."""
    device = mapping(device)
    keys = mapping(device.get("keys"))
    ed25519 = keys.get(f"ed25519:{device_id}")
    curve25519 = keys.get(f"curve25519:{device_id}")
    if (
        not isinstance(device_id, str)
        or device.get("user_id") != user_id
        or device.get("device_id") != device_id
        or not isinstance(ed25519, str)
        or not isinstance(curve25519, str)
    ):
        return None
    return device_id, ed25519, curve25519


def user_vouching(answer: dict[str, Any], user_id: str) -> Vouching:
    """What ``user_id``'s identity in a ``/keys/query`` answer vouches for."""
    if user_id not in mapping(answer.get("master_keys")):
        return NO_IDENTITY
    master_object = mapping(answer["master_keys"][user_id])
    master = _key(master_object, user_id, "master")
    self_signing_object = mapping(mapping(answer.get("self_signing_keys")).get(user_id))
    self_signing = _key(self_signing_object, user_id, "self_signing")
    if (
        master is None
        or self_signing is None
        or not signed_by(self_signing_object, user_id, master)
    ):
        return Vouching(True, master)
    devices = set()
    for device_id, device in mapping(mapping(answer.get("device_keys")).get(user_id)).items():
        keys = _device_keys(user_id, device_id, device)
        if keys is not None and signed_by(device, user_id, self_signing):
            devices.add(keys)
    return Vouching(True, master, self_signing, frozenset(devices))


def from_answer(answer: dict[str, Any]) -> dict[str, Vouching]:
    """Per user whose devices a ``/keys/query`` answer lists, what their identity vouches
    for. A user the answer does not list (their homeserver did not answer) is left out:
    nothing is known of them."""
    listed = mapping(answer.get("device_keys"))
    return {
        user_id: user_vouching(answer, user_id) for user_id in listed if isinstance(user_id, str)
    }


class KeysQueryResponse(nio.KeysQueryResponse):
    """matrix-nio's answer to ``/keys/query``, with what each user's identity vouches for
    (matrix-nio's own drops the cross-signing keys)."""

    vouching: dict[str, Vouching]

    @classmethod
    def from_dict(cls, parsed_dict: dict[Any, Any]) -> nio.KeysQueryResponse | nio.ErrorResponse:
        response = super().from_dict(parsed_dict)
        if isinstance(response, KeysQueryResponse):
            response.vouching = from_answer(parsed_dict)
        return response
