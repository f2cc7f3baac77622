"""The breakdown of the requests missed within 24 hours of asking (bench/outcomes_missed.py)
counts what the bench counts: the same requests, hit or missed as bench/outcomes.py figures
them, nothing read that was not delivered, and the product's ranking left as it was."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from bench import outcomes, outcomes_missed
from bench.outcomes_model import HARSHER, OFFICE, RECOVERS
from bench.outcomes_sim import WAVES, Behaviour
from handlers.helping.matching import ranking

# The small town's map for two days, many requests and few volunteers: some miss the day.
TINY_TOWN = replace(outcomes.TOWN, volunteers=10, requests_per_day=14, days=2, tail_days=1)


async def test_the_breakdown_counts_the_benchs_requests_and_leaves_the_ranking_alone():
    product = ranking.candidates
    with tempfile.TemporaryDirectory() as folder:
        run = outcomes_missed.MissedRun(
            WAVES, TINY_TOWN, Behaviour(), 5, Path(folder), OFFICE, HARSHER, RECOVERS
        )
        outcome = await run.play(keep_open=True)
        try:
            found = await outcomes_missed.seen_of(run, outcome)
        finally:
            await run.db.close()
    assert ranking.candidates is product
    figures = outcomes.figures(outcome)

    assert len(found) == figures["requests"] > 0
    assert sum(s.hit for s in found) / len(found) == figures["24h"]
    assert sum(not s.german for s in found) == figures["no German requests"]
    misses = [s for s in found if not s.hit]
    assert misses, "two days of this town miss some: what they share is looked at"
    for seen in found:
        assert seen.read <= seen.delivered and seen.tired <= seen.delivered
        assert seen.sharing <= seen.offering
        assert seen.slot in {"weekday 08-17", "weekday 17-22", "weekday night", "weekend"}
        if seen.hit:
            assert seen.published
    rows = outcomes_missed.rows_of("tiny", found)
    assert rows[0][2] == f"{len(found)} requests, {len(misses)} missed"
