"""An operator's slips at the backup commands, as the black-box pass of docs/operations.md
met them on an installation of two cities: each is refused in one line naming what to do,
exit code 1 (2 for a command used wrongly), nothing written - never a misleading reason."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from tests.support.cli import ROOT, run_bot
from tests.support.fake_telegram import TOKEN
from tests.support.ports import free_port
from tests.support.two_cities import telegram_cities, write_cities


def _installation(tmp_path: Path) -> tuple[Path, Path]:
    live = tmp_path / "live" / "nachbarbot.sqlite3"
    live.parent.mkdir()
    config = write_cities(tmp_path, str(live))
    assert run_bot("--config", str(config), "db", "migrate").returncode == 0
    return config, live


def _one_line(result, code: int = 1) -> str:
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def test_a_folder_named_as_the_backup(tmp_path):
    """Before, ``db backup FOLDER`` said the folder 'exists already - choose a new file',
    and ``db restore FOLDER`` took the folder for the main city's copy and refused for want
    of Unna's (``FOLDER.unna``)."""
    config, live = _installation(tmp_path)
    folder = tmp_path / "backups"
    folder.mkdir()
    made = folder / "nachbarbot-2026-11-27T031500Z.sqlite3"
    assert run_bot("--config", str(config), "db", "backup", str(made)).returncode == 0
    before = sorted(folder.iterdir())

    backup = _one_line(run_bot("--config", str(config), "db", "backup", str(folder)))
    assert f"{folder} is a folder" in backup and "no backup was made" in backup
    assert sorted(folder.iterdir()) == before
    restore = _one_line(run_bot("--config", str(config), "db", "restore", str(folder)))
    assert f"{folder} is a folder" in restore and str(made) in restore
    assert "has no copy" not in restore and "nothing was restored" in restore
    assert not list(live.parent.glob("*before-restore*"))
    # A folder without a backup: before, "e.g. FOLDER/nachbarbot-<now>.sqlite3", a name
    # made up that second, which no restore could take.
    empty = tmp_path / "empty"
    empty.mkdir()
    none = _one_line(run_bot("--config", str(config), "db", "restore", str(empty)))
    assert f"{empty} is a folder, not a backup's file, and holds no backup" in none
    assert "e.g." not in none and "nothing was restored" in none


def test_a_further_citys_copy_named_as_the_backup(tmp_path):
    config, live = _installation(tmp_path)
    made = tmp_path / "b.sqlite3"
    assert run_bot("--config", str(config), "db", "backup", str(made)).returncode == 0
    unna = tmp_path / "b.unna.sqlite3"
    refused = _one_line(run_bot("--config", str(config), "db", "restore", str(unna)))
    assert f"the backup {made}: name that file" in refused and "--city unna" in refused
    assert not list(live.parent.glob("*before-restore*"))
    with closing(sqlite3.connect(live)) as conn:  # still the live database, untouched
        assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)


def test_one_citys_backup_restored_by_the_file_it_printed(tmp_path):
    """``--city unna db backup b.sqlite3`` prints "copied to b.unna.sqlite3" and writes
    nothing else; ``--city unna db restore b.unna.sqlite3`` was refused for want of
    "b.unna.unna.sqlite3", a file nobody made, with no word of what to name (the hint came
    only with the main city's copy beside it)."""
    config, live = _installation(tmp_path)
    made = tmp_path / "b.sqlite3"
    backed_up = run_bot("--config", str(config), "--city", "unna", "db", "backup", str(made))
    assert backed_up.returncode == 0, backed_up.stderr
    unna = tmp_path / "b.unna.sqlite3"
    assert f"copied to {unna}" in backed_up.stdout and not made.exists()
    refused = _one_line(
        run_bot("--config", str(config), "--city", "unna", "db", "restore", str(unna))
    )
    assert f"{unna} is the copy of the city 'unna' in the backup {made}: name that file" in (
        refused
    )
    assert not list(live.parent.glob("*before-restore*"))
    restored = run_bot("--config", str(config), "--city", "unna", "db", "restore", str(made))
    assert restored.returncode == 0, restored.stderr
    assert f"unna: {unna} is now the database" in restored.stdout


