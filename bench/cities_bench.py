"""What a city costs: memory and start-up time per added city on one installation.

A real ``python -m bot run`` process is started twice on SQLite: with the main city alone,
and with ``--cities`` further cities (files in ``cities_dir``, made as ``city add`` makes
them), each with its own bot token on a fake Bot API server of its own, its own gazetteer
folder and 100 encounter places, and no traffic. Measured: the time from the process's
start until every city's bot starts polling Telegram (its deleteWebhook call), and the
process's resident memory (VmRSS) once all are up and quiet. Per added city: the
difference divided by the number added. Targets: ≤ 5 MB and ≤ 0.5 s per city.

Run: .venv/bin/python bench/cities_bench.py [--cities N] [--quick] (--quick: one start with
one added city, not the main city alone, for CI's pass over every benchmark; figures not judged)
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.table import at_most, judged, print_table  # noqa: E402
from bot.app import open_city_database  # noqa: E402
from bot.cities import load_cities  # noqa: E402
from bot.config import load_config  # noqa: E402
from handlers.places.gazetteer import GAZETTEER_FILES, load_gazetteer  # noqa: E402
from handlers.places.importer import import_places  # noqa: E402
from tests.support.crash_story import BotProcess  # noqa: E402
from tests.support.fake_telegram import FakeTelegram  # noqa: E402

PLACES = 100
ROUNDS = 3


def _places_csv(target: Path, city: int) -> None:
    """100 places from Dortmund's sample (shifted ids), all in the city's gazetteer."""
    with (ROOT / "data/dortmund/places-sample.csv").open(encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for n in range(PLACES):
            row = dict(rows[n % len(rows)])
            row["source_id"] = f"city{city}-{n}"
            row["lat"] = f"{float(row['lat']) + n * 1e-5:.5f}"
            writer.writerow(row)


def _city_file(folder: Path, data: Path, n: int, url: str) -> None:
    for name in GAZETTEER_FILES:
        shutil.copy(ROOT / "data/dortmund" / name, data / name)
    (folder / f"stadt{n}.toml").write_text(
        f'[bot]\ncity = "Stadt{n}"\n[places]\ndata_dir = "{data}"\n'
        f'[telegram]\napi_base_url = "{url}"\npoll_timeout = 1\n',
        encoding="utf-8",
    )


def _token(n: int) -> str:
    return f"{900000 + n}:CITY-{n}-TOKEN"


async def one_run(cities: int, quiet: float = 3) -> tuple[float, float]:
    """Seconds until every city's bot polls, and VmRSS in MB once quiet (``quiet``
    seconds after)."""
    fakes = [FakeTelegram(_token(n)) for n in range(cities + 1)]
    for fake in fakes:
        await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "cities"
        folder.mkdir()
        env = {"NACHBARBOT_TELEGRAM__TOKEN": _token(0)}
        for n in range(1, cities + 1):
            data = root / f"data{n}"
            data.mkdir()
            _city_file(folder, data, n, fakes[n].url)
            env[f"NACHBARBOT_CITY_STADT{n}__TELEGRAM__TOKEN"] = _token(n)
        config = root / "bot.toml"
        config.write_text(
            f'[bot]\ndatabase = "{root / "bot.sqlite3"}"\nlog_level = "WARNING"\n'
            f'cities_dir = "{folder}"\n'
            f'[telegram]\napi_base_url = "{fakes[0].url}"\npoll_timeout = 1\n',
            encoding="utf-8",
        )
        for n, city in enumerate(load_cities(load_config(config, env), env)):
            db = await open_city_database(city)
            try:
                csv_file = root / f"places{n}.csv"
                _places_csv(csv_file, n)
                await import_places(db, csv_file, load_gazetteer(city.config.places.data_dir))
            finally:
                await db.close()
        # As the other cities below: a busy machine (CI's quick pass beside other tests)
        # must not fail the start, only make it slower.
        bot = BotProcess(
            root,
            fakes[0],
            settings=config.read_text(),
            env=env,
            ready="deleteWebhook",
            ready_within=120,
        )
        started = time.perf_counter()
        try:
            await bot.start()
            for fake in fakes[1:]:
                await fake.wait_for("deleteWebhook", timeout=120)
            seconds = time.perf_counter() - started
            await asyncio.sleep(quiet)  # every city polls, nothing else happens
            assert bot.process is not None
            rss = _rss_mb(bot.process.pid)
        except AssertionError:
            sys.stderr.write(bot.log.read_text(encoding="utf-8")[-3000:])
            raise
        finally:
            bot.stop()
            for fake in fakes:
                await fake.stop()
    return seconds, rss


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def quick() -> None:
    """One start with one added city: what the pass over every benchmark runs (its
    memory, not judged, read a moment after the start rather than 3 s)."""
    seconds, rss = await one_run(1, quiet=0.5)
    rows = [("2 cities: start-up, memory", f"{seconds:.2f} s, {rss:.0f} MB", "quick: not judged")]
    print_table(f"Cities benchmark, quick, {datetime.now(UTC):%Y-%m-%d}", rows)


async def main(cities: int, rounds: int) -> None:
    alone, many = [], []
    for _ in range(rounds):  # in turns, so that drift hits both alike
        alone.append(await one_run(0))
        many.append(await one_run(cities))
    start_alone = statistics.median(s for s, _ in alone)
    start_many = statistics.median(s for s, _ in many)
    rss_alone = statistics.median(r for _, r in alone)
    rss_many = statistics.median(r for _, r in many)
    per_mb = (rss_many - rss_alone) / cities
    per_s = (start_many - start_alone) / cities
    rows = [
        (
            "one city: start-up, memory",
            f"{start_alone:.2f} s, {rss_alone:.0f} MB",
            f"the main city alone, {PLACES} places; median of {rounds}",
        ),
        (
            f"{cities + 1} cities: start-up, memory",
            f"{start_many:.2f} s, {rss_many:.0f} MB",
            f"{PLACES} places each, no traffic; median of {rounds}",
        ),
        judged("memory per added city", f"{per_mb:.1f} MB", per_mb, at_most(5, " MB")),
        judged("start-up per added city", f"{per_s:.2f} s", per_s, at_most(0.5, " s")),
    ]
    print_table(f"Cities benchmark, {datetime.now(UTC):%Y-%m-%d}", rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cities", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    asyncio.run(quick() if args.quick else main(args.cities, args.rounds))
