"""Reminders at scale: 100,000 pending reminders for 20,000 users.

Targets (issue "Events and reminders"): start-up (loading the schedule) ≤ 10 s, resident
memory ≤ 300 MB, and 1,000 reminders due in the same minute all handed to the transport
within that minute. The transport here is a counting stand-in; the real one's rate limit
is measured by the fan-out benchmark of the deployment issue.
Run: .venv/bin/python bench/reminders_bench.py (``--quick``: 1,000 users and 100 due at once,
for CI's pass over every benchmark; figures not judged)
"""

from __future__ import annotations

import asyncio
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.table import at_most, judged, print_table
from bot.delivery import OutboxWorker
from db import Database
from db.clock import to_text, utcnow
from db.events import Event
from handlers.events.recurrence import local_text
from handlers.events.reminders import deliver_due, sync_all
from locales import TIMEZONE

USERS, EVENTS, FOLLOWS_PER_USER = 20_000, 400, 2.5
BURST = 1_000  # reminders due in the same minute
QUICK = "--quick" in sys.argv[1:]
if QUICK:
    USERS, EVENTS, BURST = 1_000, 40, 100


class CountingSender:
    platform = "bench"

    def __init__(self) -> None:
        self.count = 0

    async def deliver(self, chat_id, item, edit_message_id=None):
        self.count += 1
        return str(self.count)


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fp:
        for line in fp:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def seed(path: Path, now: datetime, rng: random.Random) -> None:
    db = await Database.open(path)
    async with db.transaction():
        await db.conn.executemany(
            "INSERT INTO users (platform, platform_user_id, chat_id, language, consent_at,"
            " created_at, seen_at) VALUES ('bench', ?, ?, 'de', ?, ?, ?)",
            [(str(i), str(i), utcnow(), utcnow(), utcnow()) for i in range(USERS)],
        )
    event_ids = []
    for i in range(EVENTS):
        start = now + timedelta(days=rng.uniform(1, 55))
        event_id, _, _ = await db.events.upsert(
            Event(
                uid=f"b{i}",
                title=f"Veranstaltung {i}",
                starts_local=local_text(start.astimezone(TIMEZONE)),
            )
        )
        event_ids.append(event_id)
    follows = []
    for user_id in range(1, USERS + 1):
        for event_id in rng.sample(event_ids, int(FOLLOWS_PER_USER + rng.random())):
            follows.append((user_id, event_id, "", utcnow()))
    async with db.transaction():
        await db.conn.executemany(
            "INSERT OR IGNORE INTO event_follows (user_id, event_id, occurrence_local,"
            " created_at) VALUES (?, ?, ?, ?)",
            follows,
        )
    await sync_all(db, now)
    await db.close()


async def main() -> None:
    rng = random.Random(11)
    # Tomorrow 10:00 in Berlin, whatever the hour the bench runs at: reminders falling due at
    # night wait for the morning (quiet hours), and the burst below must fall due by day.
    tomorrow = datetime.now(TIMEZONE).date() + timedelta(days=1)
    now = datetime.combine(tomorrow, dtime(10, 0), tzinfo=TIMEZONE).astimezone(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        await seed(path, now, rng)

        # A fresh process-like start: open the database and load the schedule.
        rss_before = rss_mb()
        started = time.perf_counter()
        db = await Database.open(path)
        await sync_all(db, now)
        pending = await db.events.pending_count()
        await deliver_due(db, now)
        startup_s = time.perf_counter() - started
        rss_after = rss_mb()

        # 1,000 reminders fall due in the same minute.
        async with db.conn.execute(
            "SELECT id FROM reminders WHERE state = 'pending' LIMIT ?", (BURST,)
        ) as cur:
            ids = [row[0] for row in await cur.fetchall()]
        due_at = now + timedelta(minutes=1)
        async with db.transaction():
            await db.conn.executemany(
                "UPDATE reminders SET fire_at = ? WHERE id = ?", [(to_text(due_at), i) for i in ids]
            )
        sender = CountingSender()
        worker = OutboxWorker(db, [sender], clock=lambda: due_at + timedelta(seconds=1))
        started = time.perf_counter()
        queued, skipped = await deliver_due(db, due_at + timedelta(seconds=1))
        await worker.run_once()
        burst_s = time.perf_counter() - started
        await db.close()
    rows = [
        ("pending reminders", f"{pending:,}", ""),
        judged(
            "start-up (open + load schedule)", f"{startup_s:.1f} s", startup_s, at_most(10, " s")
        ),
        judged(
            "RSS before / after start-up",
            f"{rss_before:.0f} / {rss_after:.0f} MB",
            rss_after,
            at_most(300, " MB"),
        ),
        judged(
            f"{BURST:,} due in one minute: handed over",
            f"{sender.count:,}",
            burst_s,
            at_most(60, shown="≤ 60 s (within the minute)"),
            f"of {queued:,} due, in {burst_s:.1f} s; skipped {skipped}",
        ),
    ]
    print_table(f"reminders benchmark, {USERS:,} users, {datetime.now(UTC):%Y-%m-%d}", rows)
    assert queued >= BURST and sender.count == queued


if __name__ == "__main__":
    asyncio.run(main())
