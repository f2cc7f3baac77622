"""Secrets never reach the logs: records of HTTP client libraries are scrubbed of tokens.

Telegram puts the bot token into every request URL, and httpx logs those URLs at INFO.
Rather than trusting every deployment's log level, the transports install this filter.
"""

from __future__ import annotations

import logging

LOGGERS = ("httpx", "httpcore", "telegram", "nio", "aiohttp.client")


class Redact(logging.Filter):
    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg = message.replace(self.secret, "***")
            record.args = ()
        return True


def redact_everywhere(secret: str | None) -> None:
    """Install the filter for ``secret`` on the loggers that see HTTP traffic (idempotent)."""
    if not secret or len(secret) < 8:
        return
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, Redact) and f.secret == secret for f in logger.filters):
            logger.addFilter(Redact(secret))
