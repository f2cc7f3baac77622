"""The outcomes bench's assumptions about the city that the product does not decide (issue 81,
point 3): when people ask, when the coordinators review, which languages people speak, and
how a city without the waves recovers a request nobody took. Each is a small frozen value the
harness (bench/outcomes_sim.py) reads; each has a hopeful and a harsher variant, and
tests/bench/test_outcomes_model.py checks that each does what it says.

- :data:`ARRIVALS`: requests at every hour of the day, most in the morning (an assumption:
  nobody measured it; the night is not empty, as the earlier benches had it).
- :class:`Review`: the coordinators' office hours. Weekdays 08-20 quick, weekday evenings
  20-22 and weekends 10-18 slower, nights wait for the morning (:data:`OFFICE`, the
  default); :data:`FLAT` is the earlier rounds' hope (08-20 every day, 5-60 minutes).
- :class:`Languages`: who asks in which language and which volunteers speak it, with their
  source (:data:`SOURCED`), and a harsher variant (:data:`HARSHER`: half as many volunteers
  speak each language, German-only volunteers less willing to help someone they share no
  language with).
- :class:`Recovery`: what a coordinator's city does for a request nobody took - new
  volunteers join (both rules: they are the city), the request is posted again (the
  broadcast; the waves ask again by themselves) and the coordinators phone around after an
  escalation (both rules). :data:`NO_RECOVERY` is the earlier rounds' broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from random import Random

from db.clock import BERLIN

# Share of a day's requests per hour (Europe/Berlin) when they are asked (sent): most in the
# morning, fewer in the evening, a few at night (someone who cannot sleep, a shift worker, a
# relative writing for a parent after work). An assumption, printed with the figures: 5 % of
# the requests come between 22:00 and 07:00, 6 % between 20:00 and 22:00.
ARRIVALS = {
    0: 0.5, 1: 0.3, 2: 0.2, 3: 0.2, 4: 0.2, 5: 0.4, 6: 1.5, 7: 4, 8: 9, 9: 11, 10: 11,
    11: 10, 12: 7, 13: 7, 14: 8, 15: 8, 16: 7, 17: 7, 18: 6, 19: 5, 20: 4, 21: 3, 22: 2,
    23: 1,
}  # fmt: skip


@dataclass(frozen=True)
class Window:
    """Hours ``hours`` (Europe/Berlin, [first, last)) on the weekdays ``days`` (Monday 0) in
    which a coordinator reviews, each request taking a delay uniform in ``minutes``."""

    days: frozenset[int]
    hours: tuple[int, int]
    minutes: tuple[float, float]

    def holds(self, moment: datetime) -> bool:
        local = moment.astimezone(BERLIN)
        return local.weekday() in self.days and self.hours[0] <= local.hour < self.hours[1]

    def end(self, moment: datetime) -> datetime:
        """When the window that holds ``moment`` closes."""
        local = moment.astimezone(BERLIN)
        return datetime.combine(local.date(), time(self.hours[1] % 24), BERLIN) + timedelta(
            days=self.hours[1] // 24
        )


WEEKDAYS = frozenset(range(5))
WEEKEND = frozenset({5, 6})
EVERY_DAY = WEEKDAYS | WEEKEND


@dataclass(frozen=True)
class Review:
    """How the coordinators review a request before it is published: the figures count from
    asking, so this wait is part of them.

    A request sent while a window (:class:`Window`) holds is published that window's delay
    later - if the delay runs past the window's close, the next window picks it up and takes
    its own delay; one sent outside every window (the night) waits for the next window.
    ``hours``/``minutes`` are the weekdays' office hours; ``evening`` and ``weekend`` (with
    their slower delays) the evening and weekend shifts; ``flat``: the earlier rounds'
    review, ``hours``/``minutes`` on every day of the week and nothing else.
    ``publish_at_once`` is the city's ``[help] publish_at_once`` (handlers/settings.py):
    with ``"returning"`` the product publishes a returning requester's request without
    review when their earlier help went well; the product's default is off. The
    coordinators' other answers (reject, edit) are not modelled: every request is published.
    """

    hours: tuple[int, int] = (8, 20)
    minutes: tuple[float, float] = (5.0, 60.0)
    evening: tuple[int, int] = (20, 22)
    evening_minutes: tuple[float, float] = (30.0, 180.0)
    weekend: tuple[int, int] = (10, 18)
    weekend_minutes: tuple[float, float] = (60.0, 300.0)
    flat: bool = False
    publish_at_once: frozenset[str] = field(default_factory=frozenset)

    @property
    def name(self) -> str:
        if self.flat:
            return f"flat {self.hours[0]}-{self.hours[1]} h every day"
        return (
            f"office hours: weekdays {self.hours[0]}-{self.hours[1]} h, evenings"
            f" {self.evening[0]}-{self.evening[1]} h, weekends {self.weekend[0]}-"
            f"{self.weekend[1]} h, nights wait"
        )

    @property
    def windows(self) -> tuple[Window, ...]:
        if self.flat:
            return (Window(EVERY_DAY, self.hours, self.minutes),)
        return (
            Window(WEEKDAYS, self.hours, self.minutes),
            Window(WEEKDAYS, self.evening, self.evening_minutes),
            Window(WEEKEND, self.weekend, self.weekend_minutes),
        )

    def window_at(self, moment: datetime) -> Window | None:
        return next((w for w in self.windows if w.holds(moment)), None)

    def next_open(self, moment: datetime) -> tuple[datetime, Window]:
        """The first moment from ``moment`` on that a coordinator is in, and the window."""
        window = self.window_at(moment)
        if window is not None:
            return moment, window
        local = moment.astimezone(BERLIN)
        hour = datetime.combine(local.date(), time(local.hour), BERLIN)
        for _ in range(8 * 24):
            hour += timedelta(hours=1)
            window = self.window_at(hour)
            if window is not None:
                return hour, window
        raise ValueError("the review has no hours")

    def published_at(self, asked: datetime, rng: Random) -> datetime:
        """When a request sent at ``asked`` is published (``rng``: its own draws)."""
        start, window = self.next_open(asked)
        for _ in range(20):
            done = start + timedelta(minutes=rng.uniform(*window.minutes))
            close = window.end(start)
            if done <= close:
                return done
            start, window = self.next_open(close)
        return done


# The earlier rounds' review (08-20 every day, 5-60 minutes), and the default.
FLAT = Review(flat=True)
OFFICE = Review()


@dataclass(frozen=True)
class Languages:
    """Requesters' languages other than German (``requesters``: the share of requests in
    each; the rest ask in German), the share of volunteers who speak each language besides
    their first (``volunteers``), the share of volunteers who speak no German
    (``without_german``: newcomers who volunteer, who speak one of the requesters'
    languages), and ``german_only``: a factor on the chance that a volunteer who speaks only
    German takes a request with whom they share no language (on top of the behaviour's
    ``other_language``).

    Sources (shared/CONTEXT.md, shared/seeds/): 34 % of Dortmund's residents have a
    migration history (``002`` l.68, 189 nationalities ``002`` l.1106). How many of them
    would ask in another language nobody measured: here two thirds of them, about 23 % of
    the requests - the assumption. The languages and their order are those the sources name:
    Arabic (many parents speak no German, ``002`` l.1933), Turkish, Romanian and Bulgarian
    (``002`` l.1967-1975), since 2022 Ukrainian and Russian, Polish and Farsi/Dari
    (CONTEXT.md); the shares among them are assumptions. Refugees and newcomers volunteer
    too (``001`` l.703, ``002`` l.3323): some volunteers speak no German. The volunteers'
    shares of each language are assumptions."""

    name: str
    requesters: dict[str, float]
    volunteers: dict[str, float]
    without_german: float
    german_only: float = 1.0

    def __hash__(self) -> int:
        # A run's key (bench/outcomes.py): the shares are dicts, the name says which.
        return hash((self.name, self.without_german, self.german_only))

    def halved(self) -> Languages:
        """The harsher variant: half as many volunteers speak each language other than
        German, and those who speak only German are less willing across languages."""
        return Languages(
            "harsher",
            self.requesters,
            {code: share / 2 for code, share in self.volunteers.items()},
            self.without_german / 2,
            german_only=0.6,
        )


REQUESTERS = {"ar": 0.06, "tr": 0.05, "uk": 0.04, "ru": 0.03, "ro": 0.015, "bg": 0.015,
              "pl": 0.01, "fa": 0.02}  # fmt: skip
VOLUNTEERS = {"en": 0.45, "tr": 0.08, "ar": 0.06, "ru": 0.06, "uk": 0.05, "pl": 0.03,
              "fa": 0.02, "ro": 0.02, "bg": 0.01}  # fmt: skip
SOURCED = Languages(
    "sourced",
    requesters=REQUESTERS,
    volunteers=VOLUNTEERS,
    without_german=0.03,
)
HARSHER = SOURCED.halved()
# Every language code either list names, in one order: each volunteer's and requester's
# draws are made in it, so that the harsher variant gives a subset of the same speakers.
ALL_LANGUAGES = ("en", "ar", "tr", "uk", "ru", "ro", "bg", "pl", "fa")


def volunteer_languages(languages: Languages, rng: Random) -> tuple[str, ...]:
    """The languages of one volunteer (``rng``: their own stream): German unless they are
    among ``without_german``, each other language with its share (one uniform draw each,
    compared with the share: a smaller share gives a subset of the same speakers)."""
    no_german = rng.random() < languages.without_german
    draws = {code: rng.random() for code in ALL_LANGUAGES}
    own = rng.choices(list(languages.requesters), list(languages.requesters.values()))[0]
    spoken = [c for c in ALL_LANGUAGES if draws[c] < languages.volunteers.get(c, 0.0)]
    if no_german:
        # A newcomer who volunteers speaks a language the city's requesters ask in.
        return (own, *(c for c in spoken if c != own))
    return ("de", *spoken)


def requester_language(languages: Languages, rng: Random) -> str:
    """The language a request is asked in (``rng``: the request's own stream)."""
    draw = rng.random()
    for code in ALL_LANGUAGES:
        share = languages.requesters.get(code, 0.0)
        if draw < share:
            return code
        draw -= share
    return "de"


@dataclass(frozen=True)
class Recovery:
    """How a coordinator's city recovers a request nobody took, besides the product.

    ``joins_per_week``: new volunteers join (a share of the city's volunteers a week; both
    rules), confirmed by a coordinator through the product (which offers them what is open).
    ``reasks``: the broadcast's coordinators post a request still open
    ``reask_after_hours`` after publishing again (in their hours; up to ``reasks`` times),
    outside the bot (their volunteers' group, a newsletter); each volunteer who was told and
    has not said no reads it again with ``reask_reads`` and decides as on an offer. The
    waves ask again by themselves. ``calls``: after an escalation, when the coordinators
    press "Offer again", they also phone up to ``calls`` of the volunteers told (nearest
    first; both rules), each picking up with ``picks_up`` and saying yes as on an offer;
    the one who says yes presses "I can help"."""

    joins_per_week: float = 0.01
    reask_after_hours: float = 12.0
    reasks: int = 2
    reask_reads: float = 0.5
    calls: int = 5
    picks_up: float = 0.6


RECOVERS = Recovery()
NO_RECOVERY = Recovery(joins_per_week=0.0, reasks=0, calls=0)
