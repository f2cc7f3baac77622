"""A streaming standby of a running :class:`PostgresServer`, as docs/postgresql.md ("What is
made highly available") sets one up: ``pg_basebackup -R`` of the started primary into a
second cluster, on 127.0.0.1 as well, which follows the primary's write-ahead log and is
promoted with ``pg_ctl promote`` when the primary is gone."""

from __future__ import annotations

import subprocess

from tests.support.postgres_server import PostgresServer, find_binary


class Standby(PostgresServer):
    def __init__(self, primary: PostgresServer) -> None:
        super().__init__()
        self.primary = primary

    def start(self) -> None:
        self._own_folder()
        subprocess.run(
            self._command(
                find_binary("pg_basebackup"),
                "--pgdata",
                str(self.folder / "data"),
                "--write-recovery-conf",
                "--wal-method=stream",
                "--checkpoint=fast",
                "--no-sync",
                "--host=127.0.0.1",
                f"--port={self.primary.port}",
                f"--username={self.primary.user}",
            ),
            check=True,
            capture_output=True,
        )
        self._launch()

    def promote(self) -> None:
        """``pg_ctl promote``, waiting until the server takes writes."""
        subprocess.run(
            self._command(find_binary("pg_ctl"), "-D", str(self.folder / "data"), "-w", "promote"),
            check=True,
            capture_output=True,
        )
