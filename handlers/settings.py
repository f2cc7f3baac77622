"""The part of the configuration handlers see; filled in by ``bot.config``."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any

from db.data_rights import Limits
from handlers.channels import NO_COLON, CallPort, Channels, CheckPort, CodeTexts, not_of_the_form
from locales import SUPPORTED_LANGUAGES, negotiate
from locales.phone_numbers import COUNTRIES, parse_countries


def option(
    default: Any = MISSING,
    *,
    secret: bool = False,
    choices: tuple[str, ...] = (),
    minimum: int | None = None,
    maximum: int | None = None,
    doc: str = "",
    wide: bool = False,
    read: Callable[[str], Any] | None = None,
    read_each: Callable[[str], Any] | None = None,
) -> Any:
    """A setting of a configuration section: its default, whether it is a secret read only
    from the environment, its choices and bounds, its doc; ``wide``: installation-wide, set
    only in the main configuration; ``read``: a setting written as text in another shape than
    its type ("DE, AT" for two countries) is read by it into the type at the configuration's
    edge, its ValueError the reason it is refused; ``read_each``: a setting written as a list
    of texts (comma-separated in the environment) has each entry read by it, in written
    order, into a tuple of what it returns (``["telegram:123"]`` into (platform, user id)
    pairs). bot/config.py reads and checks a city's file by these;
    the rules below (:class:`OfferRules`) are declared with them once, and ``[help]``
    (bot/config.py ``HelpSection``) is made of them."""
    meta = {
        "secret": secret,
        "choices": choices,
        "min": minimum,
        "max": maximum,
        "doc": doc,
        "wide": wide,
        "read": read,
        "read_each": read_each,
    }
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Organisation:
    """Who issues volunteers' certificates: its name and address lines as printed, and the
    file of its logo ("" none). Declared once with their docs: the configuration's
    ``[organisation]`` section is one (bot/sections.py ``Sections``, by :class:`Issuer`),
    and the handlers get the section's values with the lines stripped."""

    name: str = option(
        "",
        doc="Who issues volunteers' certificates, e.g. FreiwilligenAgentur Dortmund; "
        "empty: volunteers cannot ask for certificates",
    )
    address: tuple[str, ...] = option((), doc="The organisation's address, a line each")
    logo: str = option("", doc="A PNG, JPEG or SVG file printed on certificates (at most 1 MB)")


# Who is offered an open request, and when (issue 57): ``"waves"`` - the best-ranked few
# first, more later, wider later (handlers/helping/matching/waves.py) - or ``"broadcast"``, every
# qualifying volunteer at once (the rule before). The city's ``[help]`` section sets them.
WAVES = "waves"
BROADCAST = "broadcast"
OFFER_RULES = (WAVES, BROADCAST)


