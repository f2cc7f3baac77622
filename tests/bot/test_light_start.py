"""A bot process loads a heavy library only where it uses it: PyAV when it speaks, DeepL's
client for a DeepL engine, psycopg for a PostgreSQL database, aiohttp for the web, the
metrics or a Telegram transport's sends (when one is built, not imported), matrix-nio and
pjsua2 for a city that runs Matrix or a phone line. The suite starts the bot some 300 times,
and an operator's every command: each of these cost 0.1-0.25 s."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.cli import ROOT

HEAVY = ("av", "deepl", "psycopg", "psycopg_pool", "aiohttp", "requests", "nio", "pjsua2")

# What `python -m bot console` and a city on SQLite with Telegram import before they run.
START = """
import json, sys
import bot.cli.main
from bot.app import build_dispatcher
from bot.city_service import CityBot
from bot.delivery import OutboxWorker
from bot.speech.engines import speaker_from_config
from bot.transports.console import ConsoleTransport
from bot.translation.service import service_from_config
import bot.transports.telegram
print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)))
"""


def _loaded(code: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", code.format(heavy=HEAVY)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_starting_a_city_on_sqlite_loads_none_of_the_heavy_libraries():
    assert _loaded(START) == []


def test_the_libraries_load_where_they_are_used():
    code = START.replace(
        "print(",
        "from bot.speech.opus import ogg_opus\n"
        "from bot.speech.engine import Audio\n"
        "import numpy\n"
        "ogg_opus(Audio(numpy.zeros(2400, dtype=numpy.float32), 24000))\n"
        "from db.postgres import schema_options\n"
        "schema_options('postgresql://localhost/x', 'unna')\n"
        "print(",
    )
    assert _loaded(code) == ["av", "psycopg"]
