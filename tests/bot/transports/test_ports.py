"""A transport routes its updates through the dispatcher and asks everything else of the
ports the city hands it (handlers/channels.py ``Ports``; issue 103, point 2): no module under
bot/transports/ reaches the dispatcher's database, its settings, its clock or a feature's
rule through it (before: ``dispatcher.settings`` 14 times, ``dispatcher.db`` 12 times, and
``stand_in_for``, ``number_checked``, ``protects``, ``words_of``, ``standing``,
``chat_closed`` ... on it). And the dispatcher routes updates and nothing else: its module
stays under a line ceiling (821 lines, 38 methods before; handlers/updates/ holds what it
shed)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TRANSPORTS = ROOT / "bot" / "transports"
DISPATCHER = ROOT / "handlers" / "dispatcher.py"
# What a transport may ask the dispatcher: to route an update, its kept answers, the ports
# it hands a transport made alone (as tests make them), the commands it routes (a service's
# command menu), and this process's key among several (bot/cluster.py).
ROUTING = frozenset({"handle", "answered", "send_kept_answers", "ports", "router", "process_key"})
MOST_DISPATCHER_LINES = 300


def _reaches(path: Path) -> list[str]:
    """``file:line dispatcher.<name>`` for each use of the dispatcher beyond ``ROUTING`` (as
    ``dispatcher``, ``self.dispatcher``, ``line.dispatcher``, ``self.shared.dispatcher``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Attribute) or node.attr in ROUTING:
            continue
        owner = node.value
        named = (isinstance(owner, ast.Name) and owner.id == "dispatcher") or (
            isinstance(owner, ast.Attribute) and owner.attr == "dispatcher"
        )
        if named:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} dispatcher.{node.attr}")
    return found


def test_no_transport_reaches_the_database_settings_or_rules_through_the_dispatcher():
    found = [hit for path in sorted(TRANSPORTS.rglob("*.py")) for hit in _reaches(path)]
    assert not found, "ask the ports the city hands (handlers/channels.py Ports):\n" + "\n".join(
        found
    )


def test_the_dispatcher_module_stays_under_its_ceiling():
    lines = len(DISPATCHER.read_text(encoding="utf-8").splitlines())
    assert lines <= MOST_DISPATCHER_LINES, (
        f"handlers/dispatcher.py has {lines} lines (at most {MOST_DISPATCHER_LINES}): it routes"
        " updates; what is not routing belongs to handlers/updates/ or the feature's module"
    )


def test_the_check_sees_each_way_of_reaching_it(tmp_path: Path):
    code = (
        "async def f(self, line, dispatcher):\n"
        "    await self.dispatcher.handle(x)\n"
        "    dispatcher.settings.backchannels\n"
        "    await line.dispatcher.stand_in_for(1, 2, 3)\n"
        "    await self.shared.dispatcher.db.users.find(1, 2)\n"
        "    self.dispatcher.ports.words\n"
    )
    (tmp_path / "t.py").write_text(code, encoding="utf-8")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        found = _reaches(tmp_path / "t.py")
    finally:
        ROOT = saved
    assert found == [
        "t.py:3 dispatcher.settings",
        "t.py:4 dispatcher.stand_in_for",
        "t.py:5 dispatcher.db",
    ]
