"""Read aloud for the outbox worker (the :class:`bot.delivery.Speaker` it is given) and
for the web's places: a speech (handlers/messages.py) becomes the words to say
(script.py), the engine says them within a time-out, and the audio is encoded as
OGG/Opus (opus.py).

The words come in parts, each in one voice: the bot's own in the reader's language, a
quoted person's text (a relayed message) in its own (script.py). The engine says each part
in its voice, one after the other in the speech's one turn and within its one time-out,
and the audio of the parts is joined, with a short pause where the voice changes, into
one voice message.

The engine is shared: every city of an installation, and the web, ask the one engine
(bot/speech/turns.py). A chat's voice never waits behind the web's: it takes its turn
first; the web's voices wait a few at a time, within a budget, and beyond it are refused
(:class:`~bot.speech.turns.Busy`).

The audio of a public text (a place's details, the same for everyone) is kept in a cache
in memory, bounded by its bytes (``CACHED_BYTES``) as well as its entries, keyed by a hash
of the engine and each part's language and words, and made once however many ask for it at the
same moment (a poster's QR code scanned by a room full of people); that key is also the
web's ETag, known before any audio is made. The words of a public text are kept too, by
the text (``PREPARED``), so that asking again costs no preparing. The audio of anything
personal (a relayed message, a request, a name) is made for its delivery and dropped
(db/personal_data.py says so).

Preparing the words and encoding take a processor for a moment: both run off the event
loop, on two threads of the speaker's own (a fan-out's voices are encoded two at a time
on a small machine; more threads would only share the same cores, each with its own
memory arena). The words of a text are bounded however long it is (script.py).

Audio passes through buffers of megabytes (the engine's samples, their float copy, the
encoder's frames). glibc raises its threshold for handing such a buffer to the system
(mmap) after the first is freed, and from then on carves them from the heap of whichever
thread made them, where the memory stays with the process when they are freed: a flood
of public audio once grew a process by 200 MB for good. A fixed threshold
(``BIG_BUFFER``, set once per process, on glibc) keeps every such buffer apart, given
back when it is freed (bench/speech_soak.py measures it).
"""

from __future__ import annotations

import asyncio
import ctypes
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np

from bot.speech.engine import Audio, SpeechEngine, SpeechError
from bot.speech.opus import ogg_opus
from bot.speech.script import Part, parts
from bot.speech.turns import Turns
from handlers.messages import SPOKEN, Speech, Voice
from locales import translator

log = logging.getLogger(__name__)

# The cache of public audio: at most so many texts and so many bytes (a place's details
# said are some 50-150 kB).
CACHED_TEXTS = 1000
CACHED_BYTES = 32 * 1024 * 1024
# Words of public texts kept (each at most script.MOST_CHARACTERS long).
PREPARED = 1000
ENCODERS = 2
# The pause where one voice hands over to another, in seconds.
PAUSE_BETWEEN_VOICES = 0.3
# Buffers from this size on are the system's own, given back when freed (glibc's
# M_MMAP_THRESHOLD; fixed, it no longer rises).
BIG_BUFFER = 256 * 1024
_M_MMAP_THRESHOLD = -3


@cache
def big_buffers_given_back() -> bool:
    """Set glibc's threshold once per process; False where there is no glibc."""
    try:
        return bool(ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, BIG_BUFFER))
    except (OSError, AttributeError):
        return False


