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
