"""Wiring: configuration → database → router → dispatcher → transports."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from bot.config import Config
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher

log = logging.getLogger(__name__)


async def open_database(config: Config) -> Database:
    return await Database.open(config.bot.database)


def build_dispatcher(db: Database, config: Config) -> Dispatcher:
    return Dispatcher(db, build_router(), config.handler_settings())


async def purge_inactive_accounts(db: Database, days: int) -> int:
    """The retention promise of the privacy notice: silent accounts are erased."""
    removed = await db.users.purge_inactive(datetime.now(UTC) - timedelta(days=days))
    if removed:
        log.info("retention: deleted %d inactive accounts", removed)
    return removed
