"""Who is asked first: an estimate of how likely a volunteer says yes to a request.

The estimate starts from the volunteer's own taps on "I can help" per offer, shrunk toward
the city's rate while they have had few offers (``PRIOR_OFFERS`` offers' worth of the city's
rate). The city's rate is itself a prior that the city's offers only move: ``START_RATE``
worth ``CITY_PRIOR_OFFERS`` offers, plus the city's taps per offer (:func:`city_rate`). It
never reaches 0, so a city whose first offers all brought no taker still ranks its
volunteers and still asks (issue 63: a rate of exactly 0 put everyone under the floor and
no offer could ever raise it again). The estimate is lowered with distance (their own
point, else the centre of their nearest district), raised for a language shared with the
requester and lowered when the requester has no German and they share none, halved for a
related kind of help, lowered for each offer in the last week and for help given in the
last two weeks (they are not worn out).

Who is a candidate at all is :mod:`matching`'s rule, widened by the search's ``reach``:
0 the volunteers' own areas (and, for requesters without German, volunteers sharing their
language within ``language_km``), 1 also ``widen_km`` farther (neighbouring districts, a
larger radius), 2 also volunteers of related kinds of help. The caps hold at every reach:
at most ``offers_per_day`` offers in 24 hours and ``offers_per_week`` in 7 days
(:func:`room_left`, also for the pull and a newly available volunteer), the last
``language_reserve`` of them kept, by a volunteer who speaks a language besides the
``common_languages``, for requesters without German who share it (:func:`kept_back`: the
few who speak Arabic or Farsi are the best hope of those requesters, while the many others
serve a German request as well; issue 63), nobody at their
chosen maximum (matching),
nobody whose estimate is below ``estimate_floor_share`` of the city's rate (:func:`floor_of`;
none for a requester without German, issue 81) - and the floor only trims the tail: when
nobody within reach is above it (asked already or not), the best-ranked ``wave_min`` not
asked yet are still candidates. ``over_day_cap`` (a
coordinator's "offer again" that found nobody within the caps, handlers/helping/matching/waves.py):
the offers a day and a week do not count.

The evening (``evening``, handlers/helping/pace.py): volunteers who said they take
evening requests are ranked first; ``evening_only`` (after the daytime): nobody else.

"Talk now" (``talk``, handlers/helping/talk_now.py): instead of areas and kinds, everyone
whose talk shift is now, who shares a language with the requester and is not in their quiet
hours, city-wide (distance lowers nobody's estimate); the caps hold as well.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from db import Database
from db.clock import from_text, local_day, to_text
from db.requests import HelpRequest
from db.volunteers import Volunteer
from handlers.helping.matching import who_may_help
from handlers.helping.vocabulary import HELP_CATEGORIES, on_talk_shift
from handlers.places.gazetteer import distance_m, load_gazetteer
from handlers.settings import HandlerSettings, OfferRules

# Related kinds of help: asked after ``related_hours`` when nobody of the kind took it.
RELATED = {
    "shopping": ("company", "accompaniment", "moving"),
    "accompaniment": ("shopping", "company", "language"),
    "language": ("forms", "accompaniment", "learning"),
    "forms": ("language", "tech"),
    "tech": ("forms", "learning"),
    "household": ("moving",),
    "learning": ("language", "childcare"),
    "company": ("accompaniment", "shopping", "talk"),
    "talk": ("company",),
    "childcare": ("learning",),
    "moving": ("household", "shopping"),
    "other": (),
}
LOCAL, WIDER, RELATED_KINDS = 0, 1, 2
# Related kinds of help, and a small city's one wave below the estimate floor was sent
# (handlers/helping/matching/waves.py, ``below_floor_wave``): asked as at RELATED_KINDS.
BELOW_FLOOR = 3
# The budget was spent on people who share no language with a requester without German
# (handlers/helping/matching/waves.py, ``language_wave``): as at RELATED_KINDS, and also anyone who
# shares her language, at any distance, whatever kind of help they offer.
LANGUAGE = 4

PRIOR_OFFERS = 5
# The city's rate before its first offer, and how many offers' worth it counts: the city's
# own offers move it from there (after 20 offers without a taker it is 0.125, after 100
# about 0.04), and it never reaches 0.
START_RATE = 0.25
CITY_PRIOR_OFFERS = 20


# Who offers each kind of help, by (kind, talk shift): read once, it serves every request of
# the kind - the desk's review queue works out a page of hints with one (review_queue.hints).
Offering = dict[tuple[str, bool], list[Volunteer]]


@dataclass(frozen=True)
class Candidate:
    volunteer: Volunteer
    estimate: float
    # Kilometres to the request (None: unknown).
    km: float | None
    shares_language: bool


def without_german(request: HelpRequest) -> bool:
    return bool(request.languages) and "de" not in request.languages


def floor_of(rules: OfferRules, request: HelpRequest, rate: float) -> float:
    """The estimate below which nobody is asked while someone within reach is above it:
    ``estimate_floor_share`` of the city's ``rate`` - and none for a requester without
    German (issue 81). The city's rate is made by German requests, for which everyone
    shares a language (the estimate times 1.5), so a floor set by it cut exactly those a
    requester without German depends on: two thirds of the help they get comes from
    someone who shares no language with them, and half of those left unmatched after a
    day had such a volunteer within reach below the floor. What it costs is more offers
    a volunteer a week (docs/help.md, "Caps", gives the judged figures)."""
    if without_german(request):
        return 0.0
    return rules.estimate_floor_share * rate


def kept_back(rules: OfferRules, volunteer: Volunteer, request: HelpRequest) -> int:
    """Offers of the week a volunteer who speaks a language besides the common ones keeps for
    requesters who need it (``language_reserve``): none when this request is one."""
    if without_german(request) and who_may_help.shares_language(volunteer, request):
        return 0
    if set(volunteer.languages) - set(rules.common_languages):
        return rules.language_reserve
    return 0


def distance_km(
    settings: HandlerSettings, volunteer: Volunteer, request: HelpRequest
) -> float | None:
    """From the volunteer's point, else the centre of their nearest district, to the request."""
    if request.lat is None or request.lon is None:
        return None
    if volunteer.lat is not None and volunteer.lon is not None:
        return distance_m(volunteer.lat, volunteer.lon, request.lat, request.lon) / 1000
    return _district_km(settings.places_data_dir, volunteer.stadtbezirke, request.lat, request.lon)


