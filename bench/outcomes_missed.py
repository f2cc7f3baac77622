"""Why requests miss 24 hours of asking (issue 81, the small town under the harsher
languages): the outcomes bench's waves (bench/outcomes_sim.py, the product's own code)
watched request by request, as bench/outcomes_urgent.py watches the urgent ones.

Nothing here is judged: it runs on tuning seeds (1-4 unless ``--seeds``) and prints, for the
requests matched within 24 h of asking and for those missed side by side, what they had in
common, so that a rule tried for the 24 hours addresses what actually misses them:

- *who and where*: without German, the kind of help, how far the request lies from the
  city's centre, when it was asked (weekday day, evening, night, weekend), how long the
  review took;
- *who could help*: how many volunteers (not lost) offer the kind, how many of them share a
  language with the requester and how far the nearest of those lives, how many were ever
  asked about a request of that language before and said yes to one (what the database
  knows);
- *what the waves did within 24 h*: offers delivered and read while open, the readers'
  chances of a yes added up (the model's own, which the product cannot see), whether the
  budget was spent (handed over), whether a wave found nobody left (dry), how many within
  reach the caps held back at a wave (room of the day or the week), whether a search found
  nobody only because of the estimate floor (how many were under it then), how many offers
  went to a volunteer past the fatigue line (``Behaviour.tolerance`` offers in 7 days);
- *what could have been asked*: the model's chances of a yes of those asked within 24 h
  added up, against the city's best ``BUDGET`` free volunteers at publication (how much a
  perfect ranking could find within the budget).

The watch wraps ``ranking.candidates`` in the run's process (each run is a process of its
own) to ask it again past the caps and under no floor when it finds nobody; the offers sent
are the product's as in bench/outcomes.py. The figures of 2026-11-28 (town, harsher
languages, seeds 1-4) are in the issue-81 report.

Run: .venv/bin/python bench/outcomes_missed.py [--cities town,dortmund] [--seeds 1,2,3,4]
[--sourced] [--jobs 2] (``--quick``: the small town for three days, one seed). The harsher
languages are the default here (the goal missed).
"""

from __future__ import annotations

import asyncio
import math
import statistics
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.outcomes import CITIES, QUICK, _option, asked_for_help  # noqa: E402
from bench.outcomes_model import HARSHER, OFFICE, RECOVERS, SOURCED  # noqa: E402
from bench.outcomes_sim import (  # noqa: E402
    WAVES,
    Behaviour,
    CityMap,
    Outcome,
    Person,
    Run,
    Shape,
    Story,
)
from bench.outcomes_urgent import open_chance, watched_plan  # noqa: E402
from bench.table import Row, print_table  # noqa: E402
from db.clock import BERLIN, from_text  # noqa: E402
from handlers.helping.matching import ranking  # noqa: E402
from handlers.places.gazetteer import distance_m  # noqa: E402

DAY = timedelta(hours=24)
# The town's budget (OfferRules.budget_for of 40): the best this many are compared with those
# asked.
BUDGET = 15


@dataclass
class Watched:
    """What one request's first 24 hours held (all times from asking)."""

    delivered: list[tuple[datetime, bool]] = field(default_factory=list)
    read: list[tuple[datetime, float]] = field(default_factory=list)
    # The most within reach held back by the caps at one of its waves.
    capped: int = 0
    # Waves (the bot's own) that found nobody to ask.
    dry: int = 0
    # Searches that found nobody: how many, of them after the daytime (only those who take
    # evening requests), and the most below the estimate floor then.
    empty: int = 0
    empty_at_night: int = 0
    floored: int = 0
    # The model's chance of a yes of each asked, at delivery (the product cannot see it),
    # and whether they share a language with the requester.
    asked: list[tuple[datetime, float, bool]] = field(default_factory=list)
    # The model's chances of the city's best ``BUDGET`` free volunteers at publication.
    best: float = 0.0