@dataclass(frozen=True)
class OfferRules:
    offer_rule: str = option(
        WAVES,
        choices=OFFER_RULES,
        doc="waves: the best-ranked few first, more later, wider later; broadcast: everyone "
        "who qualifies at once",
    )
    # A wave is as large as needed for about ``wave_takers`` expected takers (the summed
    # estimates of ``ranking``), within these bounds.
    wave_min: int = option(3, minimum=1, maximum=50, doc="Fewest volunteers asked in one wave")
    wave_max: int = option(5, minimum=1, maximum=100, doc="Most volunteers asked in one wave")
    wave_takers: float = option(
        1.0,
        minimum=0,
        maximum=10,
        doc="A wave asks as many as needed for about this many expected takers (the "
        "volunteers' estimated chances of a yes, summed), within wave_min and wave_max",
    )
    # The next wave after this many daytime minutes without a taker (at once when everyone
    # in the wave said "not this time").
    wave_minutes: int = option(
        60, minimum=1, maximum=1440, doc="Daytime minutes without a taker before the next wave"
    )
    # Fast at first, patient later: the first ``early_waves`` waves are up to ``wave_max``
    # people and each followed by the next after ``wave_minutes``; the waves after them up
    # to ``wave_max_later`` people, ``wave_minutes_later`` apart (offers are read over
    # hours: later waves that go quickly are read after someone took the request).
    early_waves: int = option(
        1,
        minimum=0,
        maximum=1000,
        doc="The first this many waves are up to wave_max people, wave_minutes apart",
    )
    wave_max_later: int = option(
        5, minimum=1, maximum=100, doc="Most volunteers asked in one wave after the early waves"
    )
    wave_minutes_later: int = option(
        180,
        minimum=1,
        maximum=1440,
        doc="Daytime minutes without a taker before the next wave after the early waves",
    )
    # Nobody left to ask: look again this often (new and freed volunteers).
    relook_hours: int = option(
        2, minimum=1, maximum=48, doc="Nobody left to ask: look again for new volunteers this often"
    )
    # At most this many offers to one volunteer in 24 hours, and this many in 7 days (14:
    # in a city, a week's cap of 7 cost matches and saved no offers - a capped volunteer
    # was replaced by a lower-ranked one, issue 81; a small city is spared by the budget
    # below, docs/help.md).
    offers_per_day: int = option(
        3, minimum=1, maximum=100, doc="Most offers one volunteer gets in 24 hours"
    )
    offers_per_week: int = option(
        14,
        minimum=1,
        maximum=700,
        doc="Most offers one volunteer gets in 7 days",
    )
    # Of those, a volunteer who speaks a language besides the common ones keeps this many
    # for requesters who need that language (few speak it; German requests have many
    # others to ask): bench/RESULTS.md, issue 63.
    language_reserve: int = option(
        2,
        minimum=0,
        maximum=100,
        doc="Of a volunteer's offers a week, this many are kept for requesters who need a "
        "language they speak besides the common_languages (0: none kept)",
    )
    common_languages: tuple[str, ...] = option(
        ("de", "en"),
        doc="Languages so many volunteers speak that nobody keeps offers for them",
    )
    # Nobody whose estimate (the chance they say yes) is below this share of the city's
    # rate (ranking.city_rate) - unless nobody within reach is above it: the floor trims
    # the tail only.
    estimate_floor_share: float = option(
        0.25,
        minimum=0,
        maximum=1,
        doc="Nobody is asked whose chance of saying yes is below this share of the city's "
        "rate, unless nobody within reach is above it",
    )
    # Neighbouring districts and a larger radius after this many daytime hours (or at once
    # when nobody local is left) ...
    widen_hours: int = option(
        3, minimum=1, maximum=72, doc="Daytime hours before neighbouring districts are asked"
    )
    # ... that much farther (km) ...
    widen_km: float = option(
        8.0, minimum=0, maximum=50, doc="How much farther the widened search reaches"
    )
    # ... and at once when fewer than this many are left to ask in the volunteers' own
    # areas (a thin district: its few would be asked in one wave, then nobody for hours);
    # fewer left even there: related kinds of help at once too.
    widen_below: int = option(
        6,
        minimum=0,
        maximum=100,
        doc="Fewer than this many left to ask nearby: neighbouring districts at once",
    )
    # ... or when the estimates of those left add up to fewer than this many expected
    # takers (0: by their number alone).
    widen_takers: float = option(
        0.0,
        minimum=0,
        maximum=10,
        doc="Also widen at once when the estimates of those left add up to fewer expected "
        "takers than this (0: by their number alone)",
    )
    # ... and related kinds of help after this many hours.
    related_hours: int = option(
        10, minimum=1, maximum=168, doc="Hours before volunteers of related kinds of help are asked"
    )
    # After this many people asked, the coordinators take over and the bot stops asking -
    # and in a small city after ``budget_share`` of its volunteers who take requests, but
    # never fewer than ``budget_least``: a town of 40 gets 15, not 20. Where volunteers
    # are few, 25 asked most of the town about every request, tires them and keeps the
    # coordinators, whose calls find helpers, waiting (issue 81, point 5:
    # bench/RESULTS.md); a city of a dozen still asks all of them. 20, not 25: a quarter
    # of a city's requests spent the budget - nearly half of all offers - and the last five
    # added no matches within 24 h (the coordinators' calls, sooner, find some): judged on
    # its own seeds, 3.57 -> 3.39 offers a volunteer a week (docs/help.md, "Budget"). 18,
    # not 20, for the same reason, judged again on fresh seeds: 3.52 -> 3.36 (harsher
    # languages 3.55 -> 3.43), within 24 h 90.1 -> 90.4 %.
    budget: int = option(
        18, minimum=1, maximum=1000, doc="After this many asked the coordinators take over"
    )
    budget_share: float = option(
        0.3,
        minimum=0,
        maximum=1,
        doc="The coordinators take over after this share of the city's volunteers who take "
        "requests were asked (never fewer than budget_least), where that is fewer than budget",
    )
    budget_least: int = option(
        15,
        minimum=1,
        maximum=1000,
        doc="budget_share never makes the coordinators take over before this many were asked",
    )
    # In a small city (its budget set by ``budget_share``, below ``budget``), a search that
    # finds nobody left at or above the estimate floor sends one last wave of the
    # best-ranked below it (this many people, within the budget; 0: none) before it runs
    # dry: a town's few volunteers are all it has (issue 81: in the outcomes bench most
    # requests with German a small town missed within 24 h ran dry with the budget unspent
    # and half the town under the floor; bench/outcomes_missed.py, docs/help.md "One wave
    # below the floor"). Off: judged once (2 a wave) it did not win - the town 78.1 -> 79.2 %
    # within 24 h, harsher 76.0 -> 76.0 %, for 3.57 -> 3.68 offers a volunteer a week.
    below_floor_wave: int = option(
        0,
        minimum=0,
        maximum=20,
        doc="In a small city (its budget set by budget_share), a search that finds nobody "
        "left above the estimate floor sends one wave of this many below it (0: none)",
    )
    # A requester without German whose budget went on people who share no language with
    # her: one more wave of this many who share it - at any distance, whatever kind of help
    # they offer - before the coordinators take over (0: none). Issue 102, point 4: most of
    # the requests without German a small town missed had spent the budget so; judged once
    # on its own seeds in the small town, paired with none: under the harsher languages
    # 78.4 -> 80.7 % within 24 h of asking, without German 63.2 -> 66.4 %, for 3.23 -> 3.28
    # offers a volunteer a week (docs/help.md, "A budget spent without a shared language").
    language_wave: int = option(
        3,
        minimum=0,
        maximum=20,
        doc="A requester without German whose budget went on people who share no language "
        "with her: one more wave of this many who share it, at any distance and kind of help, "
        "before the coordinators take over (0: none)",
    )
    # A search that ran dry - a wave of its own found nobody left to ask at the widest
    # reach, and nobody is held for quiet hours, the evening or the caps - tells the
    # coordinators at once with the reason, instead of waiting for the alert after
    # ``escalate_hours`` (handlers/helping/timers.py; 24 hours when this was judged); it
    # keeps looking for new and freed volunteers (issue 81: in the outcomes bench over half
    # of a small town's requests unmatched at 24 h had run dry hours before, unseen; judged
    # on its own seeds, docs/help.md "Nobody left"). False: only the alert after escalate_hours.
    tell_when_dry: bool = option(
        True,
        doc="A search that ran dry (nobody left to ask, nobody held) tells the coordinators "
        "at once, not after escalate_hours; it keeps looking for new volunteers",
    )
    # Requesters without German: volunteers who share their language within this distance
    # (km) are asked from the first wave on.
    language_km: float = option(
        8.0,
        minimum=0,
        maximum=50,
        doc="Requesters without German: volunteers sharing their language this far are asked first",
    )
    # The daytime in which waits count (hours, Europe/Berlin).
    day_start: int = option(
        8, minimum=0, maximum=22, doc="Hour the daytime of the offer waits starts"
    )
    day_end: int = option(21, minimum=1, maximum=23, doc="Hour the daytime of the offer waits ends")
    # "Just talk" requests (handlers/helping/talk_now.py): offered city-wide to this many
    # volunteers on a talk shift who share a language at a time, the next ones after this
    # many minutes without a taker (at once when all said "not this time"), and after this
    # many hours the usual waves (0: no talk shifts, the usual waves at once).
    talk_wave: int = option(
        3, minimum=1, maximum=50, doc="Just talk: volunteers on a talk shift asked at a time"
    )
    talk_wave_minutes: int = option(
        15, minimum=1, maximum=180, doc="Just talk: minutes without a taker before the next ones"
    )
    talk_hours: int = option(
        3,
        minimum=0,
        maximum=48,
        doc="Just talk: hours of talk shifts before the usual waves (0: the usual waves at once)",
    )
    # The pace follows urgency and the hour (issue 63, handlers/helping/pace.py). An "as
    # soon as possible" request: its first ``urgent_waves`` waves are up to
    # ``urgent_wave_max`` people and ``urgent_wave_minutes`` apart (one such wave: two cost
    # the later requests more within 24 h in bench/outcomes.py, bench/RESULTS.md; 12, not
    # 8: read within two hours by enough of them, issue 81).
    urgent_waves: int = option(
        1,
        minimum=0,
        maximum=100,
        doc='"As soon as possible" requests: the first this many waves are urgent_wave_max '
        "people, urgent_wave_minutes apart",
    )
    urgent_wave_max: int = option(
        12, minimum=1, maximum=100, doc='Most volunteers in an "as soon as possible" early wave'
    )
    urgent_wave_minutes: int = option(
        30,
        minimum=1,
        maximum=1440,
        doc='Minutes without a taker before an "as soon as possible" request\'s next early wave',
    )
    # ... and each of those waves is as large as needed for about this many expected takers
    # (not ``wave_takers``): about a third of the offers are read only after two hours, so
    # a wave sized for one taker at some time finds fewer within the hour (issue 81).
    urgent_wave_takers: float = option(
        1.0,
        minimum=0,
        maximum=10,
        doc='Expected takers an "as soon as possible" early wave is sized for, within '
        "wave_min and urgent_wave_max",
    )
    # A search that starts in the evening (from ``evening_from`` to ``evening_until``,
    # hours, Europe/Berlin): a first wave of up to ``evening_wave_max`` people, the next
    # after ``evening_wave_minutes``. Its waits (and an urgent request's) count in real
    # minutes until ``evening_until``; from ``day_end`` to ``evening_until`` only
    # volunteers who said they take evening requests are asked, and in the evening they
    # are asked first.
    evening_from: int = option(
        17, minimum=0, maximum=23, doc="Hour from which a search counts as started in the evening"
    )
    evening_until: int = option(
        22,
        minimum=1,
        maximum=24,
        doc="Hour until which evening searches and urgent requests wait in real minutes; "
        "after day_end only volunteers who take evening requests are asked",
    )
    # Six, not ten: a large evening wave was read mostly the next morning, after someone
    # had taken the request, and tired the few (issue 81, judged once on its own seeds in
    # both shapes: the town 83.6 -> 86.7 % within 24 h of asking, 3.33 -> 3.20 offers a
    # volunteer a week; Dortmund 90.2 -> 90.0 %, 3.52 -> 3.48 - docs/help.md, "The evening").
    evening_wave_max: int = option(
        6, minimum=1, maximum=100, doc="Most volunteers in the first wave of an evening search"
    )
    evening_wave_minutes: int = option(
        30,
        minimum=1,
        maximum=1440,
        doc="Minutes without a taker after an evening search's first wave",
    )

    @property
    def waves(self) -> bool:
        return self.offer_rule == WAVES

    def most_in_wave(self, number: int) -> int:
        """The most people wave ``number`` (1 for the first) asks."""
        return self.wave_max if number <= self.early_waves else self.wave_max_later

    def budget_for(self, volunteers: int) -> int:
        """How many people one request's waves ask before the coordinators take over, in a
        city of ``volunteers`` who take requests: ``budget``, or ``budget_share`` of them
        where that is fewer, but not fewer than ``budget_least``."""
        share = math.ceil(self.budget_share * volunteers)
        return min(self.budget, max(self.budget_least, share))

    def minutes_after_wave(self, number: int) -> int:
        """Daytime minutes from wave ``number`` to the next without a taker."""
        return self.wave_minutes if number <= self.early_waves else self.wave_minutes_later


