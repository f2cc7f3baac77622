"""Files in Matrix messages, plain and end-to-end encrypted.

In a plain room a file is an ``mxc://`` URI (``url``). In an encrypted room it is an
encrypted blob in the media repository and the event's ``file`` object holds its URI with
the key, the IV and the hash to decrypt it (client-server spec, "Sending encrypted
attachments"). The handlers carry a file as one string, ``Media.file_id``: the URI for a
plain file, ``enc:`` and the ``file`` object as JSON for an encrypted one, so that any
process can download and decrypt it without the device's keys (they are in the event).

A file comes from anyone who can write to the bot, so it is taken with care: at most
``MOST_BYTES`` are read (counted as they arrive, so a larger file is never held whole, nor
decrypted), and an encrypted one only as the spec's current version (``v2``, AES-256-CTR
with a SHA-256 of the ciphertext), decrypted by matrix-nio. Anything else is refused for
good, like a file that does not decrypt: the outbox gives up on the message that needed it.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import nio

# matrix-nio's own way to open a client's HTTP session (a client given an access token
# has made no request yet); the download below needs the session's streaming response.
from nio.client.async_client import client_session
from nio.crypto import decrypt_attachment

from bot.transports.sending import DeliveryError

ENCRYPTED = "enc:"
# The largest file the bot downloads from Matrix (a voice message for a chat on another
# platform, or one uploaded again): as large as a Telegram bot may download (the Bot API's
# getFile), so a file is too large on either platform alike. A minute of voice in Opus is
# about 0.2 MB.
MOST_BYTES = 20 * 1024 * 1024
# A download that stalls this long between two pieces is given up (and tried again later).
STALLED_SECONDS = 60
_CHUNK = 64 * 1024
# The most of an error answer that is read (for its errcode).
_ERROR_BYTES = 64 * 1024


class RefusedFile(Exception):
    """A file the bot does not take: too large, or not encrypted as the spec's v2."""


def file_id(content: dict[str, Any]) -> str:
    """The file of a media event's content as one string (empty if it has none)."""
    file = content.get("file")
    if isinstance(file, dict) and isinstance(file.get("url"), str):
        return ENCRYPTED + json.dumps(file, separators=(",", ":"), sort_keys=True)
    url = content.get("url")
    return url if isinstance(url, str) else ""


def encrypted_file(file_id: str) -> dict[str, Any] | None:
    """The ``file`` object of an encrypted file's id; None for a plain one."""
    if not file_id.startswith(ENCRYPTED):
        return None
    file = json.loads(file_id.removeprefix(ENCRYPTED))
    return file if isinstance(file, dict) else None


def is_matrix_file(file_id: str) -> bool:
    return file_id.startswith("mxc://") or encrypted_file(file_id) is not None


def place(uploaded: str, keys: dict[str, Any] | None) -> dict[str, Any]:
    """Where a message's content names its file: ``url`` for a plain upload, ``file``
    (with the keys) for an encrypted one."""
    if keys is None:
        return {"url": uploaded}
    return {"file": {**keys, "url": uploaded}}


def check_encrypted(file: dict[str, Any]) -> tuple[str, str, str]:
    """The key, the SHA-256 and the IV of an encrypted file's ``file`` object, if it is
    the spec's version 2 with an AES-256-CTR key; otherwise :class:`RefusedFile`
    (version 1 counted the IV's counter half from any value, and nothing else exists)."""
    key = file.get("key")
    hashes = file.get("hashes")
    if file.get("v") != "v2":
        raise RefusedFile("not a version 2 encrypted file")
    if not isinstance(key, dict) or key.get("alg") != "A256CTR":
        raise RefusedFile("not an A256CTR key")
    parts = (key.get("k"), hashes.get("sha256") if isinstance(hashes, dict) else None)
    iv = file.get("iv")
    if not (isinstance(parts[0], str) and isinstance(parts[1], str) and isinstance(iv, str)):
        raise RefusedFile("an encrypted file without its key, hash or IV")
    return parts[0], parts[1], iv


