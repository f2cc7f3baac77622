"""Wiring: configuration → database → router → dispatcher → transports."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from bot.config import Config
from db import Database
from db.clock import to_text
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.privacy import erase_inactive

log = logging.getLogger(__name__)


async def open_database(config: Config) -> Database:
    return await Database.open(config.bot.database)


def build_dispatcher(db: Database, config: Config) -> Dispatcher:
    return Dispatcher(db, build_router(), config.handler_settings())


async def apply_retention(db: Database, config: Config) -> None:
    """The retention promises: silent accounts go, closed requests lose their texts,
    the record of handled updates is kept a week."""
    now = datetime.now(UTC)
    await purge_inactive_accounts(db, config)
    removed = await db.requests.purge_closed(
        to_text(now - timedelta(days=config.privacy.closed_request_days))
    )
    if removed:
        log.info("retention: cleared the texts of %d closed requests", removed)
    async with db.transaction():
        await db.users.forget_updates(now - timedelta(days=7))


async def purge_inactive_accounts(db: Database, config: Config) -> int:
    """The retention promise of the privacy notice: silent accounts are erased, the same
    way as with /delete."""
    days = config.privacy.inactive_account_days
    removed = await erase_inactive(
        db, config.handler_settings(), build_router(), datetime.now(UTC) - timedelta(days=days)
    )
    if removed:
        log.info("retention: deleted %d inactive accounts", removed)
    return removed
