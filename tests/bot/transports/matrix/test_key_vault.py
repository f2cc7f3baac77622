"""The bot's Matrix keys at rest: sealed in the database with a key kept outside it
(bot/transports/matrix/key_vault.py), so a dump of the database alone opens nothing.
Against the real Synapse, with an encrypting person (tests/support/matrix_encrypted_people.py)
and the real ``python -m bot doctor``."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import stat
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from nio.store import SqliteStore

from bot.config import ConfigError, MatrixSection, load_config
from bot.transports.matrix.crypto_state import repickle
from bot.transports.matrix.key_vault import (
    NIO_DEFAULT_PICKLE_KEY,
    KeyMissing,
    KeyUnavailable,
    WrongKey,
    open_sealed,
    open_text,
    pickle_key,
    seal_text,
    store_context,
    store_key,
)
from db import Database
from db.statements import execute, fetch_one
from handlers.settings import HandlerSettings
from tests.support.cli import matrix_config, run_bot
from tests.support.matrix_bot import Bot
from tests.support.matrix_encrypted_people import EncryptedPerson
from tests.support.matrix_people import body
from tests.support.synapse_server import Synapse

SQLITE_HEADER = b"SQLite format 3"


async def _onboard(person: EncryptedPerson, bot: Bot) -> str:
    """An encrypted direct chat as Element X starts it, through the language picker and
    the privacy notice to the main menu."""
    assert bot.transport is not None
    bot.transport.config = replace(bot.transport.config, greeting_wait_seconds=600)
    room = await person.dm_like_element_x(bot.user_id, "Hallo")
    await person.wait_for(lambda e: "1️⃣" in body(e) and e["room"] == room)
    mark = len(person.received)
    await person.say(room, "2")  # English
    notice = await person.wait_for(lambda e: "🔒" in body(e), after=mark)
    mark = len(person.received)
    await person.react(room, notice["event_id"], "1️⃣")
    await person.wait_for(lambda e: "🏠" in body(e), after=mark)
    return room


async def _answered_after_restart(person: EncryptedPerson, bot: Bot, room: str) -> None:
    """The person writes while the bot is down; started again, the bot reads it (with the
    room key from its stored keys) and answers in the encrypted chat."""
    mark = len(person.received)
    await person.say(room, "!help")
    await bot.start()
    await person.wait_for(lambda e: "!menu" in body(e) and e["room"] == room, after=mark)


async def _stored(db: Database, bot: Bot) -> tuple[str, str]:
    """(device id, store) of the bot's one saved device."""
    row = await fetch_one(
        db.transactions,
        "SELECT device_id, store FROM matrix_crypto WHERE user_id = ?",
        (bot.user_id,),
    )
    assert row is not None
    return row[0], row[1]