def decrypt(ciphertext: bytes, file: dict[str, Any]) -> bytes:
    """The plain bytes of an encrypted file (its ``file`` object checked as in
    :func:`check_encrypted`); :class:`RefusedFile` if they do not decrypt (a wrong key,
    a changed file)."""
    key, sha256, iv = check_encrypted(file)
    try:
        return decrypt_attachment(ciphertext, key, sha256, iv)
    except Exception as exc:
        raise RefusedFile(f"undecryptable file {type(exc).__name__}") from None


async def fetch(client: nio.AsyncClient, file_id: str) -> tuple[bytes, str]:
    """A file of a Matrix message and its declared type (none for an encrypted one):
    through the authenticated media endpoint, at most :data:`MOST_BYTES`, decrypted when
    it came encrypted. A :class:`DeliveryError`, permanent for a file that will never do."""
    try:
        encrypted = encrypted_file(file_id)
        if encrypted is not None:
            check_encrypted(encrypted)  # before anything is downloaded
        mxc = encrypted.get("url") if encrypted is not None else file_id
        if not isinstance(mxc, str) or not mxc.startswith("mxc://"):
            raise RefusedFile("not a Matrix file")
        server, _, media_id = mxc.removeprefix("mxc://").partition("/")
        try:
            body, content_type = await _download(client, server, media_id)
        except (RefusedFile, DeliveryError):
            raise
        except Exception as exc:  # network trouble: tried again later
            raise DeliveryError(type(exc).__name__) from None
        if encrypted is None:
            return body, content_type
        return decrypt(body, encrypted), ""
    except RefusedFile as exc:
        raise DeliveryError(str(exc), permanent=True) from None
    except ValueError:  # not JSON after "enc:"
        raise DeliveryError("not a Matrix file", permanent=True) from None


@client_session
async def _download(client: nio.AsyncClient, server: str, media_id: str) -> tuple[bytes, str]:
    """The bytes and type of a file in the media repository, read piece by piece and
    refused as soon as they are more than :data:`MOST_BYTES` (or declared so)."""
    assert client.client_session is not None
    # The token goes in the header (nio's path would carry it, or "None", as a parameter).
    path = nio.Api.download(server, media_id)[1].partition("?")[0]
    headers = {**(client.config.custom_headers or {})}
    headers["Authorization"] = f"Bearer {client.access_token}"
    timeout = aiohttp.ClientTimeout(
        total=None, sock_connect=STALLED_SECONDS, sock_read=STALLED_SECONDS
    )
    async with client.client_session.get(
        client.homeserver + path, headers=headers, ssl=client.ssl, timeout=timeout
    ) as response:
        if response.status != 200:
            raise await _download_error(response)
        declared = response.content_length
        if declared is not None and declared > MOST_BYTES:
            raise RefusedFile("file too large")
        body = await _at_most(response, MOST_BYTES)
        if body is None:
            raise RefusedFile("file too large")
        return body, response.content_type or ""


async def _at_most(response: aiohttp.ClientResponse, most: int) -> bytes | None:
    """The body if it is at most ``most`` bytes; None (having read no more than a piece
    over) if it is longer."""
    pieces: list[bytes] = []
    size = 0
    async for piece in response.content.iter_chunked(_CHUNK):
        size += len(piece)
        if size > most:
            return None
        pieces.append(piece)
    return b"".join(pieces)


async def _download_error(response: aiohttp.ClientResponse) -> DeliveryError:
    """What a homeserver's error answer to a download means for the message."""
    code = ""
    retry_after = None
    try:
        answer = json.loads(await _at_most(response, _ERROR_BYTES) or b"{}")
        if isinstance(answer, dict):
            code = str(answer.get("errcode") or "")
            wait = answer.get("retry_after_ms")
            retry_after = wait / 1000 if isinstance(wait, int) else None
    except Exception:  # not JSON: the status says enough
        pass
    if code in ("M_NOT_FOUND", "M_FORBIDDEN", "M_TOO_LARGE") or response.status in (404, 413):
        return DeliveryError(code or str(response.status), permanent=True)
    if response.status == 429:
        return DeliveryError("M_LIMIT_EXCEEDED", retry_after=retry_after)
    return DeliveryError(f"download failed {code or response.status}")
