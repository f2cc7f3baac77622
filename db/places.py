"""Encounter places: upsert by source id, bounding-box lookup on the R*Tree, change history."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from typing import Any

import aiosqlite

from db.clock import utcnow
from db.name_keys import holding
from db.statements import (
    execute,
    execute_many,
    fetch_all,
    fetch_by_ids,
    fetch_each,
    fetch_one,
    fetch_with_texts,
    group_texts,
)
from db.transactions import Statement, Transactions


@dataclass(frozen=True)
class Place:
    source: str
    source_id: str
    name: str
    category: str
    lat: float
    lon: float
    street: str = ""
    housenumber: str = ""
    postcode: str = ""
    city: str = ""
    stadtbezirk: str = ""
    stadtteil: str = ""
    opening_hours: str = ""
    wheelchair: str = "unknown"
    languages: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    operator: str = ""
    operator_type: str = ""
    free_of_charge: bool | None = None
    phone: str = ""
    email: str = ""
    website: str = ""
    description: str = ""
    last_verified: str | None = None
    # Other languages: {"ar": ("name", "description"), …}
    texts: dict[str, tuple[str, str]] = field(default_factory=dict, compare=False)
    id: int | None = field(default=None, compare=False)

    def name_in(self, lang: str) -> str:
        return (self.texts.get(lang) or ("", ""))[0] or self.name

    def description_in(self, lang: str) -> str:
        return (self.texts.get(lang) or ("", ""))[1] or self.description


_COLUMNS = [f.name for f in fields(Place) if f.name not in ("texts", "id")]
# What the nearest-place search reads of each candidate: id and point.
_POINT = "p.id, p.lat, p.lon"
_LISTS = ("languages", "target_groups")


def _to_row(place: Place) -> dict[str, Any]:
    row = {name: getattr(place, name) for name in _COLUMNS}
    for name in _LISTS:
        row[name] = f";{';'.join(row[name])};" if row[name] else ""
    if row["free_of_charge"] is not None:
        row["free_of_charge"] = int(row["free_of_charge"])
    return row


def _from_row(row: aiosqlite.Row, texts: dict[str, tuple[str, str]] | None = None) -> Place:
    values = {name: row[name] for name in _COLUMNS}
    for name in _LISTS:
        values[name] = tuple(item for item in (values[name] or "").split(";") if item)
    if values["free_of_charge"] is not None:
        values["free_of_charge"] = bool(values["free_of_charge"])
    return Place(**values, texts=texts or {}, id=row["id"])


def _whole(prefix: str, ids: str, params: list[Any]) -> tuple[Statement, Statement]:
    """The queries for whole places (their rows, their texts) whose ids ``ids`` lists or
    selects; ``prefix``: a ``WITH`` clause ``ids`` reads."""
    return (
        (f"{prefix}SELECT * FROM places WHERE id IN ({ids})", params),
        (
            f"{prefix}SELECT place_id, lang, name, description FROM place_texts"
            f" WHERE place_id IN ({ids})",
            params,
        ),
    )


def _places(
    rows: list[Any], texts: dict[int, dict[str, tuple[str, str]]]
) -> Iterable[tuple[int, Place]]:
    return ((row["id"], _from_row(row, texts.get(row["id"]))) for row in rows)


class _DryRun(Exception):
    """Raised inside an import transaction to roll back a dry run."""


@dataclass(frozen=True)
class PlaceFilter:
    category: str | None = None
    wheelchair: bool = False
    language: str | None = None


@dataclass(frozen=True)
class MapPoint:
    """What the web map needs of a place: the sign's name and its name in the reader's
    language (empty when it has none)."""

    id: int
    lat: float
    lon: float
    name: str
    name_in_lang: str
    category: str
    wheelchair: str
    opening_hours: str = field(default="", repr=False)


@dataclass(frozen=True)
class PlaceLine:
    """One place in the desk's list."""

    id: int
    name: str
    category: str
    stadtbezirk: str
    stadtteil: str
    last_verified: str | None