@dataclass(frozen=True)
class RequestRules:
    """The limits and review of requests, declared once with their bounds and docs: the
    ``[help]`` section (bot/config.py ``HelpSection``) is made of them, and so are the
    handlers' settings (:class:`HandlerSettings`), which the city's section fills."""

    # Against misuse: how many requests one resident may have open and post a day.
    max_open_requests: int = option(
        3, minimum=1, maximum=20, doc="Open requests one resident may have at a time"
    )
    max_requests_per_day: int = option(
        5, minimum=1, maximum=50, doc="Requests one resident may post per 24 hours"
    )
    require_verified_volunteers: bool = option(
        True, doc="Only volunteers whose basic training a coordinator confirmed get requests"
    )
    # Kinds of help (handlers/helping/vocabulary.py keys) offered only to volunteers whose
    # extended certificate of good conduct a coordinator saw and which counts that day.
    certificate_required_for: frozenset[str] = option(
        frozenset(),
        doc="Kinds of help (e.g. childcare, learning) only for volunteers whose extended "
        "certificate of good conduct a coordinator saw and which has not expired",
    )
    # Whose requests are published without waiting for review (the coordinators told, with
    # a button to pull it back): "returning" (handlers/helping/lifecycle.py ``submit``;
    # who is returning: handlers/helping/returning.py, with the two figures below).
    publish_at_once: frozenset[str] = option(
        frozenset(),
        doc="Requests published without waiting for review, the coordinators told and able "
        'to pull them back: "returning" (a requester whose earlier help plausibly happened '
        "and nobody reported, unless the checks flag the text); [] off",
    )
    # Minutes after asking when a request nobody reviewed is published by the bot unless
    # the checks flag it or it is held (handlers/helping/unreviewed.py); 0: never. 30 by
    # default (issue 102, point 3): a third of the requests waited over two hours for the
    # office-hours review alone; judged on its own seeds (docs/help.md, "A review that
    # keeps pace"; bench/RESULTS.md). Only within ``HandlerSettings.publish_unreviewed_hours``.
    publish_unreviewed_after: int = option(
        30,
        minimum=0,
        maximum=1440,
        doc="Minutes after asking when a request nobody reviewed is published by the bot, "
        "the coordinators told and able to pull it back, unless the checks flag its text, it "
        "came from a phone number, is held back or a coordinator has it in hand; 0 off "
        "(every request waits for a coordinator; volunteers never read a text no "
        "coordinator read)",
    )
    returning_after_hours: int = option(
        3,
        minimum=1,
        maximum=72,
        doc="Earlier help counts for returning when the volunteer told their time, or when "
        '"done" came at least this long after the volunteer took it',
    )
    returning_account_days: int = option(
        28,
        minimum=1,
        maximum=365,
        doc="A requester counts as returning only with an account at least this old",
    )
    # Against misuse: a new account's quick repeats wait this long, and so do new accounts
    # while this many requests of new accounts came within it; floods are slowed down
    # (messages and button presses each have their own limit).
    new_user_cooldown_minutes: int = option(
        10,
        minimum=0,
        maximum=10080,
        doc="Accounts younger than a day wait this long between requests, and during a flood",
    )
    new_account_flood_requests: int = option(
        5,
        minimum=2,
        maximum=1000,
        doc="Requests of new accounts within the cooldown that count as a flood",
    )


