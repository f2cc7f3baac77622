"""How Telegram declares itself (bot/transports/hooks.py): its section, its app (which opens
the web map as a Mini App), its checks, its coordinators' group, its claims, its contact,
its deep links and its bot's name. From light modules only: reading it loads no
python-telegram-bot (the service is bot/transports/telegram.py)."""

from __future__ import annotations

from bot.transports import telegram_checks, telegram_config, telegram_name
from bot.transports.hooks import Offers, Transport


class Telegram(Transport[telegram_config.TelegramSection, None]):
    """Telegram: people chat with the bot in the Telegram app, which opens the web map as a
    Mini App; the coordinators' group is a Telegram group."""

    platform = "telegram"
    module = "bot.transports.telegram"
    section = "telegram"
    offers = Offers(app="Telegram")
    user_id_problem = staticmethod(telegram_config.user_id_problem)
    backchannel = staticmethod(telegram_config.backchannel)
    claims = staticmethod(telegram_config.claims)
    city_checks = staticmethod(telegram_checks.checks)
    contact = staticmethod(telegram_config.contact)
    opening = staticmethod(telegram_config.opening)
    bot_name = staticmethod(telegram_name.username)
    mini_app = staticmethod(telegram_config.mini_app_key)
