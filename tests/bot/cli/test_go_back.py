"""Going back from this version to one from before the migration ledger (issue 99, point 1),
as docs/upgrading.md "Going back" says, with the older version's own code (a commit of the
history, unpacked by the test) and this one's, both as ``python -m bot``.

The older version makes the installation (schema 0041, a person in it); this version's
upgrade step (``db migrate --backup-into``) backs it up and migrates it; a newcomer writes
to this version. ``db go-back`` of the "before" backup puts the database back at schema
0041, unmigrated, and names the version for it; this version then refuses to start on it,
and the older version starts and keeps it at 0041; ``db migrate`` upgrades it again.
"""

from __future__ import annotations

import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest

from db.database import latest_migration
from tests.support.cli import ROOT, run_bot

# The last commit before the migration ledger (db/migration_ledger.py): schema 0041, and
# a program that refuses no schema.
BEFORE_THE_LEDGER = "9986671bf348b9807b1ba7abe80f110bd15ed2e4"
OLD = 41


@pytest.fixture(scope="module")
def old_version(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The older version's tree, as it was released (``git archive`` of its commit)."""
    tree = tmp_path_factory.mktemp("before-the-ledger")
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", BEFORE_THE_LEDGER],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        pytest.fail(f"the older version is not in this clone's history: {archive.stderr!r}")
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def _old(tree: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """The older version's ``python -m bot``, its own code first on the path."""
    return run_bot(*args, input=input, cwd=tree, env={"PYTHONPATH": str(tree)}, fresh=True)


def _version(path: Path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]


def _people(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as conn:
        return {row[0] for row in conn.execute("SELECT platform_user_id FROM users")}


def test_going_back_to_a_version_before_the_ledger(tmp_path, old_version):
    live = tmp_path / "live" / "nachbarbot.sqlite3"
    live.parent.mkdir()
    config = tmp_path / "bot.toml"
    config.write_text(
        f'[bot]\ncity = "Dortmund"\ndatabase = "{live}"\n'
        f'[places]\ndata_dir = "{ROOT / "data/dortmund"}"\n',
        encoding="utf-8",
    )
    first = _old(old_version, "--config", str(config), "console", "--user", "amira", input="1\n")
    assert first.returncode == 0, first.stderr
    assert _version(live) == OLD and "amira" in _people(live)

    # The upgrade step of this version: the backup before it, then the migrations.
    folder = tmp_path / "backups"
    upgraded = run_bot("--config", str(config), "db", "migrate", "--backup-into", str(folder))
    assert upgraded.returncode == 0, upgraded.stderr
    (before,) = folder.glob("nachbarbot-*-before-*.sqlite3")
    assert _version(live) == latest_migration() > OLD
    new = run_bot("--config", str(config), "console", "--user", "bernd", input="1\n")
    assert new.returncode == 0, new.stderr

    back = run_bot("--config", str(config), "db", "go-back", str(before))
    assert back.returncode == 0, back.stderr
    assert f"at its own schema version {OLD} (not migrated)" in back.stdout
    assert "newest migration is 0041_phone_pin_hours" in back.stdout
    assert _version(live) == OLD
    assert "amira" in _people(live) and "bernd" not in _people(live)

    # Only the older version starts on it: this one refuses, changing nothing.
    for command in (["console"], ["db", "check"]):
        refused = run_bot("--config", str(config), *command, input="1\n")
        assert refused.returncode == 1, (command, refused.stdout, refused.stderr)
        assert "put back to schema 41 by db go-back" in refused.stderr
        assert refused.stderr.count("\n") == 1
    assert _version(live) == OLD
    again = _old(old_version, "--config", str(config), "console", "--user", "amira", input="1\n")
    assert again.returncode == 0, again.stderr
    assert _version(live) == OLD

    # The upgrade step takes it up again.
    up = run_bot("--config", str(config), "db", "migrate")
    assert up.returncode == 0, up.stderr
    assert "upgraded from schema 41, where db go-back had put it" in up.stdout
    assert _version(live) == latest_migration()
    assert run_bot("--config", str(config), "db", "check").returncode == 0


async def test_going_back_on_postgresql(postgres_server, tmp_path, monkeypatch):
    """The same on PostgreSQL, two cities (Unna in its schema): the installation of an
    older release (its migrations up to 0039: this code with the later ones taken away),
    the upgrade step's dump, ``db go-back`` of it puts both cities back at 0039, marked;
    this version refuses them until ``db migrate``."""
    import os

    import psycopg

    import db.database as database
    from db.database import available_migrations
    from tests.bot.cli.test_backup_restore_postgresql import _until_alone
    from tests.support.city_databases import open_city
    from tests.support.postgres_server import find_binary
    from tests.support.two_cities import write_cities

    name = f"go_back_{os.getpid()}"
    postgres_server.admin(f'CREATE DATABASE "{name}"')
    url = postgres_server.url(name)
    try:
        config = write_cities(tmp_path, url)
        upto = [m for m in available_migrations("postgresql") if m[0] <= 39]
        with monkeypatch.context() as patched:
            patched.setattr(database, "available_migrations", lambda dialect="sqlite": upto)
            for slug, main in (("dortmund", True), ("unna", False)):
                db = await open_city(url, slug, main=main)
                try:
                    await db.users.seen("telegram", slug, slug, slug)
                finally:
                    await db.close()
        folder = tmp_path / "backups"
        tools = {"PATH": f"{Path(find_binary('pg_dump')).parent}{os.pathsep}{os.environ['PATH']}"}
        upgraded = run_bot(
            "--config", str(config), "db", "migrate", "--backup-into", str(folder), env=tools
        )
        assert upgraded.returncode == 0, upgraded.stderr
        (dump,) = folder.iterdir()
        _until_alone(config)
        back = run_bot("--config", str(config), "db", "go-back", str(dump), env=tools)
        assert back.returncode == 0, back.stderr
        for slug in ("dortmund", "unna"):
            assert f"{slug}: {dump} is now the city's data" in back.stdout
        assert back.stdout.count("at its own schema version 39 (not migrated)") == 2
        with psycopg.connect(url) as conn:
            for table in ("public.schema_version", "city_unna.schema_version"):
                found = conn.execute(f"SELECT MAX(version) FROM {table}").fetchone()
                assert found is not None and found[0] == 39
        refused = run_bot("--config", str(config), "db", "check")
        assert refused.returncode == 1 and "put back to schema 39 by db go-back" in refused.stderr
        up = run_bot("--config", str(config), "db", "migrate")
        assert up.returncode == 0, up.stderr
        assert up.stdout.count("upgraded from schema 39, where db go-back had put it") == 2
        assert run_bot("--config", str(config), "db", "check").returncode == 0
    finally:
        postgres_server.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
