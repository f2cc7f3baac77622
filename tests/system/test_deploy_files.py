"""The deployment files say what the README promises. The image itself cannot be built here
(this machine has no container engine); its build steps are run without one instead."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import yaml

from bot.config import load_config
from bot.transports.telegram_webhook import PATH as WEBHOOK_PATH
from db import Database
from db.database import latest_migration
from db.postgres import PASSWORD_VARIABLE, is_postgres
from tests.support.cli import ROOT, run_bot
from tests.support.ports import free_port
from tests.support.postgres_server import PostgresServer, find_binary

DEPLOY = ROOT / "deploy"


def test_container_image_is_slim_non_root_and_checked():
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "-slim" in dockerfile
    assert "\nUSER nachbarbot" in dockerfile and "useradd" in dockerfile
    assert "HEALTHCHECK" in dockerfile and 'db", "check' in dockerfile
    assert "VOLUME /data" in dockerfile


def test_compose_has_bot_volume_and_optional_synapse():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    bot = compose["services"]["nachbarbot"]
    assert any(v.endswith(":/data") for v in bot["volumes"])
    assert bot["read_only"] is True and "ALL" in bot["cap_drop"]
    assert compose["services"]["synapse"]["profiles"] == ["matrix"]


def test_compose_can_run_libretranslate_next_to_the_bot_off_by_default():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    engine = compose["services"]["libretranslate"]
    assert engine["profiles"] == ["translation"]
    # Reached by the bot only: no port on the host.
    assert "ports" not in engine
    loaded = set(engine["environment"]["LT_LOAD_ONLY"].split(","))
    assert loaded == {"de", "en", "ar", "tr", "uk", "ru", "ro", "bg", "pl", "fa"}


def test_systemd_unit_is_sandboxed():
    unit = (DEPLOY / "nachbarbot.service").read_text(encoding="utf-8")
    for directive in (
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
        "UMask=0077",
        "RestrictAddressFamilies=",
        "ExecStartPre=",
        "CapabilityBoundingSet=",
    ):
        assert directive in unit, directive


@dataclass(frozen=True)
class Installed:
    prefix: Path
    packages: Path


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The Dockerfile's build steps without the container: the files it copies, installed
    as a package (not the source tree) into a prefix, with the catalogs compiled next to it.
    Built from a copy, so that no earlier build's leftovers in the tree can stand in for a
    file the package lacks."""
    root = tmp_path_factory.mktemp("image")
    source, prefix = root / "src", root / "install"
    for name in ("bot", "handlers", "db", "locales"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "babel.cfg"):
        shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "-q", "--no-deps"),
            *("--no-build-isolation", "--no-cache-dir", "--prefix", str(prefix), str(source)),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    packages = prefix / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    packages = packages / "site-packages"
    catalogs = root / "locales"
    shutil.copytree(ROOT / "locales", catalogs, ignore=shutil.ignore_patterns("*.mo", "*.py*"))
    subprocess.run(
        [
            *(sys.executable, "-m", "babel.messages.frontend", "compile"),
            *("-d", str(catalogs), "-D", "messages"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    shutil.copytree(catalogs, packages / "locales", dirs_exist_ok=True)
    return Installed(prefix, packages)


def test_the_image_build_steps_give_a_working_bot(installed: Installed, tmp_path):
    """The installed copy runs the health check and a console chat from another directory.
    Catches files missing from the package (migrations, catalogs) - what breaks an image
    while the source tree works."""
    packages = installed.packages
    app = tmp_path / "app"
    shutil.copytree(ROOT / "data", app / "data")
    env = {
        # The installed copy first; the test environment supplies the dependencies.
        "PYTHONPATH": str(packages),
        "NACHBARBOT_PLACES__DATA_DIR": str(app / "data" / "dortmund"),
    }
    database = tmp_path / "data" / "nachbarbot.sqlite3"

    where = subprocess.run(
        [sys.executable, "-c", "import bot, db, locales; print(bot.__file__, locales.__file__)"],
        cwd=app,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(packages) in where.stdout and str(ROOT) not in where.stdout
    check = run_bot("db", "check", database=database, cwd=app, env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "schema version" in check.stdout
    chat = run_bot("console", "--lang", "uk", input="/start\n", database=database, cwd=app, env=env)
    assert chat.returncode == 0, chat.stderr
    assert "Українська" in chat.stdout and "Дортмунд" in chat.stdout
    # The web's templates and styles are package data: the installed copy serves pages.
    port = free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "bot", "web"],
        cwd=app,
        env={
            **os.environ,
            **env,
            "NACHBARBOT_BOT__DATABASE": str(database),
            "NACHBARBOT_WEB__PORT": str(port),
            "NACHBARBOT_WEB_ASSETS": str(ROOT / "node_modules"),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        page = _get_when_up(f"http://127.0.0.1:{port}/desk/queue", web)
        assert page.status == 403 and b'dir="ltr"' in page.body
        style = _get_when_up(f"http://127.0.0.1:{port}/static/site.css", web)
        assert style.status == 200
    finally:
        web.terminate()
        web.wait(timeout=10)


def test_web_is_served_behind_a_proxy_on_loopback():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    bot = compose["services"]["nachbarbot"]
    assert all(port.startswith("127.0.0.1:") for port in bot["ports"])
    assert bot["environment"]["NACHBARBOT_WEB__PORT"]
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    # Scripts from the npm registry at build time, never copied into the repository.
    assert "npm ci --omit=dev" in dockerfile and "NACHBARBOT_WEB_ASSETS" in dockerfile
    proxy = (DEPLOY / "nginx.conf.example").read_text(encoding="utf-8")
    assert "proxy_pass http://127.0.0.1:8080" in proxy and "proxy_set_header Host $host" in proxy
    unit = (DEPLOY / "nachbarbot-web.service").read_text(encoding="utf-8")
    assert "nachbarbot web" in unit and "ProtectSystem=strict" in unit
    example = (DEPLOY / "nachbarbot.example.toml").read_text(encoding="utf-8")
    assert "[web]" in example and "public_url" in example


# --- PostgreSQL: deploy/POSTGRESQL.md -------------------------------------------------------

SETUP_SQL = DEPLOY / "postgresql-setup.sql"


def _setup(server: PostgresServer, *variables: str) -> subprocess.CompletedProcess[str]:
    """deploy/postgresql-setup.sql as the documentation runs it: psql as an administrator."""
    options = [option for variable in variables for option in ("-v", variable)]
    return subprocess.run(
        [
            *(find_binary("psql"), "-X", "-v", "ON_ERROR_STOP=1", *options),
            *("-f", str(SETUP_SQL), server.url("postgres")),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _bot_database(server: PostgresServer, name: str) -> tuple[str, str]:
    """A role and its database made by the setup file, the role refused without its
    password (the test cluster lets everyone else in without one); the URL and the password."""
    role = f"bot_{name}_{os.getpid()}"
    password = secrets.token_urlsafe(16)
    made = _setup(server, f"role={role}", f"database={role}", f"password={password}")
    assert made.returncode == 0, made.stderr
    return _require_password(server, role), password


def _require_password(server: PostgresServer, role: str) -> str:
    """The role's URL, after the server was told to let it in only with its password."""
    hba = server.folder / "data" / "pg_hba.conf"
    hba.write_text(f"host all {role} 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
    server.admin("SELECT pg_reload_conf()")
    url = f"postgresql://{role}@127.0.0.1:{server.port}/{role}"
    deadline = time.monotonic() + 60  # a hang, not slowness
    while True:  # the server rereads pg_hba.conf on its own time
        try:
            psycopg.connect(url, connect_timeout=5).close()
        except psycopg.OperationalError as refused:
            assert "password" in str(refused)
            break
        assert time.monotonic() < deadline, "pg_hba.conf was not reloaded"
        time.sleep(0.1)
    return url


def _database_row(server: PostgresServer, database: str) -> tuple:
    with psycopg.connect(server.url("postgres")) as conn:
        row = conn.execute(
            "SELECT pg_encoding_to_char(encoding), datcollate, datctype,"
            " pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
            (database,),
        ).fetchone()
    assert row is not None, database
    return tuple(row)


async def test_postgresql_setup_makes_a_c_collated_database_the_bot_migrates(
    postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
):
    url, password = _bot_database(postgres_server, "setup")
    role = urlsplit(url).username
    assert _database_row(postgres_server, role) == ("UTF8", "C", "C", role)
    with psycopg.connect(postgres_server.url("postgres"), autocommit=True) as conn:
        powers = conn.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = %s", (role,)
        ).fetchone()
        assert powers == (False, False, False)
        # Nobody else may connect to it (REVOKE … FROM PUBLIC).
        stranger = f"stranger_{os.getpid()}"
        conn.execute(f'CREATE ROLE "{stranger}" LOGIN')
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        psycopg.connect(url.replace(f"//{role}@", f"//{stranger}@"), connect_timeout=5)

    # Running it again is harmless.
    again = _setup(postgres_server, f"role={role}", f"database={role}")
    assert again.returncode == 0, again.stderr

    # The bot, as the role with its password from the environment, creates the schema and
    # the extension cube (trusted: the database's owner may create it).
    monkeypatch.setenv(PASSWORD_VARIABLE, password)
    database = await Database.open(url, min_size=1, max_size=2)
    try:
        assert await database.schema_version() == latest_migration("postgresql")
        owner = await database.fetch_all(
            "SELECT pg_get_userbyid(extowner) FROM pg_extension WHERE extname = 'cube'"
        )
        assert [tuple(row) for row in owner] == [(role,)]
    finally:
        await database.close()


def test_postgresql_setup_stops_at_a_database_the_bot_cannot_use(postgres_server: PostgresServer):
    name = f"latin_{os.getpid()}"
    postgres_server.admin(
        f"CREATE DATABASE \"{name}\" ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C'"
        " TEMPLATE template0"
    )
    refused = _setup(postgres_server, f"role={name}", f"database={name}")
    assert refused.returncode == 3
    assert f"database {name} exists with SQL_ASCII" in refused.stderr
    assert "the bot needs UTF8, C, C" in refused.stderr


def test_the_postgres_container_init_makes_the_role_from_the_secret(
    postgres_server: PostgresServer, tmp_path: Path
):
    """deploy/postgres-init.sh as the postgres image runs it at its first start (here with
    the names and paths moved to the test's own)."""
    name = f"init_{os.getpid()}"
    secret = tmp_path / "database-password"
    secret.write_text("from the secret\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NACHBARBOT_", "PG"))}
    env |= {
        "PATH": f"{Path(find_binary('psql')).parent}{os.pathsep}{os.environ['PATH']}",
        "PGHOST": "127.0.0.1",
        "PGPORT": str(postgres_server.port),
        "POSTGRES_USER": postgres_server.user,
        "NACHBARBOT_DB_PASSWORD_FILE": str(secret),
        "NACHBARBOT_DB_SETUP": str(SETUP_SQL),
        "NACHBARBOT_DB_ROLE": name,
        "NACHBARBOT_DB_NAME": name,
    }
    init = ["sh", str(DEPLOY / "postgres-init.sh")]
    made = subprocess.run(init, env=env, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    assert _database_row(postgres_server, name) == ("UTF8", "C", "C", name)
    url = _require_password(postgres_server, name)
    with psycopg.connect(url, password="from the secret", connect_timeout=5) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (name,)

    secret.write_text("")
    refused = subprocess.run(init, env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "no database password" in refused.stderr


def test_the_installed_copy_migrates_postgresql_through_the_image_entry_point(
    installed: Installed, postgres_server: PostgresServer, tmp_path: Path
):
    """The image's entry point reads the password from the secret file, and the installed
    package (not the source tree) carries the PostgreSQL migrations: an empty database is
    migrated and passes the health check."""
    url, password = _bot_database(postgres_server, "image")
    secret = tmp_path / "database-password"
    secret.write_text(password + "\n")
    app = tmp_path / "app"
    app.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NACHBARBOT_", "PG"))}
    env |= {
        "PATH": f"{installed.prefix / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(installed.packages),
        "NACHBARBOT_PLACES__DATA_DIR": str(ROOT / "data" / "dortmund"),
        "NACHBARBOT_BOT__DATABASE": url,
        "NACHBARBOT_BOT__DATABASE_PASSWORD_FILE": str(secret),
    }
    entry_point = ["sh", str(DEPLOY / "nachbarbot-entrypoint.sh")]
    check = subprocess.run(
        [*entry_point, "db", "check"], cwd=app, env=env, capture_output=True, text=True, timeout=120
    )
    latest = latest_migration("postgresql")
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"schema version - {latest} of {latest}" in check.stdout
    assert "database collation - C" in check.stdout
    assert password not in check.stdout + check.stderr

    secret.write_text("")
    empty = subprocess.run(
        [*entry_point, "db", "check"], cwd=app, env=env, capture_output=True, text=True, timeout=60
    )
    assert empty.returncode == 2 and "no database password in" in empty.stderr


def test_postgresql_backup_restores_into_a_fresh_database(
    postgres_server: PostgresServer, tmp_path: Path
):
    url, password = _bot_database(postgres_server, "backup")
    role = urlsplit(url).username
    bot = {"NACHBARBOT_BOT__DATABASE": url, PASSWORD_VARIABLE: password}
    loaded = run_bot("places", "import", "data/dortmund/places-sample.csv", env=bot)
    assert loaded.returncode == 0, loaded.stderr
    near = run_bot("places", "near", "51.5136,7.4653", "--json", env=bot)
    assert near.returncode == 0 and near.stdout.count('"name"') >= 5, near.stdout + near.stderr

    folder = tmp_path / "backups"
    folder.mkdir()
    # Older dumps: the one older than NACHBARBOT_BACKUP_DAYS goes, by the time in its name.
    recent = f"nachbarbot-{datetime.now(UTC) - timedelta(days=3):%Y-%m-%dT%H%M%SZ}.dump"
    for name in ("nachbarbot-2020-01-01T031500Z.dump", recent):
        (folder / name).write_bytes(b"old")
    secret = tmp_path / "database-password"
    secret.write_text(password + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NACHBARBOT_", "PG"))}
    env |= {
        "PATH": f"{Path(find_binary('pg_dump')).parent}{os.pathsep}{os.environ['PATH']}",
        "NACHBARBOT_BOT__DATABASE": url,
        "NACHBARBOT_BOT__DATABASE_PASSWORD_FILE": str(secret),
        "NACHBARBOT_BACKUP_DIR": str(folder),
        "NACHBARBOT_BACKUP_DAYS": "14",
    }
    backup = subprocess.run(
        ["sh", str(DEPLOY / "nachbarbot-pg-backup.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert backup.returncode == 0, backup.stderr
    kept = sorted(path.name for path in folder.iterdir())
    assert len(kept) == 2 and kept[0] == recent, kept
    assert f"deleted {folder}/nachbarbot-2020-01-01T031500Z.dump - from" in backup.stdout
    dump = folder / kept[1]
    assert re.fullmatch(r"nachbarbot-\d{4}-\d\d-\d\dT\d{6}Z\.dump", dump.name)
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600

    listing = subprocess.run(
        [find_binary("pg_restore"), "--list", str(dump)], capture_output=True, text=True
    )
    assert listing.returncode == 0, listing.stderr
    for entry in (
        "EXTENSION - cube",
        "TABLE DATA public places",
        "TABLE DATA public schema_version",
    ):
        assert entry in listing.stdout, entry

    # The restore of deploy/POSTGRESQL.md: a new database from the setup file, then the
    # bot's own restore as the bot's role, then its check.
    restored = f"{role}_restored"
    made = _setup(postgres_server, f"role={role}", f"database={restored}")
    assert made.returncode == 0, made.stderr
    restored_url = url.rsplit("/", 1)[0] + f"/{restored}"
    restore = run_bot(
        "db", "restore", str(dump), env={**bot, "NACHBARBOT_BOT__DATABASE": restored_url}
    )
    assert restore.returncode == 0, restore.stderr
    assert password not in restore.stdout + restore.stderr
    bot["NACHBARBOT_BOT__DATABASE"] = restored_url
    check = run_bot("db", "check", env=bot)
    assert check.returncode == 0, check.stdout + check.stderr
    again = run_bot("places", "near", "51.5136,7.4653", "--json", env=bot)
    assert again.returncode == 0 and again.stdout == near.stdout


def test_compose_runs_two_bots_on_one_postgresql():
    compose = yaml.safe_load((DEPLOY / "compose.postgresql.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    database = services["postgres"]
    assert database["image"] == "postgres:15"
    assert "postgres-data:/var/lib/postgresql/data" in database["volumes"]
    assert "postgres-data" in compose["volumes"]
    assert "pg_isready" in database["healthcheck"]["test"]
    # Reached from the bots' internal network only.
    assert "ports" not in database and database["networks"] == ["database"]
    assert compose["networks"]["database"]["internal"] is True
    # Every file it mounts is in deploy/, the scripts executable.
    mounted = [v.split(":")[0] for s in services.values() for v in s.get("volumes", [])]
    for source in (m for m in mounted if m.startswith("./") and m.endswith((".sh", ".sql"))):
        path = DEPLOY / source
        assert path.is_file(), source
        assert not path.name.endswith(".sh") or os.access(path, os.X_OK), source

    role = re.search(r"\\set role (\w+)", SETUP_SQL.read_text()).group(1)
    name = re.search(r"\\set database (\w+)", SETUP_SQL.read_text()).group(1)
    bots = {n: s for n, s in services.items() if s.get("image") == "nachbarbot:latest"}
    assert len(bots) >= 2
    published: dict[str, set[int]] = {"webhook": set(), "web": set()}
    for bot in bots.values():
        env = bot["environment"]
        where = urlsplit(env["NACHBARBOT_BOT__DATABASE"])
        assert is_postgres(env["NACHBARBOT_BOT__DATABASE"]) and where.password is None
        assert (where.username, where.hostname, where.path) == (role, "postgres", f"/{name}")
        secret = env["NACHBARBOT_BOT__DATABASE_PASSWORD_FILE"].removeprefix("/run/secrets/")
        assert secret in bot["secrets"] and secret in compose["secrets"]
        assert secret in database["secrets"]
        assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert env["NACHBARBOT_TELEGRAM__MODE"] == "webhook"
        assert "database" in bot["networks"]
        assert bot["read_only"] is True and "ALL" in bot["cap_drop"]
        for port in bot["ports"]:
            address, host, inside = port.split(":")
            assert address == "127.0.0.1"
            kind = "webhook" if inside == env["NACHBARBOT_TELEGRAM__WEBHOOK_PORT"] else "web"
            assert kind == "webhook" or inside == env["NACHBARBOT_WEB__PORT"]
            published[kind].add(int(host))
    assert len(published["webhook"]) == len(published["web"]) == len(bots)

    # The proxy spreads over exactly those ports, the webhook on the bot's own path.
    proxy = (DEPLOY / "nginx.replicas.conf.example").read_text(encoding="utf-8")
    for kind, upstream in (("webhook", "nachbarbot_webhook"), ("web", "nachbarbot_web")):
        block = re.search(r"upstream " + upstream + r" \{(.*?)\}", proxy, re.S).group(1)
        ports = {int(p) for p in re.findall(r"server 127\.0\.0\.1:(\d+)", block)}
        assert ports == published[kind], kind
    assert f"location = {WEBHOOK_PATH} {{" in proxy


def test_postgresql_example_config_loads():
    config = load_config(DEPLOY / "nachbarbot.postgresql.toml.example", env={})
    assert is_postgres(config.bot.database)
    assert urlsplit(config.bot.database).password is None
    assert config.telegram.mode == "webhook"
    assert config.telegram.webhook_url and config.telegram.webhook_url.endswith(WEBHOOK_PATH)
    example = (DEPLOY / "nachbarbot.example.toml").read_text(encoding="utf-8")
    assert "deploy/POSTGRESQL.md" in example


def test_backup_timer_runs_the_script_as_the_bot_sandboxed():
    unit = (DEPLOY / "nachbarbot-pg-backup.service").read_text(encoding="utf-8")
    script = re.search(r"^ExecStart=(\S+)$", unit, re.M).group(1)
    assert f"install -m 0755 deploy/nachbarbot-pg-backup.sh {script}" in unit
    assert "Type=oneshot" in unit and "User=nachbarbot" in unit
    bot_unit = (DEPLOY / "nachbarbot.service").read_text(encoding="utf-8")
    environment = re.search(r"^EnvironmentFile=.*$", bot_unit, re.M).group(0)
    assert environment in unit
    for directive in (
        "ProtectSystem=strict",
        "UMask=0077",
        "CapabilityBoundingSet=",
        "StateDirectory=",
    ):
        assert directive in unit, directive
    timer = (DEPLOY / "nachbarbot-pg-backup.timer").read_text(encoding="utf-8")
    assert "OnCalendar=" in timer and "Persistent=true" in timer
    guide = (DEPLOY / "POSTGRESQL.md").read_text(encoding="utf-8")
    for command in ("nachbarbot db restore", "pg_dump", "migrate-to", "postgresql-setup.sql"):
        assert command in guide, command


class _Page:
    def __init__(self, status: int, body: bytes) -> None:
        self.status, self.body = status, body


def _get_when_up(url: str, process: subprocess.Popen, wait: float = 120.0) -> _Page:
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + wait
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return _Page(response.status, response.read())
        except urllib.error.HTTPError as error:
            return _Page(error.code, error.read())
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    process.stderr.read().decode() if process.stderr else ""
                ) from None
            time.sleep(0.2)


def test_the_phone_lines_ports_are_opened_as_the_example_configures_them():
    """compose.phone.yaml publishes, the Dockerfile exposes and the nftables snippet opens the
    SIP port of the edge (the lines behind it listen on loopback) and the whole RTP range of
    the example's [phone] section, UDP; the image holds Kamailio, which runs the edge, and
    rtpengine, the media relay."""
    from bot.transports.phone.sip.call_control import RTP_PORTS, sip_ports

    config = load_config(DEPLOY / "nachbarbot.example.toml", env={})
    port, first = config.phone.port, config.phone.rtp_port
    ports = sip_ports(port, config.phone.lines)
    sip = f"{ports[0]}-{ports[-1]}" if len(ports) > 1 else str(port)
    rtp = f"{first}-{first + RTP_PORTS - 1}"
    compose = yaml.safe_load((DEPLOY / "compose.phone.yaml").read_text(encoding="utf-8"))
    published = set(compose["services"]["nachbarbot"]["ports"])
    assert published == {f"{sip}:{sip}/udp", f"{rtp}:{rtp}/udp"}
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert f"EXPOSE {sip}/udp {rtp}/udp" in dockerfile
    assert re.search(r"apt-get install[^\n]*(\n\s+[^\n]*)*\bkamailio\b", dockerfile)
    assert re.search(r"apt-get install[^\n]*(\n\s+[^\n]*)*\brtpengine-daemon\b", dockerfile)
    rules = (DEPLOY / "nftables-phone.nft").read_text(encoding="utf-8")
    # SIP from the provider's addresses only (issue 53); RTP from the provider's media
    # networks, and open to all only until they are filled in (issue 98, point 1).
    opened = re.findall(r"^\s*udp dport (\S+) accept", rules, flags=re.MULTILINE)
    assert opened == [rtp]
    media = re.findall(r"^\s*ip saddr @media_peers udp dport (\S+) accept", rules, re.M)
    assert media == [rtp]
    from_provider = re.findall(
        r"^\s*ip saddr @sip_peers udp dport (\S+) accept", rules, flags=re.MULTILINE
    )
    assert from_provider == [str(sip)]
    dropped = re.findall(r"^\s*(?:ip saddr != @sip_peers )?udp dport (\S+) drop", rules, re.M)
    # SIP and (once "RTP from anyone" is deleted) RTP in input; SIP in the forward hook
    # Docker's published ports take.
    assert dropped == [str(sip), rtp, str(sip)]
    assert (
        f"ufw allow from PROVIDER to any port {sip.replace('-', ':')} proto udp" in rules
        and f"ufw allow {first}:{first + RTP_PORTS - 1}/udp" in rules
        and f"to any port {first}:{first + RTP_PORTS - 1} proto udp" in rules
    )
    unit = (DEPLOY / "nachbarbot.service").read_text(encoding="utf-8")
    assert "nftables-phone.nft" in unit
