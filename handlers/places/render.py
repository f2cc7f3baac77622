"""How places look in a chat, in the user's language."""

from __future__ import annotations

from datetime import date, datetime, time

from babel.dates import format_date
from markupsafe import Markup

from db.places import Place
from handlers.places.search import Found
from handlers.places.vocabulary import (
    CATEGORIES,
    EASY_ACCESS,
    OPERATOR_TYPES,
    TARGET_GROUPS,
    WHEELCHAIR,
)
from handlers.text_safety import quoted
from locales import N_, TIMEZONE, Translator, hours


def distance(t: Translator, meters: float) -> str:
    return t.distance(meters)


def category_label(t: Translator, key: str) -> str:
    icon, label = CATEGORIES.get(key, ("📍", key))
    return f"{icon} {t._(label)}"


def language_names(t: Translator, codes: tuple[str, ...]) -> str:
    """The languages named in the reader's language ("Almanca, Türkçe" to a Turkish reader)."""
    return t.list_of(t.language(code) for code in codes)


def hours_status(t: Translator, status: hours.HoursStatus, now: datetime) -> Markup:
    if not status.known:
        return t.t("🕓 opening hours unknown")
    change = status.next_change
    if change is None:
        return t.t("🟢 open") if status.is_open else t.t("🔴 closed")
    clock = t.time(change)
    today = now.astimezone(TIMEZONE).date()
    if status.is_open:
        if change.astimezone(TIMEZONE).date() == today:
            return t.t("🟢 open now, closes at {time}", time=clock)
        return t.t("🟢 open now")
    if change.astimezone(TIMEZONE).date() == today:
        return t.t("🔴 closed, opens at {time}", time=clock)
    day = on_day(t, change.astimezone(TIMEZONE).date(), today)
    return t.t("🔴 closed, opens {day} at {time}", day=day, time=clock)


# A weekday as the day something happens on, in the case and with the preposition each
# language gives it ("am Montag", "в среду", "у п’ятницю", "во вторник"): CLDR names a
# day only as it stands alone, and "откроется: среда, 10:00" dropped the preposition
# (issue 80, point 6). Monday first, as ``date.weekday`` counts.
ON_WEEKDAY = (
    N_("on Monday"),
    N_("on Tuesday"),
    N_("on Wednesday"),
    N_("on Thursday"),
    N_("on Friday"),
    N_("on Saturday"),
    N_("on Sunday"),
)


def on_day(t: Translator, day: date, today: date) -> str:
    """When, after today: "on Thursday" within the coming six days, else with its date as
    well ("on Monday, November 30"): on a Monday evening "on Monday" would read as today."""
    weekday = t._(ON_WEEKDAY[day.weekday()])
    if (day - today).days < 7:
        return weekday
    return weekday + t.comma + t.skeleton(datetime.combine(day, time(12), TIMEZONE), "MMMMd")


def day_after_today(t: Translator, day: date, today: date) -> str:
    """A day after today as its weekday ("Montag") within the coming six days, else with
    its date ("Montag, 1. Dezember"): on a Monday evening "opens Monday" would read as today."""
    if (day - today).days < 7:
        return format_date(day, "EEEE", locale=t.locale)
    return t.skeleton(datetime.combine(day, time(12), TIMEZONE), "MMMMEEEEd")


def wheelchair_line(t: Translator, value: str | None) -> Markup:
    """Icon and words for a place's (or event's) wheelchair access, in the details."""
    icon, label = WHEELCHAIR.get(value or "unknown", WHEELCHAIR["unknown"])
    return t.format("{icon} {label}", icon=Markup(icon), label=t._(label))


def wheelchair_mark(t: Translator, value: str | None) -> Markup | None:
    """The short mark in a result list: ♿ for full access only, words for partial access."""
    if value == "yes":
        return Markup(WHEELCHAIR["yes"][0])
    if value == "limited":
        return Markup.escape(WHEELCHAIR["limited"][0] + " " + t._("partly accessible"))
    return None


def translated_name(place: Place, lang: str) -> str | None:
    """The place's name in ``lang`` when it has one short enough to show beside the name on
    the sign; the sign's (German) name always comes first."""
    return beside_sign(place.name, place.name_in(lang))


def beside_sign(sign: str, translated: str) -> str | None:
    """A translated name worth showing beside the sign's: another one, and short."""
    if not translated or translated == sign or len(translated) > SHORT_NAME:
        return None
    return translated


