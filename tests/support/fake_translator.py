"""What the fake translation servers share: their life on 127.0.0.1, their failure modes and
their "translation".

A fake server's ``mode`` says how it answers: "ok"; "slow" (answers only after
``slow_seconds``, longer than a client's timeout); "4xx" (a bad-request error); "5xx" (an
internal error); "malformed"
(a 200 that is no translation); "quota" (the service's limit); "mangle" (translates, but drops
every digit, as an engine that renumbers or loses placeholders would); "down" (nothing listens
on the port: set with :meth:`FakeTranslator.set_mode`, which stops the listening socket and
opens it again on the same port for any other mode).

The translation is deterministic and visibly different from the input: known phrases of the
test story are replaced by their translation, anything else is prefixed with ``[target]``.
Like a real engine it leaves placeholder tokens ("XQ1Z"), numbers and links as they are.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler

MODES = ("ok", "slow", "down", "4xx", "5xx", "malformed", "quota", "mangle")
# The bot's ten languages.
LANGUAGES = ("de", "en", "ar", "tr", "uk", "ru", "ro", "bg", "pl", "fa")

PHRASES: dict[str, dict[str, str]] = {
    "Ich brauche Hilfe beim Einkaufen": {
        "en": "I need help with shopping",
        "ar": "أحتاج مساعدة في التسوق",
        "tr": "Alışverişte yardıma ihtiyacım var",
        "uk": "Мені потрібна допомога з покупками",
        "ru": "Мне нужна помощь с покупками",
        "fa": "برای خرید به کمک نیاز دارم",
    },
    "Ich kann am Samstag helfen": {
        "en": "I can help on Saturday",
        "ar": "يمكنني المساعدة يوم السبت",
        "tr": "Cumartesi yardım edebilirim",
        "uk": "Я можу допомогти в суботу",
    },
    "Ruf mich an": {"en": "Call me", "ar": "اتصل بي", "tr": "Beni ara", "uk": "Зателефонуй мені"},
    "Hausnummer": {"en": "house number", "ar": "رقم المنزل", "tr": "kapı numarası"},
    "Danke": {"en": "Thank you", "ar": "شكرا", "tr": "Teşekkürler", "uk": "Дякую"},
    # The language bridge's story (tests/handlers/test_language_bridge.py): an Arabic requester, a
    # German coordinator, a Turkish volunteer.
    "أحتاج مساعدة في التسوق": {
        "de": "Ich brauche Hilfe beim Einkaufen",
        "tr": "Alışverişte yardıma ihtiyacım var",
    },
    "اتصل بي": {"de": "Ruf mich an", "tr": "Beni ara"},
    "شكرا جزيلا، الباب الأزرق": {
        "de": "Vielen Dank, die blaue Tür",
        "tr": "Çok teşekkürler, mavi kapı",
    },
    "أنا في البيت مساء": {"de": "Ich bin abends zu Hause", "tr": "Akşamları evdeyim"},
    "Yarın sabah gelebilirim": {
        "ar": "يمكنني أن آتي صباح الغد",
        "de": "Ich kann morgen früh kommen",
    },
    "Beni ara": {"ar": "اتصل بي", "de": "Ruf mich an"},
    "Wann bist du zu Hause?": {"ar": "متى تكون في البيت؟", "tr": "Ne zaman evdesin?"},
    "Bitte schreib die Anfrage ohne Telefonnummer neu.": {
        "ar": "من فضلك اكتب الطلب من جديد بدون رقم هاتف.",
        "tr": "Lütfen talebi telefon numarası olmadan yeniden yaz.",
    },
}


def fake_translation(text: str, target: str) -> str:
    translated = text
    for phrase, translations in PHRASES.items():
        if phrase in translated and target in translations:
            translated = translated.replace(phrase, translations[target])
    return translated if translated != text else f"[{target}] {text}"


def guess_language(text: str) -> str:
    """A source language for "auto": by script, as far as a fake needs one."""
    if re.search(r"[\u0600-\u06ff]", text):
        return "fa" if re.search(r"[پچژگکی]", text) else "ar"
    if re.search(r"[\u0400-\u04ff]", text):
        return "uk" if re.search(r"[іїєґ]", text, re.IGNORECASE) else "ru"
    return "de"


@web.middleware
async def _no_keep_alive(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every answer closes its connection: "down" then means down for a client too, not
    only for new connections (a kept-alive one would still be served)."""
    response = await handler(request)
    response.force_close()
    return response


@dataclass(frozen=True)
class Call:
    """One translation request as the server received it."""

    text: str
    source: str | None
    target: str


class FakeTranslator:
    """Start, stop and failure modes; a subclass adds its routes in :meth:`routes`."""

    def __init__(self, api_key: str | None = None) -> None:
        self.api_key = api_key
        self.mode = "ok"
        self.slow_seconds = 3.0
        self.calls: list[Call] = []
        self.hits = 0
        self.url = ""
        self._port = 0
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def start(self) -> str:
        app = web.Application(middlewares=[_no_keep_alive])
        self.routes(app)
        # A short shutdown: a "slow" answer still sleeping must not hold the test's end.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await self._listen()
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._site = None

    async def set_mode(self, mode: str) -> None:
        assert mode in MODES, mode
        if mode == "down" and self._site is not None:
            await self._site.stop()
            self._site = None
        elif mode != "down" and self._site is None:
            await self._listen()
        self.mode = mode

    async def __aenter__(self) -> FakeTranslator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def texts(self) -> list[str]:
        """Every text that reached the server, for asserting what an engine never saw."""
        return [call.text for call in self.calls]

    async def arrive(self) -> None:
        """Every request: counted (``hits``, to see that nothing is retried), maybe slow."""
        self.hits += 1
        if self.mode == "slow":
            await asyncio.sleep(self.slow_seconds)

    def translation(self, text: str, target: str) -> str:
        translated = fake_translation(text, target)
        return re.sub(r"\d", "", translated) if self.mode == "mangle" else translated

    async def _listen(self) -> None:
        assert self._runner is not None
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await site.start()
        self._site = site
        self._port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{self._port}"