class MissedRun(Run):
    """The bench's run of the waves, watched (the product's code and the model unchanged)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.watched: dict[int, Watched] = {}
        # Who said yes to a request of each language before (what the database knows).
        self.sharers_at_publish: dict[int, tuple[int, int, float | None, int]] = {}
        self.requests_seen: dict[int, Any] = {}

    async def play(self, keep_open: bool = False) -> Outcome:
        """:meth:`Run.play`; ``ranking.candidates`` is the product's again afterwards."""
        try:
            return await super().play(keep_open)
        finally:
            ranking.candidates = getattr(self, "unwatched", ranking.candidates)

    def _seen(self, request_id: int) -> Watched:
        return self.watched.setdefault(request_id, Watched())

    def _watch(self) -> None:
        super()._watch()
        searches, wait = self.db.waves, self.db.waves.wait

        async def look_later(request_id: int, next_at: str | None, reach: int) -> None:
            self._seen(request_id).dry += 1
            await wait(request_id, next_at, reach)

        searches.wait = look_later  # type: ignore[method-assign]
        original = ranking.candidates

        async def candidates(db: Any, settings: Any, request: Any, now: datetime, reach: int,
                             skip: set[int], **kw: Any) -> list[ranking.Candidate]:  # fmt: skip
            found = await original(db, settings, request, now, reach, skip, **kw)
            if not kw.get("over_day_cap") and not kw.get("talk"):
                every = await original(
                    db, settings, request, now, reach, skip, **{**kw, "over_day_cap": True}
                )
                seen = self._seen(request.id)
                seen.capped = max(seen.capped, len(every) - len(found))
                if not found:
                    rules = replace(settings.offer_rules, estimate_floor_share=0.0)
                    floorless = replace(settings, offer_rules=rules)
                    under = await original(db, floorless, request, now, reach, skip, **kw)
                    seen.floored = max(seen.floored, len(under))
                    seen.empty_at_night += bool(kw.get("evening_only"))
                    seen.empty += 1
            return found

        self.unwatched = original
        ranking.candidates = candidates

    async def _review(self, story: Story) -> None:
        request = await self.db.requests.get(story.request_id)
        if request is not None:
            self.sharers_at_publish[story.request_id] = self._who_could(request)
            self.requests_seen[story.request_id] = request
            free = (p for p in self.people if not p.lost and not p.helping)
            chances = sorted((self._chance(p, request) for p in free), reverse=True)
            self._seen(story.request_id).best = sum(chances[:BUDGET])
        await super()._review(story)

    def _who_could(self, request: Any) -> tuple[int, int, float | None, int]:
        """(volunteers offering the kind, of them sharing a language, km to the nearest of
        those, volunteers not lost at all)."""
        here = [p for p in self.people if not p.lost]
        kind = [p for p in here if request.category in p.categories]
        share = [p for p in kind if set(p.languages) & set(request.languages)]
        near = min(
            (distance_m(p.lat, p.lon, request.lat or 0, request.lon or 0) / 1000 for p in share),
            default=None,
        )
        return len(kind), len(share), near, len(here)

    def _offered(self, person: Person, request_id: int) -> None:
        week_ago = self.now - timedelta(days=7)
        recent = sum(1 for t in person.recent if t >= week_ago)
        tired = recent + 1 > self.behaviour.tolerance
        seen = self._seen(request_id)
        seen.delivered.append((self.now, tired))
        request = self.requests_seen.get(request_id)
        if request is not None:
            shares = bool(set(person.languages) & set(request.languages))
            seen.asked.append((self.now, self._chance(person, request), shares))
        super()._offered(person, request_id)

    async def _read(self, person: Person, request_id: int, attempt: int = 0) -> None:
        if not attempt and (chance := await open_chance(self, person, request_id)) is not None:
            self._seen(request_id).read.append((self.now, chance))
        await super()._read(person, request_id, attempt)


@dataclass(frozen=True)
class Seen:
    """One request's first 24 hours from asking."""

    hit: bool
    german: bool
    language: str
    kind: str
    centre_km: float
    slot: str
    review_h: float
    offering: int
    sharing: int
    sharer_km: float | None
    delivered: int
    tired: int
    read: int
    chances: float
    handed_over: bool
    escalated: bool
    capped: int
    dry: int
    published: bool
    asked_chances: float
    empty: int
    empty_at_night: int
    floored: int
    asked_sharing: int
    best: float


