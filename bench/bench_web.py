"""The web at scale: desk pages with 100,000 requests and 10,000 volunteers, and the public
map with 10,000 places in Chromium.

Targets (issue "The web"): every desk page p95 ≤ 100 ms; the map interactive in ≤ 1 s.
The database is seeded in one transaction, the web runs as ``python -m bot web`` (its own
process, as deployed beside the bot) and is asked over real HTTP with a coordinator's
session. The desk pages are found in the application's router, so new pages are measured
as they arrive. The map part needs ``#map`` to get ``data-ready="1"`` once its markers or
clusters are drawn; it is skipped, saying so, while ``/`` serves no map.
The map is loaded at a phone's size (390 × 844, as issue 83 asks) and at a desktop's.
Each desk page is also loaded a quarter as many times right after a write by another
connection: "after an unrelated write (a person seen)", as the bot's process
writes on every update, and of the writes the review queue's hints are worked out from: "after
an offer" (sent, as the waves record one) and "after a volunteer's change" (paused or back).
The web keeps those hints and mends them after such a write
(handlers/helping/matching/hint_cache.py, db/matching_changes.py: only the volunteer the write
was about is read again): the first row says that a busy bot beside it does not cost the queue
its kept hints, the others what the first load after an offer or a volunteer's change costs -
not targets, the truth beside them.
Run: .venv/bin/python bench/bench_web.py [--requests N] [--volunteers N] [--places N]
[--samples N] [--quick] [--map-only] [--page PATH ...] (--quick: a small city, a few samples a
page and one map load, for CI's pass over every benchmark, figures not judged; --map-only: the
places and the map alone; --samples: timed GETs a desk page, 200 unless told - make bench's
standard tier takes 20, bench/run_all.py: a page that takes seconds would otherwise take
minutes of it; --page: only these desk pages and no map, e.g. ``--page /desk/queue`` while
working on one page)
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.table import at_most, judged, print_table  # noqa: E402
from db import Database  # noqa: E402
from handlers.places.gazetteer import load_gazetteer  # noqa: E402
from handlers.places.importer import import_places  # noqa: E402
from handlers.places.vocabulary import CATEGORIES  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
DISTRICTS = (
    "Innenstadt-West",
    "Innenstadt-Nord",
    "Innenstadt-Ost",
    "Eving",
    "Scharnhorst",
    "Brackel",
    "Aplerbeck",
    "Hörde",
    "Hombruch",
    "Lütgendortmund",
    "Huckarde",
    "Mengede",
)
HELP = ("shopping", "accompany", "paperwork", "language", "tech", "other")
LANGS = ("de", "en", "ar", "tr", "uk", "ru", "ro", "bg", "pl", "fa")
# Most requests are long settled; a few dozen wait for review, a few hundred for a helper.
STATES = (("done", 60), ("expired", 14), ("withdrawn", 8), ("rejected", 5), ("matched", 12))
WAITING = {"review": 40, "open": 400}
SAMPLES = 200
MAP_RUNS = 5
# The map's sizes: a phone's screen (the target's) and a desktop's.
VIEWPORTS = (("phone 390 px", 390, 844), ("desktop 1366 px", 1366, 900))


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


async def seed_people_and_requests(db: Database, requests: int, volunteers: int) -> int:
    """Residents, volunteers and requests in one transaction; returns the coordinator's id."""
    rng = random.Random(16)
    now = datetime.now(UTC)
    residents = max(1, requests // 3)
    users = [
        ("telegram", str(10_000_000 + i), str(10_000_000 + i), rng.choice(LANGS), stamp(now))
        for i in range(residents + volunteers + 1)
    ]
    conn = db.conn
    await conn.execute("BEGIN")
    await conn.executemany(
        "INSERT INTO users (platform, platform_user_id, chat_id, language, consent_at,"
        " created_at, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(p, u, c, lang, t, t, t) for p, u, c, lang, t in users],
    )
    async with conn.execute(
        "SELECT MIN(id) FROM users WHERE platform_user_id = ?", (users[0][1],)
    ) as cur:
        row = await cur.fetchone()
        assert row is not None, "the bench's residents were not written"
        first = int(row[0])
    coordinator = first + residents + volunteers
    volunteer_ids = range(first + residents, first + residents + volunteers)
    await conn.executemany(
        "INSERT INTO user_roles (user_id, role, granted_at) VALUES (?, 'volunteer', ?)",
        [(v, stamp(now)) for v in volunteer_ids],
    )
    await conn.execute(
        "INSERT INTO user_roles (user_id, role, granted_at) VALUES (?, 'coordinator', ?)",
        (coordinator, stamp(now)),
    )
    await conn.executemany(
        "INSERT INTO volunteers (user_id, categories, stadtbezirke, languages, quiet_start,"
        " quiet_end, max_open, paused, verified_at, verified_by, created_at)"
        " VALUES (?, ?, ?, ?, 22, 7, 2, ?, ?, ?, ?)",
        [
            (
                v,
                ";" + ";".join(rng.sample(HELP, 2)) + ";",
                ";" + ";".join(rng.sample(DISTRICTS, 2)) + ";",
                ";" + ";".join({"de", *rng.sample(LANGS, 2)}) + ";",
                int(rng.random() < 0.05),
                stamp(now - timedelta(days=rng.randint(0, 700))) if rng.random() < 0.9 else None,
                coordinator,
                stamp(now - timedelta(days=rng.randint(0, 720))),
            )
            for v in volunteer_ids
        ],
    )
    states = [state for state, weight in STATES for _ in range(weight)]
    rows = []
    waiting = [state for state, count in WAITING.items() for _ in range(count)]
    for i in range(requests):
        state = (
            waiting[i - (requests - len(waiting))]
            if i >= requests - len(waiting)
            else rng.choice(states)
        )
        created = now - timedelta(minutes=rng.randint(10, 2 * 365 * 24 * 60))
        if state in ("review", "open"):
            created = now - timedelta(minutes=rng.randint(5, 3 * 24 * 60))
        opened = created + timedelta(minutes=rng.randint(5, 600))
        helper = rng.choice(volunteer_ids) if state in ("matched", "done") else None
        rows.append(
            (
                first + rng.randrange(residents),
                rng.choice(HELP),
                f"Bitte Hilfe beim Einkauf, Anfrage {i}",
                "de",
                rng.choice(DISTRICTS),
                round(rng.uniform(51.42, 51.59), 3),
                round(rng.uniform(7.31, 7.63), 3),
                ";" + rng.choice(LANGS) + ";",
                state,
                helper,
                coordinator if state not in ("review",) else None,
                rng.choice((30, 60, 90, 120)) if state == "done" else None,
                stamp(created),
                stamp(opened),
                stamp(opened) if state != "review" else None,
            )
        )
    await conn.executemany(
        "INSERT INTO help_requests (requester_id, category, description, description_lang,"
        " stadtbezirk, lat, lon, languages, state, volunteer_id, decided_by, minutes_spent,"
        " created_at, updated_at, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    await conn.commit()
    return coordinator


async def seed_places(db: Database, count: int, tmp: Path) -> None:
    """Through the places importer, as an operator would load them."""
    rng = random.Random(7)
    source = tmp / "places.csv"
    with source.open("w", newline="", encoding="utf-8") as fp:
        writer = csv.writer(fp)
        writer.writerow(
            [
                "source_id",
                "name",
                "category",
                "lat",
                "lon",
                "opening_hours",
                "wheelchair",
                "languages",
            ]
        )
        for i in range(count):
            writer.writerow(
                [
                    f"w{i}",
                    f"Treffpunkt {i}",
                    rng.choice(list(CATEGORIES)),
                    f"{rng.uniform(51.42, 51.59):.6f}",
                    f"{rng.uniform(7.31, 7.63):.6f}",
                    rng.choice(["Mo-Fr 09:00-17:00", "Tu,Th 14:00-18:00", "24/7", ""]),
                    rng.choice(["yes", "no", "unknown"]),
                    rng.choice(["de", "de;ar", "de;tr;ru", "de;uk"]),
                ]
            )
    await import_places(db, source, load_gazetteer(str(ROOT / "data" / "dortmund")))


def desk_pages() -> list[str]:
    """Every desk page a coordinator opens with GET, from the application's router."""
    from bot.config import Config
    from bot.web.server import build_app
    from bot.web.site import Site
    from handlers.settings import HandlerSettings

    app = build_app(Site(None, Config(), HandlerSettings()))  # type: ignore[arg-type]
    pages = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path", "")
        if route.method == "GET" and path.startswith("/desk/") and "{" not in path:
            pages.append(path)
    return sorted(set(pages))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_up(base: str, process: subprocess.Popen) -> None:
    for _ in range(300):
        if process.poll() is not None:
            sys.exit(f"python -m bot web exited with {process.returncode}")
        try:
            async with aiohttp.ClientSession() as http, http.get(base + "/desk") as response:
                if response.status in (200, 403):
                    return
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.1)
    sys.exit("python -m bot web did not answer within 30 s")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def seen(database: Path, user_id: int, _n: int) -> None:
    """A write as the bot's process makes one on every update (a person seen now, their chat
    set again as db/users.py ``seen`` does), from a connection of its own: nothing the
    review queue's hints read (db/matching_changes.py)."""
    with sqlite3.connect(database) as conn:
        conn.execute(
            "UPDATE users SET seen_at = ?, chat_id = chat_id WHERE id = ?",
            (stamp(datetime.now(UTC)), user_id),
        )
    conn.close()


def _nth_volunteer(conn: sqlite3.Connection, n: int) -> tuple[int] | None:
    """The ``n``-th volunteer (by user id), a different one for each of a row's writes."""
    return conn.execute(
        "SELECT user_id FROM volunteers ORDER BY user_id LIMIT 1 OFFSET ?", (n,)
    ).fetchone()


def offered(database: Path, _user_id: int, n: int) -> None:
    """A write the review queue's hints read, from a connection of its own: an offer of an
    open request sent to the ``n``-th volunteer (request_notifications, with its outbox
    message, as the waves record one: it counts in the caps, the volunteer's answers and
    the city's rate)."""
    with sqlite3.connect(database) as conn:
        row = _nth_volunteer(conn, n)
        if row is None:
            return
        conn.execute(
            "INSERT OR IGNORE INTO request_notifications (request_id, volunteer_id,"
            " outbox_id, offered_at, wave) SELECT id, ?, ?, ?, 1 FROM help_requests"
            " WHERE state = 'open' ORDER BY id LIMIT 1",
            (row[0], 1_000_000 + n, stamp(datetime.now(UTC))),
        )
    conn.close()


def changed(database: Path, _user_id: int, n: int) -> None:
    """A write the review queue's hints read, from a connection of its own: the ``n``-th
    volunteer paused or back (volunteers)."""
    with sqlite3.connect(database) as conn:
        row = _nth_volunteer(conn, n)
        if row is not None:
            conn.execute("UPDATE volunteers SET paused = 1 - paused WHERE user_id = ?", row)
    conn.close()


# The writes a desk page is loaded after: what the row says, and the write.
WRITES: list[tuple[str, str, Callable[[Path, int, int], None]]] = [
    ("an unrelated write (a person seen)", "the review queue keeps its hints", seen),
    (
        "an offer",
        "the review queue reads that volunteer's offers again and ranks its page again",
        offered,
    ),
    (
        "a volunteer's change (paused or back)",
        "the review queue reads that volunteer again",
        changed,
    ),
]


async def measure_desk(
    base: str,
    token: str,
    samples: int = SAMPLES,
    only: tuple[str, ...] = (),
    after_write: tuple[Path, int] | None = None,
) -> list[tuple[str, str, str]]:
    """p50 and p95 of each desk page (``only``: of these pages alone); ``after_write``
    (the database and a user): also of a quarter as many loads, each right after a write
    by another connection - the first load after the bot wrote anything."""
    paths = [path for path in desk_pages() if not only or path in only]
    if only and len(paths) != len(set(only)):
        sys.exit(f"no such desk page: {', '.join(sorted(set(only) - set(paths)))}")
    rows = []
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.post(f"{base}/desk/login/{token}", allow_redirects=False) as response:
            if response.status != 303:
                sys.exit(f"desk login failed: {response.status}")
        for path in paths:
            timings = []
            size = 0
            warm = min(5, samples)
            for sample in range(samples + warm):
                started = time.perf_counter()
                async with http.get(base + path) as response:
                    body = await response.read()
                    if response.status != 200:
                        sys.exit(f"GET {path}: {response.status}")
                if sample >= warm:  # the first few warm the caches
                    timings.append((time.perf_counter() - started) * 1000)
                size = len(body)
            p95 = percentile(timings, 0.95)
            rows.append((f"desk GET {path} p50", f"{statistics.median(timings):.1f} ms", ""))
            rows.append(
                judged(
                    f"desk GET {path} p95",
                    f"{p95:.1f} ms",
                    p95,
                    at_most(100, " ms"),
                    f"{size // 1024} KiB; {len(timings)} GETs",
                )
            )
            if after_write is not None:
                for what, means, write in WRITES:
                    timings = await _after_writes(
                        http, base + path, path, samples, after_write, write
                    )
                    rows += _after_rows(path, what, means, timings)
    return rows


async def _after_writes(
    http: aiohttp.ClientSession,
    url: str,
    path: str,
    samples: int,
    where: tuple[Path, int],
    write: Callable[[Path, int, int], None],
) -> list[float]:
    """Milliseconds of each load of ``url`` right after a ``write`` by another connection:
    how long a coordinator waits on the first load after the bot wrote it."""
    timings = []
    for n in range(max(3, samples // 4)):
        write(*where, n)
        started = time.perf_counter()
        async with http.get(url) as response:
            await response.read()
            if response.status != 200:
                sys.exit(f"GET {path}: {response.status}")
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _after_rows(
    path: str, what: str, means: str, timings: list[float]
) -> list[tuple[str, str, str]]:
    """The p50 and p95 rows of the loads after ``what`` (not a target)."""
    return [
        (f"desk GET {path} after {what} p50", f"{statistics.median(timings):.1f} ms", ""),
        (
            f"desk GET {path} after {what} p95",
            f"{percentile(timings, 0.95):.1f} ms",
            f"the first load after it, not a target ({means}); {len(timings)} GETs",
        ),
    ]


MAP_READY = """async () => {
    const ready = performance.now();
    const target = document.querySelector('#map .marker-cluster, #map .leaflet-marker-icon');
    const clicked = performance.now();
    if (target) target.dispatchEvent(new MouseEvent('click', {bubbles: true}));
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    return {ready, answered: performance.now() - clicked, found: !!target};
}"""


async def load_map(browser, base: str, width: int, height: int, runs_of: int) -> list:
    """(ready, answered) of ``runs_of`` fresh loads of the map at one screen size."""
    runs = []
    for _ in range(runs_of):
        context = await browser.new_context(viewport={"width": width, "height": height})
        tab = await context.new_page()
        await tab.goto(base + "/", wait_until="commit")
        await tab.wait_for_selector("#map[data-ready='1']", state="attached", timeout=30_000)
        # The markers are drawn a moment after the map says it is ready: read once they are.
        await tab.wait_for_selector(
            "#map .marker-cluster, #map .leaflet-marker-icon", state="attached", timeout=30_000
        )
        result = await tab.evaluate(MAP_READY)
        if not result["found"]:
            sys.exit("the map is ready but shows no marker or cluster")
        runs.append((result["ready"], result["answered"]))
        await context.close()
    return runs


async def measure_map(
    base: str, places: int, runs_of: int = MAP_RUNS
) -> list[tuple[str, str, str]]:
    label = f"map with {places:,} places interactive"
    async with aiohttp.ClientSession() as http, http.get(base + "/") as response:
        page = await response.text()
        if response.status != 200 or 'id="map"' not in page:
            return [(label, "skipped", "GET / serves no map yet (runs after the map is merged)")]
    from playwright.async_api import async_playwright

    rows = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for size, width, height in VIEWPORTS:
            runs = await load_map(browser, base, width, height, runs_of)
            ready = statistics.median(r for r, _ in runs)
            answered = statistics.median(a for _, a in runs)
            total = ready + answered
            rows += [
                (
                    f"map with {places:,} places, {size}: ready",
                    f"{ready:.0f} ms",
                    "navigation start → #map data-ready",
                ),
                (
                    f"map with {places:,} places, {size}: click on a cluster",
                    f"{answered:.0f} ms",
                    "until the next frame",
                ),
                judged(
                    f"{label}, {size}",
                    f"{total:.0f} ms",
                    total,
                    at_most(1000, " ms"),
                    f"median of {runs_of}",
                ),
            ]
        await browser.close()
    return rows


async def main(
    requests: int,
    volunteers: int,
    places: int,
    samples: int = SAMPLES,
    map_runs: int = MAP_RUNS,
    map_only: bool = False,
    only: tuple[str, ...] = (),
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "web.sqlite3"
        db = await Database.open(path)
        try:
            started = time.perf_counter()
            await seed_places(db, places, Path(tmp))
            if map_only:
                requests = volunteers = 0
            coordinator = await seed_people_and_requests(db, requests, volunteers)
            seeded = time.perf_counter() - started
            token = await db.desk.issue_login(coordinator, datetime.now(UTC))
        finally:
            await db.close()
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("NACHBARBOT_")}
        env |= {
            "NACHBARBOT_BOT__DATABASE": str(path),
            "NACHBARBOT_WEB__PORT": str(port),
            "NACHBARBOT_BOT__LOG_LEVEL": "WARNING",
            "NACHBARBOT_WEB__TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "web"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL
        )
        base = f"http://127.0.0.1:{port}"
        try:
            await wait_up(base, process)
            rows = [
                (
                    "seeding",
                    f"{seeded:.1f} s",
                    f"{requests:,} requests, {volunteers:,} volunteers, {places:,} places",
                )
            ]
            if not map_only:
                rows += await measure_desk(
                    base, token, samples, only, after_write=(path, coordinator)
                )
            if not only:
                rows += await measure_map(base, places, map_runs)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                # Say so, but keep the figures measured: the web did not end on SIGTERM.
                process.kill()
                process.wait()
                print("python -m bot web did not stop within 15 s of SIGTERM: killed")
    day = f"{datetime.now(UTC):%Y-%m-%d}"
    seeded_with = f"{requests:,} requests, {volunteers:,} volunteers, {places:,} places"
    print_table(f"web benchmark, {seeded_with}, {day}", rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--volunteers", type=int, default=10_000)
    parser.add_argument("--places", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--map-only", action="store_true", help="the places and the map alone")
    parser.add_argument("--samples", type=int, default=SAMPLES, help="timed GETs a desk page")
    parser.add_argument(
        "--page", action="append", default=[], help="only this desk page, no map (repeatable)"
    )
    args = parser.parse_args()
    if args.quick:
        # Each desk page loaded twice and after each kind of write, the map once at each
        # size: enough to see every part run; 440 requests wait (WAITING), 60 more settled.
        asyncio.run(main(500, 30, 100, samples=1, map_runs=1, map_only=args.map_only))
    else:
        asyncio.run(
            main(
                args.requests,
                args.volunteers,
                args.places,
                args.samples,
                map_only=args.map_only,
                only=tuple(args.page),
            )
        )
