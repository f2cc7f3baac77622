"""``db backup`` and ``db restore`` on PostgreSQL (docs/postgresql.md): every city in one
dump, one city restored alone, refused while another connection is open, erasures since
the backup done again (issue 78, 3-5). SQLite: test_backup_restore.py."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import psycopg
import pytest

from tests.support.city_databases import add_people, erase_person, people_names
from tests.support.cli import run_bot
from tests.support.postgres_server import find_binary
from tests.support.two_cities import unna_alone, write_cities


def _bot(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_bot("--config", str(config), *args)


# Every restore of the process at the same second, as two restores a script runs one after
# the other may be.
ONE_SECOND = "import bot.cli.backup_rotation as r; r.new_stamp = lambda: '2026-11-27T101500Z'"


def _restore(
    config: Path, *args: str, same_second: bool = False
) -> subprocess.CompletedProcess[str]:
    """``db restore`` once the test's own connections are gone: a closed connection's
    server process may still be listed a moment after (pg_stat_activity), and the restore
    rightly refuses while any is. ``same_second``: every such restore in the same second
    (a prelude: a new interpreter; the others are forked, tests/support/forked_cli.py)."""
    _until_alone(config)
    return run_bot("--config", str(config), *args, prelude=ONE_SECOND if same_second else "")


def _until_alone(config: Path) -> None:
    """Until no connection to the configured database is listed (a guard against a hang,
    never a measure)."""
    url = next(
        line.split("=", 1)[1].strip().strip('"')
        for line in config.read_text().splitlines()
        if line.strip().startswith("database =")
    )
    base, name = url.rsplit("/", 1)
    for _ in range(3000):
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            listed = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)
            ).fetchone()
        if listed is not None and listed[0] == 0:
            return
        time.sleep(0.02)
    raise AssertionError("the test's connections never went")


async def test_backup_and_restore_of_every_city_and_of_one(postgres_server, tmp_path):
    url = postgres_server.new_database_with_unna()
    try:
        config = write_cities(tmp_path, url)
        await add_people(url, "dortmund", ["d1", "d2"], main=True)
        await add_people(url, "unna", ["u1", "u2"], main=False)
        dump = tmp_path / "nachbarbot-1.dump"
        made = _bot(config, "db", "backup", str(dump))
        assert made.returncode == 0, made.stderr
        assert "dortmund:" in made.stdout and "unna:" in made.stdout
        listing = subprocess.run(
            [find_binary("pg_restore"), "--list", str(dump)], capture_output=True, text=True
        ).stdout
        assert "SCHEMA - city_unna" in listing and "TABLE DATA city_unna users" in listing

        await add_people(url, "dortmund", ["d3"], main=True)
        await add_people(url, "unna", ["u3"], main=False)
        await erase_person(url, "unna", "u2", main=False)
        one = _restore(config, "--city", "unna", "db", "restore", str(dump), same_second=True)
        assert one.returncode == 0, one.stderr
        assert "unna: schema version" in one.stdout and "erased again: 1 " in one.stdout
        assert await people_names(url, "unna", main=False) == ["u1"]
        assert await people_names(url, "dortmund", main=True) == ["d1", "d2", "d3"]

        await erase_person(url, "dortmund", "d1", main=True)
        every = _restore(config, "db", "restore", str(dump), same_second=True)
        assert every.returncode == 0, every.stderr
        assert await people_names(url, "dortmund", main=True) == ["d2"]
        assert await people_names(url, "unna", main=False) == ["u1"]
        check = _bot(config, "db", "check")
        assert check.returncode == 0, check.stdout + check.stderr
        # Each restore kept the database as it was, the second's beside the first's (before,
        # a second restore within the same second dumped over the first's).
        assert sorted(
            path.name for path in tmp_path.glob("nachbarbot-1.dump.before-restore-*")
        ) == [
            "nachbarbot-1.dump.before-restore-2026-11-27T101500Z-2.dump",
            "nachbarbot-1.dump.before-restore-2026-11-27T101500Z.dump",
        ]
    finally:
        postgres_server.drop(url)


async def test_a_restore_refuses_while_another_connection_is_open(postgres_server, tmp_path):
    url = postgres_server.new_database_with_unna()
    try:
        config = write_cities(tmp_path, url)
        await add_people(url, "dortmund", ["d1"], main=True)
        await add_people(url, "unna", ["u1"], main=False)
        dump = tmp_path / "b.dump"
        assert _bot(config, "db", "backup", str(dump)).returncode == 0
        await add_people(url, "unna", ["u2"], main=False)
        with psycopg.connect(url, application_name="nachbarbot web") as other:
            refused = _bot(config, "db", "restore", str(dump))
            assert other.execute("SELECT 1").fetchone() == (1,)
        assert refused.returncode == 1, refused.stdout
        assert "nachbarbot web" in refused.stderr and "nothing was restored" in refused.stderr
        assert await people_names(url, "unna", main=False) == ["u1", "u2"]
    finally:
        postgres_server.drop(url)


async def test_a_restore_names_the_process_in_the_way_and_where_it_is(postgres_server, tmp_path):
    """Issue 99, point 6b: the refusal named connections "pid 1130, pid 1131". Every
    process of the bot names its connections (program, command, host, pid), and the
    refusal says where each connects from: here a console left open in a terminal."""
    import socket
    import sys

    from tests.support.cli import ROOT

    url = postgres_server.new_database_with_unna()
    try:
        config = write_cities(tmp_path, url)
        dump = tmp_path / "b.dump"
        assert _bot(config, "db", "backup", str(dump)).returncode == 0
        console = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(config), "console"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert console.stdin is not None and console.stdout is not None
            console.stdin.write("hallo\n")
            console.stdin.flush()
            assert console.stdout.readline()  # it answers: its database is open
            refused = _bot(config, "db", "restore", str(dump))
        finally:
            console.communicate("", timeout=60)
        assert refused.returncode == 1, refused.stdout
        named = f"nachbarbot console {socket.gethostname()}:{console.pid} from "
        assert named in refused.stderr, refused.stderr
        assert "pid " not in refused.stderr.replace(f":{console.pid}", "")
    finally:
        postgres_server.drop(url)


async def test_a_restore_into_a_new_empty_database(postgres_server, tmp_path):
    """A server lost: the backup restored into a database just made (CREATE DATABASE)."""
    url = postgres_server.new_database_with_unna()
    fresh = url.rsplit("/", 1)[0] + f"/{url.rsplit('/', 1)[1]}_new"
    try:
        config = write_cities(tmp_path, url)
        await add_people(url, "dortmund", ["d1"], main=True)
        await add_people(url, "unna", ["u1", "u2"], main=False)
        dump = tmp_path / "b.dump"
        assert _bot(config, "db", "backup", str(dump)).returncode == 0
        # Erased after the backup; the next backup holds the erasure list, the old one not.
        await erase_person(url, "unna", "u1", main=False)
        newer = tmp_path / "newer.dump"
        assert _bot(config, "db", "backup", str(newer)).returncode == 0

        postgres_server.admin(f'CREATE DATABASE "{fresh.rsplit("/", 1)[1]}"')
        config.write_text(config.read_text().replace(url, fresh))
        restored = _restore(config, "db", "restore", str(newer))
        assert restored.returncode == 0, restored.stderr
        assert await people_names(fresh, "dortmund", main=True) == ["d1"]
        assert await people_names(fresh, "unna", main=False) == ["u2"]
        # The list came with it: the older backup, restored now, loses u1 again.
        older = _restore(config, "db", "restore", str(dump))
        assert older.returncode == 0 and "unna: schema version" in older.stdout, older.stderr
        assert "erased again: 1 " in older.stdout
        assert await people_names(fresh, "unna", main=False) == ["u2"]
        check = _bot(config, "db", "check")
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        postgres_server.drop(url)
        postgres_server.drop(fresh)


# A released migration's text recorded otherwise: this code must not run on it.
_EDITED = (
    "UPDATE public.schema_version SET checksum = 'edited'"
    " WHERE version = (SELECT min(version) FROM public.schema_version)"
)


@pytest.mark.parametrize(
    ("command", "damage"),
    [
        ("restore", _EDITED),
        # A table of the schema gone (a hand-made or foreign dump).
        ("restore", "DROP TABLE city_unna.user_roles"),
        # db go-back checks the migrations' texts as db restore does (issue 99); an older
        # schema lacks tables by nature, so it compares no columns.
        ("go-back", _EDITED),
    ],
)
async def test_a_restore_refuses_a_backup_this_code_cannot_run_on(
    postgres_server, tmp_path, command, damage
):
    """Checked on a scratch copy before the cities are replaced: the live rows stay."""
    other = postgres_server.new_database_with_unna()
    live = postgres_server.new_database_with_unna()
    try:
        (tmp_path / "other").mkdir()
        (tmp_path / "live").mkdir()
        write_cities(tmp_path / "other", other)
        config = write_cities(tmp_path / "live", live)
        await add_people(other, "dortmund", ["o1"], main=True)
        await add_people(other, "unna", ["o2"], main=False)
        with psycopg.connect(other, autocommit=True) as conn:
            conn.execute(damage)  # type: ignore[arg-type]
        dump = tmp_path / "damaged.dump"
        # pg_dump itself, as deploy/nachbarbot-pg-backup.sh runs it (db backup would refuse).
        subprocess.run(
            [find_binary("pg_dump"), "--format=custom", f"--file={dump}", f"--dbname={other}"],
            check=True,
        )
        await add_people(live, "dortmund", ["d1"], main=True)
        await add_people(live, "unna", ["u1"], main=False)
        refused = _restore(config, "db", command, str(dump))
        assert refused.returncode == 1, refused.stdout
        assert "nothing was restored" in refused.stderr and "Traceback" not in refused.stderr
        assert "cannot be used" in refused.stderr, refused.stderr
        assert await people_names(live, "dortmund", main=True) == ["d1"]
        assert await people_names(live, "unna", main=False) == ["u1"]
        with psycopg.connect(live, autocommit=True) as conn:
            schemas = {row[0] for row in conn.execute("SELECT nspname FROM pg_namespace")}
        assert schemas.isdisjoint({"restore_check", "restore_fresh"}), schemas
        check = _bot(config, "db", "check")
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        postgres_server.drop(other)
        postgres_server.drop(live)


@pytest.mark.parametrize("command", ["restore", "go-back"])
async def test_a_restore_refuses_another_installations_data(postgres_server, tmp_path, command):
    """Each city's schema records its city at the first open: a dump of another
    installation (Unna its main city) is refused for Dortmund before anything is replaced,
    by db restore and by db go-back alike."""
    url, theirs_url = postgres_server.new_database(), postgres_server.new_database()
    try:
        other = unna_alone(tmp_path / "other", theirs_url)
        assert _bot(other, "db", "migrate").returncode == 0
        await add_people(theirs_url, "unna", ["stranger"], main=True)
        theirs = tmp_path / "other" / "backup.dump"
        assert _bot(other, "db", "backup", str(theirs)).returncode == 0

        config = write_cities(tmp_path, url)
        assert _bot(config, "db", "migrate").returncode == 0
        await add_people(url, "dortmund", ["d1"], main=True)
        refused = _restore(config, "--city", "dortmund", "db", command, str(theirs))
        assert refused.returncode == 1, refused.stdout
        assert "'unna', not of 'dortmund'" in refused.stderr
        assert "nothing was restored" in refused.stderr
        assert await people_names(url, "dortmund", main=True) == ["d1"]
        assert not list((tmp_path / "other").glob("*.before-restore-*"))
    finally:
        postgres_server.drop(url)
        postgres_server.drop(theirs_url)
