"""Read aloud under a flood: one process, its chat and its web, the embedded engine shared.

10,000 distinct people write to the bot (each a /start; every 100th also chooses German
and "read everything aloud", so their answers come as voice messages), while 2,000
requests for places read aloud come from the web, each from a client address of its own
(``X-Forwarded-For`` from the proxy on this host), 64 at a time, for the 81 sample places
in the ten languages (810 different audios: far more than the web's budget for new audio).
In two halves of 5,000 people and 1,000 requests; memory is read between them. The
speaker is made as a city's is (``speaker_from_config``): for a city that speaks Arabic that
loads the Arabic diacritiser's model at start, as a running bot has it before any flood
(bench/README.md, "The speech soak", says why the soak measures from there).

Targets (issue 40):
- resident memory after the second half ≤ 1.2 × before it;
- no voice of a chat given up while the web's speech is flooded (every speech in the
  outbox sent as a voice);
- and the words of a 20,000-digit text and of "1," + 1,998 fives in Arabic prepared in a
  few milliseconds (the money and distance patterns once took seconds, bot/speech/script.py).
Also printed: what the web's requests were answered (200 or 429) and how long each half
took.
Run: .venv/bin/python bench/speech_soak.py (``--quick``: 100 people and 6 web requests, for
CI's pass over every benchmark; figures not judged)
"""

from __future__ import annotations

import asyncio
import collections
import gc
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from markupsafe import Markup

from bench.table import Row, at_most, judged, print_table
from bot.config import Config
from bot.delivery import OutboxWorker
from bot.speech.config import SpeechSection
from bot.speech.engines import speaker_from_config
from bot.speech.script import script
from bot.web.server import WebServer
from bot.web.site import Site
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import ButtonPress, Command, Incoming, Outgoing, Sender, Voice
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from handlers.settings import HandlerSettings
from locales import SUPPORTED_LANGUAGES, translator

ROOT = Path(__file__).resolve().parent.parent
SENDERS = 10_000
SPEECHES = 2_000
LISTENER_EVERY = 100
AT_ONCE = 64
PLATFORM = "bench"
if "--quick" in sys.argv[1:]:
    SENDERS, SPEECHES = 100, 6


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Instant:
    """A chat service that takes every message at once."""

    platform = PLATFORM

    def __init__(self) -> None:
        self.voices = 0
        self.texts = 0

    async def deliver(self, chat_id: str, item: Outgoing, edit_message_id: str | None = None):
        if isinstance(item, Voice):
            self.voices += 1
        else:
            self.texts += 1
        return str(self.voices + self.texts)


class Chat:
    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self.updates = 0

    async def send(self, user: str, event) -> None:
        self.updates += 1
        incoming = Incoming(
            Sender(PLATFORM, user, f"Person {user}", "de"),
            chat_id=user,
            event=event,
            update_id=str(self.updates),
            is_private=True,
        )
        out = await self.dispatcher.handle(incoming)
        await self.dispatcher.answered(incoming, out)


async def senders(chat: Chat, first: int, count: int, wake) -> int:
    """``count`` new people write; every hundredth chooses to hear every message."""
    listeners = 0
    for n in range(first, first + count):
        user = f"p{n}"
        await chat.send(user, Command("start", ""))
        if n % LISTENER_EVERY == 0:
            await chat.send(user, ButtonPress("lang:de", message_id="1"))
            await chat.send(user, ButtonPress("ra:on", message_id="2"))
            listeners += 1
            wake()
        if n % 200 == 0:
            await asyncio.sleep(0)  # the web and the worker get their turns
    return listeners