def test_a_backup_from_before_a_city_was_added(tmp_path):
    """Hamm added (city add) after the backup was taken: before, the restore refused for
    want of Hamm's copy and said nothing of what to do; and ``--city dortmund db restore``
    then named Unna's copy as "a city this configuration does not have", though Unna is
    configured and was only not asked for."""
    config, live = _installation(tmp_path)
    made = tmp_path / "b.sqlite3"
    assert run_bot("--config", str(config), "db", "backup", str(made)).returncode == 0
    shutil.copytree(ROOT / "tests" / "data" / "unna", tmp_path / "data-hamm")
    (tmp_path / "cities" / "hamm.toml").write_text(
        f'[bot]\ncity = "Hamm"\n[places]\ndata_dir = "{tmp_path / "data-hamm"}"\n',
        encoding="utf-8",
    )
    assert run_bot("--config", str(config), "db", "migrate").returncode == 0

    refused = _one_line(run_bot("--config", str(config), "db", "restore", str(made)))
    assert "the backup has no copy of: hamm" in refused and "nothing was restored" in refused
    for slug in ("dortmund", "unna"):
        assert f"--city {slug} db restore {made}" in refused, refused
    assert "--city hamm" not in refused
    assert not list(live.parent.glob("*before-restore*"))

    for slug in ("dortmund", "unna"):
        restored = run_bot("--config", str(config), "--city", slug, "db", "restore", str(made))
        assert restored.returncode == 0, restored.stderr
        assert f"{slug}: " in restored.stdout and "not restored" not in restored.stdout


def test_a_whole_installation_command_with_a_city_names_itself(tmp_path):
    """Before: 'db works on the whole installation' - as if every db command did."""
    config, _ = _installation(tmp_path)
    folder = tmp_path / "backups"
    folder.mkdir()
    refused = run_bot("--config", str(config), "--city", "unna", "db", "rotate", str(folder))
    assert "db rotate works on the whole installation" in _one_line(refused, 2)


def test_a_check_on_a_lost_database_file_says_it_made_an_empty_one(tmp_path):
    """Unna's file gone (a disk not mounted, a wrong path after a move): before, ``db check``
    and ``doctor`` made an empty database and passed every check on it, so the operator
    read 'ok' and started the bot on no data."""
    config, live = _installation(tmp_path)
    unna = live.with_name("nachbarbot.unna.sqlite3")
    for path in live.parent.glob("nachbarbot.unna.sqlite3*"):
        path.unlink()
    check = run_bot("--config", str(config), "db", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    lines = [line for line in check.stdout.splitlines() if "unna" in line]
    assert lines[0].startswith(f"WARN  unna: database file - {unna} did not exist"), lines
    assert "restore a backup" in lines[0]
    assert not any("dortmund: database file" in line for line in check.stdout.splitlines())
    again = run_bot("--config", str(config), "db", "check")
    assert "WARN" not in again.stdout  # made now: the next check has a file to check


def test_a_check_read_in_part_ends_quietly(tmp_path):
    """``db check | head -1``: the reader leaves after a line; before, a BrokenPipeError's
    traceback followed."""
    config, _ = _installation(tmp_path)
    piped = subprocess.run(
        f"{sys.executable} -m bot --config {config} db check | head -1",
        shell=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("NACHBARBOT_")},
    )
    assert piped.stdout.startswith("ok ") and piped.stdout.count("\n") == 1, piped.stdout
    assert "Traceback" not in piped.stderr and "Error" not in piped.stderr, piped.stderr


def test_a_backup_where_a_file_stands_for_its_folder(tmp_path):
    """``db backup FILE/x.sqlite3`` and ``FILE/sub/x.sqlite3`` with FILE a file: before,
    'the copy failed (FileExistsError: [Errno 17] File exists: …)', and for the second a
    traceback (removing the copy that never began failed too)."""
    config, _ = _installation(tmp_path)
    stands = tmp_path / "backups"
    stands.write_text("")
    for target in (stands / "x.sqlite3", stands / "sub" / "x.sqlite3"):
        refused = _one_line(run_bot("--config", str(config), "db", "backup", str(target)))
        assert f"{stands} is a file, not a folder" in refused, refused
        assert "this backup is incomplete" in refused
    assert stands.read_text() == ""


