"""The lifecycle stays the one owner of a request's state changes and no more (issue 103,
point 6b): what changes no state - the words that open and close a contact (contact.py) -
lives beside it. Its lines may only fall, and every function in it either changes a
request's state or serves one that does."""

from __future__ import annotations

import ast
from pathlib import Path

HELPING = Path(__file__).resolve().parents[3] / "handlers" / "helping"
# lifecycle.py's lines, today (1,367 before contact.py took what is not a state change;
# 1,270 until issue 103's review of 2026-11-29 found it at 1,261).
LIFECYCLE_MOST = 1261


def test_the_lifecycle_does_not_grow():
    lines = len((HELPING / "lifecycle.py").read_text(encoding="utf-8").splitlines())
    assert lines <= LIFECYCLE_MOST, (
        f"lifecycle.py is {lines} lines, at most {LIFECYCLE_MOST}: what changes no request's "
        "state belongs beside it (contact.py, render.py, offer_fanout.py ...)"
    )


def test_the_contact_changes_no_request_state():
    tree = ast.parse((HELPING / "contact.py").read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert "lifecycle" not in imported and "TransitionError" not in imported
    calls = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert not calls & {"transition", "hold_on"}
