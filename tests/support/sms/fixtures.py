"""pytest fixtures of the SMS tests; a test folder's conftest.py brings them in
(``from tests.support.sms.fixtures import android_gateway, start_kannel``).

``start_kannel(incoming_url, **options)``: a started ``KannelGateway`` (options as its
constructor: ``secret``, ``bot_number``, ``throughput``, ``dlr_url``, ``log_level``) with a
started ``FakePhoneNetwork`` connected to it, as ``(kannel, phones)``; both stopped after the
test, their configuration and logs in the test's ``tmp_path`` (``kannel-1/``, …).
``android_gateway``: a started ``FakeAndroidGateway``, stopped after the test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.sms.android_gateway import FakeAndroidGateway
from tests.support.sms.fakesmsc import FakePhoneNetwork
from tests.support.sms.kannel import KannelGateway

KannelStarter = Callable[..., tuple[KannelGateway, FakePhoneNetwork]]


@pytest.fixture
def start_kannel(tmp_path: Path) -> Iterator[KannelStarter]:
    started: list[tuple[KannelGateway, FakePhoneNetwork]] = []

    def start(incoming_url: str, **options: Any) -> tuple[KannelGateway, FakePhoneNetwork]:
        folder = tmp_path / f"kannel-{len(started) + 1}"
        gateway = KannelGateway(incoming_url=incoming_url, folder=folder, **options)
        gateway.start()
        network = FakePhoneNetwork(gateway)
        started.append((gateway, network))
        network.start()
        return gateway, network

    try:
        yield start
    finally:
        for gateway, network in reversed(started):
            network.stop()
            gateway.stop()


@pytest.fixture
async def android_gateway() -> AsyncIterator[FakeAndroidGateway]:
    gateway = FakeAndroidGateway()
    await gateway.start()
    try:
        yield gateway
    finally:
        await gateway.stop()
