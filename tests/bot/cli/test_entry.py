"""The installed ``nachbarbot`` script (pyproject.toml's ``[project.scripts]``, as pip and uv
write it) and ``python -m bot`` start through bot/cli/entry.py: a Ctrl-C while the program
still loads ends the command with exit code 130 and nothing said. Before, the script's
wrapper imported bot.cli.main itself, and the Ctrl-C ended in a KeyboardInterrupt traceback
through the imports (``python -m bot``'s own test: test_operator_slips.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.support.cli import ROOT

# Ctrl-C at the moment the program's command module is imported (its imports take a second
# or more): KeyboardInterrupt, as Python's SIGINT handler raises it there.
CTRL_C_WHILE_LOADING = """
import sys
class _CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == 'bot.cli.main':
            raise KeyboardInterrupt
sys.meta_path.insert(0, _CtrlC())
"""


def _installed_script() -> str:
    """The console script an installer writes for ``nachbarbot`` (pip's and uv's template)."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    module, _, function = pyproject["project"]["scripts"]["nachbarbot"].partition(":")
    return (
        "import re\nimport sys\n"
        f"from {module} import {function}\n"
        "if __name__ == '__main__':\n"
        "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
        f"    sys.exit({function}())\n"
    )


def _nachbarbot(tmp_path: Path, *args: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NACHBARBOT_")}
    env["NACHBARBOT_BOT__DATABASE"] = str(tmp_path / "x.sqlite3")
    return subprocess.run(
        [sys.executable, "-c", prelude + _installed_script(), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ctrl_c_while_the_installed_script_loads(tmp_path):
    stopped = _nachbarbot(tmp_path, "db", "check", prelude=CTRL_C_WHILE_LOADING)
    assert stopped.returncode == 130, stopped.stdout + stopped.stderr
    assert stopped.stderr == "" and stopped.stdout == ""
    assert not (tmp_path / "x.sqlite3").exists()


def test_the_installed_script_runs_the_command(tmp_path):
    checked = _nachbarbot(tmp_path, "db", "migrate")
    assert checked.returncode == 0, checked.stderr
    assert "schema version" in checked.stdout
    assert (tmp_path / "x.sqlite3").exists()
