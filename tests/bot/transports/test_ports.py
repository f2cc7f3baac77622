"""A transport is handed the city's ports and never the dispatcher (handlers/channels.py
``Ports``; issue 103, point 2): bot/city_service.py hands each transport the ports it asks -
its way in for updates (``Ports.updates``), its people's words, who is calling, where a person
stands - as Synapse's HomeServer hands each caller the handler it needs. No module under
bot/transports/ imports the dispatcher, names it, or keeps one (before: ``dispatcher.settings``
14 times, ``dispatcher.db`` 12 times, and ``stand_in_for``, ``number_checked``, ``protects``,
``words_of``, ``standing``, ``chat_closed`` ... on it; then every transport still took the
dispatcher and fell back to its ports). And the dispatcher routes updates and nothing else:
its module stays under a line ceiling (821 lines, 38 methods before; handlers/updates/ holds
what it shed). Nor is the database the transports are handed (``Ports.db``, for their own
tables) a locator in the dispatcher's place: what they reach of it beyond their tables may
only shrink (``DATABASE_REACHED``)."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

from bot.transports import registry
from bot.transports.contract import Transport

ROOT = Path(__file__).resolve().parents[3]
TRANSPORTS = ROOT / "bot" / "transports"
DISPATCHER = ROOT / "handlers" / "dispatcher.py"
MOST_DISPATCHER_LINES = 300
# The city's database a transport is handed (``Ports.db``) is for its own tables, through
# the transactions and ``transport_state``; what else of it the transports reach, by store,
# and in how many of their modules - each number may only fall, and no other store may be
# reached (2026-11-29, issue 103's review: the people's store in seven modules, the outbox,
# the keyboard marks, the data rights' hook, one raw query). A store a transport reads
# for a feature is a port the city should hand it (handlers/channels.py), not a wider
# locator in place of the dispatcher.
DATABASE_REACHED = {
    "transactions": 8,
    "transport_state": 8,
    "users": 7,
    "data_rights": 1,
    "fetch_all": 1,
    "marks": 1,
    "outbox": 1,
}


def _takes(path: Path) -> list[str]:
    """``file:line what`` for each way ``path`` takes the dispatcher: an import of its module,
    its class named, a parameter, variable or attribute called ``dispatcher`` (as
    ``dispatcher``, ``self.dispatcher``, ``line.dispatcher``, ``self.shared.dispatcher``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        what = ""
        modules = (
            [node.module]
            if isinstance(node, ast.ImportFrom)
            else [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else []
        )
        if "handlers.dispatcher" in modules:
            what = "imports handlers.dispatcher"
        elif isinstance(node, ast.Name) and node.id in ("dispatcher", "Dispatcher"):
            what = f"names {node.id}"
        elif isinstance(node, ast.Attribute) and node.attr == "dispatcher":
            what = "reaches .dispatcher"
        elif isinstance(node, ast.arg) and node.arg == "dispatcher":
            what = "takes a dispatcher"
        if what:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {what}")
    return found


def test_no_transport_takes_the_dispatcher():
    found = [hit for path in sorted(TRANSPORTS.rglob("*.py")) for hit in _takes(path)]
    assert not found, "a transport is handed the city's ports (handlers/channels.py Ports):\n" + (
        "\n".join(found)
    )


def test_every_transport_is_made_from_the_city_ports_alone():
    """Each declared transport's ``service`` takes the city's configuration and its ports
    (bot/transports/hooks.py), and the contract every transport keeps holds its ports."""
    for declared in registry.TRANSPORTS:
        module = importlib.import_module(declared.module)
        service = getattr(module, "service", None)
        if service is None:  # the console: made by ``python -m bot console`` alone
            continue
        assert list(inspect.signature(service).parameters) == ["config", "ports"], declared
    assert "city_ports" in Transport.__annotations__
    assert "dispatcher" not in Transport.__annotations__


def database_reached(paths: list[Path]) -> dict[str, set[str]]:
    """Per store of the database (``db.users``, ``self.db.outbox``, ``ports.db.marks``),
    the modules of ``paths`` that reach it."""
    found: dict[str, set[str]] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Attribute):
                continue
            held = node.value
            if (isinstance(held, ast.Attribute) and held.attr == "db") or (
                isinstance(held, ast.Name) and held.id == "db"
            ):
                found.setdefault(node.attr, set()).add(path.as_posix())
    return found


def test_the_transports_reach_no_more_of_the_database():
    found = database_reached(sorted(TRANSPORTS.rglob("*.py")))
    counts = {store: len(modules) for store, modules in found.items()}
    grown = {
        store: count for store, count in counts.items() if count > DATABASE_REACHED.get(store, 0)
    }
    assert not grown, (
        f"the transports reach more of the city's database: {grown} (at most "
        f"{DATABASE_REACHED}); what a feature knows comes through the city's ports"
    )
    fallen = {store: counts.get(store, 0) for store in DATABASE_REACHED} != DATABASE_REACHED
    assert not fallen, f"fewer now: lower DATABASE_REACHED to {counts}"


def test_the_database_count_sees_each_way_of_reaching_it(tmp_path: Path):
    code = (
        "async def f(self, ports, db):\n"
        "    await db.users.find(1)\n"
        "    await self.db.outbox.queue(2)\n"
        "    await ports.db.marks.get(3)\n"
        "    self.db = db\n"
    )
    module = tmp_path / "t.py"
    module.write_text(code, encoding="utf-8")
    assert database_reached([module]) == {
        "users": {module.as_posix()},
        "outbox": {module.as_posix()},
        "marks": {module.as_posix()},
    }


def test_the_dispatcher_module_stays_under_its_ceiling():
    lines = len(DISPATCHER.read_text(encoding="utf-8").splitlines())
    assert lines <= MOST_DISPATCHER_LINES, (
        f"handlers/dispatcher.py has {lines} lines (at most {MOST_DISPATCHER_LINES}): it routes"
        " updates; what is not routing belongs to handlers/updates/ or the feature's module"
    )


def test_the_check_sees_each_way_of_taking_it(tmp_path: Path):
    code = (
        "from handlers.dispatcher import Dispatcher\n"
        "async def f(self, line, dispatcher):\n"
        "    await self.dispatcher.handle(x)\n"
        "    await line.dispatcher.stand_in_for(1, 2, 3)\n"
        "    self.ports.updates.handle(x)\n"
    )
    (tmp_path / "t.py").write_text(code, encoding="utf-8")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        found = _takes(tmp_path / "t.py")
    finally:
        ROOT = saved
    assert sorted(found) == [
        "t.py:1 imports handlers.dispatcher",
        "t.py:2 takes a dispatcher",
        "t.py:3 reaches .dispatcher",
        "t.py:4 reaches .dispatcher",
    ]