def test_a_postgresql_server_that_is_down(tmp_path):
    """bot.database names a PostgreSQL server that is not running (stopped, or a wrong
    port): before, every command waited 15 s and ended in psycopg_pool's PoolTimeout
    traceback, ``db restore`` at once in psycopg's OperationalError's, with no word of the
    server or what to do."""
    url = f"postgresql://nachbarbot@127.0.0.1:{free_port()}/nachbarbot"
    check = _one_line(run_bot("db", "check", database=url))
    assert check.startswith(
        "nachbarbot: database error: dortmund: the PostgreSQL server of bot.database ("
    )
    assert f"({url}) cannot be reached: " in check and "Connection refused" in check
    assert "nothing was changed" in check
    dump = tmp_path / "nachbarbot-2026-11-27T031500Z.dump"
    dump.write_bytes(b"PGDMP")
    restore = _one_line(run_bot("db", "restore", str(dump), database=url))
    assert f"({url}) cannot be reached: " in restore and "nothing was restored" in restore
    assert sorted(tmp_path.iterdir()) == [dump]


# The pool's wait made short (db/postgres.py OPEN_SECONDS), and each wait that ended
# unreached counted, said at the exit: what an operator waits is that many times the wait.
COUNTED_WAITS = """
import atexit, sys
from db import postgres
postgres.OPEN_SECONDS = 1.0
_open_pool, _waits = postgres.open_pool, []
async def _counted(*args, **kwargs):
    try:
        return await _open_pool(*args, **kwargs)
    except postgres.ServerUnreachable:
        _waits.append(1)
        raise
postgres.open_pool = _counted
atexit.register(lambda: print(f"waits: {len(_waits)}", file=sys.stderr))
"""


def _four_cities(tmp_path: Path, database: str) -> Path:
    """Dortmund, Unna and two more cities (each its own gazetteer folder) on ``database``."""
    config = write_cities(tmp_path, database)
    for slug in ("hamm", "luenen"):
        data = tmp_path / f"data-{slug}"
        shutil.copytree(ROOT / "tests" / "data" / "unna", data)
        (tmp_path / "cities" / f"{slug}.toml").write_text(
            f'[bot]\ncity = "{slug.title()}"\n[places]\ndata_dir = "{data}"\n', encoding="utf-8"
        )
    return config


@pytest.mark.parametrize(
    "command",
    [
        ["db", "check"],
        ["doctor"],
        ["db", "migrate"],
        ["db", "migrate", "--backup-into", "BACKUPS"],
        ["db", "retention"],
        ["run"],
        ["city", "list"],
    ],
)
def test_a_postgresql_server_down_is_waited_for_once(tmp_path, command):
    """Four cities on a PostgreSQL server that is down: before, each city waited the pool's
    15 s of its own and said the same line (an operator of four cities waited a minute);
    now the command waits once and says, in one line, which cities could not be reached."""
    url = f"postgresql://nachbarbot@127.0.0.1:{free_port()}/nachbarbot"
    config = _four_cities(tmp_path, url)
    args = [str(tmp_path / "backups") if each == "BACKUPS" else each for each in command]
    env = {"NACHBARBOT_TELEGRAM__TOKEN": "1:A"}  # run has a chat service to start
    done = run_bot("--config", str(config), *args, env=env, prelude=COUNTED_WAITS)
    assert "Traceback" not in done.stderr, done.stderr
    said = [line for line in done.stderr.splitlines() if not line.startswith("waits: ")]
    assert done.stderr.splitlines()[-1] == "waits: 1", done.stderr
    if command == ["city", "list"]:  # a listing: each city shows it, none waits again
        assert done.returncode == 1, done.stderr  # listed whole, but no database was read
        assert done.stdout.count(f"({url}) cannot be reached: ") == 4, done.stdout
        return
    assert done.returncode == 1, done.stdout + done.stderr
    assert len(said) == 1, done.stderr
    assert said[0].startswith("nachbarbot: database error: dortmund, hamm, luenen, unna: ")
    assert f"({url}) cannot be reached: " in said[0] and "nothing was changed" in said[0]
    assert not (tmp_path / "backups").exists()


def test_ctrl_c_while_the_program_loads(tmp_path):
    """Ctrl-C in the first second or two, while ``python -m bot`` imports its modules (a
    command started by mistake): before, a KeyboardInterrupt traceback through the imports;
    now exit code 130 and nothing said, as for a command interrupted later."""
    interrupt = (
        "import sys\n"
        "class _CtrlC:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'bot.cli.main':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, _CtrlC())\n"
    )
    stopped = run_bot("db", "check", database=tmp_path / "x.sqlite3", prelude=interrupt)
    assert stopped.returncode == 130, stopped.stdout + stopped.stderr
    assert stopped.stderr == "" and stopped.stdout == ""
    assert not (tmp_path / "x.sqlite3").exists()


