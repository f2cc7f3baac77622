"""A line process (bot/transports/phone/sip/line_process.py) loads the SIP stack, not the bot:
importing the phone package does not import its transport (and with it the handlers and the
database), which made every line about 100 MB instead of about 40 (bench/RESULTS.md). The
transport's
names are still the package's, for the transports' registry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[5]


def _loaded(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_a_line_does_not_import_the_bot():
    loaded = _loaded(
        "import sys, bot.transports.phone.sip.line_process\n"
        "print(sorted(name for name in ('bot.transports.phone.transport', 'handlers', 'db')"
        " if name in sys.modules))"
    )
    assert loaded == "[]"


def test_a_lines_sip_stack_loads_no_numpy():
    """The bot's prompts are mono at the calls' rate: taken as they are (bridge_ports.py
    ``pcm_of``), so a line does not carry numpy (10 MB each, bench/RESULTS.md)."""
    loaded = _loaded(
        "import sys, bot.transports.phone.sip.stack\n"
        "print('numpy' in sys.modules, 'pjsua2' in sys.modules)"
    )
    assert loaded == "False True"


def test_the_package_still_names_the_transport():
    named = _loaded(
        "import importlib\n"
        "phone = importlib.import_module('bot.transports.phone')\n"
        "print(phone.PLATFORM, phone.service.__module__, phone.PhoneTransport.__name__)"
    )
    assert named == "phone bot.transports.phone.transport PhoneTransport"
