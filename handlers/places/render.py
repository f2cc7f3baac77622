"""How places look in a chat, in the user's language."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date
from markupsafe import Markup

from db.places import Place
from handlers.places import hours
from handlers.places.search import Found
from handlers.places.vocabulary import CATEGORIES, OPERATOR_TYPES, TARGET_GROUPS, WHEELCHAIR
from locales import TIMEZONE, Translator


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
    weekday = format_date(change.astimezone(TIMEZONE), "EEEE", locale=t.locale)
    return t.t("🔴 closed, opens {weekday} at {time}", weekday=weekday, time=clock)


def place_line(t: Translator, number: int, found: Found, now: datetime) -> Markup:
    place = found.place
    parts = [
        t.format("📏 {distance}", distance=distance(t, found.distance_m)),
        hours_status(t, found.hours, now),
    ]
    if place.wheelchair in ("yes", "limited"):
        parts.append(Markup(WHEELCHAIR[place.wheelchair][0]))
    if place.languages:
        parts.append(t.format("🗣 {languages}", languages=language_names(t, place.languages)))
    head = t.format("{number}. <b>{name}</b>", number=number, name=place.name_in(t.lang))
    return (
        head
        + Markup("\n")
        + t.format("{category}", category=category_label(t, place.category))
        + Markup("\n")
        + Markup(" · ").join(parts)
    )


def address(place: Place) -> str:
    street = " ".join(part for part in (place.street, place.housenumber) if part)
    town = " ".join(part for part in (place.postcode, place.city) if part)
    return ", ".join(part for part in (street, town) if part)


def week_lines(t: Translator, place: Place, first_day: date) -> list[Markup]:
    lines = []
    for day, intervals in hours.day_intervals(place.opening_hours, first_day):
        weekday = format_date(day, "EEEE", locale=t.locale)
        if intervals:
            spans = t.list_of(f"{t.time(_at(day, a))}–{t.time(_at(day, b))}" for a, b in intervals)
            lines.append(t.format("{weekday}: {hours}", weekday=weekday, hours=spans))
        else:
            lines.append(t.t("{weekday}: closed", weekday=weekday))
    return lines


def _at(day: date, clock) -> datetime:
    return datetime.combine(day, clock, TIMEZONE)


def details(t: Translator, place: Place, now: datetime, distance_m: float | None = None) -> Markup:
    lines: list[Markup] = [
        t.format("<b>{name}</b>", name=place.name_in(t.lang)),
        t.format("{category}", category=category_label(t, place.category)),
    ]
    description = place.description_in(t.lang)
    if description:
        lines.append(t.format("<i>{text}</i>", text=description))
    lines.append(Markup(""))
    where = address(place)
    area = ", ".join(dict.fromkeys(part for part in (place.stadtteil, place.stadtbezirk) if part))
    if where:
        lines.append(t.format("🏠 {address}", address=where))
    if area:
        lines.append(t.format("🗺️ {area}", area=area))
    if distance_m is not None:
        lines.append(t.format("📏 {distance}", distance=distance(t, distance_m)))
    lines.append(hours_status(t, hours.status(place.opening_hours, now), now))
    if place.opening_hours and not hours.validate(place.opening_hours):
        lines.extend(week_lines(t, place, now.astimezone(TIMEZONE).date()))
    icon, label = WHEELCHAIR.get(place.wheelchair, WHEELCHAIR["unknown"])
    lines.append(t.format("{icon} {label}", icon=icon or "❔", label=t._(label)))
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