def test_run_while_telegram_cannot_be_reached(tmp_path):
    """``run`` at boot before the network is up, or with a Bot API server that is down:
    before, the process ended in a traceback through aiohttp and python-telegram-bot (and
    a second one from the scheduler's shutdown); now one line naming the city and why,
    no token in it, exit 1 - systemd starts it again."""
    nowhere = "http://127.0.0.1:9"
    config = telegram_cities(tmp_path, str(tmp_path / "var" / "nb.sqlite3"), nowhere, nowhere)
    token = "123456789:AAHsecretTOKENvalue_abcdefghijklmnop"
    env = {"NACHBARBOT_TELEGRAM__TOKEN": token, "NACHBARBOT_CITY_UNNA__TELEGRAM__TOKEN": "2:B"}
    stopped = run_bot("--config", str(config), "run", env=env, fresh=True)
    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    lines = [line for line in stopped.stderr.splitlines() if line.startswith("nachbarbot: ")]
    assert len(lines) == 1 and "Traceback" not in stopped.stderr, stopped.stderr
    assert " its chat service could not be started: NetworkError: " in lines[0]
    assert lines[0].endswith("no city runs")
    assert "AAHsecret" not in stopped.stderr + stopped.stdout
    # Each city's HTTP session closed, the one that failed and the one stopped meanwhile:
    # before, aiohttp's "Unclosed client session" (and its connector's) followed the line.
    assert "Unclosed" not in stopped.stderr, stopped.stderr


async def test_run_whose_token_is_refused(tmp_path, fake_telegram):
    """A revoked token: the Bot API answers getMe with 401. One line, exit 1, and the bot's
    HTTP session closed (before, "Unclosed client session" at the exit)."""
    database = str(tmp_path / "var" / "nb.sqlite3")
    config = telegram_cities(tmp_path, database, fake_telegram.url, fake_telegram.url)
    (tmp_path / "cities" / "unna.toml").unlink()  # Dortmund alone
    env = {"NACHBARBOT_TELEGRAM__TOKEN": "999:REVOKED"}
    stopped = await asyncio.to_thread(run_bot, "--config", str(config), "run", env=env, fresh=True)
    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    lines = [line for line in stopped.stderr.splitlines() if line.startswith("nachbarbot: ")]
    assert len(lines) == 1 and "Traceback" not in stopped.stderr, stopped.stderr
    assert lines[0].startswith("nachbarbot: dortmund: its chat service could not be started: ")
    assert "InvalidToken" in lines[0] and "REVOKED" not in stopped.stderr, lines[0]
    assert "Unclosed" not in stopped.stderr, stopped.stderr


async def test_run_and_web_whose_web_port_is_taken(tmp_path, fake_telegram):
    """Found in a black-box pass: with the web's port held by another program, ``web``
    ended in a traceback (OSError: address already in use) and ``run`` said "its chat
    service could not be started: OSError …" - the chat service had started, the web had
    not. Each now names the web's address, why and what to do, in one line, exit 1; run
    closes the chat service it had started."""
    database = str(tmp_path / "var" / "nb.sqlite3")
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        config = write_cities(
            tmp_path,
            database,
            dortmund=f'[telegram]\napi_base_url = "{fake_telegram.url}"\npoll_timeout = 1\n'
            f'[web]\nlisten = "127.0.0.1"\nport = {port}\n',
        )
        (tmp_path / "cities" / "unna.toml").unlink()  # Dortmund alone
        env = {"NACHBARBOT_TELEGRAM__TOKEN": TOKEN}
        # The metrics' port held: run ended in a traceback.
        metrics = {
            "NACHBARBOT_WEB__PORT": str(free_port()),
            "NACHBARBOT_METRICS__LISTEN": "127.0.0.1",
            "NACHBARBOT_METRICS__PORT": str(port),
        }
        for command, more, what in (
            ("web", {}, "the web"),
            ("run", {}, "the web"),
            ("run", metrics, "the metrics"),
        ):
            stopped = await asyncio.to_thread(
                run_bot, "--config", str(config), command, env=env | more, fresh=True
            )
            assert stopped.returncode == 1, (command, stopped.stdout, stopped.stderr)
            assert "Traceback" not in stopped.stderr, (command, stopped.stderr)
            lines = [
                line for line in stopped.stderr.splitlines() if line.startswith("nachbarbot: ")
            ]
            assert len(lines) == 1, (command, stopped.stderr)
            city = "dortmund: " if what == "the web" else ""
            assert lines[0].startswith(
                f"nachbarbot: {city}{what} cannot listen on 127.0.0.1:{port}"
            ), (command, lines)
            section = what.split()[-1]
            assert "Address already in use" in lines[0] and f"{section}.port" in lines[0], lines
            assert "chat service" not in lines[0], lines
            assert "Unclosed" not in stopped.stderr, (command, stopped.stderr)


