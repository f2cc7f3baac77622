"""Money, durations, clock times, distances, lists and language names in every language,
right-to-left lines, reminder times still ahead, and calendar files of repeating events."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

import icalendar
import pytest

from db import Database
from db.events import Event
from db.volunteers import Volunteer
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.events.ical import to_ics
from handlers.events.recurrence import local, local_text
from handlers.events.reminders import occurrence_key
from handlers.helping.volunteers import describe_profile
from handlers.messages import Command, Document
from handlers.settings import HandlerSettings
from locales import FSI, PDI, RLM, SUPPORTED_LANGUAGES, TIMEZONE, numbering_system, translator
from tests.support.help_story import (
    GROUP,
    grant_role_to,
    post_request,
    press,
    register_volunteer,
)
from tests.support.memory_transport import MemoryTransport, texts
from tests.support.terminal import BACKCHANNEL, Terminal

NBSP = "\xa0"

# What a reader of each language sees for 12,50 €, one hour, three quarters of an hour and
# two and a half hours.
EXPECTED = {
    "de": (f"12,50{NBSP}€", "1 Stunde", "45 Minuten", "2,5 Stunden"),
    "en": ("€12.50", "1 hour", "45 minutes", "2.5 hours"),
    "ar": (f"\u200f12.50{NBSP}€", "ساعة", "45 دقيقة", "2.5 ساعة"),
    "tr": ("€12,50", "1 saat", "45 dakika", "2,5 saat"),
    "uk": (f"12,50{NBSP}€", "1 година", "45 хвилин", "2,5 години"),
    "ru": (f"12,50{NBSP}€", "1 час", "45 минут", "2,5 часа"),
    "ro": (f"12,50{NBSP}€", "1 oră", "45 de minute", "2,5 ore"),
    "bg": (f"12,50{NBSP}€", "1 час", "45 минути", "2,5 часа"),
    "pl": (f"12,50{NBSP}€", "1 godzina", "45 minut", "2,5 godziny"),
    "fa": (f"\u200e€{NBSP}۱۲٫۵۰", "۱ ساعت", "۴۵ دقیقه", "۲٫۵ ساعت"),
}


# The digits of each numbering system, and the signs of the Arabic ones.
DIGITS = {"latn": "[0-9]", "arab": "[\u0660-\u0669]", "arabext": "[\u06f0-\u06f9]"}
ARABIC_NUMBER_SIGNS = re.compile("[\u066a-\u066c]")


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_one_numbering_system_in_formatting(lang):
    """Every format writes the language's numbering system (CLDR's default: Persian digits
    in fa, Latin ones in the others, CLDR's Arabic included) and no other."""
    t = translator(lang)
    system = numbering_system(lang)
    assert system == ("arabext" if lang == "fa" else "latn")
    written = [
        t.money(123456),
        t.number(12345.5),
        t.percent(0.25),
        t.duration(150),
        t.distance(1500),
        t.distance(370),
        t.datetime(datetime(2025, 11, 23, 21, 5, tzinfo=TIMEZONE)),
        t.day_and_time(datetime(2025, 11, 23, 21, 5, tzinfo=TIMEZONE)),
        t.skeleton(datetime(2025, 11, 23, 21, 5, tzinfo=TIMEZONE), "MMMMEEEEd"),
    ]
    for text in written:
        assert re.search(DIGITS[system], text), (lang, text)
        for other, digits in DIGITS.items():
            assert other == system or not re.search(digits, text), (lang, text)
        if system == "latn":
            assert not ARABIC_NUMBER_SIGNS.search(text), (lang, text)


def test_every_language_has_its_expectations():
    assert set(EXPECTED) == set(SUPPORTED_LANGUAGES)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_money_has_two_decimals_and_the_euro_sign(lang):
    t = translator(lang)
    assert t.money(1250) == EXPECTED[lang][0]
    assert "EUR" not in t.money(99) and "€" in t.money(0)
    # Whole euros keep their cents, thousands are grouped the locale's way.
    assert re.search(t.digits("5") + "[.,٫]" + t.digits("00"), t.money(500))
    assert (
        t.money(123456).replace(NBSP, " ").count(t.digits("1")) == 1
    )  # no "1234,56" without grouping


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_durations_are_minutes_under_an_hour_and_whole_hours_stay_whole(lang):
    t = translator(lang)
    assert (t.duration(60), t.duration(45), t.duration(150)) == EXPECTED[lang][1:]
    for minutes in (60, 120, 180):
        assert not re.search(r"\d[.,٫][0۰]\b", t.duration(minutes)), t.duration(minutes)
    # Neither Babel's fallback (the unit's id) nor an English word in another language.
    assert "duration" not in t.duration(30) + t.duration(90)
    assert t.duration(30) != t.duration(90)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_clock_times_are_24_hour_without_seconds(lang):
    t = translator(lang)
    morning = datetime(2025, 7, 1, 9, 5, 30, tzinfo=TIMEZONE)
    evening = datetime(2025, 7, 1, 21, 5, 30, tzinfo=TIMEZONE)
    assert t.time(morning) == t.digits("09:05")
    assert t.time(evening) == t.digits("21:05")
    moment = t.datetime(evening)
    assert t.digits("21:05") in moment and t.digits("21:05:30") not in moment
    assert t.digits("9:05") not in moment.replace(t.digits("21:05"), "")
    assert not re.search(r"\b(AM|PM|ص|م)\b", moment)
    assert t.digits("2025") in moment


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_lists_and_language_names_in_the_readers_language(lang):
    t = translator(lang)
    names = [t.language(code) for code in ("de", "tr", "ar")]
    joined = t.list_of(names)
    assert all(name in joined for name in names)
    assert t.list_of([]) == "" and t.list_of(["x"]).strip(FSI + PDI) == "x"
    if t.rtl:
        assert "," not in joined  # Arabic and Persian commas or "و", never the Latin comma
        assert joined.count(FSI) == 3  # every item isolated
    else:
        assert FSI not in joined


