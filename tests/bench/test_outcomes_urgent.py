"""The breakdown of "as soon as possible" within two hours (bench/outcomes_urgent.py) counts
what the bench counts: the same requests, hit or missed as bench/outcomes.py figures them,
and each miss put down to exactly one cause."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from bench import outcomes, outcomes_urgent
from bench.outcomes_model import OFFICE, RECOVERS, SOURCED
from bench.outcomes_sim import WAVES, Behaviour

# The small town's map for a day and a half, many requests: some urgent ones hit, some miss.
TINY_TOWN = replace(outcomes.TOWN, volunteers=12, requests_per_day=14, days=1, tail_days=1)


async def test_the_breakdown_counts_the_benchs_urgent_requests_and_one_cause_a_miss():
    with tempfile.TemporaryDirectory() as folder:
        run = outcomes_urgent.WatchedRun(
            WAVES, TINY_TOWN, Behaviour(), 5, Path(folder), OFFICE, SOURCED, RECOVERS
        )
        outcome = await run.play()
    found = outcomes_urgent.urgent_of(run, outcome)
    figures = outcomes.figures(outcome)

    assert len(found) == figures["asap requests"] > 0
    hits = sum(u.hit for u in found)
    assert hits / len(found) == figures["asap 2h published"]
    for urgent in found:
        # Nothing is read that was not delivered; a hit was read, while open, by someone who
        # might say yes (the one who did) within the two hours.
        assert urgent.read <= urgent.delivered
        if urgent.hit:
            assert urgent.read >= 1 and urgent.chances > 0
        assert urgent.slot in outcomes_urgent.SLOTS
    misses = [u for u in found if not u.hit]
    assert misses, "a day of this town misses some: the causes are looked at"
    for miss in misses:
        if not miss.delivered:
            assert miss.cause == outcomes_urgent.CAUSES[0]
        elif miss.read:
            assert miss.cause in outcomes_urgent.CAUSES[2:]
    rows = outcomes_urgent.rows_of("tiny", found)
    assert rows[0][2] == f"{len(found)} published, {len(misses)} missed"
