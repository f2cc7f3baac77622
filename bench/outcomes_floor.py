"""The outcomes test's quick bench (issue 81, point 3; issue 102, point 5): a smaller city
(Dortmund's map, 100 volunteers, 6 requests a day) for ten days through the product's own
matching (bench/outcomes_sim.py, the waves as a city runs them), whose figures
tests/bench/test_outcomes_floor.py holds to the level recorded here with the rules on main.

The figures (``FIGURES``; bench/outcomes.py ``figures``): the share of requests matched
within 24 h of asking and within 2 h of asking, requesters without German against those
with German within 24 h (the language ratio), and the volunteers' load (offers delivered to
a volunteer a week). Each is watched in the direction that is worse for people: a share or
the ratio that falls, a load that rises.

The level is recorded, not timed: ``RECORDED`` holds each figure's mean over ``SEEDS`` and
the standard deviation of one seed's figure over ``SPREAD_SEEDS`` (ten seeds), measured by
``.venv/bin/python bench/outcomes_floor.py --record`` (about 70 s of one core) with the
rules as they are, and ``RULES`` the offer rules' numbers it was measured with. The test
fails

- when a figure's mean over ``SEEDS`` is more than ``MARGIN`` standard errors (sd /
  sqrt(len(SEEDS))) worse than recorded: a change that makes matching clearly worse, not
  the reshuffle of chance any change of the code brings;
- when it is more than ``STALE`` standard errors *better* than recorded, or the offer
  rules' numbers differ from ``RULES``: the level is stale - a rule changed without
  recording it again, and a stale level lets a clearly worse rule through (issue 102: a
  level two rule changes old, 74.75 % against 79.2 %, passed a cap that cost 10 points).

So the level is always the rules on main's, within ``STALE`` standard errors: every change
of the rules records again (``--record``, then ``RECORDED`` and ``RULES`` here) and says so
in its commit; one that makes a figure clearly worse must say why it is worth it. The seeds
are tuning seeds (bench/outcomes_seeds.py): this test guards, it judges nothing.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# The tree this file is in (not an installed copy of the project), then bench/.
sys.path.insert(0, str(HERE.parent))

from bench.outcomes import figures, with_offer_rules  # noqa: E402
from bench.outcomes_sim import WAVES, Rule, Shape, simulate  # noqa: E402
from handlers.helping.timers import Timing  # noqa: E402
from handlers.settings import HandlerSettings, OfferRules  # noqa: E402

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
# Worse by more than this many standard errors: clearly worse (the test fails).
MARGIN = 2.0
# Better by more than this many: the level is stale (record again).
STALE = 1.0


@dataclass(frozen=True)
class Figure:
    """A watched figure: its name in bench/outcomes.py's ``figures``, what it says, and
    whether a higher value is better for people."""

    key: str
    label: str
    higher_is_better: bool = True


FIGURES = (
    Figure("24h", "matched within 24 h of asking"),
    Figure("2h", "matched within 2 h of asking"),
    Figure("language ratio", "without German / with German within 24 h"),
    Figure("week", "offers per volunteer a week", higher_is_better=False),
)

# Measured by --record (see above) with the rules of issue 102 (budget 18, the evening wave of
# 6, escalate_hours 8, tell_when_dry, language_wave 3) and, since its point 3, the review as
# a city runs it by default: what nobody reviewed 30 minutes after asking goes out from 08:00
# to 22:00 (publish_unreviewed_after). Before that it recorded 74.21 % (sd 5.83), 32.95 %
# (6.73), 0.851 (0.146), 4.68 (0.50): within 2 h +7.2 points, within 24 h +4.9, the load
# +0.05. Before language_wave it recorded 79.15 % (sd 6.96), 33.51 % (6.59), 0.827
# (0.133), 4.59 (0.51). The level before issue 102 (24 h only, 74.75 %, sd 6.75) was two
# rule changes old: the rules then gave 79.2 %.
RECORDED: dict[str, dict[str, float]] = {
    "24h": {"mean": 0.7914, "sd": 0.0497},
    "2h": {"mean": 0.4014, "sd": 0.0547},
    "language ratio": {"mean": 0.8791, "sd": 0.1522},
    "week": {"mean": 4.7335, "sd": 0.5331},
}
RULES: dict[str, Any] = {
    "offer_rules.offer_rule": "waves",
    "offer_rules.wave_min": 3,
    "offer_rules.wave_max": 5,
    "offer_rules.wave_takers": 1.0,
    "offer_rules.wave_minutes": 60,
    "offer_rules.early_waves": 1,
    "offer_rules.wave_max_later": 5,
    "offer_rules.wave_minutes_later": 180,
    "offer_rules.relook_hours": 2,
    "offer_rules.offers_per_day": 3,
    "offer_rules.offers_per_week": 14,
    "offer_rules.language_reserve": 2,
    "offer_rules.common_languages": ["de", "en"],
    "offer_rules.estimate_floor_share": 0.25,
    "offer_rules.widen_hours": 3,
    "offer_rules.widen_km": 8.0,
    "offer_rules.widen_below": 6,
    "offer_rules.widen_takers": 0.0,
    "offer_rules.related_hours": 10,
    "offer_rules.budget": 18,
    "offer_rules.budget_share": 0.3,
    "offer_rules.budget_least": 15,
    "offer_rules.below_floor_wave": 0,
    "offer_rules.language_wave": 3,
    "offer_rules.tell_when_dry": True,
    "offer_rules.language_km": 8.0,
    "offer_rules.day_start": 8,
    "offer_rules.day_end": 21,
    "offer_rules.talk_wave": 3,
    "offer_rules.talk_wave_minutes": 15,
    "offer_rules.talk_hours": 3,
    "offer_rules.urgent_waves": 1,
    "offer_rules.urgent_wave_max": 12,
    "offer_rules.urgent_wave_minutes": 30,
    "offer_rules.urgent_wave_takers": 1.0,
    "offer_rules.evening_from": 17,
    "offer_rules.evening_until": 22,
    "offer_rules.evening_wave_max": 6,
    "offer_rules.evening_wave_minutes": 30,
    "timing.escalate_hours": 8,
    "timing.remind_days": 3,
    "timing.expire_days": 7,
    "review.publish_unreviewed_after": 30,
    "review.publish_unreviewed_hours": [8, 22],
}


def rules_now() -> dict[str, Any]:
    """The rules' numbers the level depends on: the offer rules' and the follow-ups'
    defaults (handlers/settings.py, handlers/helping/timers.py)."""
    numbers = {f"offer_rules.{k}": v for k, v in asdict(OfferRules()).items()}
    numbers.update({f"timing.{k}": v for k, v in asdict(Timing()).items()})
    # The review as the city runs it: what nobody reviewed goes out after a wait, in hours.
    settings = HandlerSettings()
    numbers["review.publish_unreviewed_after"] = settings.publish_unreviewed_after
    numbers["review.publish_unreviewed_hours"] = settings.publish_unreviewed_hours
    # JSON-like values, as written into this file (tuples read back as lists).
    return {k: list(v) if isinstance(v, tuple) else v for k, v in numbers.items()}


async def measure(seed: int, rule: Rule = WAVES, shape: Shape = SHAPE) -> dict[str, float]:
    """One seed's watched figures."""
    outcome = await simulate(rule, shape, seed)
    found = figures(outcome)
    return {figure.key: found[figure.key] for figure in FIGURES}


