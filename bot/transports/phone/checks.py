"""What ``python -m bot doctor`` checks of a city's phone line (bot/cli/checks.py asks the
declaration, bot/transports/phone/declaration.py): the registration, who may call, the SIP edge
(Kamailio), the media relay (rtpengine), the calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from bot.config_fields import ENV_PREFIX
from bot.transports.hooks import Check

if TYPE_CHECKING:
    from bot.transports.phone.config import PhoneSection
    from db import Database


async def checks(
    phone: PhoneSection, backchannel: str, db: Database, env_prefix: str = ENV_PREFIX
) -> AsyncIterator[Check]:
    """The phone line's part of ``doctor`` for a city (nothing when it takes no calls)."""
    if not phone.enabled:
        return
    from bot.transports.phone.calls.dialling import check as calls_check
    from bot.transports.phone.sip.admission import check as callers_check
    from bot.transports.phone.sip.edge import check as edge_check
    from bot.transports.phone.sip.media_relay import check as relay_check
    from bot.transports.phone.sip.registration import check as phone_check

    yield await phone_check(phone, db)
    yield callers_check(phone)
    yield edge_check(phone)
    yield relay_check(phone)
    yield await calls_check(phone, db)
