"""Functions a reader takes in at once (issue 65, point 5): no more than 28 functions of the
product are over 60 lines, and the number may only fall. The longest are listed when it
grows, to split the new one (or another) into named steps."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "db", "locales")
LONG = 60
MOST = 28


def _long_functions(folders: list[Path]) -> list[tuple[int, str]]:
    found = []
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    assert node.end_lineno is not None
                    lines = node.end_lineno - node.lineno + 1
                    if lines > LONG:
                        found.append((lines, f"{path.relative_to(folder.parent)}: {node.name}"))
    return sorted(found, reverse=True)


def test_no_more_long_functions_than_before():
    found = _long_functions([ROOT / name for name in PACKAGES])
    assert len(found) <= MOST, found


def test_the_count_sees_a_long_function(tmp_path: Path):
    folder = tmp_path / "pkg"
    folder.mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(LONG))
    (folder / "m.py").write_text(f"def short():\n    pass\n\n\nasync def long():\n{body}\n")
    assert _long_functions([folder]) == [(LONG + 1, "pkg/m.py: long")]