def slot_of(at: datetime) -> str:
    local = at.astimezone(BERLIN)
    if local.weekday() >= 5:
        return "weekend"
    if 8 <= local.hour < 17:
        return "weekday 08-17"
    if 17 <= local.hour < 22:
        return "weekday 17-22"
    return "weekday night"


async def seen_of(run: MissedRun, outcome: Outcome) -> list[Seen]:
    where = CityMap.of(run.shape)
    lat = sum(a[1] for a in where.areas) / len(where.areas)
    lon = sum(a[2] for a in where.areas) / len(where.areas)
    found = []
    for story in outcome.stories:
        if story.asked is None:
            continue
        until = story.asked + DAY
        seen = run.watched.get(story.request_id, Watched())
        search = await run.db.waves.get(story.request_id)
        request = await run.db.requests.get(story.request_id)
        over = search.handed_over_at if search else None
        handed = bool(over and from_text(over) <= until)
        escalated = bool(
            request and request.escalated_at and from_text(request.escalated_at) <= until
        )
        offering, sharing, near, _ = run.sharers_at_publish.get(story.request_id, (0, 0, None, 0))
        read = [c for at, c in seen.read if at <= until]
        delivered = [tired for at, tired in seen.delivered if at <= until]
        found.append(
            Seen(
                hit=bool(story.matched and story.matched <= until),
                german="de" in story.ask.languages,
                language=story.ask.languages[0],
                kind=story.ask.category,
                centre_km=distance_m(lat, lon, story.ask.lat, story.ask.lon) / 1000,
                slot=slot_of(story.asked),
                review_h=((story.published - story.asked) / timedelta(hours=1))
                if story.published
                else 99.0,
                offering=offering,
                sharing=sharing,
                sharer_km=near,
                delivered=len(delivered),
                tired=sum(delivered),
                read=len(read),
                chances=sum(read),
                handed_over=handed,
                escalated=escalated,
                capped=seen.capped,
                dry=seen.dry,
                published=bool(story.published and story.published <= until),
                empty=seen.empty,
                empty_at_night=seen.empty_at_night,
                floored=seen.floored,
                asked_chances=sum(c for at, c, _ in seen.asked if at <= until),
                asked_sharing=sum(1 for at, _, sh in seen.asked if at <= until and sh),
                best=seen.best,
            )
        )
    return found


Job = tuple[str, int, bool]


def _run(job: Job) -> list[Seen]:
    city, seed, harsher = job
    shape: Shape = QUICK.shape if city == "quick" else CITIES[city].shape
    languages = HARSHER if harsher else SOURCED

    async def play() -> list[Seen]:
        with tempfile.TemporaryDirectory(dir="/dev/shm") as folder:
            run = MissedRun(
                WAVES, shape, Behaviour(), seed, Path(folder), OFFICE, languages, RECOVERS
            )
            outcome = await run.play(keep_open=True)
            try:
                return await seen_of(run, outcome)
            finally:
                await run.db.close()

    return asyncio.run(play())


def _mean(values: list[float]) -> float:
    return statistics.mean(values) if values else math.nan


def _share(found: list[Seen], hit: Callable[[Seen], bool]) -> float:
    return sum(1 for s in found if hit(s)) / len(found) if found else math.nan


