"""The ``[speech]`` section of a city's configuration: which engine reads aloud
(docs/speech.md). bot/config.py composes it into ``Config``."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config_fields import option as _opt


@dataclass(frozen=True)
class SpeechSection:
    engine: str = _opt(
        "espeak",
        choices=("", "espeak", "http"),
        doc="Read aloud: espeak (embedded, eSpeak NG), http (a speech server); empty: off",
    )
    url: str = _opt("", doc="http: the speech server's base URL (POST /v1/audio/speech)")
    api_key: str | None = _opt(None, secret=True, doc="http: the server's API key, if any")
    model: str = _opt("", doc="http: the model the server is asked for")
    voices: str = _opt(
        "", doc="http: the voice per language, e.g. de=thorsten,ar=kareem; others: text only"
    )
    timeout_seconds: float = _opt(
        10.0, minimum=1, maximum=60, doc="Longest wait for one voice message before giving up"
    )
