"""The Telegram bot's @username for ``python -m bot web`` alone (no Telegram transport in
the process): asked once at start with getMe when a token is configured (the declaration's
``bot_name``, bot/transports/telegram_declaration.py). Without it the pages leave out the t.me links
and name the other ways in (bot/web/public/links.py). aiohttp is loaded when asked: the
registry imports this module in every process."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.log_redaction import redact_everywhere
from bot.transports.telegram_config import TelegramSection

if TYPE_CHECKING:
    from bot.sections import Sections

log = logging.getLogger(__name__)


async def username(config: Sections, timeout: float = 10.0) -> str:
    import aiohttp

    token = config.section(TelegramSection).token
    if not token:
        return ""
    redact_everywhere(token)
    url = f"{config.section(TelegramSection).api_base_url.rstrip('/')}/bot{token}/getMe"
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
