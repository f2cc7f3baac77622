"""Volunteers' requests for a certificate (issue 41, point 17): asked in the chat, signed or
declined on the desk. The rules (who may, what is printed) are handlers/helping/
certificate_requests.py's; here only the rows. The PDF is never stored: it is made again
from a row (``facts`` keeps what was signed)."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

import aiosqlite

from db.clock import utcnow
from db.statements import changed, fetch_all, fetch_each, fetch_one
from db.transactions import Transactions

# A certificate of volunteering, and the confirmation for a free extended certificate of
# good conduct (erweitertes Führungszeugnis, § 30a BZRG).
RECORD = "record"
CONDUCT = "conduct"
KINDS = (RECORD, CONDUCT)
ASKED = "asked"
ISSUED = "issued"
DECLINED = "declined"


@dataclass(frozen=True)
class CertificateRequest:
    id: int
    user_id: int
    kind: str
    name: str
    birth_date: str
    lang: str
    state: str
    asked_at: str
    decided_at: str | None
    decided_by: int | None
    signer_name: str
    signer_role: str
    activity: str
    basis: str
    facts: dict[str, Any]


@dataclass(frozen=True)
class Signed:
    """What a coordinator signs: their name and role as printed, for the confirmation the
    volunteer's activity and its legal basis, and the facts of the help as printed."""

    by: int
    name: str
    role: str
    activity: str
    basis: str
    facts: dict[str, Any]


_COLUMNS = [f.name for f in fields(CertificateRequest)]


def _row(row: aiosqlite.Row) -> CertificateRequest:
    values = {name: row[name] for name in _COLUMNS}
    values["facts"] = json.loads(values["facts"] or "{}")
    return CertificateRequest(**values)


class CertificateStore:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def ask(self, user_id: int, kind: str, name: str, birth_date: str, lang: str) -> int:
        """A new request, waiting for a coordinator; its number."""
        if kind not in KINDS:
            raise ValueError(f"not a kind of certificate: {kind!r}")
        row = await fetch_one(
            self._tx,
            "INSERT INTO certificate_requests (user_id, kind, name, birth_date, lang, asked_at)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (user_id, kind, name, birth_date, lang, utcnow()),
        )
        assert row is not None
        return int(row[0])

    async def get(self, number: int) -> CertificateRequest | None:
        row = await fetch_one(
            self._tx, "SELECT * FROM certificate_requests WHERE id = ?", (number,)
        )
        return None if row is None else _row(row)

    async def waiting(self, user_id: int, kind: str) -> CertificateRequest | None:
        """The person's request of this kind that no coordinator has decided yet."""
        row = await fetch_one(
            self._tx,
            "SELECT * FROM certificate_requests WHERE user_id = ? AND kind = ? AND state = ?"
            " ORDER BY id DESC LIMIT 1",
            (user_id, kind, ASKED),
        )
        return None if row is None else _row(row)

    async def of_user(self, user_id: int) -> list[CertificateRequest]:
        """The person's requests, newest first."""
        rows = await fetch_all(
            self._tx,
            "SELECT * FROM certificate_requests WHERE user_id = ? ORDER BY id DESC",
            (user_id,),
        )
        return [_row(row) for row in rows]

    async def listed(
        self, *, limit: int
    ) -> tuple[list[CertificateRequest], list[CertificateRequest]]:
        """For the desk, in one round trip: every waiting request, oldest first, and the
        ``limit`` decided most recently."""
        waiting, decided = await fetch_each(
            self._tx,
            [
                ("SELECT * FROM certificate_requests WHERE state = ? ORDER BY id", (ASKED,)),
                (
                    "SELECT * FROM certificate_requests WHERE state != ?"
                    " ORDER BY decided_at DESC, id DESC LIMIT ?",
                    (ASKED, limit),
                ),
            ],
        )
        return [_row(row) for row in waiting], [_row(row) for row in decided]

    async def issue(self, number: int, signed: Signed) -> bool:
        """Signed, if it is still waiting (of two coordinators at once, one signs)."""
        count = await changed(
            self._tx,
            "UPDATE certificate_requests SET state = ?, decided_at = ?, decided_by = ?,"
            " signer_name = ?, signer_role = ?, activity = ?, basis = ?, facts = ?"
            " WHERE id = ? AND state = ?",
            (
                ISSUED,
                utcnow(),
                signed.by,
                signed.name,
                signed.role,
                signed.activity,
                signed.basis,
                json.dumps(signed.facts, ensure_ascii=False, sort_keys=True),
                number,
                ASKED,
            ),
        )
        return count == 1

    async def decline(self, number: int, by: int) -> bool:
        count = await changed(
            self._tx,
            "UPDATE certificate_requests SET state = ?, decided_at = ?, decided_by = ?"
            " WHERE id = ? AND state = ?",
            (DECLINED, utcnow(), by, number, ASKED),
        )
        return count == 1
