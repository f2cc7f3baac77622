"""What a coordinator may enter for a place's fields, checked the same way in the chat's
editing steps and on the desk's form.

Each function takes what was typed or chosen and returns the place's values to set, or
raises :class:`FieldProblem` (nothing is set) whose ``text(t)`` says what is wanted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from markupsafe import Markup

from handlers.parsing import typed
from handlers.places.gazetteer import load_gazetteer
from handlers.places.vocabulary import CATEGORIES, WHEELCHAIR
from handlers.refusals import Refusal
from handlers.settings import HandlerSettings
from handlers.text_safety import clean_name
from locales import N_, SUPPORTED_LANGUAGES, Formatted, Translator, hours

_COORDS = re.compile(r"^\s*(-?\d{1,2}[.,]\d+)\s*[,; ]\s*(-?\d{1,3}[.,]\d+)\s*$")
_ADDRESS = re.compile(
    r"^(?P<street>.*?\D)\s*(?P<number>\d+\s?[a-zA-Z]?(?:\s?-\s?\d+[a-zA-Z]?)?)?"
    r"\s*(?:,\s*)?(?P<postcode>\d{5})?\s*$"
)
# "-" leaves a field empty (the chat has no other way to say so).
EMPTY = "-"
# A place's name and address: the one rule, which the chat's steps, the desk's check and
# the desk's fields (their maxlength) all follow; NAME_PROBLEM says the name's bounds.
NAME_SHORTEST, NAME_LONGEST = 2, 120
ADDRESS_LONGEST = 200
NAME_PROBLEM = N_("✏️ Please send a name of 2 to 120 characters.")

LOCATION_HINT = N_(
    "📍 Where is it? Share its location on the map, or type coordinates like {example}."
)
ADDRESS_HINT = N_(
    "🏠 Street and house number, and postcode (for example: Leopoldstraße 50, "
    "44147). Send - to leave it empty."
)
HOURS_PROBLEM = N_(
    "🕓 I cannot read these opening hours. Example: Mo-Fr 10:00-16:00; PH off. Send - if unknown."
)
# Where the opening hours stop being readable, after HOURS_PROBLEM: the part typed from there
# on, or that something is missing at the end (the parser's own message is English).
HOURS_FROM = N_("🔎 Not readable from here on: {part}")
HOURS_END = N_("🔎 Something is missing at the end.")
OUTSIDE = N_(
    "🗺️ This location is outside {city}. Please share a location in {city} or type a district."
)


class PointExample(str):
    """The coordinates :data:`LOCATION_HINT` (and the desk's place form) give as their example,
    a value of the sentence: written into the translation, latitude and longitude were laid
    out swapped in Arabic and Persian ("7.4653 ,51.5136"), two runs of digits in a
    right-to-left sentence. In the reader's digits and comma, and with the decimal sign of
    those digits where they are not Latin ("۵۱٫۵۱۳۶، ۷٫۴۶۵۳"; a Latin point elsewhere, not the
    German comma, which would read as the separator), as :func:`coordinates` reads them;
    ``str()`` is the English form."""

    LAT_LON = ("51.5136", "7.4653")

    def __new__(cls) -> PointExample:
        return super().__new__(cls, ", ".join(cls.LAT_LON))

    def text(self, t: Translator) -> Formatted:
        sign = "." if t.numbering == "latn" else t.locale.number_symbols[t.numbering]["decimal"]
        return Formatted(t.comma.join(t.digits(part.replace(".", sign)) for part in self.LAT_LON))


POINT_EXAMPLE = PointExample()


class FieldProblem(Refusal):
    """The value cannot be used; ``detail`` is the part of what was typed that could not be
    read, if worth showing (``at_end``: what is missing is at its end)."""

    def __init__(
        self, message: str, field: str, detail: str = "", at_end: bool = False, **values: Any
    ) -> None:
        super().__init__(message, field, **values)
        self.detail = detail
        self.at_end = at_end

    def said_detail(self, t: Translator) -> Markup | None:
        """Where the value stops being readable, in the reader's language; None where
        nothing more can be said than the message."""
        if self.at_end:
            return t.t(HOURS_END)
        if self.detail:
            return t.t(HOURS_FROM, part=t.format("<code>{x}</code>", x=self.detail))
        return None


def name(text: str) -> dict[str, Any]:
    # One line, nothing invisible, as the importer keeps a name (importer.py): a line break
    # or a direction override typed or pasted here would show on the map, in every list and
    # every text as if it were the bot's own line.
    text = clean_name(text, limit=len(text))
    if not NAME_SHORTEST <= len(text) <= NAME_LONGEST:
        raise FieldProblem(NAME_PROBLEM, "name")
    return {"name": text}


def category(key: str) -> dict[str, Any]:
    if key not in CATEGORIES:
        raise FieldProblem(N_("🏷️ What kind of place is it?"), "category")
    return {"category": key}


def wheelchair(key: str) -> dict[str, Any]:
    if key not in WHEELCHAIR:
        raise FieldProblem(N_("♿ Can people in a wheelchair get in?"), "wheelchair")
    return {"wheelchair": key}


def languages(codes: Iterable[str]) -> dict[str, Any]:
    chosen = set(codes)
    if not chosen <= set(SUPPORTED_LANGUAGES):
        raise FieldProblem(
            N_("🗣 Which languages are spoken there? Tap all that apply, then Done."),
            "languages",
        )
    # In the order of the language picker, as the chat's toggles keep them.
    return {"languages": tuple(code for code in SUPPORTED_LANGUAGES if code in chosen)}


def coordinates(text: str) -> tuple[float, float]:
    """(lat, lon) from typed coordinates such as "51.5136, 7.4653" (or with commas)."""
    match = _COORDS.match(typed(text))
    if not match:
        raise FieldProblem(LOCATION_HINT, "location", example=POINT_EXAMPLE)
    lat, lon = (float(match.group(i).replace(",", ".")) for i in (1, 2))
    return lat, lon


def in_city(settings: HandlerSettings, lat: float, lon: float) -> bool:
    return load_gazetteer(settings.places_data_dir).contains(lat, lon)


def location(settings: HandlerSettings, lat: float, lon: float) -> dict[str, Any]:
    """The place's position in the city, with the Stadtteil and Stadtbezirk it lies in."""
    if not in_city(settings, lat, lon):
        raise FieldProblem(OUTSIDE, "location", city=settings.city)
    area = load_gazetteer(settings.places_data_dir).nearest_stadtteil(lat, lon)
    return {
        "lat": round(lat, 6),
        "lon": round(lon, 6),
        "stadtteil": area.name,
        "stadtbezirk": area.stadtbezirk,
    }


def address(text: str) -> dict[str, Any]:
    text = clean_name(typed(text), limit=len(text))
    if text == EMPTY:
        return {"street": "", "housenumber": "", "postcode": ""}
    match = _ADDRESS.match(text)
    if not text or len(text) > ADDRESS_LONGEST or not match:
        raise FieldProblem(ADDRESS_HINT, "address")
    return {
        "street": match.group("street").strip(" ,"),
        "housenumber": (match.group("number") or "").replace(" ", ""),
        "postcode": match.group("postcode") or "",
    }


def address_text(street: str, housenumber: str, postcode: str) -> str:
    """A stored address as it would be typed, so that :func:`address` reads it back."""
    line = " ".join(part for part in (street, housenumber) if part)
    return ", ".join(part for part in (line, postcode) if part) or EMPTY


def opening_hours(text: str) -> dict[str, Any]:
    text = typed(text).strip()
    value = "" if text == EMPTY else text
    problem = hours.validate(value) if value else None
    if problem or (not value and text != EMPTY):
        at = hours.unreadable_from(value) if value else None
        raise FieldProblem(
            HOURS_PROBLEM,
            "opening_hours",
            detail=value[at:] if at is not None else "",
            at_end=at is not None and at == len(value),
        )
    return {"opening_hours": value}