# Remembered by districts and point: a request's candidates are thousands of volunteers, most
# of whom name one of a few dozen pairs of districts.
@lru_cache(maxsize=4096)
def _district_km(
    directory: str, districts: tuple[str, ...], lat: float, lon: float
) -> float | None:
    """From the centre of the nearest of ``districts`` to the point, None if none is known."""
    centres = {area.name: area for area in load_gazetteer(directory).bezirke}
    found = [
        distance_m(centres[d].lat, centres[d].lon, lat, lon) / 1000
        for d in districts
        if d in centres
    ]
    return min(found) if found else None


def _reachable(
    settings: HandlerSettings,
    volunteer: Volunteer,
    request: HelpRequest,
    km: float | None,
    reach: int,
    shares: bool,
) -> bool:
    if who_may_help.in_area(volunteer, request):
        return True
    if reach >= LANGUAGE and shares and without_german(request):
        return True
    if km is None:
        return False
    rules = settings.offer_rules
    own = (volunteer.radius_m or 0) / 1000 if volunteer.lat is not None else 0.0
    if reach >= WIDER and km <= own + rules.widen_km:
        return True
    # Same language first: a requester without German is asked about by those who share
    # their language in a wider radius from the first wave on.
    return shares and without_german(request) and km <= max(own, rules.language_km)


def within_reach(
    settings: HandlerSettings, volunteer: Volunteer, request: HelpRequest, reach: int
) -> bool:
    """Whether the waves may ask ``volunteer`` about ``request`` at ``reach``, by area and
    kind of help alone (the rest is :func:`matching.why_not`'s): what "I can help" checks
    instead of the volunteer's own areas and kinds once a wave reached beyond them."""
    kinds = {request.category}
    if reach >= RELATED_KINDS:
        kinds |= set(RELATED.get(request.category, ()))
    shares = who_may_help.shares_language(volunteer, request)
    if reach >= LANGUAGE and shares and without_german(request):
        return True
    if not kinds & set(volunteer.categories):
        return False
    km = distance_km(settings, volunteer, request)
    return _reachable(settings, volunteer, request, km, reach, shares)


def city_rate(taps: int, offers: int) -> float:
    """The city's chance that an offer brings a taker: its taps per offer, shrunk toward
    ``START_RATE`` (``CITY_PRIOR_OFFERS`` offers' worth); above 0 whatever happened."""
    return (taps + CITY_PRIOR_OFFERS * START_RATE) / (offers + CITY_PRIOR_OFFERS)


