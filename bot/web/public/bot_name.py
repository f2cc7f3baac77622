"""The Telegram bot's @username for ``python -m bot web`` alone (no Telegram transport in
the process): asked once at start with getMe when a token is configured. Without it the
pages leave out the t.me links and print the Matrix account instead (see ``links``)."""

from __future__ import annotations

import logging

import aiohttp

from bot.config import Config
from bot.log_redaction import redact_everywhere

log = logging.getLogger(__name__)


async def telegram_username(config: Config, timeout: float = 10.0) -> str:
    token = config.telegram.token
    if not token:
        return ""
    redact_everywhere(token)
    url = f"{config.telegram.api_base_url.rstrip('/')}/bot{token}/getMe"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
            session.get(url) as response,
        ):
            answer = await response.json(content_type=None)
        username = answer["result"]["username"] if answer.get("ok") else ""
    except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError):
        # The exception's text may hold the URL and so the token: not logged.
        username = ""
    if not username:
        log.warning("web: Telegram did not tell the bot's name; pages show no t.me links")
    return str(username)
