"""The request states are declared once (db/request_states.py) and everything follows it.

- Every state is unsent, active or closed (exactly one), and the schema stores exactly the
  declared states, on both backends.
- The moves stay within the states, nothing leaves a closed state, and the lifecycle's table
  of transitions names exactly the declared moves; the store refuses a move it does not know.
- ``db check``, retention and the state labels follow the sets: each is run for every state.
- No module lists request states by hand.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli.checks import INVARIANTS
from db import Database
from db.data_rights import Limits, retention_steps
from db.request_states import (
    ACTIVE,
    CLOSED,
    DONE,
    MATCHED,
    OPEN,
    REVIEW,
    STATES,
    TRANSITIONS,
    UNSENT,
    WAITING,
    sql_list,
)
from handlers.helping import lifecycle
from handlers.helping.vocabulary import STATE_LABELS

ROOT = Path(__file__).resolve().parents[2]


def test_every_state_is_unsent_active_or_closed():
    assert len(set(STATES)) == len(STATES)
    groups = (UNSENT, ACTIVE, CLOSED)
    for state in STATES:
        assert sum(state in group for group in groups) == 1, f"{state}: declare it in one group"
    assert {state for group in groups for state in group} == set(STATES)
    assert set(WAITING) <= set(ACTIVE)


def test_moves_stay_within_the_states_and_closed_is_final():
    assert set(TRANSITIONS) | set(UNSENT) == set(STATES)
    for target, sources in TRANSITIONS.items():
        assert set(sources) <= set(STATES), target
        assert not set(sources) & set(CLOSED), f"{target}: a closed request never moves"
    assert not set(TRANSITIONS) & set(UNSENT), "nothing goes back to being unsent"


async def _schema_states(db: Database) -> set[str]:
    """The states the schema's CHECK lets ``help_requests.state`` hold."""
    if db.dialect == "sqlite":
        row = await db.fetch_one(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'help_requests'"
        )
        listed = re.search(r"CHECK \(state IN \(([^)]*)\)\)", row[0])
        assert listed is not None
        return set(re.findall(r"'(\w+)'", listed.group(1)))
    rows = await db.fetch_all(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = 'help_requests'::regclass AND contype = 'c'"
    )
    listed = [row[0] for row in rows if "ANY" in row[0] and "state" in row[0]]
    assert len(listed) == 1, listed
    return set(re.findall(r"'(\w+)'", listed[0]))


async def test_the_schema_stores_exactly_the_declared_states(db: Database):
    assert await _schema_states(db) == set(STATES)


def _lifecycle_moves() -> set[tuple[str, str]]:
    """(from, to) of every row of the lifecycle's transition table (its docstring)."""
    moves: set[tuple[str, str]] = set()
    rows = re.findall(r"^(\w+) +([\w/]+) → (\w+) ", lifecycle.__doc__ or "", re.MULTILINE)
    assert len(rows) >= 10
    for name, sources, target in rows:
        if name == "transition":  # the table's head
            continue
        if sources == "new":
            # Created in review; "new → open" is review → open at once (a coordinator's entry).
            if target != REVIEW:
                moves.add((REVIEW, target))
            continue
        named = ACTIVE if sources == "active" else tuple(sources.split("/"))
        moves |= {(source, target) for source in named}
    return moves


def test_the_lifecycle_table_names_exactly_the_declared_moves():
    declared = {(source, target) for target, sources in TRANSITIONS.items() for source in sources}
    assert _lifecycle_moves() == declared


async def test_the_store_refuses_a_move_it_does_not_know(db: Database):
    user = await db.users.seen("memory", "r", "r")
    request = await db.requests.create(user.id, user.id, category="shopping")
    with pytest.raises(ValueError):
        await db.requests.transition(request.id, OPEN, user.id, expect=(DONE,))
    with pytest.raises(ValueError):
        await db.requests.transition(request.id, MATCHED, user.id, expect=(REVIEW, OPEN))
    unchanged = await db.requests.get(request.id)
    assert unchanged is not None and unchanged.state == REVIEW
    moved = await db.requests.transition(request.id, OPEN, user.id, expect=(REVIEW,))
    assert moved.state == OPEN


async def _one_request_in_each_state(db: Database, closed_at: str | None) -> dict[str, int]:
    """A request in every state, written behind the store's back; all with a volunteer."""
    user = await db.users.seen("memory", "s", "s")
    ids: dict[str, int] = {}
    for state in STATES:
        request = await db.requests.create(
            user.id, user.id, category="shopping", description=f"text of {state}"
        )
        await db.execute(
            "UPDATE help_requests SET state = ?, volunteer_id = ?, closed_at = ? WHERE id = ?",
            (state, user.id, closed_at, request.id),
        )
        ids[state] = request.id
    return ids


async def _count(db: Database, check: str) -> int:
    row = await db.fetch_one(INVARIANTS[check])
    return int(row[0])


async def test_db_check_follows_the_declared_sets(db: Database):
    await _one_request_in_each_state(db, closed_at=None)
    assert await _count(db, "every closed request has its closing time") == len(CLOSED)
    assert await _count(db, "no open or unchecked request with a volunteer") == len(WAITING)
    assert await _count(db, "no request in an unknown state") == 0


async def test_retention_clears_exactly_the_closed_requests(db: Database):
    ids = await _one_request_in_each_state(db, closed_at="2000-01-01T00:00:00Z")
    (step,) = [step for step in retention_steps() if step.name == "closed_requests"]
    await db.data_rights.retain(step, Limits(), datetime.now(UTC))
    for state, request_id in ids.items():
        request = await db.requests.get(request_id)
        assert request is not None
        cleared = request.description == ""
        assert cleared == (state in CLOSED), state


def test_every_state_has_a_label():
    assert set(STATE_LABELS) == set(STATES)


def test_sql_lists_only_declared_states():
    assert sql_list(CLOSED) == "('done', 'rejected', 'withdrawn', 'expired')"
    with pytest.raises(ValueError):
        sql_list(("done", "x'); DROP TABLE users; --"))
    with pytest.raises(ValueError):
        sql_list(())


# Two or more quoted state words in a row: a set of states written out by hand.
_LISTED_BY_HAND = re.compile(r"""(['"])({0})\1\s*,\s*(['"])({0})\3""".format("|".join(STATES)))


def test_no_module_lists_request_states_by_hand():
    found = []
    for folder in ("db", "handlers", "bot"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name == "db/request_states.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if _LISTED_BY_HAND.search(line):
                    found.append(f"{name}:{number}: {line.strip()}")
    assert not found, "use the sets of db/request_states.py:\n" + "\n".join(found)
