"""What the matching reads, and the count of the writes to it that the database keeps
(migration 0048): handlers/helping/matching/ranking.py's search of who may take a request reads
these tables and columns only, and the triggers of 0048 (0052 for volunteers) count every
insert and delete of their rows and every update that gives one of those columns another
value - by any process, raw SQL or a migration - in ``matching_changes``, one row per table.
What is worked out from those reads can be kept while the counts stand (the desk review
queue's hints, handlers/helping/matching/hint_cache.py), and is not dropped by other writes: a
person seen, an outbox message, a request's texts, a volunteer's note of when they are free.
The triggers of 0050 (0052) note besides which volunteer each such write was about
(``matching_touched``, the newest ``TOUCHED_KEPT``), so that what is kept is worked out
again for those volunteers alone (:func:`touched`).

tests/db/test_matching_changes.py holds this list to both sides: the matching reads nothing
else (SQLite's authorizer watches its reads, and which fields of a profile the rules use),
and a write of each column listed, by another connection, changes the count (a migration
that rebuilds a table drops its triggers).

SQLite only: PostgreSQL has the table but counts nothing yet (no triggers there): its
version is None and nothing is kept.
"""

from __future__ import annotations

from dataclasses import fields

from db.transactions import Transactions
from db.volunteers import Volunteer

# A volunteer's row is read whole (``SELECT v.*``, one parsed profile), but the rules do not
# use these of its columns: a note of when they are free (for people), who confirmed them
# (``verified_at`` says whether) and when they registered. Their writes are not counted
# (0052) and keep the desk's hints; tests/db/test_matching_changes.py watches which fields
# of a profile the matching uses. Every other column is counted - a new one too, until it
# is named here.
PROFILE_UNUSED = frozenset({"availability", "verified_by", "created_at"})

# Each table the matching reads, and the columns whose updates are counted - only when one
# takes another value (migrations 0048, 0052). Inserts and deletes of rows are counted in
# each, but users' inserts: a new user is nobody's volunteer until a volunteers row says so.
COUNTED: dict[str, frozenset[str]] = {
    "volunteers": frozenset(f.name for f in fields(Volunteer)) - PROFILE_UNUSED,
    "users": frozenset({"id", "banned_at", "chat_id"}),
    "help_requests": frozenset({"id", "state", "volunteer_id"}),
    "request_notifications": frozenset(
        {"request_id", "volunteer_id", "outbox_id", "offered_at", "accepted_at", "handed_back"}
    ),
}


async def counts(tx: Transactions) -> tuple[int, ...]:
    """The counts of writes, by table (in the order of their names): another tuple once
    anything the matching reads was written and committed."""
    rows = await tx.fetch_all("SELECT changes FROM matching_changes ORDER BY name")
    return tuple(int(row[0]) for row in rows)


# The rows of ``matching_touched`` the database keeps (migration 0050's bound).
TOUCHED_KEPT = 1000


async def touched(tx: Transactions, after: int | None) -> tuple[int, set[int] | None]:
    """The newest write's number and the volunteers the writes numbered after ``after`` were
    about (migration 0050: a volunteer's profile, ban or chat, a request they hold, an
    offer or answer of theirs); None instead of the volunteers when some of those writes
    are no longer noted - more than ``TOUCHED_KEPT`` since, or an erasure deleted the notes
    naming the person (db/personal_data.py) - then everything is read again."""
    # One statement, one moment: the notes, and the newest number handed out (SQLite's
    # AUTOINCREMENT, never reused - a deleted note is a number without its row).
    rows = await tx.fetch_all(
        "SELECT seq, volunteer_id FROM matching_touched WHERE seq > ?"
        " UNION ALL SELECT seq, NULL FROM sqlite_sequence WHERE name = 'matching_touched'",
        (2**62 if after is None else after,),
    )
    last = max((int(row[0]) for row in rows if row[1] is None), default=0)
    if after is None:
        return last, None
    notes = {int(row[0]): int(row[1]) for row in rows if row[1] is not None}
    if len(notes) != last - after:
        return last, None
    return last, set(notes.values())
