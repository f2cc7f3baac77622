"""Import encounter places from CSV or GeoJSON (OpenStreetMap tags).

Every row is checked on its own: good rows are imported, each bad one is reported with its
row or feature number and the reason. Re-importing a file updates places by their source id.

CSV columns (German or English names, case and punctuation ignored; see README):
source_id, name, name_<lang>, category, street, housenumber, postcode, city, stadtbezirk,
stadtteil, lat, lon, opening_hours, wheelchair, languages, target_groups, operator,
operator_type, free_of_charge, phone, email, website, description, description_<lang>,
last_verified, source.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from db import Database
from db.places import Place
from handlers.places.gazetteer import Gazetteer, fold
from handlers.places.vocabulary import (
    CATEGORY_SYNONYMS,
    OPERATOR_TYPE_SYNONYMS,
    TARGET_GROUP_SYNONYMS,
    WHEELCHAIR_SYNONYMS,
    normalise,
)
from handlers.refusals import Explained, Refusal
from handlers.text_safety import clean_name, clean_text
from locales import N_, SUPPORTED_LANGUAGES, hours

BATCH = 500
_LANG_COLUMN = re.compile(r"^(name|bezeichnung|description|beschreibung)[_:\- ]([a-z]{2})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_HEADER_ALIASES: dict[str, list[str]] = {
    "source_id": ["id", "sourceid", "quelleid", "quellid", "nr", "nummer", "objektid"],
    "name": ["bezeichnung", "einrichtung", "titel"],
    "category": ["kategorie", "art", "typ", "type"],
    "street": ["strasse", "straße", "str", "addrstreet"],
    "housenumber": ["hausnummer", "hnr", "addrhousenumber"],
    "postcode": ["plz", "postleitzahl", "zip", "addrpostcode"],
    "city": ["ort", "stadt", "addrcity"],
    "stadtbezirk": ["bezirk", "district", "citydistrict"],
    "stadtteil": ["quartier", "ortsteil", "quarter", "suburb", "addrsuburb"],
    "lat": ["latitude", "breitengrad", "breite", "y"],
    "lon": ["lng", "longitude", "laengengrad", "längengrad", "laenge", "länge", "x"],
    "opening_hours": ["öffnungszeiten", "oeffnungszeiten", "openinghours"],
    "wheelchair": ["rollstuhl", "barrierefrei", "rollstuhlgerecht", "barrierefreiheit"],
    "languages": ["sprachen", "language"],
    "target_groups": ["zielgruppen", "zielgruppe", "targetgroup"],
    "operator": ["träger", "traeger", "betreiber"],
    "operator_type": ["trägerart", "traegerart", "trägertyp", "traegertyp", "operatortype"],
    "free_of_charge": ["kostenlos", "kostenfrei", "free"],
    "phone": ["telefon", "tel", "contactphone"],
    "email": ["mail", "contactemail"],
    "website": ["webseite", "internet", "url", "contactwebsite", "homepage"],
    "description": ["beschreibung"],
    "last_verified": ["geprüftam", "geprueftam", "zuletztgeprüft", "checkdate", "stand"],
    "source": ["quelle", "datenquelle"],
}


def _key(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


_HEADERS = {
    _key(alias): canonical
    for canonical, aliases in _HEADER_ALIASES.items()
    for alias in [canonical, *aliases]
}


class RowError(Refusal):
    """One row or feature cannot be imported (``field``: the column it is about, if one)."""


class UnusableFile(Refusal):
    """Nothing in the file can be read."""


@dataclass
class Rejection:
    row: int
    reason: Explained  # the English sentence; ``reason.text(t)`` in any language


@dataclass
class ImportReport:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    dry_run: bool = False
    unit: str = "row"  # "feature" for GeoJSON

    @property
    def exit_code(self) -> int:
        return 1 if self.rejected else 0


# -- reading files --------------------------------------------------------------------


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnusableFile(N_("the file is neither UTF-8 nor Windows-1252 text"))


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    # The header decides the delimiter: data rows may hold decimal commas ("51,52").
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise UnusableFile(N_("the file is empty")) from None
    except csv.Error as exc:
        raise UnusableFile(
            N_("row {row} cannot be read ({problem})"), row=1, problem=str(exc)[:100]
        ) from None
    columns: list[str | None] = []
    for name in header:
        lang = _LANG_COLUMN.match(name.strip().casefold())
        if lang:
            base = "name" if lang.group(1) in ("name", "bezeichnung") else "description"
            columns.append(f"{base}:{lang.group(2)}")
        else:
            columns.append(_HEADERS.get(_key(name)))
    if "name" not in columns:
        raise UnusableFile(N_("no 'name' column in the header (is this a places table?)"))
    if "lat" not in columns or "lon" not in columns:
        raise UnusableFile(N_("no latitude/longitude columns ('lat', 'lon') in the header"))
    number = 1  # row 1 is the header
    while True:
        number += 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # A field longer than the csv module's limit (128 KiB), a NUL byte …: the rows
            # after it cannot be told apart any more.
            raise UnusableFile(
                N_("row {row} cannot be read ({problem})"), row=number, problem=str(exc)[:100]
            ) from None
        if not any(v.strip() for v in values):
            continue
        yield (
            number,
            {col: value.strip() for col, value in zip(columns, values, strict=False) if col},
        )


# GeoJSON positions sit at most three lists deep (MultiPolygon); allow some slack.
_MAX_COORDINATE_DEPTH = 6


def _position(node: Any) -> tuple[float, float]:
    """(lat, lon) of a GeoJSON position [lon, lat, (altitude)]."""
    if not isinstance(node, list) or len(node) < 2:
        raise RowError(
            N_("unreadable coordinates: a position must be [longitude, latitude]"), "geometry"
        )
    values = []
    for value in node[:2]:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RowError(
                N_("unreadable coordinates: longitude and latitude must be numbers"), "geometry"
            )
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise RowError(N_("unreadable coordinates: NaN or infinite number"), "geometry")
        values.append(number)
    return values[1], values[0]


def _centroid(geometry: Any) -> tuple[float, float]:
    """(lat, lon) of a Point, or the mean of all positions of any other geometry."""
    if geometry is None:
        raise RowError(N_("missing coordinates (the feature has no geometry)"), "geometry")
    if not isinstance(geometry, dict):
        raise RowError(N_("unreadable coordinates: 'geometry' is not an object"), "geometry")
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if coords is None:
        raise RowError(N_("missing coordinates (the geometry has no 'coordinates')"), "geometry")
    if kind == "Point":
        return _position(coords)
    points: list[tuple[float, float]] = []
    stack: list[tuple[Any, int]] = [(coords, 0)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, list):
            raise RowError(
                N_("unreadable coordinates: expected lists of [longitude, latitude]"), "geometry"
            )
        if not node:
            continue
        if depth > _MAX_COORDINATE_DEPTH:
            raise RowError(N_("unreadable coordinates: nested too deeply"), "geometry")
        if isinstance(node[0], int | float | str | bool) or node[0] is None:
            points.append(_position(node))
        else:
            stack.extend((child, depth + 1) for child in node)
    if not points:
        raise RowError(N_("missing coordinates (the geometry has none)"), "geometry")
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def _osm_category(tags: dict[str, str]) -> str | None:
    amenity = tags.get("amenity", "")
    centre = tags.get("community_centre", "")
    facility_for = tags.get("social_facility:for", "")
    if tags.get("category"):
        return normalise(tags["category"], CATEGORY_SYNONYMS)
    if amenity == "library":
        return "library"
    if amenity == "community_centre":
        if tags.get("religion"):
            return "religious_community"
        return normalise(centre, CATEGORY_SYNONYMS) or (
            "citizens_centre"
            if centre in ("village_hall", "community_hall")
            else "neighbourhood_centre"
        )
    if amenity == "social_facility":
        return "senior_centre" if facility_for == "senior" else "counselling"
    if amenity == "social_centre":
        return "neighbourhood_centre"
    if amenity == "place_of_worship":
        return "religious_community"
    if (amenity in ("school", "college") and tags.get("school") == "adult_education") or (
        "volkshochschule" in tags.get("name", "").casefold()
    ):
        return "adult_education"
    if tags.get("club") or tags.get("landuse") == "allotments" or amenity == "clubhouse":
        return "club_house"
    if amenity == "youth_centre":
        return "youth_centre"
    return None


def _tag(value: Any) -> str | None:
    """A property as an OSM-style tag value; None for null, lists and objects."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def _feature_row(feature: Any) -> dict[str, str]:
    """The canonical row of one GeoJSON feature; RowError says why there is none."""
    if not isinstance(feature, dict):
        raise RowError(N_("the feature is not an object but {kind}"), kind=_json_kind(feature))
    properties = feature.get("properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise RowError(
            N_("'properties' is not an object but {kind}"),
            "properties",
            kind=_json_kind(properties),
        )
    tags = {str(k): text for k, v in properties.items() if (text := _tag(v)) is not None}
    feature_id = feature.get("id")
    if feature_id is not None and (
        isinstance(feature_id, bool) or not isinstance(feature_id, str | int | float)
    ):
        raise RowError(
            N_("the feature id is not a string or number but {kind}"),
            "source_id",
            kind=_json_kind(feature_id),
        )
    row: dict[str, str] = {}
    lat, lon = _centroid(feature.get("geometry"))
    row["lat"], row["lon"] = str(lat), str(lon)
    row["source_id"] = str(feature_id or tags.get("@id") or tags.get("id") or "")
    category = _osm_category(tags)
    row["category"] = category or (tags.get("amenity") and f"amenity={tags['amenity']}") or ""
    spoken = [
        key.split(":", 1)[1]
        for key, value in tags.items()
        if key.startswith("language:") and value == "yes"
    ]
    if spoken:
        row["languages"] = ";".join(spoken)
    if tags.get("fee") in ("no", "yes"):
        row["free_of_charge"] = "yes" if tags["fee"] == "no" else "no"
    for key, value in tags.items():
        lang = re.match(r"^(name|description):([a-z]{2})$", key)
        if lang:
            row[f"{lang.group(1)}:{lang.group(2)}"] = value
            continue
        canonical = _HEADERS.get(_key(key))
        if canonical and canonical not in row:
            row[canonical] = value
    row.setdefault("source", "osm" if "/" in row["source_id"] else "")
    return row


