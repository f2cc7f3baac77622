"""Talk now (issue 57 point 8), played through the lifecycle, the console transport and the
real outbox on a moved clock: a "just talk" request goes to three volunteers on a talk
shift who share the requester's language, city-wide, and to nobody else; the first who
accepts is connected by a bridged call when both can be called (else through the relayed
chat); the next three when all three said "not this time"; the usual waves after three
hours; the coordinators are told at once and may end it.

The call port is a stand-in that notes what it was asked to call (the phone transport's
real one is tested with real phones in tests/bot/transports/phone/calls/test_bridged_call.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from bot.transports.console import BACKCHANNEL
from db import Database
from handlers.channels import CallOrder
from handlers.context import Backstage
from handlers.dispatcher import Dispatcher
from handlers.helping import lifecycle
from handlers.helping.matching import waves
from handlers.settings import HandlerSettings, OfferRules
from tests.support.clock import Clock, daytime
from tests.support.help_story import NORDMARKT
from tests.support.helping_people import coordinator as _coordinator
from tests.support.helping_people import person as _person
from tests.support.helping_people import verified_volunteer
from tests.support.terminal import Terminal

# Every time of the week (the hour of each test is within one of them).
ALL_WEEK = ("wd-am", "wd-pm", "wd-ev", "we-am", "we-pm", "we-ev")
EVENINGS = ("wd-ev", "we-ev")
FAR = ("Mengede", "Hombruch", "Aplerbeck", "Brackel", "Eving", "Lütgendortmund")
CALLER = "+492319876543"


class Port:
    def __init__(self) -> None:
        self.orders: list[CallOrder] = []

    def quiet_until(self) -> datetime | None:
        return None

    def start(self, order: CallOrder) -> None:
        self.orders.append(order)


def _rules(dispatcher: Dispatcher, clock: Clock, port: Port | None = None) -> HandlerSettings:
    dispatcher.settings = replace(
        dispatcher.settings,
        backchannels=frozenset({("console", BACKCHANNEL)}),
        offer_rules=OfferRules(),
        clock=clock,
        bridged_calls=port,
    )
    return dispatcher.settings


async def _volunteer(
    db: Database,
    name: str,
    *,
    district: str = "Innenstadt-Nord",
    shift: tuple[str, ...] = (),
    **profile: tuple[str, ...],
) -> int:
    """A verified volunteer in ``district`` on the talk ``shift`` (none: not on one), for
    shopping and speaking German unless ``kinds`` and ``languages`` say otherwise."""
    user = await _person(db, name)
    await verified_volunteer(db, user.id, districts=(district,), talk_shift=shift, **profile)
    return user.id


async def _talk_request(
    db: Database, settings: HandlerSettings, requester, coordinator: int
) -> int:
    scene = Backstage(db, settings)
    async with db.transaction():
        request = await lifecycle.submit(
            scene,
            requester,
            {
                "category": "talk",
                "description": "Ich möchte ein bisschen reden",
                "stadtbezirk": "Innenstadt-Nord",
                "lat": NORDMARKT[0],
                "lon": NORDMARKT[1],
                "languages": ("de",),
            },
        )
        await lifecycle.publish(scene, await db.users.get(coordinator), request.id)
    return request.id


def _told(shown: str, name: str, request_id: int) -> bool:
    return any(
        line.startswith(f"[{name}]") and f"#{request_id}" in line for line in shown.splitlines()
    )


async def _talkers(db: Database) -> dict[int, str]:
    """Six volunteers on a talk shift all week, speaking German, all over the city and
    none of them helping with "just talk" or in the requester's district."""
    return {
        await _volunteer(db, f"talk{n}", district=district, shift=ALL_WEEK): f"talk{n}"
        for n, district in enumerate(FAR)
    }