@dataclass(frozen=True)
class CityRules:
    """What ``[bot]`` says of the city and its languages, of one message and of how many a
    minute, as the handlers get it, declared once with bounds and docs: the section
    (bot/sections.py ``BotSection``) is made of them, and so are the handlers' settings
    (:class:`HandlerSettings`; one made in code has the section's flood limits too)."""

    city: str = option("Dortmund", doc="City the bot serves; shown to users")
    # The first is the fallback for someone who chose none (:meth:`HandlerSettings.
    # newcomer_language`); bot/config.py checks each is supported and listed once.
    languages: tuple[str, ...] = option(
        SUPPORTED_LANGUAGES, doc="Languages this city offers; the first is the fallback"
    )
    max_text_length: int = option(
        2000, minimum=100, maximum=4000, doc="Longest text a user may send in one message"
    )
    # The flood limits at the door (handlers/updates/floods.py): presses are counted apart
    # from messages, with a higher limit (filling in a form takes many).
    max_messages_per_minute: int = option(
        20, minimum=3, maximum=600, doc="Messages one user may send per minute"
    )
    max_presses_per_minute: int = option(
        120, minimum=10, maximum=1200, doc="Button presses one user may make per minute"
    )


@dataclass(frozen=True)
class AccountRules:
    """What ``[privacy]`` says of silent accounts, declared once: the section
    (bot/sections.py ``PrivacySection``) and the handlers' settings are made of it; the
    retention job erases by it."""

    inactive_account_days: int = option(
        365, minimum=1, maximum=3650, doc="Accounts silent this long are deleted"
    )


