"""What a database records of each migration applied to it, and the two refusals that rest
on it (issue 78, points 1 and 2). The record is the ``schema_version`` table, one row per
applied migration:

- ``version``, ``name``, ``applied_at``: as ever;
- ``checksum``: SHA-256 of the file's bytes as they ran (the PostgreSQL file where that
  backend has its own). NULL in rows written before checksums were recorded: the first
  open by a release that records them fills it in (:meth:`Ledger.upgrade`) with the text
  that ran there - this release's file, or a text that is known to have been on main
  before (:data:`SUPERSEDED`), recognised by what it left in the schema;
- ``compatible_from``: the oldest code, named by the last migration it knows, that may
  still run on a database this migration has been applied to (a line
  ``-- compatible-from: NNNN`` in the file; without one, the migration's own number: no
  older code). The database's compatibility version is the highest of them.

Refused, before anything is written (:meth:`Ledger.verify`):

- a database whose compatibility version is newer than the last migration the code knows
  (:class:`NewerSchema`): it was upgraded by a newer nachbarbot;
- a database where a migration was applied whose text differs from this release's file of
  that number, unless that text is a superseded one a later migration repairs
  (:class:`ChangedMigration`): a released migration is never edited.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from db.clock import utcnow

# The SQL of one statement with "?" parameters, run on the connection migrating: the
# column names and the rows.
Run = Callable[[str, Sequence[Any]], Awaitable[tuple[list[str], list[Any]]]]

COMPATIBLE_FROM = re.compile(r"^-- compatible-from: (\d{4})\s*$", re.M)
_COLUMNS = {"checksum": "TEXT", "compatible_from": "INTEGER"}


class MigrationError(RuntimeError):
    """A migration that failed, or a database the code must not migrate or run on."""


class NewerSchema(MigrationError):
    pass


class ChangedMigration(MigrationError):
    pass


@dataclass(frozen=True)
class Superseded:
    """A text a migration once had on main, that installs may have run: its checksum, SQL
    that is true where it ran (read before any later migration), and the migration that
    repairs what it did."""

    checksum: str
    ran_here: str
    repaired_by: int


_EVENINGS_DEFAULT = {
    "sqlite": "SELECT dflt_value = '0' FROM pragma_table_info('volunteers')"
    " WHERE name = 'evenings'",
    "postgresql": "SELECT column_default = '0' FROM information_schema.columns"
    " WHERE table_schema = current_schema() AND table_name = 'volunteers'"
    " AND column_name = 'evenings'",
}

# 0040_evening_requests as it landed (commit b69a088e) gave evenings the default 0; an hour
# later it said 1 (02c900ca). 0042_evening_requests_repair gives those installs' volunteers
# what the second text gave them.
SUPERSEDED: dict[tuple[str, int], tuple[Superseded, ...]] = {
    ("sqlite", 40): (
        Superseded(
            "49619ce0d3b04cfbd24b86288f3368edec2c834c3bfe6643fc9bbd64484425fc",
            _EVENINGS_DEFAULT["sqlite"],
            42,
        ),
    ),
    ("postgresql", 40): (
        Superseded(
            "724d57664f7ae4dd67fcd0005f64f07bd266338dad54a419d4de71ff070905c7",
            _EVENINGS_DEFAULT["postgresql"],
            42,
        ),
    ),
}


# The checksums of files read before, by what the file system says of them: opening a
# database verifies every applied migration, and a process opens one at its start and one
# per city (the tests: thousands). One entry a file - a file written again replaces its
# entry, not adds one - and at most CHECKSUMS_KEPT files, the one read longest ago
# forgotten first: a process that lives long and is handed ever other migration folders
# (the tests' own) keeps no more than that. A release has some 70 (SQLite's and PostgreSQL's).
CHECKSUMS_KEPT = 512
_checksums: dict[str, tuple[tuple[int, int, int, int], str]] = {}


def checksum(path: Path) -> str:
    status = os.stat(path)
    key = str(path)
    signature = (status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)
    known = _checksums.pop(key, None)
    found = known[1] if known is not None and known[0] == signature else None
    if found is None:
        found = hashlib.sha256(path.read_bytes()).hexdigest()
    _checksums[key] = (signature, found)  # last in the order: read most recently
    while len(_checksums) > CHECKSUMS_KEPT:
        del _checksums[next(iter(_checksums))]
    return found


def compatible_from(number: int, path: Path) -> int:
    """The oldest code (by the last migration it knows) that may run after ``path``."""
    found = COMPATIBLE_FROM.search(path.read_text(encoding="utf-8"))
    value = int(found.group(1)) if found else number
    if value > number:
        raise MigrationError(f"{path.name}: compatible-from {value} is after the migration itself")
    return value


@dataclass(frozen=True)
class Applied:
    version: int
    name: str
    checksum: str | None
    compatible_from: int | None

    @property
    def file_name(self) -> str:
        return f"{self.version:04d}_{self.name}.sql"


class Ledger:
    """The ``schema_version`` ``table`` of one database or city schema, read and written
    through ``run`` on the connection that migrates; ``known`` are this release's
    migrations of ``dialect`` as (number, name, path)."""

    def __init__(
        self, dialect: str, table: str, run: Run, known: Sequence[tuple[int, str, Path]]
    ) -> None:
        self.dialect = dialect
        self.table = table
        self._run = run
        self._known = {number: path for number, _, path in known}
        self.latest = max(self._known, default=0)

    async def applied(self) -> list[Applied]:
        columns, rows = await self._run(f"SELECT * FROM {self.table} ORDER BY version", ())
        found = []
        for row in rows:
            values = dict(zip(columns, row, strict=True))
            found.append(
                Applied(
                    int(values["version"]),
                    str(values["name"]),
                    values.get("checksum"),
                    values.get("compatible_from"),
                )
            )
        return found

    async def verify(self) -> list[Applied]:
        """The applied migrations; NewerSchema or ChangedMigration where the code must not
        go on. Reads only."""
        applied = await self.applied()
        refuse_newer(applied, self.latest)
        changed = [problem for each in applied if (problem := self._changed(each))]
        if changed:
            raise ChangedMigration(
                "applied migrations differ from this release's files: "
                + "; ".join(changed)
                + ". A released migration is never edited (a correction is a new migration):"
                " run the release that applied them, or restore a backup from before;"
                " nothing was changed"
            )
        return applied

    def _changed(self, each: Applied) -> str | None:
        path = self._known.get(each.version)
        if path is None or each.checksum is None:
            return None
        now = checksum(path)
        if each.checksum == now or each.checksum in self._superseded(each.version):
            return None
        return f"{each.file_name} (applied {each.checksum[:12]}, file {now[:12]})"

    def _superseded(self, number: int) -> dict[str, Superseded]:
        return {old.checksum: old for old in SUPERSEDED.get((self.dialect, number), ())}

    async def outdated(self, applied: list[Applied]) -> bool:
        """Whether :meth:`upgrade` has anything to do."""
        columns, _ = await self._run(f"SELECT * FROM {self.table} WHERE 1 = 0", ())
        return bool(set(_COLUMNS) - set(columns)) or any(
            each.checksum is None and each.version in self._known for each in applied
        )

    async def upgrade(self, applied: list[Applied]) -> None:
        """The columns of today's record, and the checksum of each migration applied before
        they were recorded: the superseded text whose trace the schema holds, else this
        release's file. Call after :meth:`verify` and before any migration is applied."""
        columns, _ = await self._run(f"SELECT * FROM {self.table} WHERE 1 = 0", ())
        for column, kind in _COLUMNS.items():
            if column not in columns:
                await self._run(f"ALTER TABLE {self.table} ADD COLUMN {column} {kind}", ())
        for each in applied:
            path = self._known.get(each.version)
            if path is None or each.checksum is not None:
                continue
            ran = checksum(path)
            for old in self._superseded(each.version).values():
                _, rows = await self._run(old.ran_here, ())
                if rows and rows[0][0]:
                    ran = old.checksum
            await self._run(
                f"UPDATE {self.table} SET checksum = ? WHERE version = ?", (ran, each.version)
            )

    def record(self, number: int, name: str, path: Path) -> tuple[str, Sequence[Any]]:
        """The statement that records ``path`` as applied now."""
        return (
            f"INSERT INTO {self.table} (version, name, applied_at, checksum, compatible_from)"
            " VALUES (?, ?, ?, ?, ?)",
            (number, name, utcnow(), checksum(path), compatible_from(number, path)),
        )

    async def repaired(self) -> list[str]:
        """The superseded texts that ran here, each with the migration that repairs it."""
        found = []
        for each in await self.applied():
            old = self._superseded(each.version).get(each.checksum or "")
            if old is not None:
                found.append(
                    f"{each.file_name} ran its earlier text, repaired by {old.repaired_by:04d}"
                )
        return found


def refuse_newer(applied: Sequence[Applied], latest: int) -> None:
    """NewerSchema when a migration this code does not know was applied and the database's
    compatibility version (the highest ``compatible_from``) is after ``latest``."""
    newer = [each for each in applied if each.version > latest]
    if not newer:
        return
    needed = max(
        each.version if each.compatible_from is None else each.compatible_from for each in applied
    )
    if needed <= latest:
        return
    raise NewerSchema(
        "this database was upgraded by a newer nachbarbot; run that version or restore a"
        f" backup from before (its schema is version {newer[-1].version}, migrated up to"
        f" {newer[-1].file_name}, and needs code that knows version {needed}; this"
        f" nachbarbot knows up to {latest}); nothing was changed"
    )


TABLE_COLUMNS = "version {int} PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL," + (
    " checksum TEXT, compatible_from {int}"
)
