"""The commands that serve people - ``run``, ``web`` and ``console`` - on a damaged SQLite
file (a failing disk, a file copied while written): the console of that city, and ``run``
where it is the main city's (which holds the cluster), refuse in one line naming the city,
its file and what to do, exit 1, never hang and start nothing - as ``db check`` says it
(docs/operations.md, "A damaged database file"); a further city's damaged file stops no
other city (tests/bot/test_broken_city_file.py runs that). Before, ``console`` and
``run`` ended in a traceback: on a file SQLite could not open at all, and on one that opened
but whose tables' pages were damaged (the first query reading them), which ``db check``
itself ended in a traceback on as well."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from db.database import city_location
from tests.support.cli import run_bot
from tests.support.ports import free_port
from tests.support.two_cities import write_cities

# A chat service for ``run`` (never reached: the refusal comes first) and a port for ``web``.
SERVING = {"NACHBARBOT_TELEGRAM__TOKEN": "123456:never-asked"}
CONSOLE = ["--city", "{city}", "console"]


def _two_cities(tmp_path: Path) -> tuple[Path, str]:
    database = str(tmp_path / "var" / "nachbarbot.sqlite3")
    config = write_cities(
        tmp_path,
        database,
        dortmund=f'[web]\nlisten = "127.0.0.1"\nport = {free_port()}\n',
        unna=f"[web]\nport = {free_port()}\n",
    )
    assert run_bot("--config", str(config), "db", "migrate").returncode == 0
    return config, database


def _overwrite(file: Path, page: int, pages: int = 1) -> None:
    """Pages of ``file`` (numbered from 1, as SQLite counts them) overwritten, as a failing
    disk leaves them."""
    with sqlite3.connect(file) as conn:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with file.open("r+b") as out:
        out.seek((page - 1) * size)
        out.write(b"\xff" * size * pages)


def _damage_people(file: Path) -> None:
    """The pages of ``file``'s people overwritten: it opens (its schema is sound), its
    quick check fails."""
    with sqlite3.connect(file) as conn:
        (users,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'users'"
        ).fetchone()
    conn.close()
    _overwrite(file, users)


def _refused(config: Path, city: str, file: Path, why: str, commands: list[list[str]]) -> None:
    for command in commands:
        args = [part.format(city=city) for part in command]
        done = run_bot(
            "--config", str(config), *args, env=SERVING, input="", timeout=60, refused_at_start=True
        )
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr, (args, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, (args, done.stderr)
        assert lines[0].startswith(f"nachbarbot: database error: {city}: {file} {why}"), lines
        assert "db restore" in lines[0] and "docs/operations.md" in lines[0], lines
        assert "running" not in done.stdout, (args, done.stdout)


def test_a_file_sqlite_cannot_open_is_refused_in_one_line(tmp_path):
    """Unna's schema pages overwritten: Unna's console names Unna and its file."""
    config, database = _two_cities(tmp_path)
    unna = Path(city_location(database, "unna", False)[0])
    _overwrite(unna, 2, 20)

    _refused(config, "unna", unna, "cannot be opened", [CONSOLE])


def test_a_file_damaged_in_a_table_is_refused_before_anything_starts(tmp_path):
    """Dortmund's file opens (its schema is sound) but the pages of its people are damaged:
    refused at the start by SQLite's quick check, and db check says it in its integrity
    line and reads no table further, exit 1, no traceback."""
    config, database = _two_cities(tmp_path)
    dortmund = Path(database)
    _damage_people(dortmund)

    _refused(config, "dortmund", dortmund, "is damaged", [CONSOLE, ["run"]])
    check = run_bot("--config", str(config), "db", "check", timeout=60)
    assert check.returncode == 1, check.stdout
    assert "Traceback" not in check.stderr, check.stderr
    assert "FAIL  dortmund: database integrity" in check.stdout, check.stdout
    assert "ok    unna: database integrity" in check.stdout, check.stdout


def test_the_other_commands_say_a_damaged_file_in_one_line(tmp_path):
    """Commands that do not serve people (a coordinator's desk link, a places search) on a
    file SQLite cannot open: one line that says what to do, exit 1, no traceback."""
    config, database = _two_cities(tmp_path)
    unna = Path(city_location(database, "unna", False)[0])
    _overwrite(unna, 2, 20)
    for command in (["desk-link", "telegram:1"], ["places", "near", "51.536,7.689"]):
        done = run_bot("--config", str(config), "--city", "unna", *command, timeout=60)
        assert done.returncode == 1, (command, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr, (command, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, (command, done.stderr)
        assert lines[0].startswith("nachbarbot: database error:"), lines
        assert "db check" in lines[0] and "db restore" in lines[0], lines


def test_a_backup_of_a_damaged_file_says_so(tmp_path):
    """Found in a black-box pass: `db backup` of a database damaged in a table said
    "copied", exit 0 - the nightly backup would have copied the damage night after night,
    unnoticed, while the rotation deleted the sound backups by age. Each city is still
    copied (the damaged copy holds what could be read), the damaged one is named with
    what to do, and the command exits 1 (the nightly unit fails); a restore refuses the
    damaged copy, the sound city's copy is restored."""
    config, database = _two_cities(tmp_path)
    dortmund = Path(database)
    _damage_people(dortmund)
    target = tmp_path / "backups" / "nachbarbot-2026-11-29T031500Z.sqlite3"
    done = run_bot("--config", str(config), "db", "backup", str(target), timeout=60)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"nachbarbot: dortmund: the database {dortmund} is damaged"), lines
    assert f"its copy {target}" in lines[0] and "db restore refuses it" in lines[0], lines
    unna_copy = target.with_name("nachbarbot-2026-11-29T031500Z.unna.sqlite3")
    assert "unna: database" in done.stdout and str(unna_copy) in done.stdout, done.stdout
    assert target.exists() and unna_copy.exists()

    restored = run_bot("--config", str(config), "db", "restore", str(target), timeout=60)
    assert restored.returncode == 1 and "nothing was restored" in restored.stderr, restored.stderr
    unna = run_bot(
        "--config", str(config), "--city", "unna", "db", "restore", str(target), timeout=60
    )
    assert unna.returncode == 0, unna.stderr
