"""The gates a private update meets before the features (handlers/router.py ``Router.gates``):
registered by a feature - here by this test module, as the caller check registers its own -
asked in the order of their groups, the first that takes an update ends it; a gate that
needs a channel's capability (``calls``) is never asked for an update from a chat."""

from __future__ import annotations

import pytest

from bot.transports.telegram import TelegramTransport
from db import Database
from handlers import build_router
from handlers.context import Context
from handlers.dispatcher import Dispatcher
from handlers.messages import Event
from handlers.numbers import caller_check
from handlers.numbers.phone_pin import CHOOSE_PIN
from handlers.router import Router
from handlers.settings import HandlerSettings
from tests.support.fake_telegram import FakeTelegram
from tests.support.memory_transport import MemoryTransport, messages

CLOSED = "closed by the test's gate"


def _seeing(router: Router, group: int, *, needs: str | None = None, takes: bool = False):
    """A gate registered on ``router`` from here: what it met, in order; ``takes``: it takes
    every update (answering :data:`CLOSED`)."""
    met: list[Event] = []

    async def check(ctx: Context) -> bool:
        met.append(ctx.incoming.event)
        if takes:
            ctx.reply(CLOSED)
        return takes

    router.gate(group, needs=needs)(check)
    return met


async def test_a_gate_registered_from_a_test_module_stops_an_update(
    db: Database, settings: HandlerSettings
):
    router = build_router()
    later = _seeing(router, 5)
    first = _seeing(router, -2, takes=True)
    chat = MemoryTransport(Dispatcher(db, router, settings))
    answers = messages(await chat.text("erna", "/start"))
    # The earlier group took it: no later gate, no /start (the privacy notice) after it.
    assert [str(answer.text) for answer in answers] == [CLOSED]
    assert len(first) == 1 and later == []


async def test_a_gate_that_lets_an_update_pass_leaves_it_to_the_features(
    db: Database, settings: HandlerSettings
):
    router = build_router()
    met = _seeing(router, -1)
    chat = MemoryTransport(Dispatcher(db, router, settings))
    answers = messages(await chat.text("erna", "/start"))
    assert len(met) == 1 and answers and CLOSED not in {str(a.text) for a in answers}


async def test_a_telegram_update_never_meets_the_phone_gates(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport, dispatcher
):
    router = dispatcher.router
    channels = dispatcher.settings.channels
    # The caller check (and its PIN) is a gate of channels that call: the phone's, not a chat's.
    assert caller_check.gate in [gate.check for gate in router.gates_for("phone", channels)]
    assert caller_check.gate not in [gate.check for gate in router.gates_for("telegram", channels)]
    for_calls = _seeing(router, -1, needs="calls")
    for_all = _seeing(router, -1)
    fake_telegram.send_text(4242, "/start", language_code="de")
    await fake_telegram.wait_for("sendMessage", chat_id=4242)
    await fake_telegram.settle()
    assert len(for_all) == 1 and for_calls == []


async def test_the_same_update_on_the_phone_meets_them(db: Database, settings: HandlerSettings):
    router = build_router()
    for_calls = _seeing(router, -1, needs="calls")
    phone = MemoryTransport(Dispatcher(db, router, settings), platform="phone")
    chat = MemoryTransport(Dispatcher(db, router, settings), platform="telegram")
    await chat.press("erna", CHOOSE_PIN)
    assert for_calls == []
    await phone.press("+4923112345", CHOOSE_PIN)
    assert len(for_calls) == 1


def test_a_gate_needs_a_capability_not_a_transport():
    with pytest.raises(ValueError):
        Router().gate(0, needs="phone")
