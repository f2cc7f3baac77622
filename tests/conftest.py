from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bot.config import TelegramSection
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from tests.support import synapse_server
from tests.support.channels import channels
from tests.support.easy_asked import asked
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.flood_limits import UNFLOODED
from tests.support.matrix_bot import Bot
from tests.support.matrix_people import MatrixPerson
from tests.support.memory_transport import MemoryTransport
from tests.support.postgres_server import PostgresServer
from tests.support.synapse_server import Synapse

BACKENDS = ("sqlite", "postgresql")
ROOT = Path(__file__).resolve().parents[1]


# Where a test's database is SQLite alone unless the test asks for both (``both_backends``):
# the features' logic (handlers, the web, the chat transports) is the same on either backend,
# and PostgreSQL costs each test a database of its own. PostgreSQL runs everything whose SQL
# or processes differ: the stores (tests/db), whole processes and clusters (tests/system),
# the command line, the outbox, several cities, translation; and the feature tests that
# exercise SQL written per backend (statistics, the nearest-place search) say both_backends.
FEATURE_TESTS = ("tests/handlers/", "tests/bot/transports/", "tests/bot/web/")


# A folder the workers of one run (pytest-xdist) share: made by the controller, named to each
# worker, removed when the run ends. What every worker would make alike is made there once:
# the pristine homeserver database (tests/support/synapse_server.py).
SHARED_FOLDER = "nachbarbot_shared_folder"
_shared_folder = pytest.StashKey[Path]()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist's controller, for each worker it starts."""
    if _shared_folder not in node.config.stash:
        node.config.stash[_shared_folder] = Path(tempfile.mkdtemp(prefix="nachbarbot-run-"))
    node.workerinput[SHARED_FOLDER] = str(node.config.stash[_shared_folder])


def pytest_unconfigure(config: pytest.Config) -> None:
    if _shared_folder in config.stash:
        shutil.rmtree(config.stash[_shared_folder], ignore_errors=True)


def pytest_configure(config: pytest.Config) -> None:
    shared = getattr(config, "workerinput", {}).get(SHARED_FOLDER)
    if shared is not None:
        synapse_server.shared_folder = Path(shared)
    config.addinivalue_line(
        "markers", "sqlite_only: the test is about SQLite itself (pragmas, the file, its backup)"
    )
    config.addinivalue_line(
        "markers",
        "both_backends: a feature test whose SQL differs between the backends runs on both",
    )
    config.addinivalue_line(
        "markers",
        "migrates: a new SQLite file of the test migrates, not copied from the template",
    )


def _backends(definition: pytest.Function) -> list[str]:
    if definition.get_closest_marker("sqlite_only") is not None:
        return ["sqlite"]
    if definition.get_closest_marker("both_backends") is not None:
        return list(BACKENDS)
    path = Path(str(definition.path)).resolve().relative_to(ROOT).as_posix()
    return ["sqlite"] if path.startswith(FEATURE_TESTS) else list(BACKENDS)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        if any(m.args[:1] == ("backend",) for m in metafunc.definition.iter_markers("parametrize")):
            return  # the test names its backend itself
        metafunc.parametrize("backend", _backends(metafunc.definition))


# Test files that take minutes (real processes, Synapse, Chromium, property tests). With
# one file per worker at a time (make test: --dist loadfile), the longest go first, so that
# no worker is left with a long file when the others are done: the run is as short as the
# work allows, whatever order pytest-randomly chose within each group.
SLOW_FIRST = (
    "tests/system/test_crash.py",
    "tests/system/test_replicas.py",
    "tests/system/",
    # Every benchmark's --quick run in turn (mostly waiting on the servers they start).
    "tests/bench/test_quick_pass.py",
    # The outcomes test's small city, ten days on three seeds: about a minute of a core.
    "tests/bench/test_outcomes_floor.py",
    "tests/bot/transports/test_matrix",
    "tests/bot/transports/matrix/",
    "tests/bot/test_log_privacy.py",
    "tests/bot/transports/test_voice_across_platforms.py",
    "tests/bot/web/test_map_browser.py",
    "tests/bot/web/",
    "tests/handlers/test_random_input.py",
    "tests/handlers/events/test_recurrence_limits.py",
)

# Test files that mostly wait in real time (calls through Kamailio, texts through Kannel,
# retries on a clock): a tenth to a quarter of a core each. Run together they left the
# cores three quarters idle for the last five minutes of a run; spread among the others,
# one worker in three waits while two work. The longest of them first, like SLOW_FIRST.
WAITING = (
    "tests/bot/transports/sms/test_through_kannel.py",
    "tests/bot/transports/phone/calls/test_calling_back.py",
    "tests/bot/transports/phone/sip/test_flood.py",
    "tests/bot/transports/phone/calls/test_bridged_call.py",
    "tests/bot/transports/sms/test_forged_senders.py",
    "tests/bot/transports/phone/",
    "tests/bot/transports/sms/",
    "tests/bot/transports/test_one_number.py",
    "tests/bot/test_outbox_delivery.py",
    "tests/bot/translation/test_service.py",
    "tests/bot/test_cluster.py",
)
# A waiting file after every WORKING_PER_WAITING others.
WORKING_PER_WAITING = 2


def _rank(prefixes: tuple[str, ...], path: str) -> int:
    return next((i for i, prefix in enumerate(prefixes) if path.startswith(prefix)), len(prefixes))


