"""What ``make lint``'s mypy checks: every folder of Python the repository holds but the tests
themselves - the code, the benchmarks (bench/) and the tests' support (tests/support/), which
build the code's settings and call its stores as the code does (issue 103, point 5: mypy saw
bot, handlers, db and locales only, and 104 errors waited in the other two, among them a
recordings folder given as a Path where the settings declare text). The list is
pyproject.toml's, and ``make lint`` (which .ci/run runs) narrows it to nothing."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Checked by their own runs, not by mypy: the tests (pytest), beside their support.
UNCHECKED = {"tests"}


def _checked() -> set[str]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return set(tomllib.load(file)["tool"]["mypy"]["files"])


def test_every_folder_of_python_but_the_tests_is_checked():
    listed = subprocess.run(
        ["git", "ls-files", "-z", "*.py"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    folders = {Path(name).parts[0] for name in listed.split("\0") if "/" in name}
    assert folders - UNCHECKED <= _checked(), "a folder of Python mypy does not check"
    assert {"bench", "tests/support"} <= _checked()


def test_make_lint_runs_mypy_on_that_list():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    runs = re.findall(r"-m mypy(.*)", recipe)
    assert runs == [""], f"make lint runs mypy as {runs}: pyproject.toml's files, not fewer"
