"""Memory of a running bot with 100,000 users, 100,000 places and 100,000 reminders.

Target: resident memory ≤ 300 MB. The data is written straight into SQLite; then the bot's
working parts are started as in ``run`` (database, dispatcher, reminder schedule) and used
(a nearest-place search, an update, a due-reminders round) before memory is read.
Run: .venv/bin/python bench/memory_bench.py (``--quick``: 2,000 of each, for CI's pass over
every benchmark; figures not judged)
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.table import at_most, judged, print_table
from db import Database
from db.clock import to_text, utcnow
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.events.reminders import deliver_due
from handlers.messages import Command, Incoming, Sender
from handlers.places.search import Query, nearest
from handlers.settings import HandlerSettings

N = 2_000 if "--quick" in sys.argv[1:] else 100_000


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fp:
        for line in fp:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def seed(path: Path) -> None:
    rng = random.Random(3)
    db = await Database.open(path)
    now = utcnow()
    async with db.transaction():
        await db.conn.executemany(
            "INSERT INTO users (platform, platform_user_id, chat_id, language, consent_at,"
            " created_at, seen_at) VALUES ('bench', ?, ?, 'de', ?, ?, ?)",
            [(str(i), str(i), now, now, now) for i in range(N)],
        )
        await db.conn.executemany(
            "INSERT INTO places (source, source_id, name, category, lat, lon, created_at,"
            " updated_at) VALUES ('bench', ?, ?, 'library', ?, ?, ?, ?)",
            [
                (str(i), f"Ort {i}", rng.uniform(51.42, 51.59), rng.uniform(7.31, 7.63), now, now)
                for i in range(N)
            ],
        )
        await db.conn.execute(
            "INSERT INTO events (uid, title, starts_local, created_at, updated_at)"
            " VALUES ('m', 'Treff', '2030-01-01T10:00', ?, ?)",
            (now, now),
        )
        later = datetime.now(UTC) + timedelta(days=30)
        await db.conn.executemany(
            "INSERT INTO reminders (user_id, event_id, occurrence_local, minutes_before,"
            " fire_at) VALUES (?, 1, ?, 60, ?)",
            [(i + 1, f"2030-01-{1 + i % 28:02d}T10:00", to_text(later)) for i in range(N)],
        )
    await db.close()


async def measure() -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.sqlite3"
        await seed(path)
        before = rss_mb()
        db = await Database.open(path)
        dispatcher = Dispatcher(db, build_router(), HandlerSettings())
        await nearest(db, Query(51.51, 7.46), datetime.now(UTC), limit=10)
        await dispatcher.handle(Incoming(Sender("bench", "5", "U"), "5", Command("help")))
        await deliver_due(db, datetime.now(UTC))
        pending = await db.events.pending_count()
        after = rss_mb()
        await db.close()
    return [
        judged(
            f"memory with {N:,} users, places and reminders",
            f"{after:.0f} MB",
            after,
            at_most(300, " MB"),
            f"{pending:,} reminders pending; {before:.0f} MB before start",
        )
    ]


if __name__ == "__main__":
    print_table(f"memory benchmark, {datetime.now(UTC):%Y-%m-%d}", asyncio.run(measure()))
