"""The outcomes bench's harness (issue 57, point 10): a city's help requests, volunteers and
residents on a simulated clock, run through the product's own code.

What is the product's and what is the model's:

- **The product's** (nothing of it is re-implemented here): who is offered a request and
  when (``handlers/helping``: the broadcast's fan-out or the waves, whichever the city's
  ``[help] offer_rule`` says), every state change (``lifecycle``: published by a
  coordinator, "I can help", "not this time", handed back, done, "still needed?",
  withdrawn, expired, escalated by the follow-up job ``timers.follow_up`` and the morning
  roundup), and every message to someone (the outbox, delivered by the real
  ``OutboxWorker`` to the in-memory chat of tests/support). Volunteers, requesters and the
  coordinators press the product's own buttons through the dispatcher; the scheduled
  jobs run as bot/city_service.py schedules them.
- **The model's**: who the volunteers are, what is asked, and how people behave (when
  they read, whether they say yes, how they tire) - :class:`Behaviour` and
  :class:`Shape`, each number documented there and in bench/RESULTS.md - and the city's
  assumptions of bench/outcomes_model.py (issue 81, point 3): when requests are asked (at
  every hour), when the coordinators review them (office hours: a request is submitted
  when it is asked and published when they press, so every figure counts from asking),
  who speaks which language (with its source, and a harsher variant), and how the city
  recovers a request nobody took (volunteers join, the broadcast's coordinators post it
  again, coordinators phone around after an escalation).

The clock: ``time_machine`` moves every ``datetime.now()`` and ``time.time()`` of the
process (the database's stamps, the lifecycle's, the jobs', the outbox worker's) from one
event to the next; nothing sleeps. Events come from a heap in time order (ties in the order
they were made), so a seed gives the same run every time.

The Telegram pace: every message the worker hands to the chat takes one slot of
1 / ``telegram.max_messages_per_second`` seconds (29 a second: bot/config.py) from the
moment it became due; how long it waited for its slot is recorded (the outbox's longest
wait). The slots are counted, not waited: the simulated clock does not move while a
round of messages goes out.

Random numbers: the city (volunteers, requests) is drawn from the seed alone, and each
person's decisions from the seed, the person and the request, so that two rules compared
in one run meet the same city, the same requests and the same moods.
"""

from __future__ import annotations

import csv
import heapq
import itertools
import math
import random
import tempfile
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import time_machine

from bench.outcomes_model import (
    ARRIVALS,
    RECOVERS,
    SOURCED,
    Languages,
    Recovery,
    Review,
    requester_language,
    volunteer_languages,
)
from db import Database
from db.clock import BERLIN, to_text
from db.request_states import MATCHED, OPEN, REVIEW
from handlers import build_router
from handlers.context import Backstage
from handlers.dispatcher import Dispatcher
from handlers.helping import lifecycle, timers, unreviewed
from handlers.helping import volunteers as helping_volunteers
from handlers.helping.matching import waves
from handlers.helping.refused import Refused
from handlers.helping.vocabulary import TALK, TALK_SLOTS
from handlers.messages import Message, Outgoing
from handlers.places.coarse import AREA, coarsen
from handlers.places.gazetteer import distance_m
from handlers.settings import HandlerSettings, OfferRules
from tests.support.memory_transport import MemoryTransport

ROOT = Path(__file__).resolve().parent.parent
GROUP = "coordinators"
COORDINATOR = "cora"
# Telegram's pace (bot/config.py TelegramSection.max_messages_per_second).
TELEGRAM_PER_SECOND = 29.0
# A Monday in winter: no change of summer time within the weeks simulated.
START = datetime(2026, 1, 12, 0, 0, tzinfo=BERLIN)


