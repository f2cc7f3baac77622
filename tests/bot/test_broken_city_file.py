"""A further city's file that cannot be used (a typo that breaks its TOML, a setting
refused) stops no other city: through ``python -m bot`` as an operator runs it. Before,
every command ended in "configuration error" (exit code 2): ``run`` served no city, the
nightly ``db backup`` copied none, ``doctor`` checked none (bot/cli/broken_cities.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.support.cli import ROOT, run_bot
from tests.support.crash_story import BotProcess
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.forked_bot import launch_forked
from tests.support.two_cities import telegram_cities

GROUP = -1001
RESIDENT = 5001


def _installation(tmp: Path, api: str = "http://127.0.0.1:9") -> Path:
    config = tmp / "bot.toml"
    config.write_text(
        f'[bot]\ncity = "Dortmund"\ndatabase = "{tmp / "db" / "bot.sqlite3"}"\n'
        f'log_level = "INFO"\ncities_dir = "{tmp / "cities"}"\n'
        f'[places]\ndata_dir = "{ROOT / "data/dortmund"}"\n'
        f'[telegram]\napi_base_url = "{api}"\npoll_timeout = 1\n'
        f'[help]\ntelegram_backchannel = "{GROUP}"\n',
        encoding="utf-8",
    )
    (tmp / "cities").mkdir()
    return config


def _unna(tmp: Path, config: Path, broken: str) -> Path:
    """Unna, filled in and with data of its own; then its file broken by ``broken``."""
    unna = tmp / "cities" / "unna.toml"
    data = tmp / "unna-data"
    data.mkdir()
    for name in ("stadtbezirke.csv", "stadtteile.csv", "postcodes.csv"):
        (data / name).write_bytes((ROOT / "data/dortmund" / name).read_bytes())
    unna.write_text(f'[bot]\ncity = "Unna"\n[places]\ndata_dir = "{data}"\n', encoding="utf-8")
    made = run_bot("--config", str(config), "db", "migrate")
    assert made.returncode == 0, made.stderr
    with sqlite3.connect(tmp / "db" / "bot.unna.sqlite3") as db:
        db.execute("INSERT INTO transport_state (key, value) VALUES ('h102.mark', 'unna')")
    unna.write_text(unna.read_text(encoding="utf-8") + broken, encoding="utf-8")
    return unna


BROKEN = {
    "not TOML": "[help\n",
    "a setting refused": '[telegram]\nmode = "pull"\n',
}


@pytest.mark.parametrize("broken", BROKEN.values(), ids=list(BROKEN))
def test_the_nightly_backup_copies_every_city_and_doctor_names_the_broken_one(tmp_path, broken):
    config = _installation(tmp_path)
    unna = _unna(tmp_path, config, broken)
    base = ("--config", str(config))

    backup = run_bot(*base, "db", "backup", str(tmp_path / "b.sqlite3"))
    assert backup.returncode == 0, backup.stderr
    assert f"warning: unna: its database was copied, but its file cannot be used: {unna}" in (
        backup.stderr
    )
    with sqlite3.connect(tmp_path / "b.unna.sqlite3") as copy:
        assert copy.execute("SELECT value FROM transport_state WHERE key = 'h102.mark'").fetchall()
    assert (tmp_path / "b.sqlite3").exists()

    doctor = run_bot(*base, "db", "check")
    assert doctor.returncode == 1
    assert "ok    dortmund: database integrity" in doctor.stdout
    assert f"FAIL  unna: configuration - its file cannot be used: {unna}" in doctor.stdout

    listed = run_bot(*base, "city", "list")
    assert listed.returncode == 1
    assert "unna: its file cannot be used" in listed.stdout

    # What needs every city's settings is refused, nothing changed; Dortmund alone is not.
    everyone = run_bot(*base, "db", "restore", str(tmp_path / "b.sqlite3"))
    assert everyone.returncode == 2
    assert "db restore needs every city's configuration" in everyone.stderr
    assert not list((tmp_path / "db").glob("*before-restore*"))
    alone = run_bot(*base, "--city", "dortmund", "db", "restore", str(tmp_path / "b.sqlite3"))
    assert alone.returncode == 0, alone.stderr
    # A city added meanwhile cannot be checked against Unna's accounts and folders.
    added = run_bot(*base, "city", "add", "Lünen", "--data-dir", str(tmp_path / "luenen"))
    assert added.returncode == 2
    assert "city add checks a new city against every other city's settings" in added.stderr
    assert not (tmp_path / "cities" / "luenen.toml").exists()
    refused = run_bot(*base, "--city", "unna", "db", "check")
    assert refused.returncode == 2
    assert refused.stderr.startswith(f"nachbarbot: configuration error: {unna}")


async def test_run_serves_the_other_cities_and_tells_the_coordinators(tmp_path):
    fake = FakeTelegram()
    await fake.start()
    config = _installation(tmp_path, fake.url)
    env = {"NACHBARBOT_TELEGRAM__TOKEN": TOKEN}
    _unna(tmp_path, config, BROKEN["not TOML"])
    bot = BotProcess(tmp_path, fake, settings=config.read_text(), env=env, launch=launch_forked)
    try:
        await bot.start()  # Dortmund polls: the process runs
        notice = await fake.wait_for("sendMessage", lambda c: "unna" in c.text, chat_id=GROUP)
        assert "unna.toml" in notice.text
        fake.send_text(RESIDENT, "/start")
        await fake.wait_for("sendMessage", chat_id=RESIDENT, timeout=30)
        log = bot.log.read_text()
        assert "city unna is not served: its file cannot be used" in log
        assert "the other cities run (dortmund)" in log
    finally:
        bot.stop()
        await fake.stop()


async def test_a_damaged_database_of_a_further_city_stops_no_other_city(tmp_path):
    """Unna's file sound, its database damaged (a failing disk): ``run`` serves Dortmund and
    says why Unna is not served, in the log and once in the group. Before, ``run`` refused
    every city ("nothing was started")."""
    fake = FakeTelegram()
    await fake.start()
    config = _installation(tmp_path, fake.url)
    env = {"NACHBARBOT_TELEGRAM__TOKEN": TOKEN}
    _unna(tmp_path, config, "")
    damaged = tmp_path / "db" / "bot.unna.sqlite3"
    with damaged.open("r+b") as out:
        out.seek(4096)
        out.write(b"\xff" * 4096 * 20)
    # The unit's upgrade step (ExecStartPre) lets run start: it failed on Unna, and the
    # unit then started no city at all.
    step = run_bot(
        "--config", str(config), "db", "migrate", "--backup-into", str(tmp_path / "backups")
    )
    assert step.returncode == 0, step.stderr
    assert f"unna: neither backed up nor migrated, its database cannot be used: {damaged}" in (
        step.stderr
    )
    assert "dortmund: database" in step.stdout
    bot = BotProcess(tmp_path, fake, settings=config.read_text(), env=env, launch=launch_forked)
    try:
        await bot.start()  # Dortmund polls: the process runs
        notice = await fake.wait_for("sendMessage", lambda c: "Unna" in c.text, chat_id=GROUP)
        assert "db check" in notice.text
        fake.send_text(RESIDENT, "/start")
        await fake.wait_for("sendMessage", chat_id=RESIDENT, timeout=30)
        log = bot.log.read_text()
        assert f"city unna is not served: its database cannot be used: {damaged}" in log
        # The other cities run: not "nothing was changed" (nor "started") before "restart".
        assert "nothing was changed; then restart" not in log
        assert "the other cities run (dortmund)" in log
    finally:
        bot.stop()
        await fake.stop()


async def test_a_further_citys_refused_account_stops_no_other_city(tmp_path):
    """Unna's Telegram token revoked (its Bot API answers getMe with 401): ``run`` serves
    Dortmund and says in the log that Unna is not served and why, the token not in it.
    Before, run stopped every city ("no city runs") and systemd started it again, to stop
    again, for as long as the token stayed revoked."""
    dortmund, unna = FakeTelegram(), FakeTelegram(token="2:UNNA")
    await dortmund.start()
    await unna.start()
    config = telegram_cities(tmp_path, str(tmp_path / "var" / "nb.sqlite3"), dortmund.url, unna.url)
    env = {
        "NACHBARBOT_TELEGRAM__TOKEN": TOKEN,
        "NACHBARBOT_CITY_UNNA__TELEGRAM__TOKEN": "3:REVOKEDsecret",
    }
    bot = BotProcess(tmp_path, dortmund, settings=config.read_text(), env=env, launch=launch_forked)
    try:
        await bot.start()
        dortmund.send_text(RESIDENT, "/start")
        await dortmund.wait_for("sendMessage", chat_id=RESIDENT, timeout=30)
        log = bot.log.read_text()
        assert "city unna is not served: its chat service refused its account" in log, log
        assert "REVOKEDsecret" not in log
        assert bot.process is not None and bot.process.poll() is None  # still running
    finally:
        bot.stop()
        await dortmund.stop()
        await unna.stop()
