"""What a configuration section is made of: its keys (:func:`option`: a default, whether
it is a secret read only from the environment, its choices and bounds, whether it is
installation-wide), the error a wrong value raises and the environment's names for keys.
The sections of the transports (bot/transports/*/config.py) and bot/config.py, which
composes them, are made of these; a transport's section takes what it shares with the
handlers' settings from here too."""

from __future__ import annotations

import base64
import binascii
from dataclasses import fields
from typing import Any

# A setting's declaration (its default, secret, choices, bounds, doc, wide, how its written
# form is read), one for the sections here and the handlers' own (handlers/settings.py
# OfferRules, the [help] rules); and the settings a transport's section shares with the
# handlers' settings, declared there once (the countries the phone line calls).
from handlers.settings import DiallingRules as DiallingRules
from handlers.settings import option as option

ENV_PREFIX = "NACHBARBOT_"


class ConfigError(ValueError):
    pass


def key_bytes(text: str) -> bytes | None:
    """A 32-byte key written in base64 (standard or URL-safe, e.g. ``openssl rand -base64
    32``): its bytes, or None if it is not one."""
    text = text.strip().replace("-", "+").replace("_", "/")
    try:
        key = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    return key if len(key) == 32 else None


def env_name(section: str, key: str, prefix: str = ENV_PREFIX) -> str:
    """The variable overriding ``section.key``; a further city's ``prefix`` is
    ``bot.cities.env_prefix(slug)``."""
    return f"{prefix}{section.upper()}__{key.upper()}"


def carried(target: Any, section: Any, **given: Any) -> Any:
    """The dataclass ``target`` made from a configuration ``section``: each of its fields
    the section has, as the section has it, and ``given`` (what is bounded, renamed or
    read otherwise) - instead of every field written out once more."""
    same = {
        each.name: getattr(section, each.name)
        for each in fields(target)
        if each.init and each.name not in given and hasattr(section, each.name)
    }
    return target(**same, **given)
