"""Why "as soon as possible" requests miss two hours of publication (issue 81, point 1): the
outcomes bench's waves (bench/outcomes_sim.py, the product's own code) watched request by
request - when each urgent request was published, how many offers went out and were read
within two hours, how likely those who read were to say yes (the model's own chance, which
the product cannot see), and how that compares with the best ten volunteers of the city.

Nothing here is judged: it runs on tuning seeds (1-4 unless ``--seeds``) and prints the
breakdown, so that a rule tried for the two hours addresses what actually misses them. The
figures of 2026-11-27 are in the issue-81 report (bench/RESULTS.md, "What is missed").

- *When*: weekday 08-10, 10-17, 17-20, 20-22 and the weekend (by publication, Europe/Berlin).
- *Why a miss*: no offer delivered within two hours; offers, none read within two hours;
  read, but the readers' chances of a yes added up to less than 0.5; read, 0.5 or more (the
  dice: the model's readers said no).
- *The first wave* (offers delivered within five minutes of publication): the model's chances
  of its people summed, against the ten best-placed free volunteers of the city (not lost,
  helping nobody now; any area, kind or hour) - how much of what the city could offer the
  ranking finds without knowing who is willing.

Run: .venv/bin/python bench/outcomes_urgent.py [--cities dortmund,town] [--seeds 1,2,3,4]
[--harsher] [--translation] [--jobs 2] (``--quick``: the small town for three days, one seed).
"""

from __future__ import annotations

import asyncio
import math
import statistics
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.outcomes import CITIES, QUICK, _option, asked_for_help, with_translation  # noqa: E402
from bench.outcomes_model import HARSHER, OFFICE, RECOVERS, SOURCED  # noqa: E402
from bench.outcomes_sim import WAVES, Behaviour, Outcome, Person, Run, Shape, Story  # noqa: E402
from bench.table import Row, print_table  # noqa: E402
from db.clock import BERLIN  # noqa: E402
from db.request_states import OPEN, REVIEW  # noqa: E402

TWO_HOURS = timedelta(hours=2)
# Offers delivered this soon after publishing count as the first wave.
FIRST_WAVE = timedelta(minutes=5)
# The city's best-placed: how many the first wave is compared with.
BEST = 10
SLOTS = ("weekday 08-10", "weekday 10-17", "weekday 17-20", "weekday 20-22", "weekend")
CAUSES = (
    "no offer delivered within 2 h",
    "offers, none read within 2 h",
    "read, chances added up < 0.5",
    "read, chances added up >= 0.5",
)


@dataclass
class Watched:
    """What one request's first two hours held."""

    delivered: list[datetime] = field(default_factory=list)
    # (read at, the model's chance of a yes then) of each offer read while the request was open.
    read: list[tuple[datetime, float]] = field(default_factory=list)
    first_wave: list[float] = field(default_factory=list)
    best: float = 0.0


class WatchedRun(Run):
    """The bench's run of the waves, watched (the product's code and the model unchanged)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.watched: dict[int, Watched] = {}
        self.published_requests: dict[int, Any] = {}

    async def _review(self, story: Story) -> None:
        request = await self.db.requests.get(story.request_id)
        if request is not None and request.state == REVIEW:
            self.published_requests[story.request_id] = request
            free = (p for p in self.people if not p.lost and not p.helping)
            chances = sorted((self._chance(p, request) for p in free), reverse=True)
            self.watched.setdefault(story.request_id, Watched()).best = sum(chances[:BEST])
        await super()._review(story)

    def _offered(self, person: Person, request_id: int) -> None:
        story = self.by_request.get(request_id)
        request = self.published_requests.get(request_id)
        if story is not None and story.published is not None:
            seen = self.watched.setdefault(request_id, Watched())
            seen.delivered.append(self.now)
            if request is not None and self.now - story.published <= FIRST_WAVE:
                seen.first_wave.append(self._chance(person, request))
        super()._offered(person, request_id)

    async def _read(self, person: Person, request_id: int, attempt: int = 0) -> None:
        if not attempt and (chance := await open_chance(self, person, request_id)) is not None:
            self.watched.setdefault(request_id, Watched()).read.append((self.now, chance))
        await super()._read(person, request_id, attempt)


async def open_chance(run: Run, person: Person, request_id: int) -> float | None:
    """The model's chance that ``person`` says yes to the request, read now while it is open
    (None: no longer open)."""
    request = await run.db.requests.get(request_id)
    if request is None or request.state != OPEN:
        return None
    return run._chance(person, request)


@dataclass(frozen=True)
class Urgent:
    """One "as soon as possible" request's first two hours after publication."""

    slot: str
    german: bool
    hit: bool
    delivered: int
    read: int
    chances: float
    first_wave: int
    first_wave_chances: float
    best: float

    @property
    def cause(self) -> str:
        """Why it missed (for a miss)."""
        if not self.delivered:
            return CAUSES[0]
        if not self.read:
            return CAUSES[1]
        return CAUSES[2] if self.chances < 0.5 else CAUSES[3]


def slot_of(published: datetime) -> str:
    local = published.astimezone(BERLIN)
    if local.weekday() >= 5:
        return SLOTS[4]
    bounds = ((10, SLOTS[0]), (17, SLOTS[1]), (20, SLOTS[2]))
    return next((name for hour, name in bounds if local.hour < hour), SLOTS[3])


