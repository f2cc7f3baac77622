"""The embedded engine: eSpeak NG from the system's packages (``libespeak-ng1`` and
``espeak-ng-data``, which ``make`` installs), used in this process through its C library,
not a program started per message.

The library keeps one global state and is not thread-safe: every call runs on one thread
of its own, one after the other. eSpeak NG reads numbers in words by itself, but the text
it gets has them written out already (bot/speech/script.py), so every language is read
the same way whichever engine speaks.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from bot.speech.engine import Audio, NoVoice, SpeechError, written_for_the_voice

# espeak_AUDIO_OUTPUT: samples handed to the callback, espeak_Synth returns when done.
_SYNCHRONOUS = 2
_DONT_EXIT = 0x8000  # espeakINITIALIZE_DONT_EXIT: an error returns, never ends the process
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_RATE = 1  # espeakRATE, words per minute
_IPA = 2  # espeak_TextToPhonemes' phonememode: IPA in UTF-8
# A little slower than eSpeak's 175 words a minute: for people who listen to every word.
WORDS_PER_MINUTE = 150
# eSpeak NG's voice for a language whose code alone does not name it (none so far: "en" is
# British English, as the city's English speakers mostly learnt it).
VOICE_NAMES: dict[str, str] = {}

_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _Voice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_char_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


def _library() -> ctypes.CDLL:
    path = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
    try:
        lib = ctypes.CDLL(path)
    except OSError as exc:
        raise SpeechError(f"eSpeak NG is not installed ({path})") from exc
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
    lib.espeak_GetCurrentVoice.restype = ctypes.POINTER(_Voice)
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_Synth.argtypes = [
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    lib.espeak_Synth.restype = ctypes.c_int
    lib.espeak_TextToPhonemes.argtypes = [
        ctypes.POINTER(ctypes.c_void_p),
        ctypes.c_int,
        ctypes.c_int,
    ]
    lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
    return lib


class EspeakEngine:
    name = "espeak"
    parallel = 1  # one thread (bot/speech/turns.py)

    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="espeak")
        self._lib: ctypes.CDLL | None = None
        self._rate = 0
        self._chunks: list[np.ndarray] = []
        self._selected = ""  # the language of the voice chosen last
        # Kept referenced: the library calls it for as long as it lives.
        self._callback = _CALLBACK(self._collect)

    def _collect(self, wav: Any, count: int, _events: int) -> int:
        # Copied as bytes: numpy.ctypeslib.as_array would make (and ctypes keep for ever) a
        # new array type for every chunk length, memory growing with each new text.
        if count > 0 and wav:
            chunk = ctypes.string_at(wav, count * ctypes.sizeof(ctypes.c_short))
            self._chunks.append(np.frombuffer(chunk, dtype=np.int16))
        return 0

    def _start(self) -> ctypes.CDLL:
        if self._lib is None:
            lib = _library()
            rate = lib.espeak_Initialize(_SYNCHRONOUS, 500, None, _DONT_EXIT)
            if rate <= 0:
                raise SpeechError("eSpeak NG did not start (its data is missing?)")
            lib.espeak_SetSynthCallback(self._callback)
            lib.espeak_SetParameter(_RATE, WORDS_PER_MINUTE, 0)
            self._lib, self._rate = lib, rate
        return self._lib

    def _select(self, lib: ctypes.CDLL, lang: str) -> bool:
        # Only when the language changes: eSpeak NG keeps a little memory per voice chosen.
        if lang == self._selected:
            return True
        chosen = lib.espeak_SetVoiceByName(VOICE_NAMES.get(lang, lang).encode()) == 0
        self._selected = lang if chosen else ""
        return chosen

    def _voice_language(self, lang: str) -> str:
        """The language of the voice eSpeak NG took for ``lang`` ("" if none)."""
        lib = self._start()
        if not self._select(lib, lang):
            return ""
        voice = lib.espeak_GetCurrentVoice()
        if not voice or not voice.contents.languages:
            return ""
        # ``languages``: a priority byte, then the language's name.
        return voice.contents.languages[1:].decode("ascii", "replace")

    async def voice_language(self, lang: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(
            self._thread, self._voice_language, lang
        )

    async def languages(self, wanted: tuple[str, ...]) -> frozenset[str]:
        spoken = set()
        for lang in wanted:
            try:
                found = await self.voice_language(lang)
            except SpeechError:
                return frozenset()
            if found.split("-")[0] == lang:
                spoken.add(lang)
        return frozenset(spoken)

    def _speak(self, text: str, lang: str) -> Audio:
        lib = self._start()
        if not self._select(lib, lang):
            raise NoVoice(lang)
        data = written_for_the_voice(text, lang).encode("utf-8") + b"\0"
        self._chunks = []
        status = lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        if status != 0:
            raise SpeechError(f"eSpeak NG failed ({status})")
        chunks, self._chunks = self._chunks, []
        samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
        return Audio((samples.astype(np.float32) / 32768.0), self._rate)

    async def speak(self, text: str, lang: str) -> Audio:
        return await asyncio.get_running_loop().run_in_executor(
            self._thread, self._speak, text, lang
        )

    def _phonemes(self, text: str, lang: str) -> str:
        lib = self._start()
        if not self._select(lib, lang):
            raise NoVoice(lang)
        data = ctypes.create_string_buffer(
            written_for_the_voice(text, lang).encode("utf-8") + b"\0"
        )
        at = ctypes.c_void_p(ctypes.addressof(data))
        said = []
        # One clause a call; the library moves ``at`` on, to NULL at the end.
        while at.value:
            said.append(lib.espeak_TextToPhonemes(ctypes.byref(at), _CHARS_UTF8, _IPA) or b"")
        return " ".join(clause.decode("utf-8", "replace").strip() for clause in said).strip()

    async def phonemes(self, text: str, lang: str) -> str:
        """What the voice of ``lang`` says for ``text``, in IPA: how the tests hear
        whether a word is said right (a language it switches to shows as "(en)")."""
        return await asyncio.get_running_loop().run_in_executor(
            self._thread, self._phonemes, text, lang
        )

    async def close(self) -> None:
        self._thread.shutdown(wait=True)
