"""The ``[telegram]`` section of a city's configuration: the bot's token, polling or
webhook, the pace (docs/telegram.md). bot/config.py composes it into ``Config``; the
functions below are the declaration's (bot/transports/telegram_declaration.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.config_fields import ENV_PREFIX, ConfigError, env_name
from bot.config_fields import option as _opt
from bot.transports.contacts import Contact, Opening

if TYPE_CHECKING:
    from bot.sections import Sections


@dataclass(frozen=True)
class TelegramSection:
    token: str | None = _opt(None, secret=True, doc="Bot token from @BotFather")
    api_base_url: str = _opt(
        "https://api.telegram.org", doc="Bot API server (change for a self-hosted one)"
    )
    mode: str = _opt("polling", choices=("polling", "webhook"))
    poll_timeout: int = _opt(30, minimum=0, maximum=60, doc="Long-polling timeout in seconds")
    max_messages_per_second: float = _opt(
        29.0,
        minimum=1,
        maximum=1000,
        doc="Sending pace, kept just under Telegram's limit of about 30 per second",
    )
    backchannel_topic: int = _opt(
        0,
        minimum=0,
        doc="Forum topic (its message_thread_id) of the coordinators' group for the bot's "
        "own posts; 0: the General topic",
    )
    webhook_url: str | None = _opt(None, doc="Public HTTPS URL Telegram posts updates to")
    webhook_listen: str = _opt("127.0.0.1", doc="Address the webhook server binds to")
    webhook_port: int = _opt(8443, minimum=1, maximum=65535)
    webhook_secret: str | None = _opt(
        None, secret=True, doc="Secret token Telegram sends with every update"
    )

    @property
    def enabled(self) -> bool:
        """Whether the city runs Telegram (bot/transports/registry.py asks)."""
        return bool(self.token)

    def check(self) -> None:
        """What no single key checks (:func:`check_consistency`)."""
        if not self.api_base_url.startswith(("http://", "https://")):
            raise ConfigError("telegram.api_base_url: must start with http:// or https://")
        if self.mode == "webhook" and self.enabled and not self.webhook_url:
            raise ConfigError("telegram.webhook_url: required when telegram.mode is webhook")

    def check_secrets(self, prefix: str = ENV_PREFIX) -> None:
        """The secrets running it needs (:func:`check_chat_secrets`)."""
        if self.mode == "webhook" and self.enabled and not self.webhook_secret:
            raise ConfigError(
                f"telegram.webhook_secret: required when telegram.mode is webhook "
                f"(set {env_name('telegram', 'webhook_secret', prefix)})"
            )


def user_id_problem(user_id: str) -> str:
    """What is wrong with ``user_id`` as a Telegram account ("" where nothing is): the bot
    knows a person by the number Telegram gives them, never by the @username they can
    change (an admin named ``telegram:@anna`` would never be one)."""
    if user_id.startswith("@"):
        return "must be the number Telegram gives the person, not their @username"
    return ""


def backchannel(config: Sections) -> str:
    """The coordinators' group (the declaration's ``backchannel``): kept
    in ``[help] telegram_backchannel``, where operators have always set it."""
    return config.help.telegram_backchannel


def claims(config: Sections) -> Iterator[tuple[str, object]]:
    """What a city holds on Telegram that no other city may: its
    bot, its webhook, its coordinators' group."""
    telegram = config.section(TelegramSection)
    if telegram.token:
        yield "Telegram bot token", telegram.token
    if telegram.enabled and telegram.mode == "webhook":
        yield "webhook port (telegram.webhook_port)", telegram.webhook_port
        yield "webhook URL (telegram.webhook_url)", telegram.webhook_url
    if group := backchannel(config):
        yield "Telegram backchannel (help.telegram_backchannel)", group


def contact(config: Sections, username: str) -> Contact | None:
    """The chat with the bot, without a deep link: the person starts with the greeting
    (``username``: the bot's, known once Telegram told it)."""
    if not username:
        return None
    return Contact(
        f"https://t.me/{username}",
        "💬 Bot in Telegram öffnen",
        before=("Sie haben Telegram?", "Dann tippen Sie hier:"),
        chat=True,
    )


def opening(config: Sections, username: str, payload: str) -> Opening | None:
    """The deep link that starts the bot at ``payload`` (``username``: the bot's, known
    once Telegram told it)."""
    if not username:
        return None
    return Opening("Telegram", f"https://t.me/{username}?start={payload}")


def mini_app_key(config: Sections) -> str:
    """What the Mini App's data is signed with (bot/web/public/initdata.py): the bot's
    token ("" without one: nothing is trusted)."""
    return str(config.section(TelegramSection).token or "")
