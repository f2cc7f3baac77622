"""Every transport carries and reports; the features word and decide (issue 103, point 3;
the phone's bar since issue 65): a transport imports at most three modules of handlers/ -
the dispatcher (its updates), the message model and the channels' ports (what it asks the
city, what it reports) - as the phone and Telegram do.

Where a transport still does feature work of its own (SMS, Matrix, the console: they
imported 10, 9 and 7 modules on 2026-11-29), its count is a ceiling that may only fall
(``NOT_YET``): lower it with each piece of its feature work moved into handlers/, and drop
its entry once it is at the bar (every transport at it since SMS, on 2026-11-29). A
transport the test does not know (a new module or package under bot/transports/ that is not
the transports' shared contract) fails until it is named here, at the bar. What the
transports share (the contract, the registry, the month's meter ...) is held too: what it
imports of handlers/ may only shrink (``SHARED_IMPORTS``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TRANSPORTS = ROOT / "bot" / "transports"
BAR = 3
# Each transport's files.
TRANSPORT_FILES = {
    "console": ["console.py"],
    "telegram": ["telegram*.py"],
    "matrix": ["matrix"],
    "phone": ["phone"],
    "sms": ["sms"],
}
# What the transports share (the contract, the declarations' registry, their rendering
# helpers): not a transport.
SHARED = {
    "__init__.py",
    "contacts.py",
    "contract.py",
    "hooks.py",
    "markup.py",
    "month_budget.py",
    "numbered_choices.py",
    "registry.py",
    "sending.py",
}
# The ceilings of the transports not yet at the bar (may only fall).
NOT_YET: dict[str, int] = {}
# What the shared modules import of handlers/, all of them together: the bar's two
# (channels, messages) and what each still takes of the features - hooks.py the reader,
# markup.py plain_text, numbered_choices.py parsing, month_budget.py the features' own
# ports (handlers.updates.ports: a meter made alone builds the features' report). A
# transport's import of a shared module is not counted against it, so this is where its
# feature work could hide: the set may only shrink (issue 103, point 3; 6 on 2026-11-29).
SHARED_IMPORTS = {
    "handlers.channels",
    "handlers.messages",
    "handlers.media.plain_text",
    "handlers.parsing",
    "handlers.reader",
    "handlers.updates.ports",
}


def handler_modules(paths: list[Path]) -> set[str]:
    """The modules of handlers/ that ``paths`` (files, or folders read whole) import."""
    names: set[str] = set()
    files = [f for p in paths for f in (sorted(p.rglob("*.py")) if p.is_dir() else [p])]
    for path in files:
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


def _files(name: str) -> list[Path]:
    return [p for pattern in TRANSPORT_FILES[name] for p in sorted(TRANSPORTS.glob(pattern))]


@pytest.mark.parametrize("name", sorted(TRANSPORT_FILES))
def test_a_transport_imports_no_more_handler_modules_than_the_bar(name: str):
    modules = handler_modules(_files(name))
    most = NOT_YET.get(name, BAR)
    assert len(modules) <= most, (
        f"{name} imports {len(modules)} modules of handlers/ (at most {most}): a transport "
        f"carries and reports (handlers/channels.py Ports, Happening); {sorted(modules)}"
    )


@pytest.mark.parametrize("name", sorted(NOT_YET))
def test_a_ceiling_not_yet_at_the_bar_follows_the_count_down(name: str):
    """A transport that imports fewer modules than its ceiling lowers the ceiling."""
    modules = handler_modules(_files(name))
    assert len(modules) >= NOT_YET[name], (
        f"{name} now imports {len(modules)} modules of handlers/: lower NOT_YET[{name!r}]"
        f" to {len(modules)}" + (" (or drop it: at the bar)" if len(modules) <= BAR else "")
    )


def test_what_the_transports_share_takes_of_handlers_does_not_grow():
    found = handler_modules([TRANSPORTS / name for name in sorted(SHARED)])
    assert found <= SHARED_IMPORTS, (
        f"the transports' shared modules now import {sorted(found - SHARED_IMPORTS)} of "
        "handlers/ too: a transport carries and reports (handlers/channels.py Ports), and a "
        "shared module is no way around the bar"
    )
    assert found >= SHARED_IMPORTS, (
        f"the shared modules no longer import {sorted(SHARED_IMPORTS - found)}: drop them "
        "from SHARED_IMPORTS"
    )


def test_every_transport_is_held():
    named = {p for name in TRANSPORT_FILES for p in _files(name)}
    unheld = [
        p.name
        for p in sorted(TRANSPORTS.iterdir())
        if ((p.is_dir() and (p / "__init__.py").exists()) or p.suffix == ".py")
        and p.name not in SHARED
        and p not in named
    ]
    assert not unheld, f"name these transports' files in TRANSPORT_FILES (at the bar): {unheld}"


def test_the_count_sees_what_it_counts(tmp_path: Path):
    code = (
        "from handlers import dialable\nfrom handlers.messages import Event\n"
        "import handlers.reader\nfrom .keypad import BACK\nfrom db import Database\n"
    )
    (tmp_path / "transport.py").write_text(code, encoding="utf-8")
    assert handler_modules([tmp_path]) == {
        "handlers.dialable",
        "handlers.messages",
        "handlers.reader",
    }