async def web_flood(base: str, first: int, count: int) -> collections.Counter[int]:
    """``count`` requests for places read aloud, each from an address of its own."""
    answers: collections.Counter[int] = collections.Counter()
    gate = asyncio.Semaphore(AT_ONCE)
    langs = SUPPORTED_LANGUAGES

    async def ask(session: aiohttp.ClientSession, n: int) -> None:
        place = n % 81 + 1
        lang = langs[(n // 81) % len(langs)]
        client = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        async with (
            gate,
            session.get(
                f"{base}/place/{place}/speech.ogg?lang={lang}",
                headers={"X-Forwarded-For": client},
            ) as response,
        ):
            await response.read()
            answers[response.status] += 1

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(ask(session, n) for n in range(first, first + count)))
    return answers


async def drained(db: Database) -> None:
    while await db.outbox.pending():
        await asyncio.sleep(0.2)


async def given_up(db: Database) -> int:
    row = await (
        await db.conn.execute("SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL")
    ).fetchone()
    assert row is not None  # COUNT(*) gives a row
    return int(row[0])


def preparing_ms() -> tuple[float, float]:
    """The words of a 20,000-digit text (German) and of "1," + 1,998 fives (Arabic)."""
    times = []
    for text, lang in (("5" * 20_000, "de"), ("1," + "5" * 1998, "ar")):
        t = translator(lang)
        script(Markup(text), [], t)  # the patterns compiled once
        started = time.perf_counter()
        for _ in range(10):
            script(Markup(text), [], t)
        times.append((time.perf_counter() - started) / 10 * 1000)
    return times[0], times[1]


async def half(
    chat: Chat, base: str, number: int, wake
) -> tuple[int, collections.Counter[int], float]:
    """The ``number``-th half (0 or 1): its people and its web requests at once."""
    started = time.perf_counter()
    people, asked = SENDERS // 2, SPEECHES // 2
    listeners, answers = await asyncio.gather(
        senders(chat, number * people, people, wake), web_flood(base, number * asked, asked)
    )
    return listeners, answers, time.perf_counter() - started


async def soak(db: Database) -> list[Row]:
    report = await import_places(
        db,
        ROOT / "data" / "dortmund" / "places-sample.csv",
        load_gazetteer(str(ROOT / "data" / "dortmund")),
        default_source="sample",
    )
    assert not report.rejected
    # Made as a city's is (bot/city_service.py): for a city that speaks Arabic that loads
    # the diacritiser's model before anyone asks, as a running bot has it before the soak.
    speaker = await speaker_from_config(SpeechSection(), SUPPORTED_LANGUAGES)
    assert speaker is not None
    languages = speaker.languages
    settings = HandlerSettings(
        city="Dortmund",
        speech_languages=languages,
        max_messages_per_minute=1000,
        max_presses_per_minute=1000,
    )
    dispatcher = Dispatcher(db, build_router(), settings)
    sender = Instant()
    worker = OutboxWorker(db, [sender], speaker=speaker)
    dispatcher.on_queued = worker.wake
    server = WebServer(Site(db, Config(), settings, worker.wake, speaker=speaker))
    await server.start("127.0.0.1", 0)
    base = f"http://127.0.0.1:{server.port}"
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    chat = Chat(dispatcher)
    try:
        listeners, answers, first_s = await half(chat, base, 0, worker.wake)
        await drained(db)
        gc.collect()
        before = rss_mb()
        more, second, second_s = await half(chat, base, 1, worker.wake)
        listeners += more
        answers += second
        await drained(db)
        gc.collect()
        after = rss_mb()
        failed = await given_up(db)
    finally:
        stop.set()
        await running
        await server.stop()
    shares = ", ".join(f"{status}: {n}" for status, n in sorted(answers.items()))
    return [
        judged(
            "RSS before / after the second half",
            f"{before:.0f} / {after:.0f} MB",
            after / before,
            at_most(1.2, " ×"),
            f"{after / before:.2f} ×; {SENDERS:,} people, {SPEECHES:,} web requests",
        ),
        judged(
            "chat voices given up while the web flooded",
            f"{failed}",
            failed,
            at_most(0),
            f"{sender.voices} voices sent to {listeners} listeners",
        ),
        (
            "web requests for places read aloud",
            shares,
            f"{first_s:.0f} s + {second_s:.0f} s, {AT_ONCE} at once",
        ),
    ]


async def main() -> None:
    digits_ms, arabic_ms = preparing_ms()
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "soak.sqlite3")
        try:
            lines = await soak(db)
        finally:
            await db.close()
    rows = [
        *lines,
        (
            "words of a 20,000-digit text / '1,' + 1,998 fives (ar)",
            f"{digits_ms:.1f} / {arabic_ms:.1f} ms",
            "once 1.1 s for 2,000 digits",
        ),
    ]
    print_table(f"speech soak, eSpeak NG in-process, {datetime.now(UTC):%Y-%m-%d}", rows)


if __name__ == "__main__":
    asyncio.run(main())
