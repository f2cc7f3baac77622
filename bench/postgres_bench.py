"""PostgreSQL against SQLite: the handler mix and the nearest-place search on PostgreSQL.

A throwaway cluster is started as the tests start theirs (``tests/support/postgres_server.py``),
but ``durable``: fsync and full-page writes on, ``synchronous_commit=off``. That is the
counterpart of the SQLite settings the bot runs with (WAL, ``synchronous=NORMAL``: a
commit is not flushed to disk, a crash may lose the last ones but never corrupts).

1. The handler mix of ``telegram_bench`` (the same code, given the database's URL) on
   PostgreSQL, on SQLite and the bare echo bot, taking turns round by round: the ratios
   compare neighbours in time. Target: PostgreSQL ≥ 0.7 × SQLite. After the rounds, one
   pass more, not timed, counts its round trips to PostgreSQL per update by kind
   (bench/db_trips.py): a row without a target that says what an update costs the server.
2. Nearest-10 at 100,000 places on PostgreSQL through ``places_bench`` (the chat's search,
   the store's import), and the plan of the box query it runs. Target: p95 ≤ 5 ms.

Run: .venv/bin/python bench/postgres_bench.py [--rounds N] [--places N] [--queries N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from psycopg import AsyncClientCursor  # noqa: E402

from bench import places_bench, telegram_bench  # noqa: E402
from bench.db_trips import Trips  # noqa: E402
from bench.shared_postgres import quick_server  # noqa: E402
from bench.table import Row, at_least, at_most, judged, print_table  # noqa: E402
from db import Database, postgres  # noqa: E402
from db.places import PlaceFilter  # noqa: E402
from tests.support.postgres_server import PostgresServer  # noqa: E402

ROUNDS = 3
# The updates of the pass that counts the round trips (the mix repeats every 8).
TRIPS_UPDATES = 1000


async def handler_mix(
    server: PostgresServer, rounds: int, updates: int = telegram_bench.UPDATES
) -> list[Row]:
    ours_pg, ours_sqlite, echo, p99s = [], [], [], []
    for _ in range(rounds):
        url = server.new_database()
        try:
            rate, p99 = await telegram_bench.nachbarbot_throughput(url, updates)
        finally:
            server.drop(url)
        ours_pg.append(rate)
        p99s.append(p99)
        if updates < telegram_bench.UPDATES:
            # --quick: the SQLite and echo sides are telegram_bench's own quick pass.
            ours_sqlite.append(rate)
            echo.append(rate)
            continue
        ours_sqlite.append((await telegram_bench.nachbarbot_throughput(None, updates))[0])
        echo.append(await telegram_bench.echo_throughput(updates))
    trips, counted = Trips(), min(updates, TRIPS_UPDATES)
    url = server.new_database()
    try:
        await telegram_bench.nachbarbot_throughput(url, counted, steps=trips)
    finally:
        server.drop(url)
    to_sqlite = sorted(p / s for p, s in zip(ours_pg, ours_sqlite, strict=True))
    to_echo = sorted(p / e for p, e in zip(ours_pg, echo, strict=True))
    return [
        judged(
            "handler mix on PostgreSQL",
            f"{statistics.median(ours_pg):,.0f} updates/s",
            statistics.median(to_sqlite),
            at_least(0.7, shown="≥ 0.7 of SQLite"),
            f"SQLite {statistics.median(ours_sqlite):,.0f}/s, ratio"
            f" {statistics.median(to_sqlite):.2f} ({to_sqlite[0]:.2f}–{to_sqlite[-1]:.2f});"
            f" echo bot {statistics.median(echo):,.0f}/s, ratio {statistics.median(to_echo):.2f}"
            f" ({to_echo[0]:.2f}–{to_echo[-1]:.2f}); median of {rounds} alternating rounds",
        ),
        (
            "round trips to PostgreSQL per update",
            f"{trips.per_update(counted):.2f}",
            f"{trips.described(counted)} (a pass more, counted, not timed)",
        ),
        judged(
            "handler latency p99 on PostgreSQL",
            f"{max(p99s):.1f} ms",
            max(p99s),
            at_most(50, " ms"),
            "worst round",
        ),
    ]


async def box_plan(url: str) -> str:
    """The plan PostgreSQL picks for a nearest-place search's box (about 1 km around the
    centre, as the search's second box), its statistics as the import left them."""
    db = await Database.open(url, migrate=False, min_size=1, max_size=1)
    try:
        sql, params = db.places._box_query(
            "p.id, p.lat, p.lon", (51.505, 51.523, 7.451, 7.480), PlaceFilter()
        )
        text, values = postgres.prepared(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", params)
        async with db.pool.connection() as conn:
            cursor = AsyncClientCursor(conn)
            await cursor.execute(text, values)
            lines = [row[0].strip() for row in await cursor.fetchall()]
    finally:
        await db.close()
    scans = [line.split("  (")[0] for line in lines if " on places" in line]
    return "; ".join(scans) or "; ".join(lines)


async def places(server: PostgresServer, count: int, queries: int) -> list[Row]:
    url = server.new_database()
    try:
        figures = await places_bench.measure(url, count, queries)
        plan = await box_plan(url)
    finally:
        server.drop(url)
    if "places_point" not in plan:
        sys.exit(f"the box query does not use the GiST index places_point: {plan}")
    return [
        judged(
            f"places: import {count:,}",
            f"{figures.import_s:.1f} s",
            figures.import_s,
            at_most(60, " s"),
            "through the store's import (as SQLite)",
        ),
        ("places: nearest-10 p50", f"{statistics.median(figures.timings):.2f} ms", ""),
        judged("places: nearest-10 p95", f"{figures.p95:.2f} ms", figures.p95, at_most(5, " ms")),
        ("places: nearest-10 p95 (♿ + ar + open now)", f"{figures.p95_filtered:.2f} ms", ""),
        ("places: box query plan", "GiST", plan),
    ]


async def main(
    rounds: int,
    count: int,
    queries: int,
    updates: int = telegram_bench.UPDATES,
    server: PostgresServer | None = None,
) -> None:
    """``server``: the cluster (the quick pass's, bench/shared_postgres.py); by default a
    durable one of its own."""
    server = server or PostgresServer(durable=True)
    server.start()
    try:
        await server.create_template()
        rows = await handler_mix(server, rounds, updates)
        rows += await places(server, count, queries)
    finally:
        server.stop()
    print_table(f"PostgreSQL benchmark, {datetime.now(UTC):%Y-%m-%d}", rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--places", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=400)
    # One round of a few updates and 500 places, for CI's pass over every benchmark
    # (tests/bench/test_quick_pass.py): its figures are not judged.
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.places, args.queries = 1, 500, 20
    updates = telegram_bench.QUICK_UPDATES if args.quick else telegram_bench.UPDATES
    server = quick_server() if args.quick else None
    asyncio.run(main(args.rounds, args.places, args.queries, updates, server))
