"""``python -m bot --config CONFIG run`` in the background, as a process manager starts it:
the tests' own starts, and what tests/support/forked_bot.py's zygote falls back to."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def launch_bot(
    config: Path, env: dict[str, str], log: Path, command: str = "run"
) -> subprocess.Popen[bytes]:
    """``python -m bot --config CONFIG run`` (or another ``command``, e.g. ``web``) in the
    background, with exactly ``env`` as its environment and its output appended to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(config), command],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