@dataclass(frozen=True)
class DiallingRules:
    """Which numbers the bot calls, declared once: the phone line's section
    (bot/transports/phone/config.py ``PhoneSection``) and the handlers' settings are made of
    it. Written as a city writes it ("DE, AT"), read into the countries' codes at the
    configuration's edge (locales/phone_numbers.py ``parse_countries``)."""

    # A typed number of another kind or country is refused (locales/phone_numbers.py).
    call_countries: tuple[str, ...] = option(
        COUNTRIES,
        read=parse_countries,
        doc="Countries whose fixed and mobile numbers the bot calls (ISO codes, comma-separated);"
        " never premium, shared-cost, personal or satellite numbers",
    )


def read_account(text: str) -> tuple[str, str]:
    """``platform:user_id`` as (platform, user id); ValueError for text without the colon.
    Whether the platform is a transport's and the id of its form is the transports' to say
    (bot/transports/registry.py ``account``, which handlers/ stands below): the
    configuration's edge asks it of each account rejoined (bot/config.py)."""
    platform, colon, user_id = text.partition(":")
    if not colon:
        raise ValueError(not_of_the_form(text, NO_COLON))
    return platform, user_id


@dataclass(frozen=True)
class FirstAdmins:
    """Who is an admin from the start, declared once: ``[bot]`` (bot/sections.py
    ``BotSection``) and the handlers' settings are made of it. Written as an operator names
    accounts (``["telegram:123"]``), read into (platform, user id) pairs in written order at
    the configuration's edge (:func:`read_account`)."""

    admins: tuple[tuple[str, str], ...] = option(
        (), read_each=read_account, doc="platform:user_id of the first admins, e.g. telegram:123"
    )