def _as_file(data: bytes, folder: Path, user_id: str, device_id: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"{user_id}_{device_id}.db"
    path.write_bytes(data)
    return path


def _account_opens(path: Path, user_id: str, device_id: str, passphrase: str) -> bool:
    """Whether matrix-nio loads the store's Olm account with ``passphrase``."""
    store = SqliteStore(user_id, device_id, str(path.parent), passphrase, database_name=path.name)
    try:
        return store.load_account() is not None
    except Exception:
        return False
    finally:
        store.database.close()


def _doctor(synapse: Synapse, bot: Bot, database: Path, tmp: Path) -> subprocess.CompletedProcess:
    """``python -m bot doctor`` for the bot's database, its key file not named: the
    default, beside the database."""
    return run_bot(
        "--config",
        str(matrix_config(tmp, database, synapse.url, bot.user_id)),
        "doctor",
        env={"NACHBARBOT_MATRIX__ACCESS_TOKEN": bot.config.access_token or ""},
        timeout=300,  # a hang detector
    )


def _line(out: str, name: str) -> str:
    return next((line for line in out.splitlines() if f" {name}" in line), "")


# -- against the real Synapse ---------------------------------------------------------------


async def test_the_database_holds_the_device_keys_only_sealed(
    eva: EncryptedPerson, synapse: Synapse, db: Database, tmp_path: Path
):
    key_file = tmp_path / "keys" / "bot.matrix-key"
    bot = Bot(synapse, db, HandlerSettings(), key_file=key_file)
    await bot.start()
    try:
        room = await _onboard(eva, bot)
        assert bot.transport is not None and bot.transport.client is not None
        own = bot.transport.client.olm.account.identity_keys
        devices = synapse.devices(bot.config.access_token or "")
        await bot.stop()

        # The store in the database is no SQLite file, and none in base64.
        device_id, stored = await _stored(db, bot)
        tail = stored.rsplit(":", 1)[-1]
        assert not base64.b64decode(tail + "=" * (-len(tail) % 4)).startswith(SQLITE_HEADER)

        # Its key was made at the first start: owner-only, and nowhere in the database.
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        key = store_key(bot.config, create=False)
        database = b"".join(p.read_bytes() for p in tmp_path.glob("test.sqlite3*") if p.is_file())
        assert key not in database
        assert key_file.read_text().strip().encode() not in database
        # Opened with the key, matrix-nio's pickles in it are not under its public default
        # passphrase either, but under one derived from the key.
        data = open_sealed(key, stored, store_context(bot.user_id, device_id))
        assert data.startswith(SQLITE_HEADER)
        path = _as_file(data, tmp_path / "opened", bot.user_id, device_id)
        assert not _account_opens(path, bot.user_id, device_id, NIO_DEFAULT_PICKLE_KEY)
        assert _account_opens(path, bot.user_id, device_id, pickle_key(key))

        # Started again with the same key file: the same device reads the chat on.
        await _answered_after_restart(eva, bot, room)
        assert bot.transport.client.olm.account.identity_keys == own
        assert synapse.devices(bot.config.access_token or "") == devices
    finally:
        await bot.stop()


async def test_without_its_key_the_bot_refuses_to_open_its_device(
    synapse: Synapse, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    database = tmp_path / "bot.sqlite3"
    key_file = tmp_path / "bot.matrix-key"  # where doctor looks when matrix.key_file is not set
    db = await Database.open(database)
    bot = Bot(synapse, db, HandlerSettings(), key_file=key_file)
    try:
        await bot.start()
        await bot.stop()
        devices = synapse.devices(bot.config.access_token or "")
        device_id, stored = await _stored(db, bot)
        ok = _doctor(synapse, bot, database, tmp_path)
        assert _line(ok.stdout, "matrix keys at rest").startswith("ok"), ok.stdout

        # The key file is lost: no start, no new device, the stored keys untouched, and
        # the log and doctor say which file is missing.
        kept = tmp_path / "kept.matrix-key"
        key_file.rename(kept)
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="bot"), pytest.raises(KeyMissing):
            await bot.start()
        await bot.stop()
        assert not key_file.exists()  # not made anew over the sealed keys
        assert synapse.devices(bot.config.access_token or "") == devices
        assert await _stored(db, bot) == (device_id, stored)
        said = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
        assert any(str(key_file) in line and "missing" in line for line in said), said
        missing = _doctor(synapse, bot, database, tmp_path)
        assert missing.returncode == 1
        line = _line(missing.stdout, "matrix keys at rest")
        assert line.startswith("FAIL"), missing.stdout
        assert str(key_file) in line and "NACHBARBOT_MATRIX__STORE_KEY" in line, line

        # Another key in its place (another installation's): refused as well.
        key_file.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
        key_file.chmod(0o600)
        with pytest.raises(WrongKey):
            await bot.start()
        await bot.stop()
        assert synapse.devices(bot.config.access_token or "") == devices
        assert await _stored(db, bot) == (device_id, stored)
        wrong = _doctor(synapse, bot, database, tmp_path)
        assert _line(wrong.stdout, "matrix keys at rest").startswith("FAIL"), wrong.stdout
        assert "do not open" in _line(wrong.stdout, "matrix keys at rest")

        # The right key restored from its backup: the same device goes on.
        kept.replace(key_file)
        await bot.start()
        assert bot.transport is not None and bot.transport.client is not None
        assert bot.transport.client.device_id == device_id
        assert synapse.devices(bot.config.access_token or "") == devices
    finally:
        await bot.stop()
        await db.close()


async def test_a_store_saved_before_sealing_is_sealed_and_keeps_its_device(
    eva: EncryptedPerson, synapse: Synapse, db: Database, tmp_path: Path
):
    key_file = tmp_path / "bot.matrix-key"
    bot = Bot(synapse, db, HandlerSettings(), key_file=key_file)
    await bot.start()
    try:
        room = await _onboard(eva, bot)
        assert bot.transport is not None and bot.transport.client is not None
        own = bot.transport.client.olm.account.identity_keys
        devices = synapse.devices(bot.config.access_token or "")
        await bot.stop()

        # As an installation saved it before sealing: the SQLite file in base64, pickled
        # with matrix-nio's default passphrase; and no key file yet.
        key = store_key(bot.config, create=False)
        device_id, stored = await _stored(db, bot)
        data = open_sealed(key, stored, store_context(bot.user_id, device_id))
        path = _as_file(data, tmp_path / "old", bot.user_id, device_id)
        # As the bot saved it before: under matrix-nio's default passphrase.
        repickle(path, bot.user_id, device_id, NIO_DEFAULT_PICKLE_KEY, pickle_key(key))
        assert _account_opens(path, bot.user_id, device_id, NIO_DEFAULT_PICKLE_KEY)
        old = base64.b64encode(path.read_bytes()).decode("ascii")
        async with db.transaction():
            await execute(
                db.transactions,
                "UPDATE matrix_crypto SET store = ? WHERE user_id = ? AND device_id = ?",
                (old, bot.user_id, device_id),
            )
        key_file.unlink()

        # The upgraded bot reads it: the same device, the same room keys (Eva's message
        # written meanwhile is read), and the store is saved sealed with a new key.
        await _answered_after_restart(eva, bot, room)
        assert bot.transport.client.olm.account.identity_keys == own
        assert synapse.devices(bot.config.access_token or "") == devices
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        new_key = store_key(bot.config, create=False)
        assert new_key != key
        _, migrated = await _stored(db, bot)
        assert migrated != old
        data = open_sealed(new_key, migrated, store_context(bot.user_id, device_id))
        path = _as_file(data, tmp_path / "new", bot.user_id, device_id)
        assert not _account_opens(path, bot.user_id, device_id, NIO_DEFAULT_PICKLE_KEY)
        assert _account_opens(path, bot.user_id, device_id, pickle_key(new_key))
    finally:
        await bot.stop()


# -- the key and the sealing API (used for the cross-signing seeds too) ----------------------


def test_sealed_text_opens_only_with_its_key_and_context(tmp_path: Path):
    config = MatrixSection(key_file=str(tmp_path / "k"))
    key = store_key(config)
    sealed = seal_text(key, '{"master": "seed"}', "matrix.cross_signing")
    assert "seed" not in sealed and sealed.startswith("sealed:1:")
    assert seal_text(key, '{"master": "seed"}', "matrix.cross_signing") != sealed  # new nonce
    assert open_text(key, sealed, "matrix.cross_signing") == '{"master": "seed"}'
    with pytest.raises(WrongKey):
        open_text(key, sealed, "matrix.other")
    with pytest.raises(WrongKey):
        open_text(os.urandom(32), sealed, "matrix.cross_signing")
    with pytest.raises(WrongKey):
        open_text(key, sealed[:-4] + "AAAA", "matrix.cross_signing")
    # A value saved before sealing existed comes back as it is (to be written back sealed).
    assert open_text(key, '{"master": "seed"}', "matrix.cross_signing") == '{"master": "seed"}'


def test_the_key_file_is_made_once_owner_only(tmp_path: Path):
    config = MatrixSection(key_file=str(tmp_path / "var" / "bot.matrix-key"))
    with pytest.raises(KeyMissing, match=r"bot\.matrix-key"):
        store_key(config, create=False)

    async def together() -> list[bytes]:
        return list(await asyncio.gather(*(asyncio.to_thread(store_key, config) for _ in range(8))))

    keys = asyncio.run(together())
    assert len(set(keys)) == 1 and len(keys[0]) == 32
    path = Path(config.key_file)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["bot.matrix-key"]  # no leftovers
    assert store_key(config, create=False) == keys[0]
    path.write_text("not a key\n")
    with pytest.raises(KeyUnavailable, match="does not hold a key"):
        store_key(config)


def test_the_key_from_the_environment_and_the_default_file(tmp_path: Path):
    key = os.urandom(32)
    env = {
        "NACHBARBOT_BOT__DATABASE": str(tmp_path / "data" / "bot.sqlite3"),
        "NACHBARBOT_MATRIX__STORE_KEY": base64.b64encode(key).decode(),
    }
    config = load_config(None, env=env)
    assert config.matrix.key_file == str(tmp_path / "data" / "bot.matrix-key")
    assert store_key(config.matrix) == key
    assert not (tmp_path / "data").exists()  # the variable's key: no file made
    # Beside the database when not given; a PostgreSQL database has no folder.
    assert load_config(None, env={}).matrix.key_file == "var/nachbarbot.matrix-key"
    postgres = {"NACHBARBOT_BOT__DATABASE": "postgresql://bot@127.0.0.1/bot"}
    assert load_config(None, env=postgres).matrix.key_file == "var/nachbarbot.matrix-key"
    with pytest.raises(ConfigError, match=r"matrix\.store_key"):
        load_config(None, env={"NACHBARBOT_MATRIX__STORE_KEY": "c2hvcnQ="})
