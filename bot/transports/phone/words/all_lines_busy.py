"""What a caller hears when every place of the phone is taken (issue 55): instead of a bare
busy tone, which a senior takes for a wrong number, a short notice - all lines are busy,
call again in a few minutes - in the city's first language and in English, said as early
media (183 Session Progress) before 486 Busy Here (stack.py ``refuse``, line_pool.py).

It is made once when the phone starts, by the speech engine as every prompt is
(speech_files.py), and handed to the SIP stack; no call and no person is known when it is said.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from bot.speech.engine import SpeechError
from bot.transports.phone.words.speech_files import Prompts, spoken_parts
from locales import N_, Medium, translator

log = logging.getLogger(__name__)

BUSY = N_("📵 All lines are busy. Please call again in a few minutes.")
# Said after the city's first language: the language of most visitors who do not speak it.
ALSO = "en"


def notice_languages(first: str) -> tuple[str, ...]:
    """The languages the notice is said in, in order: the city's first, then English."""
    return (first,) if first == ALSO else (first, ALSO)


async def busy_notice(prompts: Prompts, first: str, voices: Iterable[str]) -> list[Path]:
    """The notice's prompt files (empty when the engine cannot say it: then the caller
    gets the busy answer alone, and the log says why)."""
    voices = frozenset(voices)
    words = tuple(
        part
        for t in (translator(lang, False, Medium.SPOKEN) for lang in notice_languages(first))
        for part in spoken_parts(t._(BUSY), [], t, voices)
    )
    if not words:
        return []
    try:
        return [await prompts.file(words, lasting=True)]
    except SpeechError as exc:
        log.warning("phone: the busy notice cannot be said (%s): busy callers hear none", exc)
        return []