# A translated name longer than this would make the details' head too long to take in.
SHORT_NAME = 40


def in_source_language(
    t: Translator, text: str, texts: dict[str, tuple[str, str]], source: str = "de"
) -> Markup:
    """A description in italics, marked "(German)" in the reader's language when it is not
    written in the reader's language but only in the source's."""
    # Quoted: a description is someone else's words (an import's, a coordinator's), and
    # must not stand as bare lines of the bot's.
    line = t.format("<i>{text}</i>", text=quoted(t, text))
    if t.lang != source and not (texts.get(t.lang) or ("", ""))[1]:
        line += Markup(" ") + t.t("({language})", language=language_names(t, (source,)))
    return line


def place_line(t: Translator, number: int, found: Found, now: datetime) -> Markup:
    """At most three short lines: the name on the sign, kind and distance, open or when."""
    place = found.place
    status = hours_status(t, found.hours, now)
    mark = wheelchair_mark(t, place.wheelchair)
    if mark is not None:
        status += Markup(" · ") + mark
    return Markup("\n").join(
        [
            t.format("{number}. <b>{name}</b>", number=number, name=place.name),
            t.format(
                "{category} · 📏 {distance}",
                category=category_label(t, place.category),
                distance=distance(t, found.distance_m),
            ),
            status,
        ]
    )


def open_now_mark(t: Translator, status: hours.HoursStatus) -> Markup:
    """Open or closed now, without when that changes (a listener's short line)."""
    if not status.known:
        return t.t("🕓 opening hours unknown")
    return t.t("🟢 open now") if status.is_open else t.t("🔴 closed")


def place_short_line(t: Translator, number: int, found: Found) -> Markup:
    """One line for a listener: the name on the sign, how far, open or closed now."""
    return t.format(
        "{number}. <b>{name}</b> · 📏 {distance} · {status}",
        number=number,
        name=found.place.name,
        distance=distance(t, found.distance_m),
        status=open_now_mark(t, found.hours),
    )


def access_line(t: Translator, place: Place) -> Markup:
    """How to get in, in one line: the street and house number, and whether there are
    steps ("🚪 Max-von-der-Grün-Platz 1-3 · ♿ without steps")."""
    icon, label = EASY_ACCESS.get(place.wheelchair or "unknown", EASY_ACCESS["unknown"])
    access = t.format("{icon} {label}", icon=Markup(icon), label=t._(label))
    street = " ".join(part for part in (place.street, place.housenumber) if part)
    if not street:
        return t.format("🚪 {access}", access=access)
    return t.format("🚪 {street} · {access}", street=street, access=access)


def easy_place(
    t: Translator,
    place: Place,
    now: datetime,
    distance_m: float | None = None,
    *,
    open_now: bool = True,
) -> Markup:
    """A place for an easy reader: its name, how far, open or closed now (unless not
    ``open_now``: the web's spoken place changes only with its data) and how to get in;
    the rest (``details``) is one tap away."""
    lines = [t.format("<b>{name}</b>", name=place.name)]
    if distance_m is not None:
        lines.append(t.format("📏 {distance}", distance=distance(t, distance_m)))
    if open_now:
        lines.append(hours_status(t, hours.status(place.opening_hours, now), now))
    lines.append(access_line(t, place))
    return Markup("\n").join(lines)


def address(place: Place) -> str:
    street = " ".join(part for part in (place.street, place.housenumber) if part)
    town = " ".join(part for part in (place.postcode, place.city) if part)
    return ", ".join(part for part in (street, town) if part)


def spans(t: Translator, day: date, intervals: list[tuple[time, time]]) -> str:
    """ "10:00–13:00, 14:00–18:00" in the user's locale."""
    if intervals == [(time(0), time(0))]:
        return t._("open all day")
    return t.list_of(f"{t.time(_at(day, a))}–{t.time(_at(day, b))}" for a, b in intervals)


def week_lines(t: Translator, place: Place, first_day: date) -> list[Markup]:
    lines = []
    for day, intervals in hours.day_intervals(place.opening_hours, first_day):
        weekday = format_date(day, "EEEE", locale=t.locale)
        if intervals:
            lines.append(
                t.format("{weekday}: {hours}", weekday=weekday, hours=spans(t, day, intervals))
            )
        else:
            lines.append(t.t("{weekday}: closed", weekday=weekday))
    return lines


