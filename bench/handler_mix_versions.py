"""The handler mix's ratio for two versions of the bot, measured in one run.

telegram_bench.py compares the bot with the bare echo bot; this compares two versions of
that comparison, taking turns, each round a fresh process in its own tree running
telegram_bench's ``nachbarbot_throughput`` then ``echo_throughput``, the library's default
client and then ours (so a round's ratios compare neighbours in time: the second is the
handlers' own cost, issue 104). Also the CPU time per measured update (``time.process_time``),
which on this shared machine swings less than the wall clock.

    git archive <commit> | tar -x -C /tmp/before      # the other version's tree
    cp --parents locales/*/LC_MESSAGES/*.mo /tmp/before   # its compiled catalogs
    nice -n 10 .venv/bin/python bench/handler_mix_versions.py /tmp/before [ROUNDS] [UPDATES]

Used for bench/profiles/README.md's "second pass" (issue 83, point 1).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def one_round(tree: str, updates: int) -> dict[str, float]:
    """One round in ``tree`` (run in a process of its own by :func:`main`)."""
    sys.path.insert(0, tree + "/bench")
    sys.path.insert(0, tree)
    import telegram_bench as tb

    cpu: list[float] = []
    drain = tb.drain
    calls = [0]

    async def timed(fake, expected, **kw):
        # Every second drain is a pass's measured updates (the first is its warm-up).
        calls[0] += 1
        started = time.process_time()
        seconds = await drain(fake, expected, **kw)
        if calls[0] % 2 == 0:
            cpu.append((time.process_time() - started) / expected * 1000)
        return seconds

    tb.drain = timed

    async def all_three() -> dict[str, float]:
        ours, _ = await tb.nachbarbot_throughput(updates=updates)
        echo = await tb.echo_throughput(updates)
        # The same echo bot sending through our aiohttp client: the handlers' own cost.
        same = await tb.echo_throughput(updates, our_client=True)
        return {
            "ours": ours,
            "echo": echo,
            "same": same,
            "cpu_ours": cpu[0],
            "cpu_echo": cpu[1],
            "cpu_same": cpu[2],
        }

    return asyncio.run(all_three())


def pooled(rows: list[dict[str, float]], other: str) -> float:
    """The ratio over every round together: the other bot's seconds for all its updates
    against ours (each round passes the same number of updates)."""
    return sum(1 / r[other] for r in rows) / sum(1 / r["ours"] for r in rows)


def summary(name: str, rows: list[dict[str, float]]) -> str:
    ratios = sorted(r["ours"] / r["echo"] for r in rows)
    cpu = sorted(r["cpu_echo"] / r["cpu_ours"] for r in rows)
    strict = sorted(r["ours"] / r["same"] for r in rows)
    strict_cpu = sorted(r["cpu_same"] / r["cpu_ours"] for r in rows)
    return (
        f"{name}: against the echo bot on our client, ratio median"
        f" {statistics.median(strict):.2f} ({strict[0]:.2f}-{strict[-1]:.2f}), pooled"
        f" {pooled(rows, 'same'):.2f}; CPU ratio"
        f" {statistics.median(strict_cpu):.2f} ({strict_cpu[0]:.2f}-{strict_cpu[-1]:.2f});"
        f" echo on our client {statistics.median(r['same'] for r in rows):.0f}/s,"
        f" CPU ms/update {statistics.median(r['cpu_same'] for r in rows):.2f}\n"
        f"{name}: ratio median {statistics.median(ratios):.2f}, pooled {pooled(rows, 'echo'):.2f}"
        f" ({ratios[0]:.2f}-{ratios[-1]:.2f});"
        f" ours {statistics.median(r['ours'] for r in rows):.0f}/s,"
        f" echo {statistics.median(r['echo'] for r in rows):.0f}/s; CPU ratio"
        f" {statistics.median(cpu):.2f} ({cpu[0]:.2f}-{cpu[-1]:.2f}); CPU ms/update ours"
        f" {statistics.median(r['cpu_ours'] for r in rows):.2f},"
        f" echo {statistics.median(r['cpu_echo'] for r in rows):.2f}"
    )


def main(before: str, rounds: int, updates: int) -> None:
    trees = {"before": before, "after": str(HERE)}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for n in range(rounds):
        for name in ("before", "after") if n % 2 == 0 else ("after", "before"):
            command = [sys.executable, __file__, "--round", trees[name], str(updates)]
            out = subprocess.run(command, capture_output=True, text=True, cwd=trees[name])
            lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
            if not lines:
                print(name, "failed:", out.stderr[-2000:])
                continue
            results[name].append(json.loads(lines[-1]))
            print(name, n, lines[-1], flush=True)
    for name, rows in results.items():
        if rows:
            print(summary(name, rows))


if __name__ == "__main__":
    if sys.argv[1] == "--round":
        print(json.dumps(one_round(sys.argv[2], int(sys.argv[3]))))
    else:
        numbers = [int(a) for a in sys.argv[2:4]]
        main(sys.argv[1], *(numbers + [6, 1000][len(numbers) :]))
