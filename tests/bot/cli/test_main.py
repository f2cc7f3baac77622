"""Unit test of bot/cli/main.py's start of every city (``_start_cities``): cities whose
starts fail in the same moment each have their failure taken, and the first city's is the
one said. Before, the one said was whichever came first out of a set, and the other's
was never taken: asyncio then logged "Task exception was never retrieved" with its
traceback under the operator's one line. The whole run: test_operator_slips.py."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest

from bot.cli.main import CityNotStarted, _start_cities


class Failing:
    """A city's bot whose chat service refuses it at once."""

    def __init__(self, slug: str) -> None:
        self.slug = slug

    async def start(self, cluster: Any, stop: asyncio.Event) -> list[asyncio.Task[None]]:
        raise OSError("connection refused")


async def test_cities_failing_at_once_are_each_taken():
    unretrieved: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _, found: unretrieved.append(found))
    bots: Any = [Failing("dortmund"), Failing("unna"), Failing("hamm")]
    with pytest.raises(CityNotStarted, match=r"^dortmund: its chat service could not be started"):
        await _start_cities(bots, None, asyncio.Event())  # type: ignore[arg-type]
    gc.collect()
    assert unretrieved == []


def test_the_version_names_the_release_and_its_schema():
    """Issue 99, point 6e: an operator going back must be able to name a version: the
    release and the schema it runs on (its newest migration, as the release notes list
    them), without a configuration."""
    from db.database import available_migrations
    from tests.support.cli import run_bot

    newest, name, _ = available_migrations()[-1]
    said = run_bot("--version", env={"NACHBARBOT_CONFIG": "/nonexistent.toml"})
    assert said.returncode == 0, said.stderr
    assert said.stdout.startswith("nachbarbot ")
    assert f"schema {newest:04d} ({newest:04d}_{name})" in said.stdout