@pytest.mark.both_backends
async def test_a_talk_request_goes_to_three_on_a_talk_shift_who_share_a_language(
    dispatcher: Dispatcher, db: Database
):
    clock = Clock(daytime(10))
    settings = _rules(dispatcher, clock)
    term = Terminal(dispatcher, db)
    talkers = await _talkers(db)
    turkish = await _volunteer(db, "tuerkan", languages=("tr",), shift=ALL_WEEK)
    evening = await _volunteer(db, "abend", shift=EVENINGS)
    local = {await _volunteer(db, f"nord{n}", kinds=("talk",)) for n in range(3)}
    request_id = await _talk_request(db, settings, await _person(db, "oma"), await _coordinator(db))
    asked = await db.volunteers.offered(request_id)
    assert len(asked) == 3 and asked <= set(talkers)
    assert not asked & (local | {turkish, evening})
    await term.console.worker.run_once()
    shown = term.out.getvalue()
    assert all(_told(shown, talkers[who], request_id) for who in asked)
    # City-wide and for now, not "nearby".
    assert f"📞 Jemand möchte jetzt reden (#{request_id})" in shown
    assert not any(_told(shown, name, request_id) for name in ("tuerkan", "abend", "nord0"))


async def test_the_first_to_accept_is_connected_by_a_bridged_call(
    dispatcher: Dispatcher, db: Database
):
    clock = Clock(daytime(10))
    port = Port()
    settings = _rules(dispatcher, clock, port)
    term = Terminal(dispatcher, db)
    talkers = await _talkers(db)
    for who in talkers:
        await db.call_numbers.set(who, "+491701234567")
    caller = await _person(db, CALLER, platform="phone")
    request_id = await _talk_request(db, settings, caller, await _coordinator(db))
    first, second, *_ = sorted(await db.volunteers.offered(request_id))
    await term.console.worker.run_once()
    await term.type(f":as {talkers[first]}")
    before = len(term.out.getvalue())
    await term.press(f"mt:acc:{request_id}")
    [order] = port.orders
    assert (order.request_id, order.helper_id, order.resident_number) == (
        request_id,
        first,
        CALLER,
    )
    await term.console.worker.run_once()
    # The volunteer (at the console now) is told that their phone rings.
    assert "📞 Ich rufe Sie jetzt an" in term.out.getvalue()[before:]
    request = await db.requests.get(request_id)
    assert request is not None and request.state == "matched" and request.volunteer_id == first
    # The next one is too late: no second call.
    await term.type(f":as {talkers[second]}")
    await term.press(f"mt:acc:{request_id}")
    assert len(port.orders) == 1


async def test_without_a_number_to_call_they_talk_through_the_relay(
    dispatcher: Dispatcher, db: Database
):
    clock = Clock(daytime(10))
    port = Port()
    settings = _rules(dispatcher, clock, port)
    term = Terminal(dispatcher, db)
    talkers = await _talkers(db)  # none gave a number for calls
    oma = await _person(db, "oma")
    request_id = await _talk_request(db, settings, oma, await _coordinator(db))
    first = min(await db.volunteers.offered(request_id))
    await term.console.worker.run_once()
    await term.type(f":as {talkers[first]}")
    await term.press(f"mt:acc:{request_id}")
    assert port.orders == []
    shown = await term.type("Guten Tag, ich bin da zum Reden")
    await term.console.worker.run_once()
    assert any(
        line.startswith("[oma]") and "ich bin da zum Reden" in line
        for line in term.out.getvalue().splitlines()
    ), shown


@pytest.mark.both_backends
async def test_the_next_three_when_all_three_said_not_this_time(
    dispatcher: Dispatcher, db: Database
):
    clock = Clock(daytime(10))
    settings = _rules(dispatcher, clock)
    term = Terminal(dispatcher, db)
    talkers = await _talkers(db)
    request_id = await _talk_request(db, settings, await _person(db, "oma"), await _coordinator(db))
    first = await db.volunteers.offered(request_id)
    await term.console.worker.run_once()
    for number, who in enumerate(sorted(first)):
        await term.type(f":as {talkers[who]}")
        await term.press(f"mt:dec:{request_id}")
        if number < len(first) - 1:
            assert await db.volunteers.offered(request_id) == first
    second = await db.volunteers.offered(request_id) - first
    assert len(second) == 3 and first | second == set(talkers)
    await term.console.worker.run_once()
    shown = term.out.getvalue()
    assert all(_told(shown, talkers[who], request_id) for who in second)


