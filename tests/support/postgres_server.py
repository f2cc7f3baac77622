"""A throwaway PostgreSQL cluster for the tests, the way tests/support/synapse_server.py starts
Synapse: the system's ``initdb`` and ``pg_ctl`` in a temporary folder, listening on
127.0.0.1 only, stopped at the end.

Each test gets a database of its own, copied from a template that already holds the
migrated schema (``CREATE DATABASE … TEMPLATE``: a file copy, much faster than migrating).
The tests' cluster makes those copies ahead, in a thread of its own
(:meth:`PostgresServer.keep_ready`), and drops the used ones there too, so that a test does
not wait for the copy; and it keeps its files in RAM where the machine has room
(:data:`MEMORY_FOLDER`), where a copy takes a tenth of the time and of the server's CPU.
The binaries are required: ``make test`` installs them; without them the tests fail with
a message that says so, they never skip.

The benchmarks (``bench/postgres_bench.py``) start the same cluster, ``durable``: on disk,
and writing what the tests' cluster need not, which would flatter PostgreSQL there.
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
import sys
import tempfile
import threading
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
        base = _memory_folder() if not durable else None
        self.folder = Path(tempfile.mkdtemp(prefix="nachbarbot-pg-", dir=base or _base_folder()))
        self.port = free_port()
        self.user = "nachbarbot"
        self._names = itertools.count(1)
        self._run_as: list[str] = []
        self._unna_template = False
        # One admin connection, kept: a connection of its own for each statement cost a
        # server process's start (10-30 ms) every time.
        self._admin: psycopg.Connection | None = None
        self._admin_lock = threading.Lock()
        self._ahead: _MadeAhead | None = None

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
        """Runs ``sql`` in the ``postgres`` database, autocommit, on the kept connection
        (made again if the server cut it)."""
        with self._admin_lock:
            self._admin = _run_admin(self._admin, self.url("postgres"), sql)

    def keep_ready(self, count: int = 2) -> None:
        """From now on :meth:`new_database` hands out copies of the template made ahead by
        a thread (``count`` ready at a time), and :meth:`drop` leaves the dropping to that
        thread. A copy made ahead is as fresh as one made on the spot: nobody knows its
        name before it is handed out, and the template does not change."""
        if self._ahead is None:
            self._ahead = _MadeAhead(self, count)

    def new_database(self, template: str = TEMPLATE) -> str:
        made = self._ahead.take() if template == TEMPLATE and self._ahead is not None else None
        if made is not None:
            return self.url(made)
        name = self.new_name()
        self.admin(self.create_sql(name, template))
        return self.url(name)

    def new_name(self) -> str:
        return f"test_{os.getpid()}_{next(self._names)}"

    def create_sql(self, name: str, template: str = TEMPLATE) -> str:
        # The tests' cluster copies the template's files (a checkpoint, which with fsync off
        # writes to the page cache only), not PostgreSQL 15's default WAL_LOG, which writes
        # each of its pages through the WAL: 20 databases took the server 0.9 s of a core
        # instead of 2.0-3.6, 3.5 s instead of 7-10 (2026-11-28, a busy machine); a run
        # makes some 400. The benchmarks' durable cluster keeps the default.
        strategy = "" if self.durable else " STRATEGY = FILE_COPY"
        return f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy}'

    def new_database_with_unna(self) -> str:
        """A new database as :meth:`new_database`, with Unna's schema (``city_unna``) as
        its first open leaves it, migrated: for the tests of two cities that are not about
        that first open (a city's schema migrated costs some 0.5 s of CPU, its copy none)."""
        if not self._unna_template:
            self.admin(self.create_sql(UNNA_TEMPLATE, TEMPLATE))
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
        """Drops the database (its connections cut); with :meth:`keep_ready`, in the
        thread, after the caller has gone on."""
        name = url.rsplit("/", 1)[1]
        if self._ahead is not None and self._ahead.drop_later(name):
            return
        self.admin(drop_sql(name))

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
        if self._ahead is not None:
            self._ahead.close()
        with self._admin_lock:
            if self._admin is not None:
                self._admin.close()
                self._admin = None
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


def drop_sql(name: str) -> str:
    return f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'


def _run_admin(conn: psycopg.Connection | None, url: str, sql: str) -> psycopg.Connection:
    """Runs ``sql`` on ``conn`` (connected to ``url`` first if there is none, or again once
    if the server had cut it: a statement sent on a cut connection never ran); returns the
    connection to keep."""
    for attempt in (1, 2):
        if conn is None or conn.closed:
            conn = psycopg.connect(url, autocommit=True)
        try:
            conn.execute(sql)
            return conn
        except psycopg.OperationalError:
            if not conn.broken or attempt == 2:
                raise
            conn.close()
            conn = None
    raise AssertionError("unreachable")


class _MadeAhead:
    """Databases copied from :data:`TEMPLATE` before a test asks, and the used ones
    dropped, by one thread with an admin connection of its own. A copy comes before a drop
    while none is ready; otherwise drops first, so the folder does not fill up."""

    def __init__(self, server: PostgresServer, count: int) -> None:
        self.server = server
        self.count = count
        self._ready: list[str] = []
        self._to_drop: list[str] = []
        self._closing = False
        self._failed: BaseException | None = None
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="postgres-ahead", daemon=True)
        self._thread.start()

    def take(self) -> str | None:
        """A database made ahead, waiting for it if need be; None once the thread has
        failed (the caller makes one itself, and meets the error, if it lasts, there)."""
        with self._changed:
            while not self._ready:
                if self._failed is not None:
                    return None
                self._changed.wait()
            name = self._ready.pop(0)
            self._changed.notify_all()
            return name

    def drop_later(self, name: str) -> bool:
        """False once the thread is gone: the caller drops it itself."""
        with self._changed:
            if self._failed is not None or self._closing:
                return False
            self._to_drop.append(name)
            self._changed.notify_all()
            return True

    def close(self) -> None:
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self._thread.join(timeout=30)

    def _next(self) -> tuple[str, str] | None:
        """("create"|"drop", name), or None when closing."""
        with self._changed:
            while True:
                if self._closing:
                    return None
                if not self._ready:
                    return "create", self.server.new_name()
                if self._to_drop:
                    return "drop", self._to_drop.pop(0)
                if len(self._ready) < self.count:
                    return "create", self.server.new_name()
                self._changed.wait()

    def _run(self) -> None:
        conn: psycopg.Connection | None = None
        url = self.server.url("postgres")
        try:
            while (job := self._next()) is not None:
                what, name = job
                if what == "drop":
                    conn = _run_admin(conn, url, drop_sql(name))
                    continue
                conn = _run_admin(conn, url, self.server.create_sql(name))
                with self._changed:
                    self._ready.append(name)
                    self._changed.notify_all()
        except BaseException as exc:
            print(f"postgres_server: making databases ahead stopped: {exc!r}", file=sys.stderr)
            with self._changed:
                self._failed = exc
                self._changed.notify_all()
        finally:
            if conn is not None:
                conn.close()


# Where a cluster that need not be durable (the tests') keeps its files: the machine's RAM
# file system, when it has one with room (a container's /dev/shm may have 64 MB). On /tmp's
# ext4 (this machine's, 2026-11-28, load 7-9) a CREATE DATABASE from the template took
# 0.95-1.3 s (median) and a database made, written and dropped 0.48-0.56 s of the server's
# CPU (the file system's work for the files made and deleted); on /dev/shm 0.05-0.07 s and
# 0.05-0.07 s. The benchmarks' durable clusters stay on disk.
MEMORY_FOLDER = Path("/dev/shm")
MEMORY_ROOM = 2 * 1024**3


def _memory_folder() -> str | None:
    try:
        if not MEMORY_FOLDER.is_dir() or not os.access(MEMORY_FOLDER, os.W_OK | os.X_OK):
            return None
        # A cluster run as another user (tests run as root) must reach its folder.
        if not all(
            folder.stat().st_mode & 0o001 for folder in (MEMORY_FOLDER, MEMORY_FOLDER.parent)
        ):
            return None
        room = os.statvfs(MEMORY_FOLDER)
    except OSError:
        return None
    return str(MEMORY_FOLDER) if room.f_bavail * room.f_frsize >= MEMORY_ROOM else None


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
