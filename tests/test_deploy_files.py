"""The deployment files say what the README promises. The image itself cannot be built here
(this machine has no container engine); its build steps are run without one instead."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import yaml

from tests.cli import ROOT, run_bot

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


def test_the_image_build_steps_give_a_working_bot(tmp_path):
    """The Dockerfile's steps without the container: install the package (not the source
    tree) into a prefix, compile the catalogs next to it, then run the health check and a
    console chat from another directory. Catches files missing from the package (migrations,
    catalogs) - what breaks an image while the source tree works."""
    prefix = tmp_path / "install"
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "-q", "--no-deps"),
            *("--no-build-isolation", "--no-cache-dir", "--prefix", str(prefix), str(ROOT)),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    packages = prefix / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    packages = packages / "site-packages"
    catalogs = tmp_path / "locales"
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
    assert "Українська" in chat.stdout and "Dortmund" in chat.stdout
    # The web's templates and styles are package data: the installed copy serves pages.
    port = _free_port()
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


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Page:
    def __init__(self, status: int, body: bytes) -> None:
        self.status, self.body = status, body


def _get_when_up(url: str, process: subprocess.Popen, wait: float = 30.0) -> _Page:
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
