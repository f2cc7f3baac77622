"""What ``python -m bot doctor`` checks of a city's phone line (bot/cli/checks.py asks the
descriptor, bot/transports/registry.py): the registration, who may call, the INVITE filter,
the calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from bot.config_fields import ENV_PREFIX

if TYPE_CHECKING:  # the registry imports this module: names only, no circle
    from bot.config import Config
    from bot.transports.registry import Check
    from db import Database


async def checks(
    config: Config, db: Database, env_prefix: str = ENV_PREFIX
) -> AsyncIterator[Check]:
    """The phone line's part of ``doctor`` for a city (nothing when it takes no calls)."""
    if not config.phone.enabled:
        return
    from bot.transports.phone.admission import check as callers_check
    from bot.transports.phone.dialling import check as calls_check
    from bot.transports.phone.invite_filter import check as filter_check
    from bot.transports.phone.registration import check as phone_check

    yield await phone_check(config.phone, db)
    yield callers_check(config.phone)
    yield await filter_check(config.phone, db)
    yield await calls_check(config.phone, db)
