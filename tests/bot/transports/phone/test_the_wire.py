"""The phone transport is the wire between the lines' events and the conversation (issue
65): each part of a call lives in a module of its own (answers_said.py, who_calls.py,
spoken_answers.py, handed_call.py, line_notes.py), and ``PhoneTransport`` stays small
enough to read at once. The phone package imports no more handler modules than Telegram's
transport (three): the dispatcher, the message model and the channels' ports (the calls it
places for the features)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
PHONE = ROOT / "bot" / "transports" / "phone"
MOST_LINES = 400
TELEGRAM = ROOT / "bot" / "transports" / "telegram.py"
# Issue 65 began at 15; Telegram's transport imports three (dispatcher, messages, router).
MOST_HANDLER_MODULES = 3


def _class_lines(path: Path, name: str) -> int:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    (found,) = (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name)
    assert found.end_lineno is not None
    return found.end_lineno - found.lineno + 1


def _handler_modules(place: Path) -> set[str]:
    names: set[str] = set()
    for path in place.rglob("*.py") if place.is_dir() else [place]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                module = node.module
                if module != "handlers" and not module.startswith("handlers."):
                    continue
                if (ROOT / module.replace(".", "/")).is_dir():  # from handlers import reach
                    names |= {f"{module}.{alias.name}" for alias in node.names}
                else:
                    names.add(module)
            elif isinstance(node, ast.Import):
                names |= {a.name for a in node.names if a.name.startswith("handlers.")}
    return names


def test_the_phone_transport_class_stays_under_400_lines():
    lines = _class_lines(PHONE / "transport.py", "PhoneTransport")
    assert lines < MOST_LINES, f"PhoneTransport has {lines} lines: move a part of the call out"


def test_the_phone_imports_no_more_handler_modules_than_telegram():
    modules = _handler_modules(PHONE)
    telegram = _handler_modules(TELEGRAM)
    assert len(modules) <= min(len(telegram), MOST_HANDLER_MODULES), (sorted(modules), telegram)


def test_the_counts_see_what_they_count(tmp_path: Path):
    code = (
        "from handlers import dialable\nfrom handlers.messages import Event\n"
        "import handlers.reader\nfrom .keypad import BACK\n"
        "class PhoneTransport:\n    a = 1\n    b = 2\n"
    )
    (tmp_path / "transport.py").write_text(code, encoding="utf-8")
    assert _handler_modules(tmp_path) == {
        "handlers.dialable",
        "handlers.messages",
        "handlers.reader",
    }
    assert _class_lines(tmp_path / "transport.py", "PhoneTransport") == 3
