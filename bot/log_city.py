"""Every log record names the city it concerns: ``%(city)s`` in the log format.

One process serves several cities' bots (bot/city_service.py), and an operator reading the
log must know which city a line is about. Each city's tasks (its transports, its outbox
worker, its timed jobs) are started inside :func:`in_city`; tasks copy the context they are
created in, so everything that runs for the city, and every task those tasks start, logs its
slug. Records made outside any city (start-up, the cluster) say ``-``.

Done in the log record factory, as the redaction (bot/log_redaction.py), so every record has
the attribute whichever logger made it and whichever handler formats it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

CITY: ContextVar[str] = ContextVar("nachbarbot_city", default="-")


@contextlib.contextmanager
def in_city(slug: str) -> Iterator[None]:
    """Run (and start tasks) as the city ``slug``."""
    token = CITY.set(slug)
    try:
        yield
    finally:
        CITY.reset(token)


class _Factory:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        record.city = CITY.get()
        return record


def install() -> None:
    """Give every record made from now on its ``city`` (idempotent)."""
    current = logging.getLogRecordFactory()
    if not isinstance(current, _Factory):
        logging.setLogRecordFactory(_Factory(current))
