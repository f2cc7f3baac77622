"""Each page of docs/ opens with what a newcomer needs (issue 103, point 6e): within its
first screen, what the subject is, how to run it (a command), and where its code is (paths
that exist). The page's decisions and reasons follow below; a newcomer need not read them
to start."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SCREEN = 25  # lines: a laptop's or a phone's first screen of the rendered page
ROOTS = ("bot/", "handlers/", "db/", "locales/", "bench/", "tests/", "deploy/", "docs/")
COMMAND = re.compile(r"`(make|python|nachbarbot|NACHBARBOT_)[^`]*`")
PATH = re.compile(r"`((?:" + "|".join(re.escape(root) for root in ROOTS) + r")[^`\s:]*)`")
# A make target a page tells the newcomer to run: `make demo`, `make update-catalogs`.
MAKE = re.compile(r"`make ([a-z][\w.-]*)")


def make_targets() -> set[str]:
    """The targets the Makefile defines."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][\w.-]*):", text, re.M))


def opening_problems(text: str) -> list[str]:
    """What the first screen of a page lacks ([]: nothing)."""
    screen = text.splitlines()[:SCREEN]
    parts = {}
    for line in screen:
        found = re.match(r"- \*\*(What it is|Run it|The code)\*\*: (.+)", line)
        if found:
            parts[found.group(1)] = found.group(2)
    problems = [
        f"no '{part}' in the first {SCREEN} lines"
        for part in ("What it is", "Run it", "The code")
        if part not in parts
    ]
    if "What it is" in parts and len(parts["What it is"].split()) < 5:
        problems.append("'What it is' says too little")
    if "Run it" in parts and not COMMAND.search(parts["Run it"]):
        problems.append("'Run it' names no command")
    if "The code" in parts:
        paths = PATH.findall(parts["The code"])
        if not paths:
            problems.append("'The code' names no path of the project")
        problems += [
            f"'The code' names {path}, which does not exist"
            for path in paths
            if not (ROOT / path).exists()
        ]
    for path in PATH.findall(parts.get("Run it", "")):
        if not (ROOT / path).exists():
            problems.append(f"'Run it' names {path}, which does not exist")
    targets = make_targets()
    for target in MAKE.findall(parts.get("Run it", "")):
        if target not in targets:
            problems.append(f"'Run it' names make {target}, which the Makefile does not define")
    return problems


@pytest.mark.parametrize("page", sorted(path.name for path in DOCS.glob("*.md")))
def test_each_page_opens_with_what_it_is_how_to_run_it_and_where_the_code_is(page: str):
    assert opening_problems((DOCS / page).read_text(encoding="utf-8")) == []


def test_the_check_sees_a_page_that_opens_with_a_decision():
    decision = (
        "# Matching\n\nIn round 7 we chose waves of three because ...\n" + "More reasons.\n" * 30
    )
    assert len(opening_problems(decision)) == 3
    late = decision + "- **What it is**: the matching of requests and volunteers.\n"
    assert "no 'What it is' in the first 25 lines" in opening_problems(late)
    wrong = (
        "# X\n\n- **What it is**: a thing that does several things.\n"
        "- **Run it**: press the button.\n- **The code**: `handlers/no_such_module.py`.\n"
    )
    assert opening_problems(wrong) == [
        "'Run it' names no command",
        "'The code' names handlers/no_such_module.py, which does not exist",
    ]
    gone = wrong.replace("press the button.", "`make tryout`.")
    assert "'Run it' names make tryout, which the Makefile does not define" in (
        opening_problems(gone)
    )
