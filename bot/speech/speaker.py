"""Read aloud for the outbox worker (the :class:`bot.delivery.Speaker` it is given): a
speech (handlers/messages.py) becomes the words to say (script.py), the engine says them
within a time-out, and the audio is encoded as OGG/Opus (opus.py).

The audio of a public text (a place's details, the same for everyone) is kept in a small
cache in memory, keyed by a hash of the language and the words, and made once however many
ask for it at the same moment (a poster's QR code scanned by a room full of people); the
audio of anything personal (a relayed message, a request, a name) is made for its delivery
and dropped (db/personal_data.py says so).

Encoding takes a processor for a moment: it runs off the event loop on two threads of its
own (a fan-out's voices are encoded two at a time on a small machine; more threads would
only share the same cores, each with its own memory arena).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from bot.speech.engine import SpeechEngine, SpeechError
from bot.speech.opus import ogg_opus
from bot.speech.script import script
from handlers.messages import SPOKEN, Speech, Voice
from locales import translator

log = logging.getLogger(__name__)

CACHED_TEXTS = 200
ENCODERS = 2


class Speaker:
    def __init__(self, engine: SpeechEngine, *, timeout_seconds: float = 10.0) -> None:
        self.engine = engine
        self.timeout_seconds = timeout_seconds
        # Set by :meth:`check`: the languages read aloud is offered in.
        self.languages: frozenset[str] = frozenset()
        self.why_not: dict[str, str] = {}
        self._cache: OrderedDict[str, tuple[bytes, float]] = OrderedDict()
        # Public texts being made right now, by key: one making for everyone asking.
        self._making: dict[str, asyncio.Future[tuple[bytes, float]]] = {}
        self._encoders = ThreadPoolExecutor(max_workers=ENCODERS, thread_name_prefix="opus")

    async def check(self, wanted: Iterable[str]) -> frozenset[str]:
        """Which of ``wanted`` the engine speaks; read aloud is offered in those only. Why
        a language is not spoken is logged (and kept in ``why_not`` for ``doctor``)."""
        try:
            self.languages = await self.engine.languages(tuple(wanted))
        except SpeechError as exc:
            log.warning("speech engine %s unusable: %s", self.engine.name, exc)
            self.languages = frozenset()
        self.why_not = dict(getattr(self.engine, "why_not", {}))
        for why in dict.fromkeys(self.why_not.values()):
            langs = sorted(lang for lang, reason in self.why_not.items() if reason == why)
            log.warning("speech: no voice for %s: %s", ", ".join(langs), why)
        return self.languages

    async def voice(self, speech: Speech) -> Voice:
        content, seconds = await self.audio(
            script(speech.text, speech.labels, translator(speech.lang)),
            speech.lang,
            public=speech.public,
        )
        return Voice(
            file_id="",
            platform=SPOKEN,
            mime_type="audio/ogg",
            duration_seconds=seconds,
            content=content,
        )

    async def audio(self, words: str, lang: str, *, public: bool) -> tuple[bytes, float]:
        """``words`` said in ``lang`` as OGG/Opus, and its length in seconds."""
        if not public:
            return await self._make(words, lang)
        key = hashlib.sha256(f"{self.engine.name}\0{lang}\0{words}".encode()).hexdigest()
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        making = self._making.get(key)
        if making is None:
            making = asyncio.ensure_future(self._make(words, lang))
            self._making[key] = making
            making.add_done_callback(lambda _: self._making.pop(key, None))
        # Shielded: one listener giving up does not stop the making for the others.
        made = await asyncio.shield(making)
        self._cache[key] = made
        while len(self._cache) > CACHED_TEXTS:
            self._cache.popitem(last=False)
        return made

    async def _make(self, words: str, lang: str) -> tuple[bytes, float]:
        try:
            said = await asyncio.wait_for(self.engine.speak(words, lang), self.timeout_seconds)
        except TimeoutError:
            raise SpeechError("the speech engine took too long") from None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._encoders, ogg_opus, said), said.seconds

    async def close(self) -> None:
        await self.engine.close()
        self._encoders.shutdown(wait=False, cancel_futures=True)