# (label, what is counted or averaged, whether a share)
MEASURES: list[tuple[str, Callable[[Seen], float], bool]] = [
    ("without German", lambda s: not s.german, True),
    ("asked on a weekday 08-17", lambda s: s.slot == "weekday 08-17", True),
    ("asked on a weekday 17-22", lambda s: s.slot == "weekday 17-22", True),
    ("asked on a weekday night", lambda s: s.slot == "weekday night", True),
    ("asked at the weekend", lambda s: s.slot == "weekend", True),
    ("review wait, mean (h)", lambda s: min(s.review_h, 24.0), False),
    ("not published within 24 h", lambda s: not s.published, True),
    ("km from the centre, mean", lambda s: s.centre_km, False),
    ("volunteers offering the kind", lambda s: s.offering, False),
    ("of them sharing a language", lambda s: s.sharing, False),
    ("no sharer offering the kind", lambda s: s.sharing == 0, True),
    ("nearest sharer over 8 km (or none)", lambda s: s.sharer_km is None or s.sharer_km > 8, True),
    ("offers delivered in 24 h", lambda s: s.delivered, False),
    ("of them to someone past the fatigue line", lambda s: s.tired, False),
    ("offers read while open", lambda s: s.read, False),
    ("readers' chances added up (model's)", lambda s: s.chances, False),
    ("readers' chances < 0.5", lambda s: s.chances < 0.5, True),
    ("budget spent (handed over) in 24 h", lambda s: s.handed_over, True),
    ("escalated in 24 h", lambda s: s.escalated, True),
    ("a wave found nobody (dry)", lambda s: s.dry > 0, True),
    ("held back by the caps at a wave, most", lambda s: s.capped, False),
    ("asked in 24 h: their chances added up (model's)", lambda s: s.asked_chances, False),
    (f"the city's best {BUDGET} free at publication: chances (model's)", lambda s: s.best, False),
    ("asked in 24 h sharing a language", lambda s: s.asked_sharing, False),
    ("some held back by the caps", lambda s: s.capped > 0, True),
    ("a search found nobody", lambda s: s.empty > 0, True),
    (
        "a search found nobody, only after the daytime",
        lambda s: 0 < s.empty == s.empty_at_night,
        True,
    ),
    ("a search found nobody but some under the floor", lambda s: s.floored > 0, True),
    ("under the floor then, most", lambda s: s.floored, False),
    ("dry, budget not spent", lambda s: s.dry > 0 and not s.handed_over, True),
    ("asked in 24 h fewer than the budget", lambda s: s.delivered < BUDGET, True),
]


def rows_of(name: str, found: list[Seen]) -> list[Row]:
    """Hits and misses side by side."""
    misses = [s for s in found if not s.hit]
    hits = [s for s in found if s.hit]
    rows: list[Row] = [
        (
            f"{name}: within 24 h of asking",
            f"{100 * _share(found, lambda s: s.hit):.1f} %",
            f"{len(found)} requests, {len(misses)} missed",
        )
    ]
    for label, measure, share in MEASURES:
        show = (lambda v: f"{100 * v:.0f} %") if share else (lambda v: f"{v:.2f}")
        rows.append(
            (
                f"{name}: {label}",
                show(_mean([float(measure(s)) for s in misses])),
                f"missed; matched {show(_mean([float(measure(s)) for s in hits]))}",
            )
        )
    kinds = sorted({s.kind for s in found})
    for kind in kinds:
        those = [s for s in found if s.kind == kind]
        rows.append(
            (
                f"{name}: kind {kind}",
                f"{100 * _share(those, lambda s: s.hit):.0f} %",
                f"{len(those)} requests, {sum(not s.hit for s in those)} missed",
            )
        )
    for german, label in ((True, "with German"), (False, "without German")):
        those = [s for s in found if s.german == german]
        rows.append(
            (
                f"{name}: {label}",
                f"{100 * _share(those, lambda s: s.hit):.1f} %",
                f"{len(those)} requests, {sum(not s.hit for s in those)} missed",
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if asked_for_help(argv, __doc__):
        return 0
    cities, seeds = watched_plan(argv, "town")
    harsher = "--sourced" not in argv
    jobs = [(city, seed, harsher) for city in cities for seed in seeds]
    with ProcessPoolExecutor(max_workers=int(_option(argv, "jobs") or 2)) as pool:
        found = dict(zip(jobs, pool.map(_run, jobs), strict=True))
    rows: list[Row] = []
    for city in cities:
        name = QUICK.shape.name if city == "quick" else CITIES[city].shape.name
        everyone = [s for job, each in found.items() if job[0] == city for s in each]
        rows += rows_of(name, everyone)
        rows += rows_of(f"{name}, without German", [s for s in everyone if not s.german])
        rows += rows_of(f"{name}, with German", [s for s in everyone if s.german])
    print_table(
        f"within 24 h of asking, the waves watched: seeds {','.join(map(str, seeds))}"
        f" (not judged), languages {'harsher' if harsher else 'sourced'}",
        rows,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
