"""What ``python -m bot doctor`` checks of a city's Telegram bot (bot/cli/checks.py asks
the declaration, bot/transports/telegram_declaration.py): the token and the backchannel group."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from bot.config_fields import ENV_PREFIX
from bot.transports.hooks import Check

if TYPE_CHECKING:
    from bot.transports.telegram_config import TelegramSection
    from db import Database


async def checks(
    telegram: TelegramSection, backchannel: str, db: Database, env_prefix: str = ENV_PREFIX
) -> AsyncIterator[Check]:
    """Telegram's part of ``doctor`` for a city: the token, and the bot's place in the
    coordinators' group ``backchannel``."""
    async for check in _telegram_checks(telegram, backchannel):
        yield check


async def _telegram_checks(telegram: TelegramSection, group: str) -> AsyncIterator[Check]:
    if not telegram.enabled:
        yield ("telegram", "skip", "no token configured")
        return
    from telegram import Bot
    from telegram.error import TelegramError

    api = telegram.api_base_url.rstrip("/")
    bot = Bot(telegram.token or "", base_url=f"{api}/bot", base_file_url=f"{api}/file/bot")
    try:
        async with bot:
            me = await bot.get_me()
            yield ("telegram token", "ok", f"@{me.username}")
            if not group:
                yield ("telegram backchannel", "skip", "help.telegram_backchannel not set")
                return
            member = await bot.get_chat_member(group, me.id)
            can_post = (
                member.status in ("administrator", "member", "creator")
                and getattr(member, "can_send_messages", True) is not False
            )
            yield (
                "telegram backchannel",
                "ok" if can_post else "FAIL",
                f"bot is {member.status} in {group}",
            )
            if telegram.backchannel_topic:
                yield await _topic_check(bot, group, telegram.backchannel_topic)
    except TelegramError as exc:
        yield ("telegram", "FAIL", f"{type(exc).__name__}: {exc}"[:200])


async def _topic_check(bot: Any, group: str, topic: int) -> Check:
    """``telegram.backchannel_topic`` needs a group with topics (a forum): elsewhere every
    post would be refused into it and fall back to the chat. Whether the topic itself is
    there the Bot API does not say (a deleted one falls back to the General topic)."""
    chat = await bot.get_chat(group)
    if not chat.is_forum:
        return (
            "telegram backchannel topic",
            "FAIL",
            f"{group} has no topics: set telegram.backchannel_topic = 0 or turn topics on",
        )
    return ("telegram backchannel topic", "ok", f"posts go to topic {topic} of {group}")