@dataclass(frozen=True)
class TranslationRules:
    """Which engine translates what a reader may not read, declared once: the
    ``[translation]`` section (bot/sections.py ``TranslationSection``: where the engine is,
    its key, its day's budget) is made of it, and the handlers' settings hold it
    (:attr:`HandlerSettings.translation_rules`) without the section's key. With an engine,
    user text a reader may not read is marked for translation at delivery (bot/translation);
    without one, matching says out loud when nobody shares the requester's language and the
    privacy notice names no translation service."""

    engine: str = option(
        "", choices=("", "libretranslate", "deepl"), doc="Translation engine; empty: off"
    )


@dataclass(frozen=True)
class Issuer:
    """Who signs volunteers' certificates, held alike by a city's configuration (its
    ``[organisation]`` section as written: bot/sections.py ``Sections``) and the handlers'
    settings (the section with its address's lines stripped), declared once here; without
    a name volunteers cannot ask for a certificate."""

    organisation: Organisation = field(default_factory=Organisation)


# The rules the handlers' settings are made of as a city's sections are (bot/sections.py,
# a transport's section: ``PhoneSection`` is made of ``DiallingRules``), each taken whole from
# a section made of it (:meth:`HandlerSettings.with_rules`); ``Issuer`` is made apart (its
# address's lines stripped).
Rules = RequestRules | CityRules | AccountRules | DiallingRules | FirstAdmins
RULES: tuple[type[Rules], ...] = (
    RequestRules,
    CityRules,
    AccountRules,
    DiallingRules,
    FirstAdmins,
)


