"""Checking the ``initData`` Telegram gives a Mini App, as Telegram documents it
(https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app):

- the data-check-string is every received field but ``hash``, as ``key=value``, sorted by
  key, joined by line feeds;
- the secret key is HMAC-SHA256 of the bot token with the key ``WebAppData``;
- ``hash`` must be the hex HMAC-SHA256 of the data-check-string with that secret key
  (compared in constant time);
- ``auth_date`` must be at most a day old (and not from the future).

Anything else - a field twice, no hash, no user - is refused: the caller answers 403 and
shows nothing personal.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

MAX_AGE = timedelta(hours=24)
# A phone's clock a little ahead of ours is no forgery.
CLOCK_SKEW = timedelta(minutes=5)
# Far more than Telegram sends; a longer body is not worth hashing.
MAX_LENGTH = 8192


class Refused(ValueError):
    """The initData is not Telegram's for this bot (or too old); the reason is for tests
    and logs, never for the visitor."""


@dataclass(frozen=True)
class InitData:
    user_id: int
    language_code: str
    auth_date: datetime
    fields: dict[str, str]


def secret_key(token: str) -> bytes:
    return hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def sign(fields: dict[str, str], token: str) -> str:
    """The ``hash`` Telegram computes for these fields (for tests and our own check)."""
    return hmac.new(
        secret_key(token), data_check_string(fields).encode(), hashlib.sha256
    ).hexdigest()


def verify(init_data: str, token: str, now: datetime | None = None) -> InitData:
    if not token:
        raise Refused("no bot token configured")
    if not init_data or len(init_data) > MAX_LENGTH:
        raise Refused("empty or too long")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise Refused("not a query string") from exc
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise Refused("a field given twice")
    received = fields.get("hash", "")
    if not received:
        raise Refused("no hash")
    if not hmac.compare_digest(
        sign(fields, token).encode(), received.encode(errors="surrogateescape")
    ):
        raise Refused("hash does not match")
    try:
        auth_date = datetime.fromtimestamp(int(fields.get("auth_date", "")), UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise Refused("no auth_date") from exc
    now = now or datetime.now(UTC)
    if now - auth_date > MAX_AGE or auth_date - now > CLOCK_SKEW:
        raise Refused("auth_date too old")
    try:
        user = json.loads(fields.get("user", ""))
        user_id = int(user["id"])
    except (ValueError, TypeError, KeyError) as exc:
        raise Refused("no user") from exc
    language = user.get("language_code", "")
    return InitData(user_id, language if isinstance(language, str) else "", auth_date, fields)
