"""The mark ``db go-back`` leaves in a database it put back at an older schema
(bot/cli/go_back.py): ``installation.went_back`` in ``transport_state`` (a table since 0006,
which the older versions read by key only, so they never see it), holding the schema
version the backup had.

While the mark is there, this code refuses to migrate the database - every command that
opens it says so and changes nothing - so that only the version the operator went back to
starts on it; ``db migrate`` (the upgrade step) is the one way up again: it migrates, erases
again whom the list of erased accounts names (the older version did not) and removes the
mark (``Database.open(..., upgrade=True)``).
"""

from __future__ import annotations

from collections.abc import Sequence

from db.migration_ledger import MigrationError

KEY = "installation.went_back"


def names(version: int, known: Sequence[tuple[int, str, object]]) -> str:
    """The migration a version of the code must have as its newest to run on ``version``:
    ``0041_phone_pin_hours``."""
    name = next((name for number, name, _ in known if number == version), "")
    return f"{version:04d}_{name}" if name else f"{version:04d}"


def refusal(version: int, known: Sequence[tuple[int, str, object]]) -> MigrationError:
    return MigrationError(
        f"this database was put back to schema {version} by db go-back, for the version"
        f" whose newest migration is {names(version, known)}: run that version on it; to"
        " upgrade it again run db migrate (--backup-into FOLDER), which erases again the"
        " accounts erased since (docs/upgrading.md); nothing was changed"
    )