def test_a_database_whose_folder_is_a_file(tmp_path):
    """Found in a black-box pass: bot.database under a path whose folder cannot be made (a
    file where a folder should be; a disk not mounted, another user's folder alike) ended
    every command that opens it - db check, console, roles, places, doctor, db restore -
    in a traceback (FileExistsError, NotADirectoryError). Each says it in one line, exit 1,
    nothing written."""
    config, _ = _installation(tmp_path)
    (tmp_path / "cities" / "unna.toml").unlink()  # Dortmund alone
    backup = tmp_path / "backups" / "nachbarbot-2026-11-29T031500Z.sqlite3"
    assert run_bot("--config", str(config), "db", "backup", str(backup)).returncode == 0
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder", encoding="utf-8")
    env = {"NACHBARBOT_BOT__DATABASE": str(blocker / "nachbarbot.sqlite3")}
    for command in (
        ["db", "check"],
        ["db", "migrate"],
        ["console"],
        ["doctor"],
        ["roles", "grant", "console:cora", "coordinator"],
        ["places", "near", "Hörde"],
        ["db", "backup", str(tmp_path / "more" / "b.sqlite3")],
        ["db", "restore", str(backup)],
        ["db", "go-back", str(backup)],
    ):
        done = run_bot("--config", str(config), *command, env=env, input="", timeout=60)
        line = _one_line(done)
        assert f"{blocker} is a file, not a folder" in line, (command, line)
    assert blocker.read_text(encoding="utf-8") == "not a folder"
    assert not (tmp_path / "more").exists()


def test_a_damaged_list_of_erased_accounts_stops_the_restore_before_the_swap(tmp_path):
    """Found in a black-box pass: a list of erased accounts that cannot be read (beside
    the backup: bytes that are not text; beside the database: no key line) ended db restore
    in a traceback after the backup had replaced the database - the people erased since the
    backup back in it - and db go-back likewise. Both are refused first, naming the list,
    the database as it was."""
    config, live = _installation(tmp_path)
    backup = tmp_path / "backups" / "nachbarbot-2026-11-29T031500Z.sqlite3"
    assert run_bot("--config", str(config), "db", "backup", str(backup)).returncode == 0
    listed = backup.with_suffix(".erased")
    listed.write_bytes(b"key 00\n\xff\xfe garbage\n")
    before = live.read_bytes()
    for command in ("restore", "go-back"):
        done = run_bot("--config", str(config), "db", command, str(backup), timeout=60)
        line = _one_line(done)
        assert f"{listed}: not a list of erased accounts" in line, (command, line)
        assert line.rstrip().endswith("nothing was restored"), line
        assert live.read_bytes() == before
    listed.unlink()
    own = live.with_suffix(".erased")
    own.write_text("garbage\n", encoding="ascii")
    line = _one_line(run_bot("--config", str(config), "db", "restore", str(backup), timeout=60))
    assert f"{own}: not a list of erased accounts" in line, line
    assert live.read_bytes() == before
    # db check (and doctor) say it before a /delete or a restore meets it.
    check = run_bot("--config", str(config), "db", "check", timeout=60)
    assert check.returncode == 1, check.stdout
    assert f"FAIL  dortmund: list of erased accounts - {own}: not a list" in check.stdout
    assert "ok    unna: list of erased accounts" in check.stdout, check.stdout
    own.unlink()
    restored = run_bot("--config", str(config), "db", "restore", str(backup), timeout=60)
    assert restored.returncode == 0, restored.stderr