class PlaceStore:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def _select_by_ids(self, sql: str, ids: list[int]) -> list[aiosqlite.Row]:
        """Run ``sql`` (with one ``IN ({ids})``) over ``ids`` in chunks: SQLite limits the
        number of parameters one statement may have."""
        return await fetch_by_ids(self._tx, sql, ids)

    async def _texts(self, place_ids: list[int]) -> dict[int, dict[str, tuple[str, str]]]:
        return group_texts(
            await self._select_by_ids(
                "SELECT place_id, lang, name, description FROM place_texts"
                " WHERE place_id IN ({ids})",
                place_ids,
            )
        )

    async def get(self, place_id: int) -> Place | None:
        return (await self.get_many([place_id])).get(place_id)

    async def count(self) -> int:
        row = await fetch_one(self._tx, "SELECT COUNT(*) FROM places")
        assert row is not None
        return int(row[0])

    async def _find_id(self, source: str, source_id: str) -> int | None:
        row = await fetch_one(
            self._tx,
            "SELECT id FROM places WHERE source = ? AND source_id = ?",
            (source, source_id),
        )
        return None if row is None else int(row[0])

    async def _record(
        self,
        place_id: int,
        action: str,
        actor: str,
        changed_by: int | None,
        changes: dict[str, Any],
    ) -> None:
        await execute(
            self._tx,
            "INSERT INTO place_changes (place_id, action, actor, changed_by, changes, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                place_id,
                action,
                actor,
                changed_by,
                json.dumps(changes, ensure_ascii=False),
                utcnow(),
            ),
        )

    async def _write_texts(self, place_id: int, texts: dict[str, tuple[str, str]]) -> None:
        await execute(self._tx, "DELETE FROM place_texts WHERE place_id = ?", (place_id,))
        await execute_many(
            self._tx,
            "INSERT INTO place_texts (place_id, lang, name, description) VALUES (?, ?, ?, ?)",
            [(place_id, lang, name, text) for lang, (name, text) in sorted(texts.items())],
        )

    async def _existing(self, places: list[Place]) -> dict[tuple[str, str], Place]:
        """The stored versions of these places, by (source, source_id), in few queries."""
        found: dict[tuple[str, str], Place] = {}
        for start in range(0, len(places), 400):
            chunk = places[start : start + 400]
            pairs = ", ".join("(?, ?)" for _ in chunk)
            params = [value for p in chunk for value in (p.source, p.source_id)]
            rows = await fetch_all(
                self._tx,
                f"SELECT * FROM places WHERE (source, source_id) IN (VALUES {pairs})",
                params,
            )
            texts = await self._texts([row["id"] for row in rows])
            for row in rows:
                place = _from_row(row, texts.get(row["id"]))
                found[(place.source, place.source_id)] = place
        return found

    async def upsert_many(
        self,
        places: Iterable[Place],
        actor: str,
        changed_by: int | None = None,
        *,
        dry_run: bool = False,
    ) -> dict[str, int]:
        """Insert or update by (source, source_id) in one transaction; count what happened.

        Works in batches (a handful of statements per call, not per place) so that large
        imports stay fast. With ``dry_run`` the work is done and rolled back: exact counts.
        """
        places = list(places)
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        now = utcnow()
        try:
            async with self._tx.transaction():
                existing = await self._existing(places)
                new = [p for p in places if (p.source, p.source_id) not in existing]
                if new:
                    columns = [*_COLUMNS, "created_at", "updated_at"]
                    await execute_many(
                        self._tx,
                        f"INSERT INTO places ({', '.join(columns)}) VALUES"
                        f" ({', '.join('?' * len(columns))})",
                        [[*_to_row(p).values(), now, now] for p in new],
                    )
                    created = await self._existing(new)
                    await execute_many(
                        self._tx,
                        "INSERT INTO place_texts (place_id, lang, name, description)"
                        " VALUES (?, ?, ?, ?)",
                        [
                            (created[(p.source, p.source_id)].id, lang, name, text)
                            for p in new
                            for lang, (name, text) in sorted(p.texts.items())
                        ],
                    )
                    await execute_many(
                        self._tx,
                        "INSERT INTO place_changes"
                        " (place_id, action, actor, changed_by, changes, at)"
                        " VALUES (?, 'create', ?, ?, '{}', ?)",
                        [
                            (created[(p.source, p.source_id)].id, actor, changed_by, now)
                            for p in new
                        ],
                    )
                    counts["created"] = len(new)
                updates, text_updates, records = [], [], []
                for place in places:
                    old = existing.get((place.source, place.source_id))
                    if old is None:
                        continue
                    diff = {
                        name: [getattr(old, name), getattr(place, name)]
                        for name in _COLUMNS
                        if getattr(old, name) != getattr(place, name)
                    }
                    if old.texts != place.texts:
                        assert old.id is not None
                        text_updates.append((old.id, place.texts))
                        diff["texts"] = [old.texts, place.texts]
                    if not diff:
                        counts["unchanged"] += 1
                        continue
                    counts["updated"] += 1
                    updates.append([*_to_row(place).values(), now, old.id])
                    records.append(
                        (
                            old.id,
                            actor,
                            changed_by,
                            json.dumps(diff, ensure_ascii=False, default=list),
                            now,
                        )
                    )
                if updates:
                    assignments = ", ".join(f"{name} = ?" for name in _COLUMNS)
                    await execute_many(
                        self._tx,
                        f"UPDATE places SET {assignments}, updated_at = ? WHERE id = ?",
                        updates,
                    )
                    await execute_many(
                        self._tx,
                        "INSERT INTO place_changes"
                        " (place_id, action, actor, changed_by, changes, at)"
                        " VALUES (?, 'update', ?, ?, ?, ?)",
                        records,
                    )
                for place_id, texts in text_updates:
                    await self._write_texts(place_id, texts)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        return counts

    async def upsert(self, place: Place, actor: str, changed_by: int | None = None) -> int:
        await self.upsert_many([place], actor, changed_by)
        place_id = await self._find_id(place.source, place.source_id)
        assert place_id is not None
        return place_id

    async def update(
        self, place_id: int, actor: str, changed_by: int | None = None, **changes: Any
    ) -> Place:
        old = await self.get(place_id)
        if old is None:
            raise KeyError(place_id)
        await self.upsert_many([replace(old, **changes)], actor, changed_by)
        new = await self.get(place_id)
        assert new is not None
        return new

    async def verify(
        self, place_id: int, actor: str, changed_by: int | None = None, on: date | None = None
    ) -> None:
        day = (on or date.today()).isoformat()
        await execute(
            self._tx,
            "UPDATE places SET last_verified = ?, updated_at = ? WHERE id = ?",
            (day, utcnow(), place_id),
        )
        await self._record(place_id, "verify", actor, changed_by, {"last_verified": day})

    async def listing(
        self,
        *,
        name: str = "",
        stadtbezirk: str = "",
        category: str = "",
        verified_before: date | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[PlaceLine], int]:
        """A page of places by name (and how many match in all): ``name`` anywhere in the
        name, ``verified_before``: never verified or last verified before that day."""
        where: list[str] = []
        params: list[Any] = []
        if stadtbezirk:
            where.append("stadtbezirk = ?")
            params.append(stadtbezirk)
        if category:
            where.append("category = ?")
            params.append(category)
        if verified_before is not None:
            where.append("(last_verified IS NULL OR last_verified < ?)")
            params.append(verified_before.isoformat())
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        columns = "id, name, category, stadtbezirk, stadtteil, last_verified"
        if name:
            # The names are compared in Python (name_key), so both backends find the same.
            named = await fetch_all(
                self._tx, f"SELECT id, name FROM places{clause} ORDER BY name, id", params
            )
            ids = holding(named, [name])
            shown = ids[offset : offset + limit]
            rows = await self._select_by_ids(
                f"SELECT {columns} FROM places WHERE id IN ({{ids}})", shown
            )
            by_id = {row[0]: row for row in rows}
            return [PlaceLine(*by_id[i]) for i in shown if i in by_id], len(ids)
        total, rows = await fetch_each(
            self._tx,
            [
                (f"SELECT COUNT(*) FROM places{clause}", params),
                (
                    f"SELECT {columns} FROM places{clause} ORDER BY name, id LIMIT ? OFFSET ?",
                    [*params, limit, offset],
                ),
            ],
        )
        return [PlaceLine(*row) for row in rows], int(total[0][0])

    async def history(self, place_id: int) -> list[dict[str, Any]]:
        rows = await fetch_all(
            self._tx,
            "SELECT action, actor, changed_by, changes, at FROM place_changes"
            " WHERE place_id = ? ORDER BY id",
            (place_id,),
        )
        return [
            {
                "action": r[0],
                "actor": r[1],
                "changed_by": r[2],
                "changes": json.loads(r[3]),
                "at": r[4],
            }
            for r in rows
        ]

    def _box_query(
        self,
        columns: str,
        box: tuple[float, float, float, float],
        filters: PlaceFilter,
        *,
        join: str = "",
    ) -> tuple[str, list[Any]]:
        """``SELECT columns`` of the places in ``box`` (min_lat, max_lat, min_lon, max_lon,
        edges included) that pass ``filters``. ``columns`` and ``join`` call the place ``p``;
        ``_POINT`` (id, lat, lon) is all an unfiltered search needs.

        Each backend asks its spatial index: SQLite the R*Tree ``places_rtree`` (``r``),
        reading ``places`` only when a filter or a column needs more than the point;
        PostgreSQL the GiST index ``places_point``, which the planner uses only for a
        condition on that very expression, ``cube(ARRAY[lat, lon])``.
        """
        min_lat, max_lat, min_lon, max_lon = box
        filtered = bool(filters.category or filters.wheelchair or filters.language)
        if self._tx.dialect == "postgresql":
            corner = "ARRAY[CAST(? AS float8), CAST(? AS float8)]"
            where = [f"cube(ARRAY[p.lat, p.lon]) <@ cube({corner}, {corner})"]
            params: list[Any] = [min_lat, min_lon, max_lat, max_lon]
            source = "places p"
        else:
            where = ["r.min_lat >= ?", "r.max_lat <= ?", "r.min_lon >= ?", "r.max_lon <= ?"]
            params = [min_lat, max_lat, min_lon, max_lon]
            rtree_only = columns == _POINT and not join and not filtered
            source = "places_rtree r" + ("" if rtree_only else " JOIN places p ON p.id = r.id")
            if columns == _POINT:
                columns = "r.id, r.min_lat, r.min_lon"
        if filters.category:
            where.append("p.category = ?")
            params.append(filters.category)
        if filters.wheelchair:
            where.append("p.wheelchair = 'yes'")
        if filters.language:
            where.append("p.languages LIKE ?")
            params.append(f"%;{filters.language};%")
        return f"SELECT {columns} FROM {source}{join} WHERE {' AND '.join(where)}", params

    async def candidates(
        self,
        min_lat: float,
        max_lat: float,
        min_lon: float,
        max_lon: float,
        filters: PlaceFilter = PlaceFilter(),
    ) -> list[tuple[int, float, float]]:
        """(id, lat, lon) of the places in the box that pass the filters: an unfiltered
        search reads ids and points alone, so thousands of candidates cost little."""
        sql, params = self._box_query(_POINT, (min_lat, max_lat, min_lon, max_lon), filters)
        return [(row[0], row[1], row[2]) for row in await fetch_all(self._tx, sql, params)]

    async def points(
        self,
        min_lat: float,
        max_lat: float,
        min_lon: float,
        max_lon: float,
        filters: PlaceFilter,
        lang: str,
    ) -> list[MapPoint]:
        """The places in the box that pass the filters (the same as ``candidates``), with
        their names in ``lang``, in one statement."""
        sql, params = self._box_query(
            "p.id, p.lat, p.lon, p.name, COALESCE(t.name, ''), p.category, p.wheelchair,"
            " p.opening_hours",
            (min_lat, max_lat, min_lon, max_lon),
            filters,
            join=" LEFT JOIN place_texts t ON t.place_id = p.id AND t.lang = ?",
        )
        rows = await fetch_all(self._tx, sql, [lang, *params])
        return [MapPoint(*row) for row in rows]

    async def in_district(self, stadtbezirk: str, limit: int = 1000) -> tuple[list[Place], int]:
        """Up to ``limit`` places of a Stadtbezirk by name, and how many it has."""
        rows = await fetch_all(
            self._tx,
            "SELECT id FROM places WHERE stadtbezirk = ? ORDER BY name, id",
            (stadtbezirk,),
        )
        ids = [row[0] for row in rows]
        found = await self.get_many(ids[:limit])
        return [found[i] for i in ids[:limit] if i in found], len(ids)

    async def names_like(self, words: list[str], limit: int = 200) -> list[tuple[int, str]]:
        """(id, name) of up to ``limit`` places whose name contains any of ``words``, in any
        case of any script (``name_key``); no words, no places."""
        if not words:
            return []
        rows = await fetch_all(self._tx, "SELECT id, name FROM places ORDER BY id", ())
        names = {row[0]: row[1] for row in rows}
        return [(i, names[i]) for i in holding(rows, words)[:limit]]

    async def opening_hours(self, place_ids: list[int]) -> dict[int, str]:
        rows = await self._select_by_ids(
            "SELECT id, opening_hours FROM places WHERE id IN ({ids})", place_ids
        )
        return {row[0]: row[1] for row in rows}

    async def get_many(self, place_ids: list[int]) -> dict[int, Place]:
        found: dict[int, Place] = {}
        for start in range(0, len(place_ids), 500):
            chunk = place_ids[start : start + 500]
            rows, texts = await fetch_with_texts(
                self._tx, *_whole("", ",".join("?" * len(chunk)), chunk)
            )
            found.update(_places(rows, texts))
        return found

    async def candidates_near(
        self,
        box: tuple[float, float, float, float],
        filters: PlaceFilter,
        near: tuple[float, float],
        ranks: range,
    ) -> tuple[list[tuple[int, float, float]], dict[int, Place]]:
        """:meth:`candidates` of ``box``, and in the same round trip the whole places
        ranked ``ranks`` among them by distance from ``near`` (a place search's page, read
        with the box that finds it instead of a round trip later). The rank is a flat
        earth's (latitude and longitude scaled alike at ``near``): the caller ranks the
        candidates by its own distance and loads a page's place that this left out - a
        near tie at the page's edge."""
        sql, params = self._box_query(_POINT, box, filters)
        lat, lon = near
        squeeze = math.cos(math.radians(lat)) ** 2
        ranked = (
            "SELECT i FROM c ORDER BY (la - ?) * (la - ?) + (lo - ?) * (lo - ?) * ?, i"
            " LIMIT ? OFFSET ?"
        )
        ranked_params = [*params, lat, lat, lon, lon, squeeze, len(ranks), ranks.start]
        found, rows, text_rows = await fetch_each(
            self._tx,
            [(sql, params), *_whole(f"WITH c(i, la, lo) AS ({sql}) ", ranked, ranked_params)],
        )
        points = [(row[0], row[1], row[2]) for row in found]
        return points, dict(_places(rows, group_texts(text_rows)))

    async def in_box(
        self,
        min_lat: float,
        max_lat: float,
        min_lon: float,
        max_lon: float,
        filters: PlaceFilter = PlaceFilter(),
    ) -> list[Place]:
        """Whole places inside the box that pass the filters."""
        found = await self.candidates(min_lat, max_lat, min_lon, max_lon, filters)
        places = await self.get_many([place_id for place_id, _, _ in found])
        return [places[place_id] for place_id, _, _ in found if place_id in places]


def as_dict(place: Place) -> dict[str, Any]:
    data = asdict(place)
    data["languages"] = list(place.languages)
    data["target_groups"] = list(place.target_groups)
    data["texts"] = {lang: {"name": n, "description": d} for lang, (n, d) in place.texts.items()}
    return data
