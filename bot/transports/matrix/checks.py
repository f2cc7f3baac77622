"""What ``python -m bot doctor`` checks of a city's Matrix account (bot/cli/checks.py
asks the declaration, bot/transports/matrix/declaration.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from bot.config_fields import ENV_PREFIX, env_name
from bot.transports.hooks import Check
from db.statements import fetch_all

if TYPE_CHECKING:
    import nio

    from bot.transports.matrix.config import MatrixSection
    from db import Database

# A check of the homeserver: tries of a request that found no server, and seconds for one.
CHECK_RETRIES, CHECK_SECONDS = 2, 10


async def checks(
    matrix: MatrixSection, backchannel: str, db: Database, env_prefix: str = ENV_PREFIX
) -> AsyncIterator[Check]:
    """Matrix's part of ``doctor`` for a city (bot/transports/registry.py): the login, the
    device's cross-signing, the backchannel room, and the keys at rest."""
    async for check in _matrix_checks(matrix, db):
        yield check
    if matrix.enabled:
        yield await matrix_keys_check(matrix, db, env_prefix)


async def _matrix_checks(matrix: MatrixSection, db: Database) -> AsyncIterator[Check]:
    if not matrix.enabled:
        yield ("matrix", "skip", "no homeserver configured")
        return
    if not (matrix.access_token or matrix.password):
        yield ("matrix login", "FAIL", "no access token or password set")
        return
    import nio

    from bot.transports.matrix.login import LoginFailed, log_in

    # matrix-nio retries an unreachable homeserver for ever: a check gives up after a few
    # tries, or doctor would hang there and never report the other cities.
    client = nio.AsyncClient(
        matrix.homeserver,
        matrix.user_id,
        config=nio.AsyncClientConfig(max_timeouts=CHECK_RETRIES, request_timeout=CHECK_SECONDS),
    )
    try:
        # The bot's own stored login (or the configured token): a check must not leave
        # a new device on the account each time it runs.
        try:
            await log_in(client, matrix, db.transport_state)
        except LoginFailed as exc:
            yield ("matrix login", "FAIL", str(exc)[:200])
            return
        who = await client.whoami()
        if not isinstance(who, nio.WhoamiResponse):
            yield ("matrix login", "FAIL", getattr(who, "message", "")[:200])
            return
        yield ("matrix login", "ok", who.user_id)
        client.device_id = client.device_id or who.device_id
        yield await _cross_signing_check(client, matrix, db)
        room = matrix.backchannel_room
        if not room:
            yield ("matrix backchannel", "skip", "matrix.backchannel_room not set")
            return
        rooms = await client.joined_rooms()
        joined = isinstance(rooms, nio.JoinedRoomsResponse) and room in rooms.rooms
        yield (
            "matrix backchannel",
            "ok" if joined else "FAIL",
            "bot is in the room" if joined else f"bot has not joined {room}",
        )
    except Exception as exc:  # an unreachable homeserver is a verdict, not a crash
        yield ("matrix", "FAIL", f"{type(exc).__name__}: {exc}"[:200])
    finally:
        await client.close()


async def _cross_signing_check(
    client: nio.AsyncClient, matrix: MatrixSection, db: Database
) -> Check:
    """Whether clients that accept only cross-signed devices can talk with the bot, by
    this installation's own identity. Only read here: the running bot (the process holding
    the Matrix role) makes and signs, and its latest word on why it could not is shown."""
    from bot.transports.matrix.cross_signing import (
        ANOTHER_IDENTITY,
        OUTCOME,
        SIGNED,
        cross_signing_status,
    )

    signed, why = await cross_signing_status(client, db.transport_state, matrix)
    said = await db.transport_state.get(OUTCOME)
    if not signed and said and said not in (SIGNED, why, ANOTHER_IDENTITY):
        why += f"; the running bot says: {said}"
    if not matrix.password and not signed:
        why += "; making the identity may need matrix.password (a token alone may not do)"
    if signed is None:
        return ("matrix device", "skip", why)
    return ("matrix device", "ok" if signed else "FAIL", why)


async def matrix_keys_check(
    matrix: MatrixSection, db: Database, env_prefix: str = ENV_PREFIX
) -> Check:
    """Whether the bot's Matrix keys in the database open with the installation's key
    (bot/transports/matrix/key_vault.py), and where that key is. Only read: the key is made
    by the bot's first start, never here."""
    from bot.transports.matrix.key_vault import (
        KeyUnavailable,
        WrongKey,
        is_sealed,
        key_path,
        key_source,
        missing_message,
        open_sealed,
        read_key,
        store_context,
    )

    variable = env_name("matrix", "store_key", env_prefix)
    rows = await fetch_all(
        db.transactions,
        "SELECT device_id, store FROM matrix_crypto WHERE user_id = ? ORDER BY device_id",
        (matrix.user_id,),
    )
    sealed = [(device, store) for device, store in rows if is_sealed(store)]
    try:
        key = await asyncio.to_thread(read_key, matrix)
    except KeyUnavailable as exc:
        return ("matrix keys at rest", "FAIL", str(exc))
    if key is None:
        if sealed:
            return ("matrix keys at rest", "FAIL", missing_message(matrix, variable))
        return ("matrix keys at rest", "ok", f"{key_path(matrix)} is made at the first start")
    source = key_source(matrix, variable)
    for device, store in sealed:
        try:
            await asyncio.to_thread(open_sealed, key, store, store_context(matrix.user_id, device))
        except WrongKey:
            return (
                "matrix keys at rest",
                "FAIL",
                f"the stored device keys do not open with the key in {source}: restore this "
                "installation's key from its backup",
            )
    if not matrix.store_key:
        mode = (await asyncio.to_thread(key_path(matrix).stat)).st_mode
        if mode & 0o077:
            return (
                "matrix keys at rest",
                "FAIL",
                f"{key_path(matrix)} may be read by others: chmod 600 it",
            )
    if len(sealed) < len(rows):
        return (
            "matrix keys at rest",
            "WARN",
            f"{len(rows) - len(sealed)} stored unsealed (from before); sealed with {source} "
            "at the next start",
        )
    return ("matrix keys at rest", "ok", f"sealed with the key in {source}")