class Speaker:
    def __init__(
        self,
        engine: SpeechEngine,
        *,
        timeout_seconds: float = 10.0,
        turns: Turns | None = None,
    ) -> None:
        self.engine = engine
        self.timeout_seconds = timeout_seconds
        big_buffers_given_back()
        # Shared by every speaker of one engine (bot/speech/engines.py).
        self.turns = turns or Turns(getattr(engine, "parallel", 1))
        # Set by :meth:`check`: the languages read aloud is offered in.
        self.languages: frozenset[str] = frozenset()
        self.why_not: dict[str, str] = {}
        self._cache: OrderedDict[str, tuple[bytes, float]] = OrderedDict()
        self._cached_bytes = 0
        # Public texts being made right now, by key, and whether for the web: one making
        # for everyone asking (a chat voice does not wait on one made at the web's turn).
        self._making: dict[str, tuple[asyncio.Future[tuple[bytes, float]], bool]] = {}
        self._prepared: OrderedDict[str, tuple[Part, ...]] = OrderedDict()
        self._preparing: dict[str, asyncio.Future[tuple[Part, ...]]] = {}
        self._threads = ThreadPoolExecutor(max_workers=ENCODERS, thread_name_prefix="speech")

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
        """A chat's voice message of ``speech``."""
        content, seconds = await self.audio(await self.words(speech), public=speech.public)
        return Voice(
            file_id="",
            platform=SPOKEN,
            mime_type="audio/ogg",
            duration_seconds=seconds,
            content=content,
        )

    async def words(self, speech: Speech) -> tuple[Part, ...]:
        """What is said for ``speech``, in the voices that say it, prepared off the event
        loop; a public text's words are kept."""
        if not speech.public:
            return await self._prepare(speech)
        key = _hash(speech.lang, str(speech.easy), str(speech.text), *speech.labels)
        if (kept := self._prepared.get(key)) is not None:
            self._prepared.move_to_end(key)
            return kept
        preparing = self._preparing.get(key)
        if preparing is None:
            preparing = asyncio.ensure_future(self._prepare(speech))
            self._preparing[key] = preparing
            preparing.add_done_callback(lambda _: self._preparing.pop(key, None))
        words = await asyncio.shield(preparing)
        self._prepared[key] = words
        while len(self._prepared) > PREPARED:
            self._prepared.popitem(last=False)
        return words

    async def _prepare(self, speech: Speech) -> tuple[Part, ...]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._threads,
            parts,
            speech.text,
            list(speech.labels),
            # The easy reader's: its buttons are named the easy way.
            translator(speech.lang, easy=speech.easy),
            self.languages,
        )

    def key(self, words: str | tuple[Part, ...], lang: str = "") -> str:
        """The public audio's key: the same words in the same voices, the same audio.
        ``words``: the parts, or the words of one part in ``lang``."""
        said = _parts(words, lang)
        return _hash(self.engine.name, *(text for part in said for text in (part.lang, part.words)))

    def has(self, key: str) -> bool:
        """Whether the audio of ``key`` is kept or being made (asking costs no making)."""
        return key in self._cache or key in self._making

    async def audio(
        self,
        words: str | tuple[Part, ...],
        lang: str = "",
        *,
        public: bool,
        web: bool = False,
    ) -> tuple[bytes, float]:
        """``words`` (the parts of :meth:`words`, or one text said in ``lang``) as
        OGG/Opus, and its length in seconds. ``web``: for the web, which waits behind the
        chats and may be refused (:class:`~bot.speech.turns.Busy`)."""
        said = _parts(words, lang)
        if not public:
            return await self._make(said, web=web)
        key = self.key(said)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        making = self._making.get(key)
        if making is None or (making[1] and not web):
            if web:
                self.turns.admit_web()
            future = asyncio.ensure_future(self._make(said, web=web))
            self._making[key] = (future, web)
            future.add_done_callback(lambda done: self._made(key, done))
            making = (future, web)
        # Shielded: one listener giving up does not stop the making for the others.
        return await asyncio.shield(making[0])

    def _made(self, key: str, done: asyncio.Future[tuple[bytes, float]]) -> None:
        if self._making.get(key, (None, False))[0] is done:
            del self._making[key]
        if done.cancelled() or done.exception() is not None:
            return
        made = done.result()
        if key in self._cache:
            self._cached_bytes -= len(self._cache.pop(key)[0])
        self._cache[key] = made
        self._cached_bytes += len(made[0])
        while self._cache and (
            len(self._cache) > CACHED_TEXTS or self._cached_bytes > CACHED_BYTES
        ):
            self._cached_bytes -= len(self._cache.popitem(last=False)[1][0])

    async def _make(self, said: tuple[Part, ...], *, web: bool) -> tuple[bytes, float]:
        # One turn and one time-out for the whole speech, whatever its parts: the time-out
        # counts the engine's own work, waiting for a turn is not slowness.
        async with self.turns.turn(web=web):
            try:
                audio = await asyncio.wait_for(self._speak(said), self.timeout_seconds)
            except TimeoutError:
                raise SpeechError("the speech engine took too long") from None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, ogg_opus, audio), audio.seconds

    async def _speak(self, said: tuple[Part, ...]) -> Audio:
        spoken = [await self.engine.speak(part.words, part.lang) for part in said]
        return spoken[0] if len(spoken) == 1 else joined(spoken, PAUSE_BETWEEN_VOICES)

    async def close(self) -> None:
        await self.engine.close()
        self._threads.shutdown(wait=False, cancel_futures=True)


def _parts(words: str | tuple[Part, ...], lang: str) -> tuple[Part, ...]:
    return (Part(lang, words),) if isinstance(words, str) else words


def joined(audios: list[Audio], pause: float) -> Audio:
    """The audios one after the other, with ``pause`` seconds of silence between them, at
    the highest of their rates (two voices of a speech server may differ in it)."""
    rate = max(audio.rate for audio in audios)
    silence = np.zeros(round(pause * rate), dtype=np.float32)
    pieces: list[np.ndarray] = []
    for audio in audios:
        samples = audio.samples.astype(np.float32)
        if audio.rate != rate and len(samples):
            length = round(len(samples) * rate / audio.rate)
            at = np.arange(length) * (audio.rate / rate)
            samples = np.interp(at, np.arange(len(samples)), samples).astype(np.float32)
        pieces += [silence, samples] if pieces else [samples]
    return Audio(np.concatenate(pieces), rate)


def _hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()