# -- the model -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """The city: its map, how many volunteers, how many requests a day, for how long.

    Requests arrive for ``days`` days (a Poisson process, by the hour of day of
    ``ARRIVALS``) and the run goes on ``tail_days`` more so that the last of them can
    still be matched, expire or be escalated. The map is a gazetteer folder
    (``stadtbezirke.csv`` as the product reads it); a ``sizes.csv`` beside it gives each
    district's residents and area (bench/cities/), else every district counts alike with
    people within ``spread_km`` of its centre (Dortmund, as the bench was tuned)."""

    name: str = "Dortmund"
    volunteers: int = 300
    requests_per_day: float = 12.0
    days: int = 30
    tail_days: int = 8
    data_dir: str = "data/dortmund"
    # Share of the volunteers who choose districts and also give their own point (their
    # home on the ~500 m grid, handlers/helping/volunteers.py): the ranking measures from it
    # instead of the district's centre (issue 63). 0 keeps the tuned runs as they were.
    own_points: float = 0.0
    spread_km: float = 1.2


# Kinds of help: (share of requests, share of volunteers who offer it).
KINDS = {
    "shopping": (0.30, 0.70),
    "accompaniment": (0.15, 0.45),
    "company": (0.07, 0.50),
    # "Just talk" (handlers/helping/talk_now.py): first to volunteers on a talk shift.
    "talk": (0.05, 0.30),
    "household": (0.10, 0.35),
    "forms": (0.10, 0.35),
    "tech": (0.08, 0.40),
    "language": (0.05, 0.20),
    "moving": (0.05, 0.25),
    "learning": (0.03, 0.20),
    "other": (0.02, 0.30),
}
# Share of requests asked "as soon as possible" (the rest: a certain day or a time window;
# handlers/helping/vocabulary.py WHEN), and of the volunteers who read until the model's
# bedtime (no quiet hours before 22:00) who say they take evening requests (issue 63,
# point 4: handlers/helping/pace.py). Both assumptions; each drawn from a stream of its
# own, so that every other draw of a seed stays as it was.
URGENT_SHARE = 0.4
EVENING_SHARE = 0.3


@dataclass(frozen=True)
class Behaviour:
    """How people behave; every figure an assumption (bench/RESULTS.md lists them).

    Volunteers read chats between ``wake_hour`` and ``sleep_hour`` (their quiet hours if
    they set wider ones); a message arriving at night is read the next morning. The delay
    from arrival (or waking) to reading is log-normal (median ``read_median_minutes``,
    spread ``read_sigma``). Each volunteer reads a share of their offers at all
    (``read_share`` on average, Beta-distributed among volunteers).

    An offer read while the request is open is taken with the probability
    ``willing`` (the volunteer's own, Beta(``willing_a``, ``willing_b``)) x
    exp(-distance / ``distance_km``) x ``other_language`` when they share no language
    with the requester (``translated_language`` instead where the city names a translation
    engine: the bot translates the chat between them, so the barrier is lower, though help
    in person without a shared language stays harder - an assumption nobody measured) x
    ``other_kind`` for a kind they did not choose x
    ``busy`` ** (requests they help with now) - then "I can help" is pressed
    ``think_minutes`` later (uniform). Otherwise "not this time" is pressed with
    ``decline_share``, the rest stay silent. An offer read after someone took the request:
    counted, and "I can help" is pressed anyway with ``stale_tap`` (the notification's
    preview still shows the offer).

    Fatigue: with n offers in the last 7 days beyond ``tolerance``, a volunteer reads
    1 / (1 + (n - tolerance) / ``fatigue_scale``) as much, and each further offer mutes
    the bot for good (lost) with ``mute_per_offer`` x (n - tolerance).

    After a match: the requester says the help is done after a log-normal
    ``done_median_hours``; ``hand_back_share`` of helpers hand it back instead, within
    ``hand_back_hours``. Asked "still needed?" (day 3), ``keep_share`` of requesters say
    yes, the others withdraw; they answer after ``answer_hours``. Coordinators press
    "offer again" on an escalation ``coordinator_hours`` later (uniform, in the hours they
    review, :class:`Review`).

    "Just talk": of the volunteers who offer it, ``talk_shift_share`` choose a talk shift
    of one to three slots (handlers/helping/vocabulary.py ``TALK_SLOTS``); a talk is on
    the phone or in the chat, so distance does not lower the chance of a yes.

    Requesters: ``returning_share`` of the requests come from someone in the same district
    and language who asked before (the same account; what the city's ``publish_at_once``
    looks at), the rest from someone new. Every requester's account was made
    ``account_age_days`` before the request that first brings them in (a city's residents
    were there before the simulation began: handlers/helping/returning.py asks an account
    of some weeks before it counts anyone as returning)."""

    wake_hour: int = 7
    sleep_hour: int = 22
    read_median_minutes: float = 45.0
    read_sigma: float = 1.1
    read_share: float = 0.8
    willing_a: float = 2.5
    willing_b: float = 3.5
    distance_km: float = 3.5
    other_language: float = 0.5
    translated_language: float = 0.8
    other_kind: float = 0.4
    busy: float = 0.5
    think_minutes: tuple[float, float] = (1.0, 8.0)
    decline_share: float = 0.4
    stale_tap: float = 0.3
    tolerance: int = 4
    fatigue_scale: float = 4.0
    mute_per_offer: float = 0.003
    done_median_hours: float = 30.0
    hand_back_share: float = 0.05
    hand_back_hours: tuple[float, float] = (2.0, 20.0)
    keep_share: float = 0.75
    answer_hours: tuple[float, float] = (0.5, 6.0)
    coordinator_hours: tuple[float, float] = (1.0, 4.0)
    talk_shift_share: float = 0.6
    returning_share: float = 0.4
    account_age_days: float = 60.0


def _draw(seed: int, *keys: Any) -> random.Random:
    """A generator for one decision: the same seed and keys give the same numbers."""
    return random.Random(":".join(map(str, (seed, *keys))))


def districts(data_dir: str) -> list[tuple[str, float, float]]:
    """The city's districts and their centroids (<data_dir>/stadtbezirke.csv)."""
    with open(ROOT / data_dir / "stadtbezirke.csv", encoding="utf-8") as file:
        return [(row["stadtbezirk"], float(row["lat"]), float(row["lon"])) for row in
                csv.DictReader(file)]  # fmt: skip


def district_sizes(shape: Shape) -> dict[str, tuple[float, float]]:
    """Each district's residents and how far (km, a standard deviation) its people live
    from its centre: from ``sizes.csv`` beside the gazetteer (residents, area_km2: a disc
    of that area, whose points lie half its radius from the centre on each axis), else
    alike, ``shape.spread_km``."""
    path = ROOT / shape.data_dir / "sizes.csv"
    if not path.exists():
        return {name: (1.0, shape.spread_km) for name, _, _ in districts(shape.data_dir)}
    with open(path, encoding="utf-8") as file:
        return {
            row["stadtbezirk"]: (
                float(row["residents"]),
                math.sqrt(float(row["area_km2"]) / math.pi) / 2,
            )
            for row in csv.DictReader(file)
        }


def _near(rng: random.Random, lat: float, lon: float, km: float) -> tuple[float, float]:
    """A point about ``km`` (standard deviation) around a centroid."""
    return (
        lat + rng.gauss(0, km) / 111.0,
        lon + rng.gauss(0, km) / (111.0 * math.cos(math.radians(lat))),
    )


@dataclass
class Person:
    """A volunteer as the model sees them (their profile is in the database)."""

    name: str
    lat: float
    lon: float
    categories: tuple[str, ...]
    languages: tuple[str, ...]
    quiet: tuple[int, int]
    willing: float
    reads: float
    talk_shift: tuple[str, ...] = ()
    evenings: bool = False
    user_id: int = 0
    lost: bool = False
    helping: int = 0
    recent: deque[datetime] = field(default_factory=deque)


@dataclass(frozen=True)
class Ask:
    """A request as it will be published."""

    key: int
    at: datetime
    category: str
    district: str
    lat: float
    lon: float
    languages: tuple[str, ...]
    # "asap" (as soon as possible), "date" or "window" (handlers/helping/vocabulary.py WHEN).
    when_kind: str = "asap"


@dataclass(frozen=True)
class CityMap:
    """Where people live: the districts, their residents (who ask) and the weights by which
    volunteers live in them (more in the centre)."""

    areas: list[tuple[str, float, float]]
    residents: list[float]
    spread: dict[str, float]
    weights: list[float]

    @classmethod
    def of(cls, shape: Shape) -> CityMap:
        areas = districts(shape.data_dir)
        sizes = district_sizes(shape)
        residents = [sizes[name][0] for name, _, _ in areas]
        centre = (sum(a[1] for a in areas) / len(areas), sum(a[2] for a in areas) / len(areas))
        weights = [
            people * math.exp(-distance_m(*centre, lat, lon) / 10000)
            for (_, lat, lon), people in zip(areas, residents, strict=True)
        ]
        spread = {name: sizes[name][1] for name, _, _ in areas}
        return cls(areas, residents, spread, weights)


def make_city(
    shape: Shape, seed: int, behaviour: Behaviour, languages: Languages = SOURCED
) -> tuple[list[Person], list[Ask]]:
    """Volunteers and requests of a seed. Requests come from each district by its
    residents (Dortmund: every district alike - older people live farther out),
    volunteers live more in the centre (its residents x exp(-distance to the centre /
    10 km)): the thin outer districts are where broadcasting fails. Who speaks which
    language is each person's own draw (:mod:`outcomes_model`), so that the same seed
    gives the same city under either language assumption, only the languages differ."""
    rng = _draw(seed, "city")
    where = CityMap.of(shape)
    people = [
        _volunteer(rng, seed, n, f"v{n}", where, behaviour, languages)
        for n in range(shape.volunteers)
    ]
    asks: list[Ask] = []
    hours, shares = zip(*ARRIVALS.items(), strict=True)
    total = sum(shares)
    for day in range(shape.days):
        for hour, share in zip(hours, shares, strict=True):
            count = _poisson(rng, shape.requests_per_day * share / total)
            for _ in range(count):
                at = START + timedelta(days=day, hours=hour, minutes=rng.uniform(0, 60))
                name, lat, lon = rng.choices(where.areas, where.residents)[0]
                point = _near(rng, lat, lon, where.spread[name])
                kind = rng.choices(list(KINDS), [k[0] for k in KINDS.values()])[0]
                spoken = (requester_language(languages, _draw(seed, "asks in", len(asks))),)
                urgent = _draw(seed, "urgent", len(asks)).random() < URGENT_SHARE
                when = "asap" if urgent else "window"
                asks.append(Ask(len(asks), at, kind, name, *point, spoken, when))
    asks.sort(key=lambda a: a.at)
    return people, asks


def _volunteer(
    rng: random.Random,
    seed: int,
    n: int,
    name: str,
    where: CityMap,
    behaviour: Behaviour,
    languages: Languages,
) -> Person:
    """One volunteer: where they live, what they offer, when they read (``rng``: the city's
    stream), which languages they speak (their own stream)."""
    home, lat, lon = rng.choices(where.areas, where.weights)[0]
    kinds = tuple(k for k, (_, offered) in KINDS.items() if rng.random() < offered)
    kinds = kinds or (rng.choice(list(KINDS)),)
    quiet = rng.choices([(22, 7), (21, 8), (0, 0)], [0.6, 0.2, 0.2])[0]
    return Person(
        name=name,
        lat=_near(rng, lat, lon, where.spread[home])[0],
        lon=_near(rng, lat, lon, where.spread[home])[1],
        categories=kinds,
        languages=volunteer_languages(languages, _draw(seed, "speaks", name)),
        quiet=quiet,
        willing=rng.betavariate(behaviour.willing_a, behaviour.willing_b),
        reads=rng.betavariate(10 * behaviour.read_share, 10 * (1 - behaviour.read_share)),
        talk_shift=_talk_shift(seed, n, kinds, behaviour),
        evenings=quiet[0] in (0, 22) and _draw(seed, "evenings", n).random() < EVENING_SHARE,
    )


def joiners(
    shape: Shape, seed: int, behaviour: Behaviour, languages: Languages, recovery: Recovery
) -> list[tuple[datetime, Person]]:
    """The volunteers who join while requests come (``recovery.joins_per_week`` of the
    city's volunteers a week, at random moments of the days): their own stream, so that the
    city of a seed is the same with or without them."""
    rng = _draw(seed, "joins")
    where = CityMap.of(shape)
    count = _poisson(rng, recovery.joins_per_week * shape.volunteers * shape.days / 7)
    joined = []
    for k in range(count):
        at = START + timedelta(days=rng.uniform(0, shape.days))
        n = shape.volunteers + k
        joined.append((at, _volunteer(rng, seed, n, f"j{k}", where, behaviour, languages)))
    return sorted(joined, key=lambda pair: pair[0])


def _talk_shift(seed: int, n: int, kinds: tuple[str, ...], behaviour: Behaviour) -> tuple[str, ...]:
    """The talk shift of volunteer ``n`` (its own draw): one to three slots for a share of
    those who offer "just talk", none for the rest."""
    rng = _draw(seed, "talk shift", n)
    if TALK not in kinds or rng.random() >= behaviour.talk_shift_share:
        return ()
    return tuple(sorted(rng.sample(list(TALK_SLOTS), rng.randint(1, 3))))


def requesters(asks: list[Ask], seed: int, behaviour: Behaviour) -> list[str]:
    """Who sends each request (by ``asks``' order): with ``returning_share`` someone in the
    same district and language who asked before, else someone new (its own draw)."""
    rng = _draw(seed, "requesters")
    earlier: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    names = []
    for ask in asks:
        known = earlier.setdefault((ask.district, ask.languages), [])
        returning = rng.random() < behaviour.returning_share
        name = rng.choice(known) if returning and known else f"r{ask.key}"
        if name not in known:
            known.append(name)
        names.append(name)
    return names


def _poisson(rng: random.Random, mean: float) -> int:
    count, limit, product = 0, math.exp(-mean), rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


# -- the run -------------------------------------------------------------------------------


@dataclass
class Story:
    """What happened to one request."""

    ask: Ask
    # Who sent it (the chat's name; an earlier requester's when they ask again).
    requester: str = ""
    request_id: int = 0
    # When the request was sent (asked) and when it was published: after the coordinators'
    # review (:class:`Review`), or at once (``at_once``: the city's ``publish_at_once``).
    # The figures count from ``asked``, as the desk's statistics do.
    asked: datetime | None = None
    published: datetime | None = None
    at_once: bool = False
    matched: datetime | None = None
    offers: int = 0
    escalated: bool = False
    # How often the coordinators posted it again (the broadcast) and phoned around for it.
    reasked: int = 0
    phoned: int = 0
    # What brought the helper: "offer", "re-post" or "call" (outcomes_model.Recovery).
    matched_via: str = ""
    # The coordinators' work on it beside the offers (issue 102, point 3): whether they
    # reviewed it (pressed "publish"; not when published at once or by the city's job for
    # what nobody reviewed), and the volunteers they phoned after an escalation.
    reviewed: bool = False
    calls: int = 0


@dataclass
class Outcome:
    """What one run measured (bench/outcomes.py sums and prints them)."""

    rule: str
    seed: int
    shape: Shape
    stories: list[Story]
    # Offers each volunteer received (delivered) while requests arrived, by volunteer.
    offers_per_volunteer: list[int]
    opened_after_taken: int
    wasted_taps: int
    # Of those, refused while the request was still open (the volunteer may not help).
    refused_open: int
    lost: int
    longest_wait_s: float
    messages: int
    review: Review = field(default_factory=Review)
    languages: Languages = SOURCED
    recovery: Recovery = RECOVERS
    # Volunteers who joined while the requests came (Recovery.joins_per_week).
    joined: int = 0

    @property
    def weeks(self) -> float:
        return self.shape.days / 7

    def share(self, within: timedelta | None) -> float:
        """Share of the requests matched within ``within`` of asking (None: ever)."""
        hits = [s for s in self.stories if _matched_within(s, within)]
        return len(hits) / max(1, len(self.stories))


def _matched_within(story: Story, within: timedelta | None, since_published: bool = False) -> bool:
    """Matched within ``within`` (None: ever) of asking, or of publishing."""
    start = story.published if since_published else story.asked
    if story.matched is None or start is None:
        return False
    return within is None or story.matched - start <= within


RuleSetup = Callable[[HandlerSettings], HandlerSettings]
Job = Callable[[Database, HandlerSettings, datetime], Awaitable[Any]]


@dataclass(frozen=True)
class Rule:
    """An offer rule as the bench runs it: the settings it needs and the scheduled jobs
    that carry it (every ``every`` minutes), beside the follow-ups every rule has - with the
    city's ``timing`` (``[help] escalate_hours`` and the rest, as bot/city_service.py
    passes them)."""

    name: str
    setup: RuleSetup = lambda settings: settings
    jobs: tuple[tuple[Job, int], ...] = ()
    timing: timers.Timing = field(default_factory=timers.Timing)


class SimChat(MemoryTransport):
    """The in-memory chat, watched: what reaches whom becomes the next events."""

    def __init__(self, dispatcher: Dispatcher, run: Run) -> None:
        super().__init__(dispatcher)
        self.run = run
        self.slot = 0.0
        self.longest_wait = 0.0
        self.count = 0

    async def deliver(
        self, chat_id: str, item: Outgoing, edit_message_id: str | None = None
    ) -> str | None:
        now = self.run.now.timestamp()
        start = max(self.slot, now)
        self.slot = start + 1 / TELEGRAM_PER_SECOND
        self.longest_wait = max(self.longest_wait, start - now)
        self.count += 1
        # Only the latest message of a chat is kept: the harness reads no history.
        self.inbox[chat_id] = [item]
        if isinstance(item, Message) and edit_message_id is None:
            self.run.seen(chat_id, item)
        return f"{chat_id}-{self.count}"


class Run:
    """One rule, one seed, one city: call :meth:`play`."""

    def __init__(
        self,
        rule: Rule,
        shape: Shape,
        behaviour: Behaviour,
        seed: int,
        folder: Path,
        review: Review | None = None,
        languages: Languages = SOURCED,
        recovery: Recovery = RECOVERS,
    ) -> None:
        self.rule, self.shape, self.behaviour, self.seed = rule, shape, behaviour, seed
        self.review = review or Review()
        self.languages, self.recovery = languages, recovery
        self.folder = folder
        # Whether the rule's city names a translation engine (Behaviour.translated_language).
        self.translated = bool(rule.setup(HandlerSettings()).translation_rules.engine)
        self.people, asks = make_city(shape, seed, behaviour, languages)
        self.joining = joiners(shape, seed, behaviour, languages, recovery)
        self.by_name = {p.name: p for p in self.people}
        self.by_user: dict[int, Person] = {}
        # (volunteer, request) who said "not this time": a re-post or a call skips them.
        self.declined: set[tuple[str, int]] = set()
        names = requesters(asks, seed, behaviour)
        self.stories = [Story(a, requester=n) for a, n in zip(asks, names, strict=True)]
        self.by_request: dict[int, Story] = {}
        self.events: list[tuple[datetime, int, Callable[[], Awaitable[None]]]] = []
        self.order = itertools.count()
        self.now = START
        self.offers: Counter[str] = Counter()
        self.opened_after_taken = 0
        self.wasted_taps = 0
        self.refused_open = 0
        self.reoffers_planned: set[int] = set()
        self.requesters: dict[str, int] = {}

    # events

    def at(self, when: datetime, action: Callable[[], Awaitable[None]]) -> None:
        heapq.heappush(self.events, (when, next(self.order), action))

    async def play(self, keep_open: bool = False) -> Outcome:
        """The run (``keep_open``: its database left open for a look afterwards,
        bench/outcomes_missed.py; the caller closes it)."""
        self.db = await Database.open(str(self.folder / f"{self.rule.name}-{self.seed}.sqlite3"))
        try:
            with time_machine.travel(START, tick=False) as self.traveller:
                await self._setup()
                await self._loop()
                return self._outcome()
        finally:
            if not keep_open:
                await self.db.close()

    async def _setup(self) -> None:
        settings = HandlerSettings(
            city=self.shape.name,
            places_data_dir=str(ROOT / self.shape.data_dir),
            backchannels=frozenset({("memory", GROUP)}),
            publish_at_once=self.review.publish_at_once,
            # As measured before the request rules were declared once (their default is the
            # [help] section's 10 minutes): the simulated city's newcomers wait for none.
            new_user_cooldown_minutes=0,
            # ... and no flood limit (1000 a minute, the handlers' default then; the [bot]
            # section's is 20): the simulation's people act faster than the clock.
            max_messages_per_minute=1000,
            max_presses_per_minute=1000,
        )
        self.settings = self.rule.setup(settings)
        self.dispatcher = Dispatcher(self.db, build_router(), self.settings)
        self.chat = SimChat(self.dispatcher, self)
        self._watch()
        await self.chat.onboard(COORDINATOR, "de")
        cora = await self.db.users.find("memory", COORDINATOR)
        assert cora is not None
        await self.db.users.grant_role(cora.id, "coordinator")
        self.coordinator = cora.id
        async with self.db.transaction():
            for person in self.people:
                await self._enrol(person)
                await self.db.volunteers.verify(person.user_id, self.coordinator)
        for moment, person in self.joining:
            self.at(moment, partial(self._join, person))
        for story in self.stories:
            self.at(story.ask.at, partial(self._ask, story))
        end = START + timedelta(days=self.shape.days + self.shape.tail_days)
        tick = START
        while tick < end:
            self.at(tick, self._tick)
            tick += timedelta(minutes=5)
        self.end = end

    async def _enrol(self, person: Person) -> None:
        """A volunteer's account and profile, as they would fill it in (not yet confirmed)."""
        user = await self.db.users.seen("memory", person.name, person.name, "Vol")
        await self.db.users.record_consent(user.id)
        # They read the bot in German if they speak it, else in their first language.
        await self.db.users.set_language(user.id, "de" if "de" in person.languages
                                         else person.languages[0])  # fmt: skip
        person.user_id = user.id
        self.by_user[user.id] = person
        areas = {name: (lat, lon) for name, lat, lon in districts(self.shape.data_dir)}
        home = min(areas, key=lambda a: distance_m(person.lat, person.lon, *areas[a]))
        # Most choose their district; some a radius around their home instead.
        rng = _draw(self.seed, person.name, "area")
        if rng.random() < 0.7:
            area: dict[str, Any] = {"stadtbezirke": (home,)}
            # Its own draw: the tuned runs' other draws stay as they were.
            if _draw(self.seed, person.name, "point").random() < self.shape.own_points:
                area["lat"], area["lon"] = coarsen(person.lat, person.lon, AREA)
        else:
            area = {"lat": person.lat, "lon": person.lon,
                    "radius_m": rng.choice([1500, 2500, 4000])}  # fmt: skip
        await self.db.volunteers.save(
            user.id,
            categories=person.categories,
            languages=person.languages,
            quiet_start=person.quiet[0],
            quiet_end=person.quiet[1],
            max_open=rng.choices([1, 2, 3], [0.5, 0.35, 0.15])[0],
            talk_shift=person.talk_shift,
            evenings=person.evenings,
            **area,
        )

    async def _join(self, person: Person) -> None:
        """A new volunteer joins (:class:`outcomes_model.Recovery`): a coordinator confirms
        them through the product, which offers them the open requests that suit them."""
        async with self.db.transaction():
            await self._enrol(person)
        self.people.append(person)
        self.by_name[person.name] = person
        cora = await self.db.users.get(self.coordinator)
        assert cora is not None
        async with self.db.transaction():
            await helping_volunteers.confirm_training(
                Backstage(self.db, self.settings), cora, person.user_id
            )
        self.queued = True

    def _watch(self) -> None:
        """What the scheduler's looks would find, known without a look: whether anything
        was queued since the outbox was last looked at, when messages held back (quiet
        hours) become due, and when the next wave or look of a search is due (every time
        the product sets one, later ones included). Only the looks that would find nothing
        are left out; every message and wave goes at the same moment as before."""
        self.queued = True
        self.held: list[datetime] = []
        self.due: list[str] = []
        outbox, searches = self.db.outbox, self.db.waves
        enqueue, sent, wait = outbox.enqueue, searches.sent, searches.wait

        async def enqueued(
            platform: str,
            chat_id: str,
            payload: dict[str, Any],
            not_before: datetime | None = None,
            **rest: Any,
        ) -> int:
            self.queued = True
            if not_before is not None:
                heapq.heappush(self.held, not_before)
            return await enqueue(platform, chat_id, payload, not_before, **rest)

        async def wave_sent(request_id: int, now: str, next_at: str | None, reach: int) -> None:
            if next_at is not None:
                heapq.heappush(self.due, next_at)
            await sent(request_id, now, next_at, reach)

        async def look_later(request_id: int, next_at: str | None, reach: int) -> None:
            if next_at is not None:
                heapq.heappush(self.due, next_at)
            await wait(request_id, next_at, reach)

        outbox.enqueue = enqueued  # type: ignore[method-assign]
        searches.sent = wave_sent  # type: ignore[method-assign]
        searches.wait = look_later  # type: ignore[method-assign]

    def _passed(self, heap: list[Any], moment: Any) -> bool:
        """Whether anything in ``heap`` is due by ``moment`` (taken out)."""
        found = False
        while heap and heap[0] <= moment:
            heapq.heappop(heap)
            found = True
        return found

    async def _loop(self) -> None:
        while self.events:
            when, _, action = heapq.heappop(self.events)
            if when >= self.end:
                break
            if when > self.now:
                self.now = when
                self.traveller.move_to(when)
            await action()
            # The worker delivers what an event queued at once (city_service wakes it), and
            # what was held (quiet hours) at its next look, here every tick: the same
            # messages as a flush after every event, without a look after each that
            # queued nothing.
            if self.queued:
                self.queued = False
                await self.chat.flush()

    async def _tick(self) -> None:
        """The scheduler's jobs, as bot/city_service.py runs them (those that would find
        nothing due left out, :meth:`_watch`)."""
        if self._passed(self.held, self.now):
            self.queued = True
        local = self.now.astimezone(BERLIN)
        minutes = local.hour * 60 + local.minute
        for job, every in self.rule.jobs:
            if minutes % every == 0 and self._passed(self.due, to_text(self.now)):
                await job(self.db, self.settings, self.now)
        if minutes % 15 == 0:
            await timers.follow_up(self.db, self.settings, self.now, self.rule.timing)
        if minutes == 8 * 60:
            await timers.roundup(self.db, self.settings)

    # the requester's side

    async def _ask(self, story: Story) -> None:
        """The request is sent: it waits for the coordinators' review, or is published at
        once when the city trusts its requester (the product decides)."""
        ask = story.ask
        user = await self._requester(story.requester, ask.languages[0])
        scene = Backstage(self.db, self.settings)
        draft = {
            "category": ask.category,
            "description": "Bitte um Hilfe",
            "description_lang": ask.languages[0],
            "stadtbezirk": ask.district,
            "area_name": ask.district,
            "lat": ask.lat,
            "lon": ask.lon,
            "when_kind": ask.when_kind,
            "when_text": "" if ask.when_kind == "asap" else "diese Woche",
            "languages": ask.languages,
        }
        try:
            async with self.db.transaction():
                request = await lifecycle.submit(scene, user, draft)
        except Refused:
            # Someone who asks again while their earlier requests still run (the posting
            # limits): in the model a neighbour asks for them, as someone new.
            story.requester = f"r{ask.key}"
            user = await self._requester(story.requester, ask.languages[0])
            async with self.db.transaction():
                request = await lifecycle.submit(scene, user, draft)
        story.request_id = request.id
        story.asked = self.now
        self.by_request[request.id] = story
        if request.state == OPEN:
            story.published, story.at_once = self.now, True
            self._plan_reasks(story)
        else:
            self.at(self._reviewed_at(ask.key), lambda: self._review(story))
            if self.settings.publish_unreviewed_after:
                # The product's job runs every minute: here at the minute this request
                # comes due, in the job's hours (a look at any other minute would find
                # nothing of it).
                self.at(unreviewed.first_chance(self.settings, self.now), self._unreviewed)

    async def _requester(self, name: str, language: str) -> Any:
        if name in self.requesters:
            return await self.db.users.get(self.requesters[name])
        user = await self.db.users.seen("memory", name, name, "Res")
        made = self.now - timedelta(days=self.behaviour.account_age_days)
        await self.db.execute(
            "UPDATE users SET created_at = ? WHERE id = ?", (to_text(made), user.id)
        )
        await self.db.users.record_consent(user.id)
        await self.db.users.set_language(user.id, language)
        self.requesters[name] = user.id
        return await self.db.users.get(user.id)

    def _reviewed_at(self, key: Any) -> datetime:
        """When the coordinators publish something sent now (:class:`Review`)."""
        return self.review.published_at(self.now, _draw(self.seed, "review", key))

    async def _review(self, story: Story) -> None:
        request = await self.db.requests.get(story.request_id)
        if request is None or request.state != REVIEW:
            return
        scene = Backstage(self.db, self.settings)
        cora = await self.db.users.get(self.coordinator)
        assert cora is not None
        async with self.db.transaction():
            await lifecycle.publish(scene, cora, story.request_id)
        story.published = self.now
        story.reviewed = True
        self._plan_reasks(story)

    async def _unreviewed(self) -> None:
        """The city's ``publish_unreviewed_after`` job (handlers/helping/unreviewed.py):
        what it published counts as published now."""
        for request_id in await unreviewed.tick(self.db, self.settings, self.now):
            story = self.by_request[request_id]
            story.published = self.now
            self._plan_reasks(story)

    # how a coordinator's city recovers a request nobody took (outcomes_model.Recovery)

    def _plan_reasks(self, story: Story) -> None:
        """The broadcast's coordinators post a request still open again, some hours after
        publishing, in their hours (the waves ask again by themselves)."""
        if self.rule.name != "broadcast" or story.published is None:
            return
        recovery = self.recovery
        for k in range(1, recovery.reasks + 1):
            later = story.published + timedelta(hours=recovery.reask_after_hours * k)
            when = self.review.next_open(later)[0]
            self.at(when, partial(self._reask, story.request_id, k))

    async def _reask(self, request_id: int, attempt: int) -> None:
        request = await self.db.requests.get(request_id)
        if request is None or request.state != OPEN:
            return
        self.by_request[request_id].reasked += 1
        for user_id in sorted(await self.db.volunteers.offered(request_id)):
            person = self.by_user.get(user_id)
            if person is None or person.lost or (person.name, request_id) in self.declined:
                continue
            rng = _draw(self.seed, person.name, request_id, "reask", attempt)
            if rng.random() < self.recovery.reask_reads:
                delay = timedelta(
                    minutes=self.behaviour.read_median_minutes * math.exp(rng.gauss(0, 1))
                )
                when = self._awake(person, self._awake(person, self.now) + delay)
                self.at(when, partial(self._read, person, request_id, attempt))

    async def _phone_around(self, request_id: int) -> None:
        """After an escalation the coordinators phone the volunteers told, nearest first;
        one who picks up says yes as on an offer and presses "I can help"."""
        request = await self.db.requests.get(request_id)
        if request is None or request.state != OPEN or not self.recovery.calls:
            return
        told = [self.by_user[u] for u in await self.db.volunteers.offered(request_id)
                 if u in self.by_user]  # fmt: skip
        callable_ = [p for p in told if not p.lost and (p.name, request_id) not in self.declined]
        callable_.sort(
            key=lambda p: (distance_m(p.lat, p.lon, request.lat or 0, request.lon or 0), p.name)
        )
        self.by_request[request_id].phoned += 1
        for person in callable_[: self.recovery.calls]:
            self.by_request[request_id].calls += 1
            rng = _draw(self.seed, person.name, request_id, "call", self.now.isoformat())
            if rng.random() >= self.recovery.picks_up:
                continue
            if rng.random() < self._chance(person, request):
                minutes = timedelta(minutes=rng.uniform(*self.behaviour.think_minutes))
                self.at(self.now + minutes, partial(self._tap, person, request_id, "call"))
                return

    # what the chats get

    def seen(self, chat_id: str, message: Message) -> None:
        data = [b.data for row in message.buttons for b in row]
        for action in data:
            if action.startswith("mt:acc:") and chat_id in self.by_name:
                self._offered(self.by_name[chat_id], int(action.split(":")[2]))
            elif action.startswith("hr:keep:"):
                self._asked_still_needed(chat_id, int(action.split(":")[2]))
            elif action.startswith("mod:re:") and chat_id == GROUP:
                self._escalated(int(action.split(":")[2]))

    def _offered(self, person: Person, request_id: int) -> None:
        b = self.behaviour
        story = self.by_request.get(request_id)
        if story is not None and self.now < START + timedelta(days=self.shape.days):
            self.offers[person.name] += 1
        if story is not None:
            story.offers += 1
        week_ago = self.now - timedelta(days=7)
        while person.recent and person.recent[0] < week_ago:
            person.recent.popleft()
        person.recent.append(self.now)
        rng = _draw(self.seed, person.name, request_id, "read")
        over = max(0, len(person.recent) - b.tolerance)
        if person.lost:
            return
        if over and rng.random() < b.mute_per_offer * over:
            person.lost = True
            return
        if rng.random() > person.reads / (1 + over / b.fatigue_scale):
            return
        delay = timedelta(minutes=b.read_median_minutes * math.exp(rng.gauss(0, b.read_sigma)))
        when = self._awake(person, self._awake(person, self.now) + delay)
        self.at(when, lambda: self._read(person, request_id))

    def _awake(self, person: Person, moment: datetime) -> datetime:
        """``moment``, or the next morning if ``person`` sleeps then."""
        b = self.behaviour
        wake = max(b.wake_hour, person.quiet[1]) if person.quiet != (0, 0) else b.wake_hour
        sleep = min(b.sleep_hour, person.quiet[0]) if person.quiet != (0, 0) else b.sleep_hour
        local = moment.astimezone(BERLIN)
        if wake <= local.hour < sleep:
            return moment
        day = local.date() if local.hour < wake else local.date() + timedelta(days=1)
        minutes = _draw(self.seed, person.name, moment.isoformat()).uniform(0, 30)
        return datetime.combine(day, time(wake), BERLIN) + timedelta(minutes=minutes)

    async def _read(self, person: Person, request_id: int, attempt: int = 0) -> None:
        """``person`` reads an offer (``attempt`` 0) or the coordinators' re-post of it
        (1, 2, ...: its own draws, and nothing counted if the request was taken)."""
        b = self.behaviour
        keys = (person.name, request_id, "answer") + ((attempt,) if attempt else ())
        rng = _draw(self.seed, *keys)
        request = await self.db.requests.get(request_id)
        assert request is not None
        think = timedelta(minutes=rng.uniform(*b.think_minutes))
        if request.state != OPEN:
            if attempt:
                return
            self.opened_after_taken += 1
            if rng.random() < b.stale_tap:
                self.at(self.now + think, lambda: self._tap(person, request_id))
            return
        if rng.random() < self._chance(person, request):
            via = "re-post" if attempt else "offer"
            self.at(self.now + think, lambda: self._tap(person, request_id, via))
        elif rng.random() < b.decline_share:
            self.declined.add((person.name, request_id))
            self.at(self.now + think, lambda: self._press(person.name, f"mt:dec:{request_id}"))

    def _chance(self, person: Person, request: Any) -> float:
        """The chance that ``person`` says yes to ``request`` now (:class:`Behaviour`; a
        German-only volunteer who shares no language with the requester also times the
        language assumption's ``german_only``, with a translation engine or without)."""
        b = self.behaviour
        d = distance_m(person.lat, person.lon, request.lat or 0, request.lon or 0) / 1000
        if request.category == TALK:
            d = 0.0  # a talk is on the phone or in the chat
        p = person.willing * math.exp(-d / b.distance_km) * b.busy**person.helping
        if not set(request.languages) & set(person.languages):
            p *= b.translated_language if self.translated else b.other_language
            if person.languages == ("de",):
                p *= self.languages.german_only
        if request.category not in person.categories:
            p *= b.other_kind
        return p

    async def _press(self, name: str, data: str) -> None:
        await self.chat.press(name, data)

    async def _tap(self, person: Person, request_id: int, via: str = "offer") -> None:
        """``person`` presses "I can help" (``via``: after an offer, the coordinators'
        re-post or their call)."""
        await self.chat.press(person.name, f"mt:acc:{request_id}")
        request = await self.db.requests.get(request_id)
        assert request is not None
        if request.state != MATCHED or request.volunteer_id != person.user_id:
            self.wasted_taps += 1
            # Refused with the request still open: the product said they may not help.
            self.refused_open += request.state == OPEN
            return
        story = self.by_request[request_id]
        if story.matched is None:
            story.matched, story.matched_via = self.now, via
        person.helping += 1
        b = self.behaviour
        rng = _draw(self.seed, person.name, request_id, "after")
        if rng.random() < b.hand_back_share:
            later = timedelta(hours=rng.uniform(*b.hand_back_hours))
            when = self._awake(person, self.now + later)
            self.at(when, lambda: self._hand_back(person, request_id))
        else:
            later = timedelta(hours=b.done_median_hours * math.exp(rng.gauss(0, 0.6)))
            self.at(self.now + later, lambda: self._done(person, request_id))

    async def _hand_back(self, person: Person, request_id: int) -> None:
        await self.chat.press(person.name, f"mt:br:{request_id}:time")
        person.helping -= 1

    async def _done(self, person: Person, request_id: int) -> None:
        name = self.by_request[request_id].requester
        await self.chat.press(name, f"rl:done:{request_id}")
        await self.chat.press(name, f"rl:doney:{request_id}")
        person.helping -= 1

    def _asked_still_needed(self, chat_id: str, request_id: int) -> None:
        b = self.behaviour
        rng = _draw(self.seed, chat_id, request_id, "still")
        answer = "keep" if rng.random() < b.keep_share else "wdy"
        later = self.now + timedelta(hours=rng.uniform(*b.answer_hours))
        self.at(later, lambda: self._press(chat_id, f"hr:{answer}:{request_id}"))

    def _escalated(self, request_id: int) -> None:
        story = self.by_request.get(request_id)
        if story is not None:
            story.escalated = True
        rng = _draw(self.seed, "coordinator", request_id, self.now.isoformat())
        later = self.now + timedelta(hours=rng.uniform(*self.behaviour.coordinator_hours))
        if self.review.window_at(later) is None:
            # Nobody is in: the next coordinator's shift, some time after it begins.
            later = self.review.next_open(later)[0] + timedelta(hours=rng.uniform(0, 2))
        self.at(later, lambda: self._reoffer(request_id))
        self.at(later + timedelta(minutes=30), lambda: self._phone_around(request_id))

    async def _reoffer(self, request_id: int) -> None:
        request = await self.db.requests.get(request_id)
        if request is not None and request.state == OPEN:
            await self.chat.in_group(COORDINATOR, _button(f"mod:re:{request_id}"), GROUP)

    def _outcome(self) -> Outcome:
        stories = [s for s in self.stories if s.asked is not None]
        return Outcome(
            rule=self.rule.name,
            seed=self.seed,
            shape=self.shape,
            stories=stories,
            offers_per_volunteer=[self.offers[p.name] for p in self.people],
            opened_after_taken=self.opened_after_taken,
            wasted_taps=self.wasted_taps,
            refused_open=self.refused_open,
            lost=sum(p.lost for p in self.people),
            longest_wait_s=self.chat.longest_wait,
            messages=self.chat.count,
            review=self.review,
            languages=self.languages,
            recovery=self.recovery,
            joined=len(self.joining),
        )


def _button(data: str) -> Any:
    from handlers.messages import ButtonPress

    return ButtonPress(data, message_id="1")


async def simulate(
    rule: Rule,
    shape: Shape,
    seed: int,
    behaviour: Behaviour | None = None,
    review: Review | None = None,
    languages: Languages = SOURCED,
    recovery: Recovery = RECOVERS,
) -> Outcome:
    """One run of ``rule`` on the city of ``seed`` (its database in memory-backed files
    where the machine has them: the run is mostly database round trips), under the
    assumptions of :mod:`outcomes_model` (the defaults: office-hours review, the sourced
    languages, a city that recovers)."""
    memory = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=memory if memory.is_dir() else None) as folder:
        run = Run(
            rule, shape, behaviour or Behaviour(), seed, Path(folder), review, languages, recovery
        )
        return await run.play()


def _rule(name: str) -> RuleSetup:
    """The settings with the city's ``[help] offer_rule`` set to ``name`` (the rules'
    numbers as the configuration's defaults)."""
    return lambda settings: replace(settings, offer_rules=OfferRules(offer_rule=name))


# Today's rule: everyone who qualifies, at once (handlers/helping/matching/offer_fanout.py).
BROADCAST = Rule("broadcast", _rule("broadcast"))


# The new rules: waves, caps, widening with a budget, pull (handlers/helping/matching/waves.py), the
# waves' job every 5 minutes as bot/city_service.py schedules it.
WAVES = Rule("waves", _rule("waves"), ((waves.tick, 5),))