def estimate(
    rules: OfferRules,
    *,
    taps: int,
    offers: int,
    city_rate: float,
    km: float | None,
    shares_language: bool,
    no_common_language: bool,
    related_kind: bool,
    asked_this_week: int,
    helped_lately: bool,
) -> float:
    """The chance (0..1) that the volunteer says yes (the module's docstring says how)."""
    chance = (taps + PRIOR_OFFERS * city_rate) / (offers + PRIOR_OFFERS)
    if km is not None:
        chance /= 1 + km / 3
    if shares_language:
        chance *= 1.5
    elif no_common_language:
        chance *= 0.5
    if related_kind:
        chance *= 0.5
    chance /= 1 + 0.2 * asked_this_week
    if helped_lately:
        chance *= 0.7
    return min(chance, 0.95)


@dataclass(frozen=True)
class _Reachable:
    """A volunteer within reach of a request, before the tables of offers are read."""

    volunteer: Volunteer
    # Asked for a related kind of help, not the request's own.
    related: bool
    km: float | None
    shares: bool
    # What the ranking reads of the pair alone, worked out once with the reach (a kept search
    # is ranked again after each offer: handlers/helping/matching/hint_cache.py): no language in
    # common (:func:`_no_common_language`), the offers kept back (:func:`kept_back`).
    no_common: bool
    kept: int


# Who a search may ask before the tables are read (:func:`reach`, kept by hint_cache.py).
Reachable = _Reachable


async def candidates(
    db: Database,
    settings: HandlerSettings,
    request: HelpRequest,
    now: datetime,
    reach: int,
    skip: set[int],
    *,
    talk: bool = False,
    over_day_cap: bool = False,
    evening: bool = False,
    evening_only: bool = False,
    below_floor: bool = False,
) -> list[Candidate]:
    """Everyone who may be asked now at this reach (``talk``: on a talk shift now instead),
    not in ``skip``, best first; ``over_day_cap``: also those who had their offers a day
    and a week; ``evening``: those who take evening requests first; ``evening_only``:
    nobody else; ``below_floor``: whatever the estimate floor (a small city's search that
    found nobody at or above it, ``below_floor_wave``)."""
    search = Search(request, reach, talk=talk, evening=evening, evening_only=evening_only)
    reachable = await _within_reach(db, settings, search, now, {}, None)
    if not reachable:
        return []
    tables = await read_tables(db, now, [near.volunteer.user_id for near in reachable])
    return _best(settings, search, reachable, tables, skip, over_day_cap, below_floor)


@dataclass(frozen=True)
class Search:
    """One request's search as :func:`candidates` takes it (its keyword arguments), for
    :func:`candidates_of_page`."""

    request: HelpRequest
    reach: int = LOCAL
    talk: bool = False
    evening: bool = False
    evening_only: bool = False


async def candidates_of_page(
    db: Database, settings: HandlerSettings, searches: list[Search], now: datetime
) -> list[list[Candidate]]:
    """:func:`candidates` of each of a page's searches (nobody skipped, within the caps),
    each list the same as the search's alone: who offers each kind is read once for the
    page (:data:`Offering`), and the tables of offers and answers once, for everyone any of
    the searches may ask - the desk's review queue (review_queue.hints) asks this for 20
    requests at a time, and read per request these reads were most of its time."""
    pool = await _pool(db, settings, searches)
    handed_back = await db.volunteers.handed_back_of([search.request.id for search in searches])
    reachables = [
        await _within_reach(db, settings, search, now, pool, handed_back[search.request.id])
        for search in searches
    ]
    ids = {near.volunteer.user_id for reachable in reachables for near in reachable}
    tables = await read_tables(db, now, ids) if ids else None
    return [
        _best(settings, search, reachable, tables, set(), False) if tables and reachable else []
        for search, reachable in zip(searches, reachables, strict=True)
    ]


async def _pool(db: Database, settings: HandlerSettings, searches: list[Search]) -> Offering:
    """Who offers each kind of help the searches (not on a talk shift) look for, in one read:
    most volunteers offer several of a page's kinds."""
    keys = {key for search in searches if not search.talk for key in offering_keys(search)}
    return await read_offering(db, settings, keys)


def offering_keys(search: Search) -> list[tuple[str, bool]]:
    """The entries of :data:`Offering` the search reads."""
    if search.talk:
        return [(search.request.category, True)]
    return [(kind, False) for kind in _kinds(search)]