def _json_kind(value: Any) -> Explained:
    if value is None:
        return Explained("null")
    if isinstance(value, bool):
        return Explained("true/false")
    kinds: dict[type, str] = {dict: N_("an object"), list: N_("a list"), str: N_("a string")}
    return Explained(kinds.get(type(value), N_("a number")))


def _geojson_rows(text: str) -> Iterator[tuple[int, dict[str, str] | RowError]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnusableFile(
            N_("not valid JSON ({problem} at line {line})"), problem=exc.msg, line=exc.lineno
        ) from None
    except RecursionError:
        raise UnusableFile(N_("not usable JSON (nested too deeply)")) from None
    except ValueError as exc:  # e.g. an integer with thousands of digits
        raise UnusableFile(N_("not usable JSON ({problem})"), problem=str(exc)[:100]) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise UnusableFile(N_("not a GeoJSON FeatureCollection"))
    features = data.get("features")
    if features is None:
        features = []
    if not isinstance(features, list):
        raise UnusableFile(N_("'features' is not a list but {kind}"), kind=_json_kind(features))
    for number, feature in enumerate(features, start=1):
        try:
            yield number, _feature_row(feature)
        except RowError as exc:
            yield number, exc


Rows = Iterator[tuple[int, dict[str, str] | RowError]]


def read_rows(path: Path) -> tuple[str, Rows]:
    """("row" or "feature", iterator of (number, canonical row or why it has none))."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnusableFile(N_("cannot read the file ({problem})"), problem=exc.strerror) from None
    return rows_of(raw, path.name)


def rows_of(raw: bytes, name: str) -> tuple[str, Rows]:
    """:func:`read_rows` for a file's content (an upload); ``name`` tells GeoJSON by its
    ending when the content does not."""
    text = _decode(raw)
    if name.lower().endswith((".geojson", ".json")) or text.lstrip().startswith("{"):
        return "feature", _geojson_rows(text)
    return "row", _csv_rows(text)


# -- checking rows --------------------------------------------------------------------


def _float(value: str) -> float:
    return (
        float(value.replace(",", "."))
        if value.count(",") == 1 and "." not in value
        else float(value)
    )


def _date(value: str) -> str | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"):
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    raise RowError(
        N_("last verified date '{value}' is not a date (YYYY-MM-DD or DD.MM.YYYY)"),
        "last_verified",
        value=value,
    )


def _list(value: str, synonyms: dict[str, str] | None, field: str) -> tuple[str, ...]:
    """Language codes (``synonyms`` None) or keys of a vocabulary, from "a; b, c"."""
    items = []
    for raw in re.split(r"[;,/|]", value):
        raw = raw.strip()
        if not raw:
            continue
        if synonyms is None:
            code = raw.casefold()
            if not re.fullmatch(r"[a-z]{2,3}", code):
                raise RowError(
                    N_("unknown language '{value}' (use ISO codes like de, ar, tr)"),
                    field,
                    value=raw,
                )
            items.append(code)
        else:
            key = normalise(raw, synonyms)
            if key is None:
                raise RowError(N_("unknown target group '{value}'"), field, value=raw)
            items.append(key)
    return tuple(dict.fromkeys(items))


def _yes_no(value: str) -> bool | None:
    folded = fold(value)
    if folded in ("", "unbekannt", "unknown"):
        return None
    if folded in ("ja", "yes", "true", "1", "j", "y", "kostenlos", "frei"):
        return True
    if folded in ("nein", "no", "false", "0", "n"):
        return False
    raise RowError(N_("free of charge '{value}' is not yes or no"), "free_of_charge", value=value)


# The longest one-line field an import keeps (names, addresses, operators, links).
LINE_LIMIT = 300


def cleaned(row: dict[str, str]) -> dict[str, str]:
    """An imported row as text from strangers is treated: OSM and open-data files are
    editable by anyone, and a name with line breaks ("…\n\n✅ Von der Stadt geprüft") or a
    right-to-left override would pass for the bot's own lines in the chat, the map and
    announcements. Descriptions keep their lines (shown as quoted blocks); every other field
    becomes one clean line, as names typed in the chat do (handlers/text_safety.py)."""
    return {
        key: clean_text(value)
        if key.split(":")[0] == "description"
        else clean_name(value, LINE_LIMIT)
        for key, value in row.items()
    }


def to_place(row: dict[str, str], gazetteer: Gazetteer, default_source: str) -> Place:
    row = cleaned(row)
    name = row.get("name", "").strip()
    if not name:
        raise RowError(N_("missing name"), "name")
    try:
        lat, lon = _float(row.get("lat", "")), _float(row.get("lon", ""))
    except ValueError:
        raise RowError(N_("missing or unreadable coordinates (lat, lon)"), "lat") from None
    if not gazetteer.contains(lat, lon):
        raise RowError(
            N_("coordinates {lat}, {lon} are outside the city area"),
            "lat",
            lat=f"{lat:.5f}",
            lon=f"{lon:.5f}",
        )
    raw_category = row.get("category", "")
    category = normalise(raw_category, CATEGORY_SYNONYMS)
    if category is None:
        if raw_category:
            raise RowError(N_("unknown category '{value}'"), "category", value=raw_category)
        raise RowError(N_("missing category"), "category")
    opening = row.get("opening_hours", "").strip()
    problem = hours.validate(opening)
    if problem:
        raise RowError(
            N_("unparseable opening hours '{value}': {problem}"),
            "opening_hours",
            value=opening,
            problem=problem,
        )
    wheelchair = normalise(row.get("wheelchair", ""), WHEELCHAIR_SYNONYMS)
    if wheelchair is None:
        raise RowError(
            N_("wheelchair must be yes, limited, no or unknown, not '{value}'"),
            "wheelchair",
            value=row.get("wheelchair", ""),
        )
    operator_type = ""
    if row.get("operator_type"):
        operator_type = normalise(row["operator_type"], OPERATOR_TYPE_SYNONYMS) or ""
        if not operator_type:
            raise RowError(
                N_("unknown operator type '{value}'"), "operator_type", value=row["operator_type"]
            )
    email = row.get("email", "")
    if email and not _EMAIL.match(email):
        raise RowError(N_("email '{value}' is not an email address"), "email", value=email)
    website = row.get("website", "")
    if website and not website.startswith(("http://", "https://")):
        website = "https://" + website
    nearest = gazetteer.nearest_stadtteil(lat, lon)
    stadtbezirk = row.get("stadtbezirk", "")
    if stadtbezirk:
        known = {fold(a.name): a.name for a in gazetteer.bezirke}
        if fold(stadtbezirk) not in known:
            raise RowError(N_("unknown Stadtbezirk '{value}'"), "stadtbezirk", value=stadtbezirk)
        stadtbezirk = known[fold(stadtbezirk)]
    texts: dict[str, tuple[str, str]] = {}
    for lang in SUPPORTED_LANGUAGES:
        local_name, local_text = row.get(f"name:{lang}", ""), row.get(f"description:{lang}", "")
        if local_name or local_text:
            texts[lang] = (local_name, local_text)
    source_id = row.get("source_id", "")
    if not source_id:
        # No id column: derive one from what identifies a place, so re-imports still match.
        basis = "|".join(
            fold(row.get(k, "")) for k in ("name", "street", "housenumber", "postcode")
        )
        source_id = "h-" + hashlib.sha1(basis.encode()).hexdigest()[:16]
    return Place(
        source=row.get("source") or default_source,
        source_id=source_id,
        name=name,
        category=category,
        lat=round(lat, 6),
        lon=round(lon, 6),
        street=row.get("street", ""),
        housenumber=row.get("housenumber", ""),
        postcode=row.get("postcode", ""),
        city=row.get("city", ""),
        stadtbezirk=stadtbezirk or nearest.stadtbezirk,
        stadtteil=row.get("stadtteil") or nearest.name,
        opening_hours=opening,
        wheelchair=wheelchair,
        languages=_list(row.get("languages", ""), None, "languages"),
        target_groups=_list(row.get("target_groups", ""), TARGET_GROUP_SYNONYMS, "target_groups"),
        operator=row.get("operator", ""),
        operator_type=operator_type,
        free_of_charge=_yes_no(row.get("free_of_charge", "")),
        phone=row.get("phone", ""),
        email=email,
        website=website,
        description=row.get("description", ""),
        last_verified=_date(row.get("last_verified", "")),
        texts=texts,
    )


async def import_places(
    db: Database,
    path: Path,
    gazetteer: Gazetteer,
    *,
    dry_run: bool = False,
    actor: str = "import",
    default_source: str = "import",
    changed_by: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a file; raises :class:`UnusableFile` when nothing in it can be read."""
    kind, rows = read_rows(path)
    return await _import_rows(
        db, kind, rows, path.name, gazetteer, dry_run, actor, default_source, changed_by, progress
    )


async def import_upload(
    db: Database,
    name: str,
    raw: bytes,
    gazetteer: Gazetteer,
    *,
    dry_run: bool = False,
    actor: str = "desk",
    default_source: str = "import",
    changed_by: int | None = None,
) -> ImportReport:
    """:func:`import_places` for a file's content (the desk's upload), the same checks."""
    kind, rows = rows_of(raw, name)
    return await _import_rows(
        db, kind, rows, name, gazetteer, dry_run, actor, default_source, changed_by, None
    )


async def _import_rows(
    db: Database,
    kind: str,
    rows: Rows,
    name: str,
    gazetteer: Gazetteer,
    dry_run: bool,
    actor: str,
    default_source: str,
    changed_by: int | None,
    progress: Callable[[int], None] | None,
) -> ImportReport:
    report = ImportReport(dry_run=dry_run, unit=kind)
    batch: list[Place] = []

    async def flush() -> None:
        counts = await db.places.upsert_many(batch, f"{actor}:{name}", changed_by, dry_run=dry_run)
        report.created += counts["created"]
        report.updated += counts["updated"]
        report.unchanged += counts["unchanged"]
        if progress:
            progress(len(batch))
        batch.clear()

    seen: set[tuple[str, str]] = set()
    for number, row in rows:
        report.total += 1
        try:
            if isinstance(row, RowError):
                raise row
            place = to_place(row, gazetteer, default_source)
            if (place.source, place.source_id) in seen:
                raise RowError(
                    N_("duplicate source id '{value}' in this file"),
                    "source_id",
                    value=place.source_id,
                )
            seen.add((place.source, place.source_id))
        except RowError as exc:
            report.rejected.append(Rejection(number, exc.reason))
            if progress:
                progress(1)
            continue
        batch.append(place)
        if len(batch) >= BATCH:
            await flush()
    if batch:
        await flush()
    if report.total == 0:
        raise UnusableFile(N_("the file contains no places"))
    return report
