"""The PostgreSQL cluster of a benchmark's ``--quick`` pass: the one its caller already runs,
where the caller names it, instead of one more started, migrated and stopped.

tests/bench/test_quick_pass.py runs the quick pass of bench/postgres_bench.py and
bench/cluster_bench.py beside the test process's own throwaway cluster (tests/conftest.py
``postgres_server``, its template migrated): it names that cluster in ``VARIABLE``, and
each quick pass makes its databases there (from the template, dropped after) - an initdb,
a start, the migrations and a stop less each (about 7 s, 2 s of it CPU, on this machine's
two cores). Without the variable (``bench/run_all.py --quick``, a script run by hand) and
in the standard and full tiers, each benchmark starts its own durable cluster as before.
The quick pass's figures are not judged: that the tests' cluster writes less to disk than
a durable one flatters nothing that counts.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.support.postgres_server import PostgresServer

VARIABLE = "NACHBARBOT_BENCH_POSTGRES"


def described(server: PostgresServer) -> str:
    """``VARIABLE``'s value for a running cluster with its template."""
    return json.dumps({"port": server.port, "user": server.user, "folder": str(server.folder)})


class SharedPostgres(PostgresServer):
    """A running cluster someone else started and stops: ``start`` and ``stop`` leave it
    be, its template is already migrated; the databases made here are still dropped."""

    def __init__(self, description: str) -> None:
        # The fields of a cluster of the tests' kind (whatever PostgresServer adds later),
        # then the running one's place; the folder made for a new cluster is not needed.
        super().__init__()
        self.folder.rmdir()
        named = json.loads(description)
        self.folder = Path(named["folder"])
        self.port = int(named["port"])
        self.user = str(named["user"])

    def start(self) -> None:
        pass

    async def create_template(self) -> None:
        pass

    def stop(self) -> None:
        pass


def quick_server() -> PostgresServer:
    """The quick pass's cluster: the caller's (``VARIABLE``), else a durable one of its own."""
    description = os.environ.get(VARIABLE)
    return SharedPostgres(description) if description else PostgresServer(durable=True)