async def read_offering(
    db: Database,
    settings: HandlerSettings,
    keys: Collection[tuple[str, bool]],
    among: Collection[int] | None = None,
) -> Offering:
    """These entries of :data:`Offering` (the kinds in one read; ``among``: of these
    volunteers only - read again after a write about them,
    handlers/helping/matching/hint_cache.py)."""
    verified = settings.require_verified_volunteers
    kinds = {kind for kind, talk in keys if not talk}
    by_kind = await db.volunteers.candidates_by_kind(kinds, verified, among)
    found: Offering = {(kind, False): each for kind, each in by_kind.items()}
    for kind, talk in keys:
        if talk:
            found[kind, True] = await db.volunteers.candidates(
                kind, None, verified, talk_shift=True, among=among
            )
    return found


async def reach(
    db: Database, settings: HandlerSettings, search: Search, now: datetime, pool: Offering
) -> list[Reachable]:
    """Who of ``pool`` (holding the search's :func:`offering_keys`) the search may ask by
    area, kind and certificate, as :func:`candidates_of_page` finds them before those who
    handed the request back are left out: for what is kept between searches
    (handlers/helping/matching/hint_cache.py), which leaves them out and ranks with :func:`best`."""
    return await _within_reach(db, settings, search, now, pool, set())


def best(
    settings: HandlerSettings, search: Search, reachable: list[Reachable], tables: Tables
) -> list[Candidate]:
    """The search's candidates among ``reachable`` (nobody skipped, within the caps), as
    :func:`candidates_of_page` ranks them; in any order of ``reachable``."""
    return _best(settings, search, reachable, tables, set(), False)


def _kinds(search: Search) -> list[str]:
    """The request's kind of help, and at ``RELATED_KINDS`` the related ones; at
    ``LANGUAGE`` for a requester without German every kind (:func:`_near` keeps those of
    the others only for those who share her language)."""
    kinds = [search.request.category]
    if search.reach >= RELATED_KINDS:
        kinds += list(RELATED.get(search.request.category, ()))
    if search.reach >= LANGUAGE and without_german(search.request):
        kinds += [kind for kind in HELP_CATEGORIES if kind not in kinds]
    return kinds


async def _within_reach(
    db: Database,
    settings: HandlerSettings,
    search: Search,
    now: datetime,
    pool: Offering,
    handed_back: set[int] | None,
) -> list[_Reachable]:
    """Who may be asked by area, kind and certificate (no table of offers read yet), but
    those who handed the request back (None: read here)."""
    request = search.request
    found = await _offering(db, settings, search, pool)
    if not found:
        return []
    if handed_back is None:
        handed_back = await db.volunteers.handed_back(request.id)
    # The day a certificate must count on, if the kind needs one: the same for every
    # volunteer, asked once (a page of the review queue asks about 40,000 volunteers).
    day = local_day(now) if who_may_help.needs_certificate(settings, request) else None
    return [
        near
        for volunteer, related in found.values()
        if volunteer.user_id not in handed_back
        and (near := _near(settings, request, now, day, search, volunteer, related))
    ]


def _best(
    settings: HandlerSettings,
    search: Search,
    reachable: list[_Reachable],
    tables: Tables,
    skip: set[int],
    over_day_cap: bool,
    below_floor: bool = False,
) -> list[Candidate]:
    """Those within reach ranked best first, above the floor while anyone is (``below_floor``:
    all of them, whatever it)."""
    ranked, floor, head = _ranked(settings, search.request, reachable, tables, skip, over_day_cap)
    # In the evening those who said they take evening requests first: the others may be
    # out, or asleep before the offer is read.
    evening = search.evening
    ranked.sort(
        key=lambda c: (evening and not c.volunteer.evenings, -c.estimate, c.volunteer.user_id)
    )
    if below_floor:
        return ranked
    if not head:
        return ranked[: settings.offer_rules.wave_min]
    return [c for c in ranked if c.estimate >= floor]


async def _offering(
    db: Database, settings: HandlerSettings, search: Search, pool: Offering
) -> dict[int, tuple[Volunteer, bool]]:
    """Who offers the request's kind of help (at ``RELATED_KINDS``: also a related kind,
    marked True; ``talk``: on a talk shift), by user id, each once; never the requester."""
    request, talk = search.request, search.talk
    found: dict[int, tuple[Volunteer, bool]] = {}
    for kind in _kinds(search):
        if (kind, talk) not in pool:
            # Read for everyone (the requester is left out below), so that the list serves
            # every request of the kind.
            pool[kind, talk] = await db.volunteers.candidates(
                kind, None, settings.require_verified_volunteers, talk_shift=talk
            )
        for volunteer in pool[kind, talk]:
            if volunteer.user_id != request.requester_id and volunteer.user_id not in found:
                found[volunteer.user_id] = (volunteer, kind != request.category)
        if talk:
            break
    return found