def file_order(paths: list[str]) -> list[str]:
    """The order test files go out in: the slow ones first, the waiting ones spread among
    them (``paths`` in collection order, each once)."""
    waiting = sorted((p for p in paths if p.startswith(WAITING)), key=lambda p: _rank(WAITING, p))
    working = sorted(
        (p for p in paths if not p.startswith(WAITING)), key=lambda p: _rank(SLOW_FIRST, p)
    )
    order: list[str] = []
    while working or waiting:
        order += working[:WORKING_PER_WAITING] + waiting[:1]
        del working[:WORKING_PER_WAITING], waiting[:1]
    return order


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    by_file: dict[str, list[pytest.Item]] = {}
    for item in items:
        path = Path(str(item.path)).resolve().relative_to(ROOT).as_posix()
        by_file.setdefault(path, []).append(item)
    items[:] = [item for path in file_order(list(by_file)) for item in by_file[path]]


@pytest.fixture(scope="session", autouse=True)
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """New SQLite databases of this process start as a copy of one migrated once
    (tests/support/sqlite_template.py)."""
    from tests.support.sqlite_template import install

    with pytest.MonkeyPatch.context() as patch:
        yield install(patch, tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(autouse=True)
def _watching_migrations(request: pytest.FixtureRequest) -> Iterator[None]:
    from tests.support import sqlite_template

    sqlite_template.watching = request.node.get_closest_marker("migrates") is not None
    yield
    sqlite_template.watching = False


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway cluster for the whole run, with the migrated schema as a template."""
    server = PostgresServer()
    server.start()
    try:
        # In a thread of its own: the first test of a worker to ask for the server may be
        # an async one asking inside its running loop (request.getfixturevalue), where
        # asyncio.run fails - and the failed session fixture then failed every PostgreSQL
        # test after it on that worker.
        with ThreadPoolExecutor(1) as apart:
            apart.submit(asyncio.run, server.create_template()).result()
        # The tests' databases made ahead and dropped behind them, in a thread.
        server.keep_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """Where the test's database lives: a SQLite file, or a fresh PostgreSQL database."""
    if backend == "sqlite":
        yield str(tmp_path / "test.sqlite3")
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.new_database()
    yield url
    server.drop(url)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = await Database.open(database_url)
    yield database
    await database.close()


# The tests' people are all new accounts: without the newcomers' cooldown (the ``[help]``
# default, 10 minutes: handlers/settings.py ``RequestRules``) unless a test sets one.
NO_COOLDOWN = 0


@pytest.fixture
def settings() -> HandlerSettings:
    return HandlerSettings(
        city="Dortmund",
        inactive_account_days=365,
        max_text_length=500,
        channels=channels(),
        new_user_cooldown_minutes=NO_COOLDOWN,
        **UNFLOODED,
    )


@pytest.fixture
def dispatcher(db: Database, settings: HandlerSettings) -> Dispatcher:
    return Dispatcher(db, build_router(), settings)


@pytest.fixture
def chat(dispatcher: Dispatcher) -> MemoryTransport:
    return MemoryTransport(dispatcher)


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def telegram_bot(fake_telegram: FakeTelegram, dispatcher: Dispatcher):
    from bot.transports.telegram import TelegramTransport

    config = TelegramSection(api_base_url=fake_telegram.url, poll_timeout=1)
    transport = TelegramTransport(
        dispatcher.ports, config, TOKEN, dispatcher.router.public_commands()
    )
    await transport.start()
    yield transport
    await transport.stop()


@pytest.fixture
def story(db: Database) -> MemoryTransport:
    """A memory chat whose backchannel is the coordinators' ``GROUP``
    (tests/support/help_story.py)."""
    from tests.support.help_story import GROUP

    settings = HandlerSettings(
        backchannels=frozenset({("memory", GROUP)}),
        channels=channels(),
        new_user_cooldown_minutes=NO_COOLDOWN,
        **UNFLOODED,
    )
    return MemoryTransport(Dispatcher(db, build_router(), settings))


@pytest.fixture
async def telegram_group(fake_telegram: FakeTelegram, db: Database):
    """Telegram with the outbox worker and its dispatcher (tests/support/telegram_wiring.py
    ``Wired``); the coordinators' group ``TELEGRAM_GROUP`` is its backchannel."""
    from tests.support.telegram_wiring import TELEGRAM_GROUP, telegram_with_worker

    settings = HandlerSettings(
        backchannels=frozenset({("telegram", str(TELEGRAM_GROUP))}),
        channels=channels(),
        new_user_cooldown_minutes=NO_COOLDOWN,
        **UNFLOODED,
    )
    async with telegram_with_worker(fake_telegram, db, settings) as wired:
        yield wired


@pytest.fixture
def telegram_group_bot(telegram_group):
    """The transport of :func:`telegram_group`."""
    return telegram_group.transport


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    """A real homeserver per test process (tests/support/synapse_server.py), started when a
    test first needs it: a start costs seconds of a core, and ~19 modules need one. Every
    person and bot registers a name of its own on it (numbered: tests/support/
    matrix_people.py, matrix_bot.py), so that no test meets another's accounts or rooms; a
    test that stops its homeserver starts one of its own."""
    server = Synapse(tmp_path_factory.mktemp("synapse"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def matrix_bot(synapse: Synapse, db: Database) -> AsyncIterator[Bot]:
    running = Bot(synapse, db, HandlerSettings())
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def alice(synapse: Synapse) -> AsyncIterator[MatrixPerson]:
    person = MatrixPerson(synapse, "alice")
    await person.start()
    yield person
    await person.stop()


# Shared fixtures from tests/support, offered to every test.
__all__ = ["asked"]
