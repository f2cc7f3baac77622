"""Functions a reader takes in at once (issue 65, point 5; issue 82, point 5): the product's
functions may hold no more than MOST lines over LONG between them (the sum over every function
of max(0, lines - LONG)), and the ceiling may only fall. Counting the lines over the limit,
not the functions, means moving lines from one long function into another cannot satisfy it;
only making functions shorter can. The longest are listed when the sum grows, to split the
new one (or another) into named steps."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "db", "locales")
LONG = 60
MOST = 494
SHOWN = 10


def _long_functions(folders: list[Path]) -> list[tuple[int, str]]:
    """Every function over LONG lines as (lines, "folder/path.py: name"), longest first."""
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


def _lines_over(found: list[tuple[int, str]]) -> int:
    return sum(lines - LONG for lines, _ in found)


def test_no_more_lines_over_the_limit_than_before():
    found = _long_functions([ROOT / name for name in PACKAGES])
    over = _lines_over(found)
    longest = "\n".join(
        f"  {lines - LONG:4} over: {name} ({lines} lines)" for lines, name in found[:SHOWN]
    )
    assert over <= MOST, (
        f"{over} lines over {LONG} in functions of the product, at most {MOST}; "
        f"the longest:\n{longest}"
    )


def test_the_count_sees_a_long_function(tmp_path: Path):
    folder = tmp_path / "pkg"
    folder.mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(LONG + 4))
    (folder / "m.py").write_text(f"def short():\n    pass\n\n\nasync def long():\n{body}\n")
    found = _long_functions([folder])
    assert found == [(LONG + 5, "pkg/m.py: long")]
    assert _lines_over(found) == 5


def test_moving_lines_between_long_functions_does_not_lower_the_count(tmp_path: Path):
    folder = tmp_path / "pkg"
    folder.mkdir()

    def function(name: str, lines: int) -> str:
        return (
            f"def {name}():\n" + "\n".join(f"    x{i} = {i}" for i in range(lines - 1)) + "\n\n\n"
        )

    (folder / "m.py").write_text(function("one", LONG + 30))
    alone = _lines_over(_long_functions([folder]))
    (folder / "m.py").write_text(function("one", LONG + 15) + function("two", LONG + 15))
    assert alone == 30
    assert _lines_over(_long_functions([folder])) == alone