@pytest.mark.both_backends
async def test_after_three_hours_the_usual_waves(dispatcher: Dispatcher, db: Database):
    clock = Clock(daytime(10))
    settings = _rules(dispatcher, clock)
    talkers = await _talkers(db)
    local = {await _volunteer(db, f"nord{n}", kinds=("talk",)) for n in range(3)}
    request_id = await _talk_request(db, settings, await _person(db, "oma"), await _coordinator(db))
    assert await db.volunteers.offered(request_id) <= set(talkers)
    clock.pass_(minutes=20)  # nobody answered: the next three on a talk shift
    await waves.tick(db, settings, clock.now)
    assert await db.volunteers.offered(request_id) == set(talkers)
    clock.pass_(hours=2, minutes=30)  # still the talk search: nobody else is asked
    await waves.tick(db, settings, clock.now)
    assert await db.volunteers.offered(request_id) == set(talkers)
    clock.pass_(minutes=15)  # three hours: the usual waves, from the requester's district
    await waves.tick(db, settings, clock.now)
    assert await db.volunteers.offered(request_id) == set(talkers) | local


async def test_the_coordinators_are_told_at_once_and_may_end_it(
    dispatcher: Dispatcher, db: Database
):
    clock = Clock(daytime(10))
    settings = _rules(dispatcher, clock)
    term = Terminal(dispatcher, db)
    talkers = await _talkers(db)
    await _coordinator(db)
    oma = await _person(db, "oma")
    await term.type(":as cora", ":group")
    request_id = await _talk_request(db, settings, oma, (await db.users.find("console", "cora")).id)
    await term.console.worker.run_once()
    shown = term.out.getvalue()
    notice = [line for line in shown.splitlines() if line.startswith(f"[{BACKCHANNEL}] 📞")]
    assert any(f"#{request_id}" in line for line in notice)
    # One of them takes it; the coordinator ends it from the notice.
    first = min(await db.volunteers.offered(request_id))
    await term.type(f":as {talkers[first]}")
    await term.press(f"mt:acc:{request_id}")
    await term.console.worker.run_once()
    before = len(term.out.getvalue())
    await term.type(":as cora", ":group")
    await term.press(f"mod:end:{request_id}")
    request = await db.requests.get(request_id)
    assert request is not None and request.state == "withdrawn"
    await term.console.worker.run_once()
    after = term.out.getvalue()[before:].splitlines()
    assert any(line.startswith(f"[{talkers[first]}]") and "ℹ️" in line for line in after)
    assert any(line.startswith("[oma]") and f"#{request_id}" in line for line in after)
    assert any(line.startswith(f"[{BACKCHANNEL}] ⏹") for line in after)


async def test_a_volunteer_chooses_a_talk_shift_in_their_settings(
    dispatcher: Dispatcher, db: Database
):
    clock = Clock(daytime(10))
    _rules(dispatcher, clock)
    term = Terminal(dispatcher, db)
    vera = await _volunteer(db, "vera")
    await term.type(":as vera", "/volunteer")
    await term.press("vo:talk")
    await term.press("vo:ts:wd-ev")
    shown = await term.press("vo:ts:we-ev")
    assert "✅" in shown
    profile = await db.volunteers.get(vera)
    assert profile is not None and profile.talk_shift == EVENINGS
    shown = await term.press("menu:volunteer")
    assert "📞" in shown
    await term.press("vo:talk")
    await term.press("vo:ts:we-ev")  # ticked again: off
    profile = await db.volunteers.get(vera)
    assert profile is not None and profile.talk_shift == ("wd-ev",)
