"""The outcomes test's quick bench (issue 81, point 3): a smaller city (Dortmund's map, 100
volunteers, 6 requests a day) for ten days through the product's own matching
(bench/outcomes_sim.py, the waves as a city runs them), whose share of requests matched
within 24 h of asking tests/bench/test_outcomes_floor.py holds to its recorded level.

The level is recorded, not timed: ``RECORDED`` is the mean share over ``SEEDS`` and the
standard deviation of one seed's share over ``SPREAD_SEEDS`` (ten others), measured by
``.venv/bin/python bench/outcomes_floor.py --record`` with the rules and the model as they
were then. The test fails when the mean over ``SEEDS`` falls more than ``MARGIN`` standard
errors (sd / sqrt(len(SEEDS))) below the recorded mean: a change that makes matching clearly
worse, not the reshuffle of chance any change of the code brings. A change that makes it
better, or a change of the model, records again (and says so in its commit). The seeds are
tuning seeds (bench/outcomes_seeds.py): this test guards, it judges nothing.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The tree this file is in (not an installed copy of the project), then bench/.
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from outcomes_sim import WAVES, Shape, simulate  # noqa: E402

SHAPE = Shape(
    name="a smaller city (the outcomes test)",
    data_dir="data/dortmund",
    volunteers=100,
    requests_per_day=6,
    days=10,
    tail_days=2,
)
SEEDS = (1, 2, 3)
SPREAD_SEEDS = tuple(range(1, 11))
MARGIN = 2.0
# Measured by --record (see above) with the coordinators' alert after 8 hours (issue 81:
# escalate_hours 8, not 24; judged better on its own seeds, so the default): the floor is
# 67.0 %. With the alert after 24 hours and tell_when_dry on it recorded 72.6 % (sd 7.4);
# the rules of 1b0bdda7 without tell_when_dry 68.7 % (sd 5.7), those of 6be79b00 67.6 %
# (sd 6.9), those of b1344218 64.3 % (sd 5.0).
RECORDED = {"mean": 0.7475, "sd": 0.0675}


async def share(seed: int, shape: Shape = SHAPE) -> float:
    """The share of one seed's requests matched within 24 h of asking."""
    outcome = await simulate(WAVES, shape, seed)
    return outcome.share(timedelta(hours=24))


def floor() -> float:
    """The lowest mean over ``SEEDS`` that still passes."""
    return RECORDED["mean"] - MARGIN * RECORDED["sd"] / math.sqrt(len(SEEDS))


def record() -> dict[str, float]:
    """The level as the code is now: the mean over ``SEEDS``, one seed's sd over
    ``SPREAD_SEEDS``."""
    shares = {seed: asyncio.run(share(seed)) for seed in sorted(set(SEEDS) | set(SPREAD_SEEDS))}
    return {
        "mean": round(statistics.mean(shares[s] for s in SEEDS), 4),
        "sd": round(statistics.stdev(shares[s] for s in SPREAD_SEEDS), 4),
    }


if __name__ == "__main__":
    if "--record" in sys.argv:
        print(f"RECORDED = {record()}")
    else:
        quick = replace(SHAPE, days=2)
        print(f"one seed, three days: {asyncio.run(share(SEEDS[0], quick)):.3f}")
