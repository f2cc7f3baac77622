"""No folder imports back what imports it (issue 65, point 5; every folder since issue 103,
point 6): in each folder of the project's Python (``bot/``, ``handlers/``, ``db/``,
``locales/``, ``bench/``, ``tests/`` and every folder below them), each module and each
sub-package is a room, and the imports between rooms never go round in a circle - so every
room stands above all it uses, and none reaches back up (``media/`` naming door codes from
``helping/``, which reads through ``reader.py``, which reads ``media/``, was one;
``bot/config.py`` and the transports that named its ``Config`` another; ``bot/cli/``'s
backups, ``bench/``'s scripts and ``tests/support/``, which this test did not watch, more).
Imports inside a function count too: a late import is still an arrow. And the rooms of
``handlers/`` and of ``handlers/helping/`` stay few enough to read at a glance: at most
``TOP_LEVEL`` modules at each one's top level."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOPS = ("bot", "handlers", "db", "locales", "bench", "tests")


def houses() -> list[str]:
    """Every folder under TOPS that holds Python, as a path from the root."""
    found = set()
    for top in TOPS:
        for path in (ROOT / top).rglob("*.py"):
            if ".venv" in path.parts or "node_modules" in path.parts:
                continue
            found.add(path.parent.relative_to(ROOT).as_posix())
    return sorted(found)


# The modules at a folder's top level (its __init__.py too), at most, and each number may
# only fall: a feature of several modules is a package of its own (statistics/, forms/,
# helping/ ...), so the top level stays a list a newcomer reads at once. handlers/: issue
# 82, point 5 (43, then 36, now 29). handlers/helping/: issue 103, point 6 (51 files, then
# rooms for matching/, review/ and relay/: 36).
TOP_LEVEL = {"handlers": 29, "handlers/helping": 36}


def _room(house: str, module: str) -> str | None:
    """The room of ``house`` that ``module`` (dotted) lies in, None outside it. A folder of
    scripts (no ``__init__.py``, as ``bench/``) imports its neighbours by their bare names."""
    prefix = house.replace("/", ".") + "."
    if module.startswith(prefix):
        return module[len(prefix) :].split(".", 1)[0] or None
    if not (ROOT / house / "__init__.py").exists():
        return module.split(".", 1)[0]
    return None


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def _arrows(house: str) -> dict[str, set[str]]:
    folder = ROOT / house
    arrows: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        inside = path.relative_to(folder).parts
        room = inside[0].removesuffix(".py")
        if room == "__init__":
            continue
        for module in _imports(path):
            target = _room(house, module)
            if target is None or target == room:
                continue
            if (folder / target).is_dir() or (folder / f"{target}.py").exists():
                arrows.setdefault(room, set()).add(target)
    return arrows


def circles(arrows: dict[str, set[str]]) -> list[list[str]]:
    """The circles a depth-first walk finds (each arrow back to a room on the walk), as
    the rooms on them."""
    found: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(room: str, path: list[str]) -> None:
        state[room] = 1
        for target in sorted(arrows.get(room, ())):
            if state.get(target) == 1:
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[room] = 2

    for room in sorted(arrows):
        if room not in state:
            visit(room, [room])
    return found


def test_no_rooms_import_each_other_in_a_circle():
    found = {house: circles(_arrows(house)) for house in houses()}
    assert {house: rooms for house, rooms in found.items() if rooms} == {}


def test_every_folder_is_watched():
    watched = houses()
    for folder in ("bot/cli", "bench", "db", "tests/support", "bot/transports/phone/sip"):
        assert folder in watched


def test_a_scripts_folder_counts_its_neighbours_imported_by_bare_name():
    assert _room("bench", "telegram_bench") == "telegram_bench"
    assert _room("bot/cli", "backups") is None
    assert _room("bot/cli", "bot.cli.backups.erase") == "backups"


def test_a_circle_is_found():
    assert circles({"media": {"helping"}, "helping": {"reader"}, "reader": {"media"}}) == [
        ["helping", "reader", "media", "helping"]
    ]
    assert circles({"a": {"b"}, "b": set()}) == []


def _top_level_modules(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob("*.py"))


@pytest.mark.parametrize("folder", sorted(TOP_LEVEL))
def test_a_folder_of_features_keeps_its_top_level_short(folder: str):
    found = _top_level_modules(ROOT / folder)
    most = TOP_LEVEL[folder]
    assert len(found) <= most, (
        f"{len(found)} modules at {folder}/' top level, at most {most}: move a"
        f" feature's modules into a package of its own ({', '.join(found)})"
    )


def test_the_top_level_count_sees_modules_and_not_packages(tmp_path: Path):
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "menu.py").write_text("")
    (tmp_path / "statistics").mkdir()
    (tmp_path / "statistics" / "picture.py").write_text("")
    assert _top_level_modules(tmp_path) == ["__init__.py", "menu.py"]