def urgent_of(run: WatchedRun, outcome: Outcome) -> list[Urgent]:
    """Each published "as soon as possible" request of a run."""
    found = []
    for story in outcome.stories:
        if story.ask.when_kind != "asap" or story.published is None:
            continue
        seen = run.watched.get(story.request_id, Watched())
        until = story.published + TWO_HOURS
        read = [chance for at, chance in seen.read if at <= until]
        found.append(
            Urgent(
                slot=slot_of(story.published),
                german="de" in story.ask.languages,
                hit=bool(story.matched and story.matched <= until),
                delivered=sum(1 for at in seen.delivered if at <= until),
                read=len(read),
                chances=sum(read),
                first_wave=len(seen.first_wave),
                first_wave_chances=sum(seen.first_wave),
                best=seen.best,
            )
        )
    return found


Job = tuple[str, int, bool, bool]


def _run(job: Job) -> list[Urgent]:
    city, seed, harsher, translated = job
    shape: Shape = QUICK.shape if city == "quick" else CITIES[city].shape
    rule = with_translation(WAVES) if translated else WAVES
    languages = HARSHER if harsher else SOURCED

    async def play() -> list[Urgent]:
        with tempfile.TemporaryDirectory() as folder:
            run = WatchedRun(
                rule, shape, Behaviour(), seed, Path(folder), OFFICE, languages, RECOVERS
            )
            return urgent_of(run, await run.play())

    return asyncio.run(play())


def _mean(values: list[float]) -> float:
    return statistics.mean(values) if values else math.nan


def _share(found: list[Urgent], hit: Callable[[Urgent], bool]) -> float:
    return sum(1 for u in found if hit(u)) / len(found) if found else math.nan


def _in_slot(slot: str, urgent: Urgent) -> bool:
    return urgent.slot == slot


def _of_cause(cause: str, urgent: Urgent) -> bool:
    return urgent.cause == cause


def rows_of(name: str, found: list[Urgent]) -> list[Row]:
    """The breakdown of one city's urgent requests."""
    misses = [u for u in found if not u.hit]
    rows: list[Row] = [
        (
            f"{name}: within 2 h of publication",
            f"{100 * _share(found, lambda u: u.hit):.1f} %",
            f"{len(found)} published, {len(misses)} missed",
        ),
    ]
    for slot in SLOTS:
        those = [u for u in found if u.slot == slot]
        rows.append(
            (
                f"{name}: published {slot}",
                f"{100 * _share(those, lambda u: u.hit):.1f} %",
                f"{len(those)} requests, {100 * len(those) / max(1, len(found)):.0f} % of them;"
                f" {100 * _share(misses, partial(_in_slot, slot)):.0f} % of the misses",
            ),
        )
    for german, label in ((True, "with German"), (False, "without German")):
        those = [u for u in found if u.german == german]
        rows.append(
            (
                f"{name}: {label}",
                f"{100 * _share(those, lambda u: u.hit):.1f} %",
                f"{len(those)} requests; first wave {_mean([u.first_wave for u in those]):.1f}"
                f" people, chances {_mean([u.first_wave_chances for u in those]):.2f}, the"
                f" city's best {BEST} {_mean([u.best for u in those]):.2f}",
            ),
        )
    for cause in CAUSES:
        rows.append(
            (
                f"{name}: missed, {cause}",
                f"{100 * _share(misses, partial(_of_cause, cause)):.0f} %",
                "of the misses",
            ),
        )
    for hit, label in ((True, "hits"), (False, "misses")):
        those = [u for u in found if u.hit == hit]
        rows.append(
            (
                f"{name}: {label}, within 2 h",
                f"{_mean([u.delivered for u in those]):.1f}",
                f"offers delivered; {_mean([u.read for u in those]):.1f} read while open, their"
                f" chances {_mean([u.chances for u in those]):.2f}",
            ),
        )
    return rows


def watched_plan(argv: list[str], cities: str) -> tuple[list[str], list[int]]:
    """The cities (``--cities``, else ``cities``) and tuning seeds (``--seeds``, else 1-4) a
    watched run plays; ``--quick``: the quick town, one seed."""
    if "--quick" in argv:
        return ["quick"], [QUICK.seeds[0]]
    given = (_option(argv, "seeds") or "1,2,3,4").split(",")
    return (_option(argv, "cities") or cities).split(","), [int(s) for s in given]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if asked_for_help(argv, __doc__):
        return 0
    cities, seeds = watched_plan(argv, "dortmund,town")
    harsher, translated = "--harsher" in argv, "--translation" in argv
    jobs = [(city, seed, harsher, translated) for city in cities for seed in seeds]
    with ProcessPoolExecutor(max_workers=int(_option(argv, "jobs") or 2)) as pool:
        found = dict(zip(jobs, pool.map(_run, jobs), strict=True))
    rows: list[Row] = []
    for city in cities:
        name = QUICK.shape.name if city == "quick" else CITIES[city].shape.name
        rows += rows_of(name, [u for job, each in found.items() if job[0] == city for u in each])
    print_table(
        f'"as soon as possible" within 2 h of publication, the waves watched: seeds'
        f" {','.join(map(str, seeds))} (not judged), languages"
        f" {'harsher' if harsher else 'sourced'}{', a translation engine' if translated else ''}",
        rows,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