def has_week(place: Place) -> bool:
    """Whether the place has opening hours to show as a week."""
    return bool(place.opening_hours.strip()) and not hours.validate(place.opening_hours)


def opening_lines(
    t: Translator, place: Place, now: datetime, *, open_now: bool = True
) -> list[Markup]:
    """Open now or when (unless not ``open_now``: what changes by the hour), today's
    hours and the next day it opens."""
    status = hours_status(t, hours.status(place.opening_hours, now), now)
    days = hours.today_and_next(place.opening_hours, now)
    if days is None:
        return [status]
    # Closed all day: "next" below says when it opens, with the hours.
    lines = [status] if open_now and (days.today or days.next_day is None) else []
    today = now.astimezone(TIMEZONE).date()
    if days.today:
        lines.append(t.t("🕓 Today: {hours}", hours=spans(t, today, days.today)))
    else:
        lines.append(t.t("🕓 Today: closed"))
    if days.next_day is not None:
        weekday = day_after_today(t, days.next_day, today)
        lines.append(
            t.t(
                "➡️ Next: {weekday}, {hours}",
                weekday=weekday,
                hours=spans(t, days.next_day, days.next_intervals),
            )
        )
    return lines


def week(t: Translator, place: Place, now: datetime) -> Markup:
    """The whole week's opening hours, from today."""
    lines = [
        t.format("<b>{name}</b>", name=place.name),
        t.t("🗓 Opening hours for the next seven days:"),
        Markup(""),
        *week_lines(t, place, now.astimezone(TIMEZONE).date()),
    ]
    return Markup("\n").join(lines)


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, TIMEZONE)


def details(
    t: Translator,
    place: Place,
    now: datetime,
    distance_m: float | None = None,
    *,
    open_now: bool = True,
) -> Markup:
    """A place's details; without ``open_now`` they change only with the day (the web's
    audio of them, kept and cached by browsers)."""
    lines: list[Markup] = [
        t.format("<b>{name}</b>", name=place.name),
        t.format("{category}", category=category_label(t, place.category)),
    ]
    translated = translated_name(place, t.lang)
    if translated:
        lines.append(t.format("🔤 {name}", name=translated))
    description = place.description_in(t.lang)
    if description:
        lines.append(in_source_language(t, description, place.texts))
    lines.append(Markup(""))
    where = address(place)
    area = ", ".join(dict.fromkeys(part for part in (place.stadtteil, place.stadtbezirk) if part))
    if where:
        lines.append(t.format("🏠 {address}", address=where))
    if area:
        lines.append(t.format("🗺️ {area}", area=area))
    if distance_m is not None:
        lines.append(t.format("📏 {distance}", distance=distance(t, distance_m)))
    lines.extend(opening_lines(t, place, now, open_now=open_now))
    lines.append(wheelchair_line(t, place.wheelchair))
    if place.languages:
        lines.append(
            t.t("🗣 Languages spoken: {languages}", languages=language_names(t, place.languages))
        )
    if place.target_groups:
        groups = t.list_of(t._(TARGET_GROUPS[g]) for g in place.target_groups if g in TARGET_GROUPS)
        lines.append(t.t("👥 For: {groups}", groups=groups))
    if place.operator:
        kind = OPERATOR_TYPES.get(place.operator_type)
        lines.append(
            t.t("🏢 Run by: {operator} ({kind})", operator=place.operator, kind=t._(kind))
            if kind
            else t.t("🏢 Run by: {operator}", operator=place.operator)
        )
    if place.free_of_charge:
        lines.append(t.t("💶 free of charge"))
    for icon, value in (("📞", place.phone), ("✉️", place.email), ("🌐", place.website)):
        if value:
            lines.append(t.format("{icon} {value}", icon=icon, value=value))
    lines.append(Markup(""))
    if place.last_verified:
        checked = date.fromisoformat(place.last_verified)
        lines.append(t.t("✔️ Information checked on {date}", date=t.date(checked)))
    elif place.source == "sample":
        lines.append(t.t("⚠️ Sample entry: not yet checked by the city's survey."))
    else:
        lines.append(t.t("⚠️ Not yet checked by a coordinator."))
    return Markup("\n").join(lines)
