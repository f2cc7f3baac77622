"""The bot's words for the phone: a message said by the read-aloud engine, as a WAV file
the call plays.

What is said (:func:`spoken_parts`) is the message's text and its choices as the reader
chain's words say them to a reader on the phone (bot/speech/script.py ``parts``, the same
for read aloud: numbers, dates and times as words, icons left out, the choices named the
way the reader's medium presses them - on the phone "{label}: press {n}.", a language's own
name in that language's voice).

The audio (:class:`Prompts`) is made by the engine in its turn (bot/speech/turns.py, shared
with read aloud), joined where the voice changes, resampled to the calls' clock rate (8 or
16 kHz) and written as mono 16-bit PCM WAV, what PJSIP's file player reads. The files are
kept in a private folder, at most ``CACHED_PROMPTS`` of them and ``CACHED_BYTES`` in all, by
their words and voices: the menus and the notice, the same for everyone, are made once. The
folder is the process's own (mode 0700) and is removed when the phone stops, with every
personal text said in it; an erasure removes every file but the lasting ones (the busy
notice, :meth:`Prompts.forget_said`), since a file may say the erased person's words.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import shutil
import tempfile
import wave
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from bot.speech.config import SpeechSection
from bot.speech.engine import Audio, SpeechEngine, SpeechError
from bot.speech.script import PRESS, Part, language_named, parts
from bot.speech.speaker import PAUSE_BETWEEN_VOICES, joined
from bot.speech.turns import Turns
from locales import Medium, Translator, translator

__all__ = ["PRESS", "Prompts", "configured", "language_named", "prompt_wav", "spoken_parts"]

CACHED_PROMPTS = 500
CACHED_BYTES = 64 * 1024 * 1024


def spoken_parts(
    text: str,
    labels: list[str],
    reader: Translator | str,
    voices: Iterable[str],
    keys: list[str] | None = None,
) -> tuple[Part, ...]:
    """The words of a message with choices ``labels`` said to a caller (``reader``: their
    translator, or only a language: its usual words), in the voices that say them;
    ``keys``: each choice's key where it is not its place ("0", "#")."""
    t = reader if isinstance(reader, Translator) else translator(reader, False, Medium.SPOKEN)
    if t.medium != Medium.SPOKEN:
        t = translator(t.lang, t.easy, Medium.SPOKEN)
    return parts(text, labels, t, voices, keys)


def prompt_wav(audio: Audio, rate: int) -> bytes:
    """``audio`` as mono 16-bit PCM WAV at ``rate`` samples a second."""
    samples = audio.samples.astype(np.float32)
    if audio.rate != rate and len(samples):
        length = round(len(samples) * rate / audio.rate)
        at = np.arange(length) * (audio.rate / rate)
        samples = np.interp(at, np.arange(len(samples)), samples).astype(np.float32)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes(pcm.tobytes())
    return out.getvalue()


class Prompts:
    """The WAV files of what is said, made once per words and voices and kept, bounded."""

    def __init__(
        self,
        engine: SpeechEngine,
        turns: Turns,
        *,
        rate: int = 16000,
        timeout_seconds: float = 10.0,
        most: int = CACHED_PROMPTS,
        most_bytes: int = CACHED_BYTES,
    ) -> None:
        self.engine = engine
        self.turns = turns
        self.rate = rate
        self.timeout_seconds = timeout_seconds
        self.most = most
        self.most_bytes = most_bytes
        self.folder = Path(tempfile.mkdtemp(prefix="nachbarbot-phone-"))
        self._kept: OrderedDict[str, int] = OrderedDict()
        self._bytes = 0
        # Files handed out for good (the busy notice): an erasure leaves them.
        self._lasting: set[str] = set()
        self._making: dict[str, asyncio.Future[Path]] = {}

    def key(self, words: tuple[Part, ...]) -> str:
        said_in = (text for part in words for text in (part.lang, part.words))
        joined_words = "\0".join((self.engine.name, str(self.rate), *said_in))
        return hashlib.sha256(joined_words.encode()).hexdigest()

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.wav"

    @property
    def kept(self) -> int:
        return len(self._kept)

    @property
    def kept_bytes(self) -> int:
        return self._bytes

    async def file(self, words: tuple[Part, ...], *, lasting: bool = False) -> Path:
        """The WAV file saying ``words``; raise SpeechError. ``lasting``: words that are
        nobody's, handed out for good (:meth:`forget_said` leaves the file)."""
        key = self.key(words)
        if lasting:
            self._lasting.add(key)
        if key in self._kept:
            self._kept.move_to_end(key)
            return self.path(key)
        making = self._making.get(key)
        if making is None:
            making = asyncio.ensure_future(self._make(key, words))
            self._making[key] = making
            making.add_done_callback(lambda _: self._making.pop(key, None))
        return await asyncio.shield(making)

    async def _make(self, key: str, words: tuple[Part, ...]) -> Path:
        async with self.turns.turn(web=False):
            try:
                audio = await asyncio.wait_for(self._speak(words), self.timeout_seconds)
            except TimeoutError:
                raise SpeechError("the speech engine took too long") from None
        content = await asyncio.to_thread(prompt_wav, audio, self.rate)
        path = self.path(key)
        path.write_bytes(content)
        self._keep(key, len(content))
        return path

    async def _speak(self, words: tuple[Part, ...]) -> Audio:
        spoken = [await self.engine.speak(part.words, part.lang) for part in words]
        if not spoken:
            return Audio(np.zeros(0, dtype=np.float32), self.rate)
        return spoken[0] if len(spoken) == 1 else joined(spoken, PAUSE_BETWEEN_VOICES)

    def _keep(self, key: str, size: int) -> None:
        self._kept[key] = size
        self._bytes += size
        # The newest stays, even alone above the bound: it is about to be played.
        while len(self._kept) > 1 and (
            len(self._kept) > self.most or self._bytes > self.most_bytes
        ):
            old, old_size = self._kept.popitem(last=False)
            self._bytes -= old_size
            # A call playing it has it open: the file goes when the player lets go.
            self.path(old).unlink(missing_ok=True)

    def forget_said(self, _unnamed: object = None) -> None:
        """Someone's data was erased (``DataRights.after_erasure``): a file may say their
        words (a request read back, a relayed text), and which one cannot be told by its
        name, so every file goes but the lasting ones; the menus are made again."""
        for key in [key for key in self._kept if key not in self._lasting]:
            self._bytes -= self._kept.pop(key)
            self.path(key).unlink(missing_ok=True)  # a call playing it keeps it open

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


async def configured(
    section: SpeechSection, languages: tuple[str, ...], rate: int
) -> tuple[Prompts, frozenset[str]]:
    """The prompts of the configured engine (``[speech]``: a speech server, else the
    embedded eSpeak NG, which a phone line needs even where read aloud is off), and the
    languages it speaks."""
    from bot.speech.engines import embedded, embedded_turns, http_engine
    from bot.speech.http_engine import HttpEngine

    engine: SpeechEngine
    if section.engine == "http":
        engine = http_engine(section)
        turns = Turns(HttpEngine.parallel)
    else:
        engine, turns = embedded(), embedded_turns()
    voices = await engine.languages(languages)
    prompts = Prompts(engine, turns, rate=rate, timeout_seconds=section.timeout_seconds)
    return prompts, voices