def _near(
    settings: HandlerSettings,
    request: HelpRequest,
    now: datetime,
    day: str | None,
    search: Search,
    volunteer: Volunteer,
    related: bool,
) -> _Reachable | None:
    """``volunteer`` if they may be asked by certificate (``day``: the day it must count
    on, None: the kind needs none), the evening, area and kind (no store query), else None."""
    if day is not None and not who_may_help.certified(volunteer, day):
        return None
    if search.evening_only and not volunteer.evenings:
        return None
    shares = who_may_help.shares_language(volunteer, request)
    if search.talk:
        # City-wide, now: their shift, a shared language, awake.
        awake = who_may_help.quiet_until(volunteer, now) is None
        if shares and on_talk_shift(volunteer.talk_shift, now) and awake:
            return _reached(settings, request, volunteer, related, None, shares)
        return None
    if related and search.reach >= LANGUAGE and not shares:
        # Beyond the related kinds only those who share her language (``_kinds``).
        kinds = RELATED.get(request.category, ())
        if not set(kinds) & set(volunteer.categories):
            return None
    km = distance_km(settings, volunteer, request)
    if not _reachable(settings, volunteer, request, km, search.reach, shares):
        return None
    return _reached(settings, request, volunteer, related, km, shares)


def _reached(
    settings: HandlerSettings,
    request: HelpRequest,
    volunteer: Volunteer,
    related: bool,
    km: float | None,
    shares: bool,
) -> _Reachable:
    """``volunteer`` within reach of ``request``, with what the ranking reads of the two."""
    no_common = _no_common_language(settings, volunteer, shares, request)
    kept = kept_back(settings.offer_rules, volunteer, request)
    return _Reachable(volunteer, related, km, shares, no_common, kept)


def _ranked(
    settings: HandlerSettings,
    request: HelpRequest,
    reachable: list[_Reachable],
    tables: Tables,
    skip: set[int],
    over_day_cap: bool,
) -> tuple[list[Candidate], float, bool]:
    """Those within reach with room left (``over_day_cap``: all), not in ``skip``, with
    their estimates; the floor; and whether anyone within reach - asked already or not,
    capped or not - is at or above it (the floor holds only then)."""
    rules = settings.offer_rules
    rate = tables.rate
    # The floor is relative to the city's rate (a city where few say yes has low estimates
    # everywhere) and trims only the tail: it holds while someone within reach - asked
    # already or not, capped or not - is above it. When nobody is (a small town where
    # everyone lives far from the request), the best-ranked still get a wave, so that no
    # request goes unasked for a number. (Letting the best below it through whenever
    # nobody above it was left to ask put the least likely on every later wave: 3.59
    # offers a volunteer a week in bench/outcomes.py, against 3.24.)
    floor = floor_of(rules, request, rate)
    head = False
    ranked: list[Candidate] = []
    for near in reachable:
        who = near.volunteer.user_id
        taps, offers = tables.answers.get(who, (0, 0))
        chance = estimate(
            rules,
            taps=taps,
            offers=offers,
            city_rate=rate,
            km=near.km,
            shares_language=near.shares,
            no_common_language=near.no_common,
            related_kind=near.related,
            asked_this_week=tables.week.get(who, 0),
            helped_lately=who in tables.helped,
        )
        head = head or chance >= floor
        if who in skip:
            continue
        room = tables.room(rules, who)
        if room.left(near.kept) <= 0 and not over_day_cap:
            continue
        ranked.append(Candidate(near.volunteer, chance, near.km, near.shares))
    return ranked, floor, head


def _no_common_language(
    settings: HandlerSettings, volunteer: Volunteer, shares: bool, request: HelpRequest
) -> bool:
    """Whether the volunteer and a requester without German have no language in common
    (none, German, nor a translation engine of the city's)."""
    return (
        not shares
        and without_german(request)
        and "de" not in volunteer.languages
        and not settings.translation_rules.engine
    )


