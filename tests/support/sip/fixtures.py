"""pytest fixtures of the phone tests, imported by tests/bot/transports/phone/conftest.py.

``kamailio``: a ``KamailioServer`` for the test module, REGISTER guarded by digest auth with
``BOT_USER``/``BOT_PASSWORD`` (the bot's account) and each of ``PHONE_USERS`` with
``PHONE_PASSWORD`` (softphones); other requests pass without a challenge.
``phones``: a factory of started ``BaresipCaller``s, stopped after the test:
``phones("alice")`` only dials, ``phones("bob", register=True, answer=True, says=wav)``
registers at ``kamailio`` as bob (with ``PHONE_PASSWORD`` unless ``password`` is given),
``via_proxy=True`` sends every call through ``kamailio``.
``tone_wav``: a 1.5 s 440 Hz tone followed by 0.5 s of silence, 8 kHz mono WAV.
``bot_account(kamailio)``: the stack settings of the bot's account there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.transports.phone.sip.call_control import StackSettings
from tests.support.sip.audio import write_tone
from tests.support.sip.baresip import BaresipCaller
from tests.support.sip.kamailio import HOST, KamailioServer

BOT_USER = "nachbarbot"
BOT_PASSWORD = "bot-secret-44"
PHONE_USERS = ("bob", "carol", "dave", "erin")
PHONE_PASSWORD = "phone-secret-44"
TONE_SECONDS = 1.5

PhoneFactory = Callable[..., BaresipCaller]


def bot_account(kamailio: KamailioServer, **more: Any) -> StackSettings:
    """The stack settings of the bot's account (``BOT_USER``) at ``kamailio``, bound on
    ``HOST``; ``more``: any other of its settings (outbound_proxy, rtp_timeout_seconds ...)."""
    return StackSettings(
        bind=HOST, registrar=kamailio.registrar_uri, user=BOT_USER, password=BOT_PASSWORD, **more
    )


@pytest.fixture(scope="module")
def kamailio() -> Iterator[KamailioServer]:
    users = {BOT_USER: BOT_PASSWORD} | dict.fromkeys(PHONE_USERS, PHONE_PASSWORD)
    server = KamailioServer(users=users)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def phones(kamailio: KamailioServer) -> Iterator[PhoneFactory]:
    started: list[BaresipCaller] = []

    def make(
        user: str = "resident",
        *,
        register: bool = False,
        password: str | None = None,
        via_proxy: bool = False,
        **options: Any,
    ) -> BaresipCaller:
        if register and password is None:
            password = PHONE_PASSWORD
        phone = BaresipCaller(
            user,
            registrar=kamailio.domain if register else None,
            password=password,
            outbound=kamailio.registrar_uri if via_proxy else None,
            **options,
        )
        started.append(phone)
        phone.start()
        return phone

    try:
        yield make
    finally:
        for phone in started:
            phone.stop()


@pytest.fixture
def tone_wav(tmp_path: Path) -> Path:
    return write_tone(tmp_path / "tone.wav", TONE_SECONDS, silence_after=0.5)