def waves_with(**numbers: Any) -> Rule:
    """The waves with some of the city's offer rules set otherwise (the test's worse rule)."""
    return with_offer_rules(WAVES, tuple(numbers.items()))


async def share(seed: int, shape: Shape = SHAPE) -> float:
    """The share of one seed's requests matched within 24 h of asking."""
    outcome = await simulate(WAVES, shape, seed)
    return outcome.share(timedelta(hours=24))


def standard_error(key: str, recorded: Mapping[str, Mapping[str, float]] | None = None) -> float:
    level = (recorded or RECORDED)[key]
    return level["sd"] / math.sqrt(len(SEEDS))


def verdicts(
    measured: Mapping[str, float], recorded: Mapping[str, Mapping[str, float]] | None = None
) -> tuple[list[str], list[str]]:
    """(clearly worse, stale): one line for each figure of ``measured`` (the means over
    ``SEEDS``) clearly worse than the recorded level, and for each clearly better."""
    recorded = recorded or RECORDED
    worse, stale = [], []
    for figure in FIGURES:
        level = recorded[figure.key]
        error = standard_error(figure.key, recorded)
        sign = 1 if figure.higher_is_better else -1
        # How much better than recorded, in standard errors (negative: worse).
        better = sign * (measured[figure.key] - level["mean"]) / error if error else 0.0
        line = (
            f"{figure.label}: {measured[figure.key]:.3f} against the recorded"
            f" {level['mean']:.3f} ({better:+.1f} standard errors of {error:.3f})"
        )
        if better < -MARGIN:
            worse.append(line)
        elif better > STALE:
            stale.append(line)
    return worse, stale


def means(
    by_seed: Mapping[int, Mapping[str, float]], seeds: tuple[int, ...] = SEEDS
) -> dict[str, float]:
    return {f.key: statistics.mean(by_seed[s][f.key] for s in seeds) for f in FIGURES}


def record() -> dict[str, dict[str, float]]:
    """The level as the code is now: each figure's mean over ``SEEDS``, one seed's sd over
    ``SPREAD_SEEDS``."""
    seeds = sorted(set(SEEDS) | set(SPREAD_SEEDS))
    by_seed = {seed: asyncio.run(measure(seed)) for seed in seeds}
    level = means(by_seed)
    return {
        f.key: {
            "mean": round(level[f.key], 4),
            "sd": round(statistics.stdev(by_seed[s][f.key] for s in SPREAD_SEEDS), 4),
        }
        for f in FIGURES
    }


if __name__ == "__main__":
    if "--record" in sys.argv:
        print(f"RECORDED = {record()}")
        print(f"RULES = {rules_now()}")
    else:
        quick = replace(SHAPE, days=2)
        print(f"one seed, three days: {asyncio.run(share(SEEDS[0], quick)):.3f}")