def test_the_issue_examples():
    de, en, tr, fa, ar = (translator(code) for code in ("de", "en", "tr", "fa", "ar"))
    assert de.money(1250).replace(NBSP, " ") == "12,50 €"
    assert en.money(1250) == "€12.50"
    assert de.duration(60) == "1 Stunde" and tr.duration(60) == "1 saat"
    assert en.time(datetime(2025, 1, 6, 9, 5, tzinfo=TIMEZONE)) == "09:05"
    assert fa.distance(370) == "۳۷۰ متر"  # CLDR's short form glues "370متر"
    assert fa.money(1250) == f"\u200e€{NBSP}۱۲٫۵۰" and fa.percent(0.25) == "۲۵٪"
    assert de.distance(370) == "370 m" and de.distance(1540) == "1,5 km"
    assert de.distance(12_400) == "12 km"
    assert tr.list_of([tr.language("de"), tr.language("tr")]) == "Almanca ve Türkçe"
    assert de.list_of(["A", "B", "C"]) == "A, B und C"
    assert "،" in fa.list_of(["a", "b", "c"])
    assert "و" in ar.list_of(["a", "b", "c"])


@pytest.mark.parametrize("lang", ["ar", "fa"])
def test_rtl_lines_of_only_isolated_values_start_right_to_left(lang):
    t = translator(lang)
    names = t.list_of(t.language(c) for c in ("de", "tr"))
    line = t.format("🗣 {languages}", languages=names)
    assert line.startswith(RLM + "🗣")
    distance = t.format("📏 {distance}", distance=t.distance(370))
    assert distance.startswith(RLM)
    # Each line of a multi-line message, not only the first; tags do not count as letters.
    two = t.format("<b>{a}</b>\n{b}", a="Café", b=t.number(3))
    assert [part.startswith(RLM) for part in two.split("\n")] == [True, True]
    # A line with a letter of its own is left alone: its own text sets its direction.
    assert not t.format("نص {value}", value="x").startswith(RLM)
    assert not t.format("Text {value}", value="x").startswith(RLM)


def test_ltr_lines_get_no_marks():
    de = translator("de")
    assert de.format("🗣 {languages}", languages=de.list_of(["Deutsch"])) == "🗣 Deutsch"


def test_a_volunteer_profile_names_languages_in_the_readers_language():
    volunteer = Volunteer(
        user_id=1,
        categories=("shopping",),
        stadtbezirke=("Hörde", "Brackel"),
        lat=None,
        lon=None,
        radius_m=None,
        languages=("de", "tr"),
        availability="",
        quiet_start=0,
        quiet_end=0,
        max_open=1,
        paused=False,
        verified_at="2025-01-01",
        verified_by=None,
        created_at="2025-01-01",
    )
    profile = describe_profile(translator("tr"), volunteer)
    assert "Almanca ve Türkçe" in profile
    assert "Deutsch" not in profile
    assert "Hörde" in profile and "ve" in profile.split("Hörde")[1].split("\n")[0]


# -- events: reminder times still ahead, calendar files --------------------------------------


async def _event(db: Database, starts: datetime, rrule: str = "") -> int:
    event_id, _, _ = await db.events.upsert(
        Event(
            uid=f"e{starts:%Y%m%d%H%M}{rrule}",
            title="Sprachcafé",
            starts_local=local_text(starts),
            rrule=rrule,
            stadtbezirk="Innenstadt-Nord",
        )
    )
    return event_id


def _in(minutes: int) -> datetime:
    return (datetime.now(TIMEZONE) + timedelta(minutes=minutes)).replace(second=0, microsecond=0)


