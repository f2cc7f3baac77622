"""The engine the ``[translation]`` section chooses."""

from __future__ import annotations

from bot.config import TranslationSection
from bot.translation.engine import Engine
from bot.translation.libretranslate import LibreTranslate


def engine_from_config(section: TranslationSection) -> Engine | None:
    """The configured engine, or None when translation is off (``engine = ""``).
    The section is already validated (a LibreTranslate URL, a DeepL key)."""
    if section.engine == "libretranslate":
        return LibreTranslate(section.url, section.api_key, timeout=section.timeout_seconds)
    if section.engine == "deepl":
        # DeepL's client and its requests/urllib3 load in 0.1 s: only where it is chosen.
        from bot.translation.deepl_engine import DeepL

        # A DeepL-compatible server (e.g. a proxy) may be given as the URL; empty: DeepL's
        # own, chosen by the key (":fx" keys are Free API keys).
        return DeepL(
            section.api_key or "", server_url=section.url or None, timeout=section.timeout_seconds
        )
    return None
