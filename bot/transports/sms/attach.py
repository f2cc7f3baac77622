"""How text messages attach to a city (the declaration's ``attach``,
called by bot/city_service.py before the transports connect): texts count against the
installation's month in the main city's database, as translations do (budget.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.transports.hooks import Attachment
    from bot.transports.sms.transport import SmsTransport


def attach(transport: SmsTransport, city: Attachment) -> None:
    if city.main is not None:
        transport.budget.count_in(city.main)
