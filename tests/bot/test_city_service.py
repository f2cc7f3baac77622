"""Unit test of bot/city_service.py's stop of a transport whose start failed: it runs to its
end even where the city's start is cancelled meanwhile (two cities failing at once - the
first failure cancels the other city's start while that one stops its transport), so that
what the transport opened is closed. The whole run: tests/bot/cli/test_operator_slips.py."""

from __future__ import annotations

import asyncio

import pytest

from bot.city_service import _stopped_anyway


class Stopping:
    """A transport whose stop goes on until ``release``."""

    platform = "telegram"

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.closed = False

    async def stop(self) -> None:
        self.entered.set()
        await self.release.wait()
        self.closed = True


async def test_a_stop_cancelled_meanwhile_still_ends():
    transport = Stopping()
    stopping = asyncio.create_task(_stopped_anyway(transport))  # type: ignore[arg-type]
    await transport.entered.wait()
    stopping.cancel()  # another city's start failed
    await asyncio.sleep(0)  # the cancellation delivered while the stop goes on
    transport.release.set()
    with pytest.raises(asyncio.CancelledError):
        await stopping
    assert transport.closed
