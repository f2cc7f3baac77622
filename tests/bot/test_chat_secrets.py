"""Tools that talk to no chat service need none of its secrets; ``run`` still does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from icalendar import Event as IcalEvent

from tests.support.cli import ROOT, run_bot

SAMPLE = ROOT / "data" / "dortmund" / "places-sample.csv"

# Both chat services configured, neither secret in the environment (run_bot drops every
# NACHBARBOT_* variable of the caller).
CONFIG = """
[telegram]
mode = "webhook"
webhook_url = "https://bot.example.org/telegram"

[matrix]
homeserver = "https://matrix.example.org"
user_id = "@nachbarbot:example.org"
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "bot.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def _calendar(tmp_path: Path) -> Path:
    calendar = Calendar()
    calendar.add("prodid", "-//test//")
    calendar.add("version", "2.0")
    event = IcalEvent()
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    event.add("uid", "secrets-test-1")
    event.add("summary", "Sprachcafé")
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(hours=2))
    event.add("geo", (51.5136, 7.4653))
    calendar.add_component(event)
    path = tmp_path / "one.ics"
    path.write_bytes(calendar.to_ical())
    return path


def test_imports_need_no_chat_secrets(tmp_path: Path, config: Path):
    database = tmp_path / "bot.sqlite3"
    # The token of Telegram is absent too: a webhook secret alone would make no difference.
    env = {"NACHBARBOT_TELEGRAM__TOKEN": "123456:not-checked-by-imports"}
    places = run_bot("--config", str(config), "places", "import", str(SAMPLE), database=database)
    assert places.returncode == 0, places.stderr
    events = run_bot(
        "--config", str(config), "events", "import", str(_calendar(tmp_path)), database=database
    )
    assert events.returncode == 0, events.stderr
    near = run_bot("--config", str(config), "places", "near", "44137", database=database, env=env)
    assert near.returncode == 0, near.stderr
    migrate = run_bot("--config", str(config), "db", "migrate", database=database, env=env)
    assert migrate.returncode == 0, migrate.stderr


def test_run_still_refuses_without_the_secrets(tmp_path: Path, config: Path):
    result = run_bot("--config", str(config), "run", database=tmp_path / "bot.sqlite3")
    assert result.returncode == 2
    assert "configuration error" in result.stderr
    assert "NACHBARBOT_MATRIX__PASSWORD" in result.stderr
    assert result.stderr.strip().count("\n") == 0
    # Matrix's secret given, the webhook's still missing: named next.
    result = run_bot(
        "--config",
        str(config),
        "run",
        database=tmp_path / "bot.sqlite3",
        env={
            "NACHBARBOT_MATRIX__PASSWORD": "a-password",
            "NACHBARBOT_TELEGRAM__TOKEN": "123456:abc",
        },
    )
    assert result.returncode == 2
    assert "NACHBARBOT_TELEGRAM__WEBHOOK_SECRET" in result.stderr


def test_doctor_names_the_missing_secret(tmp_path: Path, config: Path):
    result = run_bot("--config", str(config), "doctor", database=tmp_path / "bot.sqlite3")
    assert result.returncode == 1
    assert "FAIL  configuration - matrix: set NACHBARBOT_MATRIX__ACCESS_TOKEN" in result.stdout
