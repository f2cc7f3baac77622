"""Run ``python -m bot …`` as a real process, isolated from the caller's NACHBARBOT_* settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_bot(
    *args: str,
    database: Path | str | None = None,
    input: str | None = None,
    timeout: float = 120,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``env`` adds to (or overrides) the caller's environment."""
    settings = {k: v for k, v in os.environ.items() if not k.startswith("NACHBARBOT_")}
    if database is not None:
        settings["NACHBARBOT_BOT__DATABASE"] = str(database)
    settings.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=input,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=settings,
        timeout=timeout,
    )