async def test_a_reminder_for_an_event_today_never_says_one_day_before(
    chat: MemoryTransport, db: Database
):
    await chat.onboard("ela", "en")
    en = translator("en")
    one_hour, one_day = en._("1 hour before"), en._("1 day before")
    soon = _in(3 * 60)
    event_id = await _event(db, soon)
    out = await chat.press("ela", f"ev:rm:{event_id}:{occurrence_key(soon)}")
    assert one_hour in texts(out) and one_day not in texts(out)

    # An event two days ahead gets both of the default reminder times, joined as a list.
    later = _in(2 * 24 * 60)
    event_id = await _event(db, later)
    out = await chat.press("ela", f"ev:rm:{event_id}:{occurrence_key(later)}")
    assert f"{one_hour} and {one_day}" in texts(out)

    # Half an hour ahead no reminder time is left: it says so instead of promising one.
    close = _in(30)
    event_id = await _event(db, close)
    out = await chat.press("ela", f"ev:rm:{event_id}:{occurrence_key(close)}")
    assert one_hour not in texts(out) and "too soon" in texts(out)


async def test_a_weekly_events_calendar_file_has_its_rule_and_time_zone(
    chat: MemoryTransport, db: Database
):
    await chat.onboard("ela", "de")
    first = _in(2 * 24 * 60).replace(hour=18, minute=0)
    event_id = await _event(db, first, "FREQ=WEEKLY")
    occurrence = first + timedelta(days=7)
    out = await chat.press("ela", f"ev:ics:{event_id}:{occurrence_key(occurrence)}")
    document = next(i for i in out if isinstance(i, Document))
    calendar = icalendar.Calendar.from_ical(document.content)
    [component] = calendar.walk("VEVENT")
    assert component["RRULE"]["FREQ"] == ["WEEKLY"]
    assert component["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert component.start == first  # the series, from its first date
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Berlin"]
    assert calendar.get_missing_tzids() == set()
    # The zone carries both offsets, so the weekly 18:00 stays 18:00 in summer and winter.
    offsets = {sub["TZOFFSETTO"].td for sub in calendar.timezones[0].subcomponents}
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}


def test_one_date_of_a_series_has_no_rule_but_its_time_zone():
    event = Event(uid="x", title="Café", starts_local="2025-03-04T18:00", rrule="FREQ=WEEKLY")
    calendar = icalendar.Calendar.from_ical(to_ics([(event, local("2025-07-08T18:00"))]))
    [component] = calendar.walk("VEVENT")
    assert "RRULE" not in component
    assert component.start == local("2025-07-08T18:00")
    assert calendar.get_missing_tzids() == set() and calendar.timezones
    assert icalendar.Calendar.from_ical(to_ics([])).timezones == []


# -- money in the help story, in the console -------------------------------------------------


async def test_the_german_requester_sees_the_amount_with_two_decimals(dispatcher, db: Database):
    dispatcher.settings = replace(
        dispatcher.settings, backchannels=frozenset({("console", BACKCHANNEL)})
    )
    term = Terminal(dispatcher, db)
    cora = await db.users.seen("console", "cora", "cora", "Cora")
    await db.users.grant_role(cora.id, "coordinator")

    await term.volunteers("vera")

    await term.started("amira", "de")
    await term.asks("Ich brauche Hilfe beim Einkaufen")
    await term.type(":as cora", ":group")
    await term.press("mod:ok:")
    await term.type(":as vera")
    await term.press("mt:acc:")
    await term.type(":as amira")
    await term.press("rl:done:")
    await term.press("rl:doney:")

    await term.type(":as vera")
    await term.press("rl:min:")
    shown = await term.type("12,5")
    amira = await db.users.find("console", "amira")
    request = (await db.requests.for_requester(amira.id))[0]
    assert request.money_cents == 1250
    told = shown[shown.index("[amira]") :].replace(NBSP, " ")
    assert "12,50 €" in told and "12,5 €" not in told


async def test_stats_give_a_median_under_an_hour_in_minutes(db: Database):
    story = MemoryTransport(
        Dispatcher(db, build_router(), HandlerSettings(backchannels=frozenset({("memory", GROUP)})))
    )
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    # Three matches: a median of fewer would be one volunteer's time (statistics hide it).
    for n in range(3):
        request_id = await post_request(story, f"amira{n}")
        vera = await register_volunteer(story, db, f"vera{n}")
        await story.in_group("cora", Command("verify", str(vera)))
        await story.in_group("cora", press(f"mod:ok:{request_id}"))
        await story.press(f"vera{n}", f"mt:acc:{request_id}")
    out = await story.in_group("cora", Command("stats"))
    [line] = [line for line in texts(out).split("\n") if line.startswith("⏱")]
    assert line.endswith("0 Minuten"), line


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_a_date_that_ends_with_a_period_ends_a_sentence_with_one(lang):
    """uk/ru/bg write the year with an abbreviation ("2026 р."): a sentence that ends
    after the date must not read "2026 р.." (the /mydata summary did)."""
    t = translator(lang)
    since = datetime(2026, 11, 27, 12, tzinfo=TIMEZONE)
    line = t.t(
        "You have used the bot since {date}. Language: {language}.",
        date=t.date(since),
        language="x",
    )
    marks = dict.fromkeys(map(ord, FSI + PDI + RLM))
    shown = str(line).translate(marks)
    assert ".." not in shown
    assert str(t.date(since)).translate(marks) in shown  # the date itself is whole
