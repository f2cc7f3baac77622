"""A throwaway PostgreSQL cluster for the tests, the way tests/support/synapse_server.py starts
Synapse: the system's ``initdb`` and ``pg_ctl`` in a temporary folder, listening on
127.0.0.1 only, stopped at the end.

Each test gets a database of its own, copied from a template that already holds the
migrated schema (``CREATE DATABASE … TEMPLATE``: a file copy, much faster than migrating).
The binaries are required: ``make test`` installs them; without them the tests fail with
a message that says so, they never skip.

The benchmarks (``bench/postgres_bench.py``) start the same cluster, ``durable``: the tests'
cluster writes nothing to disk it need not, which would flatter PostgreSQL there.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import itertools
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

from db import Database
from tests.support.ports import free_port

TEMPLATE = "nachbarbot_template"
# The template with the schema of the tests' second city, Unna (tests/support/two_cities.py),
# migrated too: made at the first test that asks (new_database_with_unna).
UNNA_TEMPLATE = "nachbarbot_template_unna"


def find_binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    raise RuntimeError(
        f"PostgreSQL's {name} was not found: the tests need a PostgreSQL server."
        " `make test` installs it (Debian packages postgresql and postgresql-contrib)."
    )


class PostgresServer:
    def __init__(self, *, durable: bool = False, settings: str = "") -> None:
        """``settings``: further ``-c name=value`` options of the server, after (so over)
        the tests' own."""
        self.durable = durable
        self.settings = settings
        self.folder = Path(tempfile.mkdtemp(prefix="nachbarbot-pg-", dir=_base_folder()))
        self.port = free_port()
        self.user = "nachbarbot"
        self._names = itertools.count(1)
        self._run_as: list[str] = []
        self._unna_template = False

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def _command(self, *args: str) -> list[str]:
        return [*self._run_as, *args]

    def _own_folder(self) -> None:
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root: the cluster belongs to an ordinary user.
            user = "postgres" if _user_exists("postgres") else "nobody"
            shutil.chown(self.folder, user)
            self._run_as = ["runuser", "-u", user, "--"]

    def start(self) -> None:
        data = self.folder / "data"
        self._own_folder()
        subprocess.run(
            self._command(
                find_binary("initdb"),
                "-D",
                str(data),
                "-U",
                self.user,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ),
            check=True,
            capture_output=True,
        )
        self._launch()

    def _launch(self) -> None:
        """``pg_ctl start`` of the cluster in ``data``, waiting until it takes connections."""
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port}"
            f" -c unix_socket_directories={self.folder}"
            " -c max_connections=300 -c shared_buffers=64MB -c synchronous_commit=off"
        )
        if not self.durable:
            options += " -c fsync=off -c full_page_writes=off"
        options = f"{options} {self.settings}".strip()
        subprocess.run(
            self._command(
                find_binary("pg_ctl"),
                "-D",
                str(self.folder / "data"),
                "-o",
                options,
                "-l",
                str(self.folder / "log"),
                "-w",
                "start",
            ),
            check=True,
            capture_output=True,
        )

    async def create_template(self) -> None:
        """The template database with every migration applied."""
        self.admin(f'CREATE DATABASE "{TEMPLATE}"')
        database = await Database.open(self.url(TEMPLATE), min_size=1, max_size=1)
        await database.close()

    def admin(self, sql: str) -> None:
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def new_database(self, template: str = TEMPLATE) -> str:
        name = f"test_{os.getpid()}_{next(self._names)}"
        # The tests' cluster copies the template's files (a checkpoint, which with fsync off
        # writes to the page cache only), not PostgreSQL 15's default WAL_LOG, which writes
        # each of its pages through the WAL: 20 databases took the server 0.9 s of a core
        # instead of 2.0-3.6, 3.5 s instead of 7-10 (2026-11-28, a busy machine); a run
        # makes some 400. The benchmarks' durable cluster keeps the default.
        strategy = "" if self.durable else " STRATEGY = FILE_COPY"
        self.admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy}')
        return self.url(name)

    def new_database_with_unna(self) -> str:
        """A new database as :meth:`new_database`, with Unna's schema (``city_unna``) as
        its first open leaves it, migrated: for the tests of two cities that are not about
        that first open (a city's schema migrated costs some 0.5 s of CPU, its copy none)."""
        if not self._unna_template:
            strategy = "" if self.durable else " STRATEGY = FILE_COPY"
            self.admin(f'CREATE DATABASE "{UNNA_TEMPLATE}" TEMPLATE "{TEMPLATE}"{strategy}')
            # In a thread of its own: the caller may be a coroutine, its loop running.
            with ThreadPoolExecutor(1) as thread:
                thread.submit(asyncio.run, self._open_unna()).result()
            self._unna_template = True
        return self.new_database(template=UNNA_TEMPLATE)

    async def _open_unna(self) -> None:
        from db.database import city_location

        url, schema = city_location(self.url(UNNA_TEMPLATE), "unna", main=False)
        database = await Database.open(url, schema=schema, min_size=1, max_size=1)
        await database.close()

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        """The server and every backend stopped in their tracks (SIGSTOP): connections
        open, queries sent, no answer ever - a machine that hangs rather than one that is
        gone. Thawed on the way out."""
        main = int((self.folder / "data" / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(
            ["pgrep", "-P", str(main)], capture_output=True, text=True, check=False
        ).stdout.split()
        pids = [main, *map(int, children)]
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        try:
            yield
        finally:
            for pid in pids:
                os.kill(pid, signal.SIGCONT)

    def stop(self) -> None:
        try:
            subprocess.run(
                self._command(
                    find_binary("pg_ctl"),
                    "-D",
                    str(self.folder / "data"),
                    "-m",
                    "immediate",
                    "stop",
                ),
                capture_output=True,
                timeout=30,
            )
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _base_folder() -> str | None:
    """Where the cluster's folder goes: the usual temporary folder, unless the tests run as
    root and it is closed to others (a TMPDIR under /root, say) - the cluster then runs as
    another user, who must be able to reach its folder; /tmp is open to everyone."""
    if os.geteuid() != 0:
        return None
    base = Path(tempfile.gettempdir()).resolve()
    if all(folder.stat().st_mode & 0o001 for folder in (base, *base.parents)):
        return None
    return "/tmp"


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
