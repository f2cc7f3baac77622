"""Aggregates for the statistics (handlers/statistics/city_figures.py decides which figures
and how they read): every figure is counted in SQL, so that a page with 100,000 requests reads a few
hundred rows, never the requests themselves.

Periods are ``[start, end)`` in stored timestamps (UTC text); months are Europe/Berlin
calendar months given by their bounds (db/clock.month_bounds), so a request at 00:30 on
1 April in Berlin counts in April also when it is still 31 March in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from db.clock import from_text, to_text
from db.request_states import (
    DONE,
    EXPIRED,
    MATCHED,
    OPEN,
    REJECTED,
    REVIEW,
    UNSENT,
    WAITING,
    sql_list,
)
from db.statements import fetch_all
from db.transactions import Transactions

# A month as (label, start, end): the label is what rows come back with.
Month = tuple[str, str, str]

# Seconds since 1970 of a stored timestamp: the one expression the backends do not share.
_EPOCH = {
    "sqlite": "unixepoch({})",
    "postgresql": "EXTRACT(EPOCH FROM CAST({} AS timestamptz))",
}


@dataclass(frozen=True)
class RequestCounts:
    district: str
    month: str
    asked: int
    unmet: int


@dataclass(frozen=True)
class Ranks:
    """The two neighbouring values of a sorted group around a percentile."""

    count: int
    low: float
    high: float


def _shares(column: str, codes: Sequence[str]) -> str:
    # Lists are stored as ';de;ar;': an exact match of one code, as the stores search them.
    return ", ".join(f"SUM(CASE WHEN instr({column}, ?) > 0 THEN 1 ELSE 0 END)" for _ in codes)


def _decided(column: str) -> str:
    """The condition that a request's "within N hours" is decided: N hours have passed since
    ``column`` (asking, or publishing). A younger request may still be matched in time, so
    it counts neither as matched in time nor as not: it is left out of the share's count.
    Its one parameter: :func:`_decided_before`."""
    return f"{column} <= ?"


def _decided_before(now: str, hours: int) -> str:
    """The parameter of :func:`_decided`: ``now`` less ``hours``, as stored."""
    return to_text(from_text(now) - timedelta(hours=hours))


# A request counts as asked once it was sent on, or while a posting limit holds it back (the
# person asked: handlers/helping/posting_limits.py); a draft nothing holds was never sent.
# Every figure of requests asked uses this one condition, so that they agree.
ASKED = f"(state NOT IN {sql_list(UNSENT)} OR held_reason <> '')"

# The states the chat's /stats counts by district and kind of help.
SHOWN_BY_GROUP = (OPEN, MATCHED, DONE)


class StatisticsStore:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def requests(self, months: Sequence[Month], open_before: str) -> list[RequestCounts]:
        """Requests asked in the months (:data:`ASKED`: held ones count, other drafts not),
        by Stadtbezirk and month, in one pass over the index: how many, and how many are unmet
        (expired, or open - published, nobody took it - since before ``open_before``)."""
        if not months:
            return []
        month_of = " ".join("WHEN created_at < ? THEN ?" for _ in months)
        rows = await fetch_all(
            self._tx,
            f"SELECT stadtbezirk, CASE {month_of} END AS month, COUNT(*),"
            f" SUM(CASE WHEN state = '{EXPIRED}' OR (state = '{OPEN}' AND opened_at < ?)"
            " THEN 1 ELSE 0 END)"
            " FROM help_requests WHERE created_at >= ? AND created_at < ?"
            f" AND {ASKED} GROUP BY stadtbezirk, month",
            [
                *(v for label, _start, end in months for v in (end, label)),
                open_before,
                months[0][1],
                months[-1][2],
            ],
        )
        return [RequestCounts(row[0], row[1], row[2], row[3] or 0) for row in rows]

    async def matched_within(
        self, months: Sequence[Month], hours: Sequence[int], now: str
    ) -> list[tuple[str, str, list[tuple[int, int]]]]:
        """Requests asked in the months and not rejected (a request a coordinator turned down
        was never to be matched), by Stadtbezirk and month: for each of ``hours``, how many
        were asked at least that long before ``now`` (the others are not decided yet,
        :func:`_decided`), and how many of those found a helper within that long of asking
        (the request's creation, when it was sent: the review's wait counts, as the
        requester feels it)."""
        if not months:
            return []
        month_of = " ".join("WHEN created_at < ? THEN ?" for _ in months)
        epoch = _EPOCH[self._tx.dialect]
        wait = f"{epoch.format('matched_at')} - {epoch.format('created_at')}"
        within = ", ".join(
            f"SUM(CASE WHEN {_decided('created_at')} THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN {_decided('created_at')} AND matched_at IS NOT NULL"
            f" AND {wait} <= ? THEN 1 ELSE 0 END)"
            for _ in hours
        )
        rows = await fetch_all(
            self._tx,
            f"SELECT stadtbezirk, CASE {month_of} END AS month, {within}"
            " FROM help_requests WHERE created_at >= ? AND created_at < ?"
            f" AND {ASKED} AND state <> '{REJECTED}' GROUP BY stadtbezirk, month",
            [
                *(v for label, _start, end in months for v in (end, label)),
                *(
                    v
                    for h in hours
                    for v in (_decided_before(now, h), _decided_before(now, h), h * 3600)
                ),
                months[0][1],
                months[-1][2],
            ],
        )
        return [
            (
                row[0],
                row[1],
                [(int(row[i] or 0), int(row[i + 1] or 0)) for i in range(2, len(row), 2)],
            )
            for row in rows
        ]

    async def matched_within_by_languages(
        self, start: str, end: str, hours: int, now: str
    ) -> list[tuple[str, int, int, int]]:
        """Published requests asked in [start, end), by their stored list of languages
        (';ar;de;', a few dozen distinct lists; handlers/statistics/city_figures.py tells the
        requester's language from it): how many, how many were published at least ``hours``
        before ``now`` (:func:`_decided`), and how many of those found a helper within
        ``hours`` of publishing."""
        epoch = _EPOCH[self._tx.dialect]
        decided = _decided("opened_at")
        rows = await fetch_all(
            self._tx,
            f"SELECT languages, COUNT(*), SUM(CASE WHEN {decided} THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN {decided} AND matched_at IS NOT NULL AND"
            f" {epoch.format('matched_at')} - {epoch.format('opened_at')} <= ?"
            " THEN 1 ELSE 0 END)"
            " FROM help_requests WHERE created_at >= ? AND created_at < ?"
            " AND opened_at IS NOT NULL GROUP BY languages",
            (_decided_before(now, hours), _decided_before(now, hours), hours * 3600, start, end),
        )
        return [(row[0] or "", int(row[1]), int(row[2] or 0), int(row[3] or 0)) for row in rows]

    async def languages_served(
        self, start: str, end: str, hours: int
    ) -> list[tuple[str, int, int, int]]:
        """Requests asked in [start, end) (``end``: now) and not rejected, by their stored
        list of languages (';fa;en;'): how many, how many were asked at least ``hours``
        before ``end`` (:func:`_decided`; the others are still in their first ``hours``),
        and how many of those a volunteer took within ``hours`` of asking (the review's wait
        counts, as in :meth:`matched_within`)."""
        epoch = _EPOCH[self._tx.dialect]
        wait = f"{epoch.format('matched_at')} - {epoch.format('created_at')}"
        decided = _decided("created_at")
        rows = await fetch_all(
            self._tx,
            f"SELECT languages, COUNT(*), SUM(CASE WHEN {decided} THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN {decided} AND matched_at IS NOT NULL AND {wait} <= ?"
            " THEN 1 ELSE 0 END)"
            " FROM help_requests WHERE created_at >= ? AND created_at < ?"
            f" AND {ASKED} AND state <> '{REJECTED}' GROUP BY languages",
            (
                _decided_before(end, hours),
                _decided_before(end, hours),
                hours * 3600,
                start,
                end,
            ),
        )
        return [(row[0] or "", int(row[1]), int(row[2] or 0), int(row[3] or 0)) for row in rows]

    async def volunteers_taking(self, codes: Sequence[str], verified: bool) -> dict[str, int]:
        """How many volunteers who take requests now (not paused; confirmed too where
        ``verified``: the city offers requests only to them) speak each language."""
        spoken, _total = await self.volunteer_languages(codes, verified=verified)
        return spoken

    async def asked_without(self, language: str, since: str) -> int:
        """How many requests asked since ``since`` (:data:`ASKED`) named
        languages and not ``language``."""
        rows = await fetch_all(
            self._tx,
            "SELECT languages, COUNT(*) FROM help_requests WHERE created_at >= ?"
            f" AND {ASKED} GROUP BY languages",
            (since,),
        )
        return sum(
            count
            for languages, count in rows
            if (codes := [c for c in (languages or "").split(";") if c]) and language not in codes
        )

    async def languages_asked(self, start: str, end: str) -> dict[str, int]:
        """How many requests asked in [start, end) asked for each language. Grouped by the
        stored list (a few dozen distinct lists) and split here: far cheaper than matching
        every language against every row."""
        rows = await fetch_all(
            self._tx,
            "SELECT languages, COUNT(*) FROM help_requests"
            " WHERE created_at >= ? AND created_at < ?"
            f" AND {ASKED} GROUP BY languages",
            (start, end),
        )
        asked: dict[str, int] = {}
        for languages, count in rows:
            for code in filter(None, (languages or "").split(";")):
                asked[code] = asked.get(code, 0) + count
        return asked

    async def wait_ranks(
        self,
        start: str,
        end: str,
        fractions: Sequence[tuple[int, int]],
        districts: Sequence[str] | None = None,
    ) -> dict[str | None, list[Ranks]]:
        """For requests created in [start, end) that found a helper: per Stadtbezirk (and
        ``None`` for all together) the minutes from asking (the request's creation, so that
        the review's wait counts) to the match at the two ranks around each fraction
        ``numerator/denominator`` (0-based rank ``(n - 1) * fraction``), so that the caller
        interpolates percentiles exactly while only a few rows leave the database. With
        ``districts``, a request in none of them counts under ``""`` (an unknown
        district)."""
        district_sql = "stadtbezirk"
        params: list[Any] = []
        if districts is not None:
            district_sql = (
                f"CASE WHEN stadtbezirk IN ({', '.join('?' * len(districts))})"
                " THEN stadtbezirk ELSE '' END"
                if districts
                else "''"
            )
            params += districts
        params += [start, end]
        epoch = _EPOCH[self._tx.dialect]
        rows = await fetch_all(
            self._tx,
            f"WITH waits AS (SELECT {district_sql} AS district,"
            f" ({epoch.format('matched_at')} - {epoch.format('created_at')}) / 60.0 AS minutes"
            " FROM help_requests"
            " WHERE created_at >= ? AND created_at < ?"
            " AND matched_at IS NOT NULL),"
            " ranked AS ("
            " SELECT district, minutes, ROW_NUMBER() OVER (PARTITION BY district"
            "  ORDER BY minutes) - 1 AS i, COUNT(*) OVER (PARTITION BY district) AS n"
            " FROM waits"
            " UNION ALL SELECT NULL, minutes, ROW_NUMBER() OVER (ORDER BY minutes) - 1,"
            "  COUNT(*) OVER () FROM waits)"
            f" SELECT district, n, i, minutes FROM ranked WHERE {_rank_picks(fractions)}",
            params,
        )
        return _ranks(rows, fractions)

    async def volunteer_languages(
        self, codes: Sequence[str], *, verified: bool = False
    ) -> tuple[dict[str, int], int]:
        """How many volunteers (not paused; confirmed too where ``verified``) speak each
        language, and how many there are."""
        confirmed = " AND verified_at IS NOT NULL" if verified else ""
        row = (
            await fetch_all(
                self._tx,
                f"SELECT COUNT(*), {_shares('languages', codes)} FROM volunteers"
                f" WHERE paused = 0{confirmed}",
                [f";{c};" for c in codes],
            )
        )[0]
        return {code: int(row[i + 1] or 0) for i, code in enumerate(codes)}, int(row[0])

    async def hours(self, months: Sequence[Month]) -> list[tuple[str, str, int, int]]:
        """(Stadtbezirk, month, done requests, minutes given) by the month the help was
        done in."""
        if not months:
            return []
        month_of = " ".join("WHEN closed_at < ? THEN ?" for _ in months)
        rows = await fetch_all(
            self._tx,
            f"SELECT stadtbezirk, CASE {month_of} END AS month, COUNT(*),"
            " COALESCE(SUM(minutes_spent), 0) FROM help_requests INDEXED BY help_requests_done"
            f" WHERE state = '{DONE}' AND closed_at >= ? AND closed_at < ?"
            " GROUP BY stadtbezirk, month",
            [
                *(v for label, _start, end in months for v in (end, label)),
                months[0][1],
                months[-1][2],
            ],
        )
        return [(row[0], row[1], row[2], row[3]) for row in rows]

    async def week(self, since: str) -> tuple[int, int, int]:
        """The headline's counts: requests asked since ``since`` (drafts never sent do not
        count; those a posting limit holds back do - the person asked), requests that
        found a helper since then (whenever asked), and requests waiting for a
        coordinator's review now."""
        rows = await fetch_all(
            self._tx,
            "SELECT"
            f" SUM(CASE WHEN created_at >= ? AND {ASKED} THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN matched_at >= ? THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN state = '{REVIEW}' THEN 1 ELSE 0 END)"
            " FROM help_requests",
            (since, since),
        )
        asked, helped, review = rows[0] if rows else (0, 0, 0)
        return int(asked or 0), int(helped or 0), int(review or 0)

    async def waiting_by_languages(self, now: str) -> list[tuple[str, int, float]]:
        """Requests waiting now (in review, or published and nobody took them), by their
        stored list of languages (a few dozen distinct lists): how many, and the minutes
        they have waited since asking, added up."""
        epoch = _EPOCH[self._tx.dialect]
        rows = await fetch_all(
            self._tx,
            "SELECT languages, COUNT(*),"
            f" SUM({epoch.format('?')} - {epoch.format('created_at')}) / 60.0"
            f" FROM help_requests WHERE state IN {sql_list(WAITING)} GROUP BY languages",
            (now,),
        )
        return [(row[0] or "", int(row[1]), max(0.0, float(row[2] or 0))) for row in rows]

    async def places_by_district(self) -> list[tuple[str, int]]:
        rows = await fetch_all(
            self._tx, "SELECT stadtbezirk, COUNT(*) FROM places GROUP BY stadtbezirk"
        )
        return [(row[0], row[1]) for row in rows]

    async def first_year(self) -> int | None:
        """The year the first request was asked in (UTC; the period picker's oldest year)."""
        rows = await fetch_all(self._tx, "SELECT MIN(created_at) FROM help_requests")
        first = rows[0][0] if rows else None
        return int(first[:4]) if first else None

    async def states(self) -> dict[str, int]:
        """Requests by state, all time (the chat's /stats)."""
        rows = await fetch_all(self._tx, "SELECT state, COUNT(*) FROM help_requests GROUP BY state")
        return {row[0]: row[1] for row in rows}

    async def active_by(self, column: str) -> dict[str, dict[str, int]]:
        """Open, matched and done requests by ``stadtbezirk`` or ``category`` (the chat's
        /stats)."""
        if column not in ("stadtbezirk", "category"):
            raise ValueError(column)
        grouped: dict[str, dict[str, int]] = {}
        for key, state, count in await fetch_all(
            self._tx,
            f"SELECT {column}, state, COUNT(*) FROM help_requests"
            f" WHERE state IN {sql_list(SHOWN_BY_GROUP)} GROUP BY {column}, state",
        ):
            grouped.setdefault(key or "?", {})[state] = count
        return grouped


def _rank_picks(fractions: Sequence[tuple[int, int]]) -> str:
    """The SQL condition that keeps the two ranks ``i`` around each fraction of ``n``."""
    picks = []
    for numerator, denominator in fractions:
        low = f"(n - 1) * {int(numerator)} / {int(denominator)}"
        rest = f"(n - 1) * {int(numerator)} % {int(denominator)}"
        high = f"{low} + CASE WHEN {rest} > 0 THEN 1 ELSE 0 END"
        picks.append(f"i = {low} OR i = {high}")
    return " OR ".join(picks)


def _ranks(
    rows: Iterable[Sequence[Any]], fractions: Sequence[tuple[int, int]]
) -> dict[str | None, list[Ranks]]:
    """The rows (district, n, i, minutes) of :func:`_rank_picks` as each district's ranks."""
    found: dict[str | None, dict[int, float]] = {}
    counts: dict[str | None, int] = {}
    for district, n, i, minutes in rows:
        found.setdefault(district, {})[i] = max(0.0, minutes)
        counts[district] = n
    result: dict[str | None, list[Ranks]] = {}
    for district, values in found.items():
        n = counts[district]
        result[district] = [
            Ranks(
                n,
                values[(n - 1) * num // den],
                values[(n - 1) * num // den + ((n - 1) * num % den > 0)],
            )
            for num, den in fractions
        ]
    return result
