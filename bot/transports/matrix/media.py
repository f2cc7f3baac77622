"""Files in Matrix messages, plain and end-to-end encrypted.

In a plain room a file is an ``mxc://`` URI (``url``). In an encrypted room it is an
encrypted blob in the media repository and the event's ``file`` object holds its URI with
the key, the IV and the hash to decrypt it (client-server spec, "Sending encrypted
attachments"). The handlers carry a file as one string, ``Media.file_id``: the URI for a
plain file, ``enc:`` and the ``file`` object as JSON for an encrypted one, so that any
process can download and decrypt it without the device's keys (they are in the event).
"""

from __future__ import annotations

import json
from typing import Any

ENCRYPTED = "enc:"


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