@dataclass(frozen=True)
class Room:
    """How many more offers a volunteer may get: what is left of their ``offers_per_day``
    in 24 hours and of their ``offers_per_week`` in 7 days."""

    day: int
    week: int

    def left(self, kept: int = 0, sent: int = 0) -> int:
        """How many more, ``sent`` since counted, when they keep the last ``kept`` of the
        week for others (:func:`kept_back`; a day's offers are never kept)."""
        return min(self.day, self.week - kept) - sent


@dataclass(frozen=True)
class Tables:
    """The tables of offers and answers the estimates read, for some volunteers (read once,
    they serve every request whose candidates are among them: :func:`candidates_of_page`)."""

    # Offers each had in the last 24 hours and 7 days (none: absent).
    day: dict[int, int]
    week: dict[int, int]
    # Who took a request in the last 14 days.
    helped: set[int]
    # (taps on "I can help", offers) of each ever offered something.
    answers: dict[int, tuple[int, int]]
    # The city's rate (:func:`city_rate`).
    rate: float

    def room(self, rules: OfferRules, who: int) -> Room:
        return _room(rules, self.day, self.week, who)


def _room(rules: OfferRules, day: dict[int, int], week: dict[int, int], who: int) -> Room:
    """``who``'s room, from the offers each had in 24 hours (``day``) and 7 days (``week``)."""
    return Room(rules.offers_per_day - day.get(who, 0), rules.offers_per_week - week.get(who, 0))


# How far back the tables look: the offers of a day and of a week (the caps), and help given
# lately (the estimate).
DAY, WEEK, LATELY = timedelta(hours=24), timedelta(days=7), timedelta(days=14)
# The rules read the clock by the hour (the evening's flags are the search's own): quiet
# hours, talk shifts, the day a certificate must count on. Every time zone's hours begin at a
# quarter hour of UTC.
_CLOCK_STEP = timedelta(minutes=15)


async def read_tables(db: Database, now: datetime, ids: Collection[int]) -> Tables:
    """:class:`Tables` of ``ids`` as of ``now``."""
    return Tables(
        *await _asked(db, now, ids),
        await db.volunteers.helped_since(to_text(now - LATELY), ids),
        await db.volunteers.answers(ids),
        city_rate(*await db.volunteers.city_answers()),
    )


async def _asked(
    db: Database, now: datetime, ids: Collection[int]
) -> tuple[dict[int, int], dict[int, int]]:
    """How many offers each had in the last 24 hours and in the last 7 days."""
    day = await db.volunteers.asked_since(to_text(now - DAY), ids)
    week = await db.volunteers.asked_since(to_text(now - WEEK), ids)
    return day, week


async def unchanged_until(db: Database, now: datetime) -> datetime:
    """Until when :func:`candidates_of_page` of the same searches finds what it finds at
    ``now``, as long as nothing is written to the database: until the first offer or help
    its tables count leaves its window (``DAY``, ``WEEK``, ``LATELY``), or the next quarter
    hour (``_CLOCK_STEP``), whichever comes first. (A stored moment in another form than
    ours: ``now``, nothing is taken as unchanged.)"""
    step = _CLOCK_STEP.total_seconds()
    until = datetime.fromtimestamp((now.timestamp() // step + 1) * step, UTC)
    asked, helped = await db.volunteers.first_since(
        [to_text(now - DAY), to_text(now - WEEK)], to_text(now - LATELY)
    )
    for first, window in ((asked[0], DAY), (asked[1], WEEK), (helped, LATELY)):
        if first is None:
            continue
        try:
            until = min(until, from_text(first) + window)
        except ValueError:
            return now
    return until


async def room_left(db: Database, rules: OfferRules, now: datetime, volunteer_id: int) -> Room:
    """How many more offers the volunteer may get now (:class:`Room`)."""
    return _room(rules, *await _asked(db, now, [volunteer_id]), volunteer_id)


def wave_of(
    ranked: list[Candidate], rules: OfferRules, room: int, most: int, takers: float = 1.0
) -> list[Candidate]:
    """The best-ranked, as many as needed for about ``takers`` expected takers (their
    estimates summed; handlers/helping/pace.py ``takers_in_wave``), ``wave_min`` to
    ``most`` (pace), and no more than ``room`` (what is left of the budget)."""
    wave: list[Candidate] = []
    expected = 0.0
    for candidate in ranked:
        if len(wave) >= min(most, room):
            break
        if len(wave) >= rules.wave_min and expected >= takers:
            break
        wave.append(candidate)
        expected += candidate.estimate
    return wave
