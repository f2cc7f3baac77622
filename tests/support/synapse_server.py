"""A throwaway Synapse homeserver for the Matrix tests: SQLite, 127.0.0.1, no federation,
relaxed rate limits, users registered with the shared secret.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import hmac
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from signedjson.key import generate_signing_key, write_signing_keys

from tests.support.ports import free_port

SERVER_NAME = "localhost"
SHARED_SECRET = "test-shared-secret"

CONFIG = """\
server_name: "{server_name}"
pid_file: "{dir}/homeserver.pid"
public_baseurl: "http://127.0.0.1:{port}/"
listeners:
  - port: {port}
    bind_addresses: ['127.0.0.1']
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: "{dir}/homeserver.db"
log_config: "{dir}/log.yaml"
media_store_path: "{dir}/media"
signing_key_path: "{dir}/signing.key"
registration_shared_secret: "{secret}"
macaroon_secret_key: "test-macaroon"
form_secret: "test-form"
report_stats: false
enable_registration: false
trusted_key_servers: []
suppress_key_server_warning: true
federation_domain_whitelist: []
presence:
  enabled: false
url_preview_enabled: false
rc_message: {{per_second: 1000, burst_count: 1000}}
rc_registration: {{per_second: 1000, burst_count: 1000}}
rc_login:
  address: {{per_second: 1000, burst_count: 1000}}
  account: {{per_second: 1000, burst_count: 1000}}
  failed_attempts: {{per_second: 1000, burst_count: 1000}}
rc_joins:
  local: {{per_second: 1000, burst_count: 1000}}
rc_invites:
  per_room: {{per_second: 1000, burst_count: 1000}}
  per_user: {{per_second: 1000, burst_count: 1000}}
rc_admin_redaction: {{per_second: 1000, burst_count: 1000}}
encryption_enabled_by_default_for_room_type: "off"
# Password hashing as cheap as Synapse's own tests make it: each registration and login
# otherwise costs a quarter of a second of CPU.
bcrypt_rounds: 4
"""

LOG = """\
version: 1
formatters:
  plain: {format: '%(asctime)s %(levelname)s %(name)s %(message)s'}
handlers:
  file: {class: logging.FileHandler, filename: '{dir}/homeserver.log', formatter: plain}
root: {level: WARNING, handlers: [file]}
disable_existing_loggers: false
"""


class Synapse:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90.0) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        config = self.dir / "homeserver.yaml"
        config.write_text(
            CONFIG.format(
                server_name=SERVER_NAME, dir=self.dir, port=self.port, secret=SHARED_SECRET
            ),
            encoding="utf-8",
        )
        (self.dir / "log.yaml").write_text(LOG.replace("{dir}", str(self.dir)), encoding="utf-8")
        key = self.dir / "signing.key"
        if not key.exists():
            # What --generate-keys writes, without starting Synapse once more for it.
            with key.open("w", encoding="utf-8") as out:
                write_signing_keys(out, [generate_signing_key("a_test")])
        database = self.dir / "homeserver.db"
        if not database.exists() and self is not _pristine:
            # A new server's database starts as one Synapse made in this process (its
            # schema, no user): making the schema is most of a new server's start.
            shutil.copyfile(_pristine_database(), database)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "synapse.app.homeserver", "-c", str(config)],
            stdout=(self.dir / "stdout.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_healthy(timeout)
        except BaseException:
            # One that did not answer in time is stopped: nothing else would (a session
            # fixture that failed to start is never torn down), and it idled for the rest of
            # the run.
            self.stop()
            raise

    def _wait_healthy(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    "synapse exited: " + (self.dir / "stdout.log").read_text()[-2000:]
                )
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("synapse did not start in time")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None

    def _post(self, path: str, body: dict) -> dict:
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def register(
        self, localpart: str, password: str = "secret-password", admin: bool = False
    ) -> dict:
        """Create a user with the shared secret; returns user_id and access_token."""
        with urllib.request.urlopen(
            f"{self.url}/_synapse/admin/v1/register", timeout=30
        ) as response:
            nonce = json.loads(response.read())["nonce"]
        digest = hmac.new(SHARED_SECRET.encode(), digestmod=hashlib.sha1)
        digest.update(
            b"\x00".join(
                p.encode() for p in (nonce, localpart, password, "admin" if admin else "notadmin")
            )
        )
        return self._post(
            "/_synapse/admin/v1/register",
            {
                "nonce": nonce,
                "username": localpart,
                "password": password,
                "admin": admin,
                "mac": digest.hexdigest(),
            },
        )

    def devices(self, access_token: str) -> list[str]:
        """The device ids of the account the token belongs to (every device, not only the
        token's)."""
        request = urllib.request.Request(
            f"{self.url}/_matrix/client/v3/devices",
            headers={"Authorization": f"Bearer {access_token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return sorted(device["device_id"] for device in json.loads(response.read())["devices"])

    def stored_events(self, room_id: str) -> list[dict]:
        """The room's events as the homeserver stored them (``event_json``), oldest first:
        what anyone with the server's disk could read."""
        # Read-only, so a test never holds a write lock on the running server's database.
        uri = f"file:{self.dir / 'homeserver.db'}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=30)) as db:
            rows = db.execute(
                "SELECT j.json FROM event_json AS j JOIN events AS e USING (event_id)"
                " WHERE j.room_id = ? ORDER BY e.topological_ordering, e.stream_ordering",
                (room_id,),
            ).fetchall()
        return [json.loads(row[0]) for row in rows]


_pristine: Synapse | None = None
_pristine_file: Path | None = None
# Set in each worker of a run with pytest-xdist (tests/conftest.py): a folder all the run's
# workers share, where the first that needs it makes the pristine database for them all.
shared_folder: Path | None = None


def _pristine_database() -> Path:
    """The database of a server started once and stopped before any user or room existed
    (made at the first call): once per test run when its workers share a folder, else
    once in this process. Making it is a Synapse start of its own (7 s of a core, measured
    2026-11-28): each of the five workers made the same file."""
    global _pristine_file
    if _pristine_file is None:
        if shared_folder is None:
            folder = Path(tempfile.mkdtemp(prefix="nachbarbot-synapse-"))
            atexit.register(shutil.rmtree, folder, True)
            _pristine_file = _made_pristine(folder)
        else:
            with (shared_folder / "synapse-pristine.lock").open("w") as lock:
                # The first worker makes it; one that asks meanwhile waits for its file.
                fcntl.flock(lock, fcntl.LOCK_EX)
                made = shared_folder / "synapse-pristine.db"
                if not made.exists():
                    folder = Path(tempfile.mkdtemp(prefix="synapse-pristine-", dir=shared_folder))
                    _made_pristine(folder).rename(made)
                    shutil.rmtree(folder, ignore_errors=True)
            _pristine_file = made
    return _pristine_file


def _made_pristine(folder: Path) -> Path:
    global _pristine
    _pristine = Synapse(folder / "server")
    _pristine.start()
    _pristine.stop()
    return folder / "server" / "homeserver.db"