@dataclass(frozen=True)
class HandlerSettings(RequestRules, CityRules, AccountRules, DiallingRules, FirstAdmins, Issuer):
    # The city's name in each language's script, for running text (the data folder's
    # city.toml); addresses and searches keep ``city``.
    city_names: tuple[tuple[str, str], ...] = ()
    # How long the rest is kept (the privacy notice names these figures).
    retention: Limits = field(default_factory=Limits)
    # Folder with the city's gazetteer (stadtbezirke.csv, stadtteile.csv, postcodes.csv).
    places_data_dir: str = "data/dortmund"
    places_page_size: int = 5
    # The coordinators' backchannel chats.
    backchannels: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    # The hours ``publish_unreviewed_after`` publishes within (Europe/Berlin, [first,
    # last)): at night no volunteer reads an offer, so a request published then is no
    # sooner helped - it waits for the morning's first run or a coordinator, whoever
    # comes first (``[help] publish_unreviewed_from`` and ``_until``).
    publish_unreviewed_hours: tuple[int, int] = (8, 22)
    # The ``[translation]`` section's rules: its engine ("" off), :class:`TranslationRules`.
    translation_rules: TranslationRules = field(default_factory=TranslationRules)
    # The languages the speech engine speaks (bot/speech, checked at start): read aloud is
    # offered in these (handlers/read_aloud.py); empty when no engine runs.
    speech_languages: frozenset[str] = frozenset()
    # What each transport can do for its people and which run here (handlers/channels.py,
    # from the transports' declarations): reached by text or by a call, files, their number.
    channels: Channels = field(default_factory=Channels)
    # Where the web map and desk are reached ("" when the web is off): login links, the map.
    web_url: str = ""
    # Calls the bot connects between a helper and a phone resident (handlers/helping/
    # bridged_calls.py), given by the transport that calls; None: none here.
    bridged_calls: CallPort | None = None
    # The calls that check who asked (handlers/numbers/caller_check.py), given by the
    # transport that calls; None: none here.
    check_calls: CheckPort | None = None
    # The hour's code texts, all numbers together (handlers/numbers/coded_acts.py
    # ``issued``), given by the transport that texts them; None: no such budget here.
    code_texts: CodeTexts | None = None
    # Who is offered a request when (the ``[help]`` section's offer rules, issue 57).
    offer_rules: OfferRules = field(default_factory=OfferRules)
    # The time the offer rules go by: a test or the outcomes bench (bench/outcomes.py)
    # passes its own clock.
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC), compare=False)

    def with_rules(self, *given: Rules) -> HandlerSettings:
        """These settings with the rules ``given``, each whole: of each rules type of
        :data:`RULES` a given object is made of, every field as it has it (``[help]`` gives
        the request rules, ``[bot]`` the city's and the first admins). Typed by the rules
        types, not by names: mypy holds each to one, and no name is written again here."""
        taken = {
            each.name: getattr(part, each.name)
            for part in given
            for kind in RULES
            if isinstance(part, kind)
            for each in fields(kind)
        }
        return replace(self, **taken)

    def city_in(self, lang: str) -> str:
        """The city's name as ``lang`` writes it ("دورتموند", "Дортмунд")."""
        return dict(self.city_names).get(lang, self.city)

    def newcomer_language(self, hint: str | None) -> str:
        """The language for someone who has not chosen one: their platform's, if the city
        offers it, else the city's first (``bot.languages``)."""
        lang = negotiate(hint, default=self.languages[0])
        return lang if lang in self.languages else self.languages[0]
