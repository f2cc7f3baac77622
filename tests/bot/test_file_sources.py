"""Unit test of bot/file_sources.py: a chat service opened for files only when a file is
first asked for, tried again after a failure, closed only if it was opened."""

from __future__ import annotations

import pytest

from bot.file_sources import OnDemand
from bot.transports.sending import DeliveryError


class Service:
    """A transport's file side: opening fails while ``down``."""

    platform = "telegram"

    def __init__(self) -> None:
        self.down = True
        self.opened = 0
        self.stopped = 0

    async def open_for_files(self) -> None:
        if self.down:
            raise OSError("unreachable")
        self.opened += 1

    async def fetch_media(self, file_id: str) -> tuple[bytes, str]:
        assert self.opened, "fetched before it was opened"
        return f"sound of {file_id}".encode(), "audio/ogg"

    async def stop(self) -> None:
        self.stopped += 1


async def test_opened_at_the_first_file_and_again_after_a_failure():
    service = Service()
    source = OnDemand(service, service.open_for_files)
    assert source.platform == "telegram"
    await source.close()
    assert service.stopped == 0  # never opened, nothing to close
    with pytest.raises(DeliveryError) as failed:
        await source.fetch_media("f1")
    assert not failed.value.permanent  # worth trying again
    service.down = False
    assert await source.fetch_media("f1") == (b"sound of f1", "audio/ogg")
    assert await source.fetch_media("f2") == (b"sound of f2", "audio/ogg")
    assert service.opened == 1
    await source.close()
    assert service.stopped == 1
