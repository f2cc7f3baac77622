"""The phone transport is the wire between the lines' events and the conversation (issue
65): each part of a call lives in a module of its own (answers_said.py, who_calls.py,
spoken_answers.py, handed_call.py, line_notes.py), and ``PhoneTransport`` stays small
enough to read at once. The phone package's bar of three handler modules (the dispatcher,
the message model and the channels' ports) holds every transport now:
tests/bot/transports/test_import_bar.py."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
PHONE = ROOT / "bot" / "transports" / "phone"
MOST_LINES = 400


def _class_lines(path: Path, name: str) -> int:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    (found,) = (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name)
    assert found.end_lineno is not None
    return found.end_lineno - found.lineno + 1


def test_the_phone_transport_class_stays_under_400_lines():
    lines = _class_lines(PHONE / "transport.py", "PhoneTransport")
    assert lines < MOST_LINES, f"PhoneTransport has {lines} lines: move a part of the call out"


def test_the_count_sees_what_it_counts(tmp_path: Path):
    code = "from .keypad import BACK\nclass PhoneTransport:\n    a = 1\n    b = 2\n"
    (tmp_path / "transport.py").write_text(code, encoding="utf-8")
    assert _class_lines(tmp_path / "transport.py", "PhoneTransport") == 3
