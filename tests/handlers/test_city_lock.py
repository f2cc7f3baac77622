"""The kinds of update that lately needed the city's write lock go to it at once
(handlers/updates/city_lock.py): on PostgreSQL their handler runs once, not once refused with
own rows and once again under the lock; a kind that needs it now and then, or no more, goes
back to own rows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from handlers.dispatcher import Dispatcher
from handlers.messages import ButtonPress, Command, Text
from handlers.updates.city_lock import CityLockForecast, kind_of
from tests.support.memory_transport import MemoryTransport


def test_a_kind_is_a_buttons_data_without_its_numbers_or_a_commands_name():
    assert kind_of(ButtonPress("acc:1234")) == kind_of(ButtonPress("acc:7")) == "press acc:#"
    assert kind_of(Command("start", "payload-1")) == "/start"
    # What a text does depends on the conversation's step: no kind.
    assert kind_of(Text("Hörde")) is None
    assert len(kind_of(ButtonPress("x" * 500)) or "") <= len("press ") + 64


def test_a_kind_goes_to_the_lock_at_once_after_two_that_needed_it_and_back_after_one_not():
    forecast = CityLockForecast()
    forecast.learn("press lang:#", needed=True)
    # Once is not yet a habit: /start needs the lock for a newcomer only.
    assert not forecast.expects("press lang:#")
    forecast.learn("press lang:#", needed=True)
    assert forecast.expects("press lang:#")
    forecast.learn("press lang:#", needed=True)
    assert forecast.expects("press lang:#")
    forecast.learn("press lang:#", needed=False)  # 0.875 -> 0.44: back to own rows
    assert not forecast.expects("press lang:#")
    assert not forecast.expects("press other")
    forecast.learn(None, needed=True)  # a text: nothing learned
    assert not forecast.expects(None)


def test_the_forecast_is_bounded_forgetting_the_kind_heard_of_longest_ago():
    forecast = CityLockForecast(most=2)
    for kind in ("a", "b", "c"):
        forecast.learn(kind, needed=True)
        forecast.learn(kind, needed=True)
    assert not forecast.expects("a")
    assert forecast.expects("b") and forecast.expects("c")
    # A kind that never needed the lock is not kept at all.
    forecast.learn("d", needed=False)
    assert forecast.expects("b") and forecast.expects("c")


def _count_runs(dispatcher: Dispatcher, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each run of a handler (the router's turn), by the update's kind."""
    runs: list[str] = []
    route: Callable[[Any], Awaitable[Any]] = dispatcher._route

    async def counted(ctx: Any) -> Any:
        runs.append(str(kind_of(ctx.incoming.event)))
        return await route(ctx)

    monkeypatch.setattr(dispatcher, "_route", counted)
    return runs


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_press_that_needed_the_lock_runs_its_handler_once_the_next_time(
    chat: MemoryTransport, monkeypatch: pytest.MonkeyPatch
):
    runs = _count_runs(chat.dispatcher, monkeypatch)
    people = ("ana", "ben", "cleo", "dan")
    for person in people:
        await chat.text(person, "/start")
        answers = await chat.press(person, "lang:de")
        assert answers  # the language is chosen and the next step shown, as ever
    # Choosing a language writes beyond the person's own rows: Ana's and Ben's presses were
    # refused in their transactions of own rows and handled again under the city's lock;
    # Cleo's and Dan's went there at once (Dan's because Cleo's, at once, still came to that
    # write).
    assert runs.count("press lang:de") == 2 + 2 + 1 + 1
    # The newcomers' /start did not go to the lock at once: a returning person's needs none.
    rows = await chat.dispatcher.db.fetch_all(
        "SELECT language FROM users WHERE platform_user_id IN ('ana', 'ben', 'cleo', 'dan')"
    )
    assert [row[0] for row in rows] == ["de"] * len(people)
