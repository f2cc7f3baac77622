"""What the transports can do (their descriptors, bot/transports/registry.py), as a test
city's ``HandlerSettings.channels``: every transport known, ``running`` the platforms the
city runs (those a number's person may choose between, handlers/numbers/reach.py)."""

from __future__ import annotations

from dataclasses import replace

from bot.config import Config
from bot.transports.registry import channels as described
from handlers.channels import Channels


def channels(*running: str) -> Channels:
    return replace(described(Config()), running=frozenset(running))
