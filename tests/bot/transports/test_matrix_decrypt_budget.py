"""The work spent on encrypted events is bounded per hour, per sender and overall, with
running help first (bot/transports/matrix/decrypt_budget.py), against the real Synapse: past
a stranger's own budget, or all strangers', their messages are not decrypted, the stranger
is told once when to write again, the coordinators are told while the limit is active, and
a resident the bot knows is answered all the same; past all known people's budget (many
accounts can agree to the notice) someone with a request under way is still answered; a
stranger's Olm message past the hour's budget is held, not lost, and read in the next hour."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import nio
import pytest

from bot.transports.matrix.decrypt_budget import DecryptBudget
from db import Database
from db.transport_state import UNDECRYPTED
from handlers.helping.render import someone
from handlers.limits.encrypted_work import (
    ALL_ANSWER,
    ALL_NOTICE,
    BUSY_ANSWER,
    KNOWN_ALL_NOTICE,
    OWN_ANSWER,
    OWN_NOTICE,
)
from handlers.messages import Message, decode
from handlers.reader import reader_of
from handlers.settings import HandlerSettings
from locales import Translator
from tests.bot.transports.test_matrix_encrypted import _onboard_encrypted
from tests.bot.transports.test_matrix_stranger_keys import _person, people  # noqa: F401 - the fixture
from tests.support.matrix_bot import Bot, all_synced, delivering
from tests.support.matrix_encrypted_people import EncryptedPerson
from tests.support.matrix_people import body
from tests.support.synapse_server import Synapse

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

COORDINATORS = ("console", "coordinators")


@pytest.fixture
async def bot(synapse: Synapse, db: Database) -> AsyncIterator[Bot]:
    running = Bot(synapse, db, HandlerSettings(backchannels=frozenset({COORDINATORS})))
    await running.start()
    assert running.transport is not None
    # The stranger's first message always comes before a greeting would.
    running.transport.config = replace(running.transport.config, greeting_wait_seconds=600)
    try:
        async with delivering(running):  # the line of when to write again: through the outbox
            yield running
    finally:
        await running.stop()


def _budget(bot: Bot, **limits: int) -> DecryptBudget:
    """The running bot's budget, with ``limits`` changed (as [matrix] settings would)."""
    assert bot.transport is not None
    budget = bot.transport.shared.budget
    budget.limits = replace(budget.limits, **limits)
    return budget


def _is(msgid: str, t: Translator | None = None):
    """Whether a text is the translation of ``msgid`` in ``t``'s language (the city's by
    default): its words between the values, in order."""
    words = [w for w in re.split(r"\{\w+\}", (t or reader_of(None).t)._(msgid)) if w]
    pattern = re.compile(".*".join(re.escape(w) for w in words), re.S)
    return lambda text: pattern.fullmatch(text) is not None


def _bots_messages(synapse: Synapse, bot: Bot, room: str) -> int:
    """How many messages the bot sent into ``room``, as the homeserver stored them."""
    return len(
        [
            e
            for e in synapse.stored_events(room)
            if e["sender"] == bot.user_id and "state_key" not in e
        ]
    )


async def _notices(db: Database) -> list[str]:
    later = datetime.now(UTC) + timedelta(days=1)
    texts = []
    for item in await db.outbox.waiting(*COORDINATORS, later):
        message = decode(item.payload)
        assert isinstance(message, Message)
        texts.append(str(message.text))
    return texts


async def _told_later_then_read(
    people: list[EncryptedPerson],  # noqa: F811 - the fixture
    synapse: Synapse,
    db: Database,
    spend: Callable[[DecryptBudget], None],
) -> None:
    """Once ``spend`` spent a budget of strangers (as others would), a newcomer's first
    message gets the answer to write again at a time; at that time (the city's clock moved,
    nothing waited for) her next message, under the same room key, is read and answered."""
    moved = [timedelta(0)]
    settings = HandlerSettings(
        backchannels=frozenset({COORDINATORS}), clock=lambda: datetime.now(UTC) + moved[0]
    )
    running = Bot(synapse, db, settings)
    transport = await running.start()
    try:
        transport.config = replace(transport.config, greeting_wait_seconds=600)
        budget = transport.shared.budget
        spend(budget)
        mallory = await _person(people, synapse, "mallory")
        async with delivering(running):
            room = await mallory.dm_like_element_x(running.user_id, "Hallo")
            await mallory.wait_for(lambda e: e["room"] == room and _is(ALL_ANSWER)(body(e)))
            moved[0] = budget.until - datetime.now(UTC)  # "write again at {time}": now it is
            mark = len(mallory.received)
            await mallory.say(room, "Hallo?")  # the same room key: not shared again
            await mallory.wait_for(lambda e: e["room"] == room and "1️⃣" in body(e), after=mark)
    finally:
        await running.stop()


async def test_past_all_strangers_budget_a_stranger_is_told_and_a_resident_still_answered(
    people: list[EncryptedPerson],  # noqa: F811 - the fixture
    bot: Bot,
    synapse: Synapse,
    db: Database,
):
    eva = await _person(people, synapse, "eva")
    eva_room = await _onboard_encrypted(eva, bot)  # a resident now: she agreed
    _budget(bot, strangers=0)  # spent for this hour

    mallory = await _person(people, synapse, "mallory")
    room = await mallory.dm_like_element_x(bot.user_id, "Hallo")
    await mallory.wait_for(lambda e: e["room"] == room and _is(ALL_ANSWER)(body(e)))
    await mallory.say(room, "Hallo?")
    await mallory.say(room, "!help")
    # Known people come first: Eva is answered although no stranger is read this hour.
    mark = len(eva.received)
    await eva.say(eva_room, "!help")
    await eva.wait_for(lambda e: "!menu" in body(e), after=mark)
    await all_synced(synapse, bot)
    # Mallory heard once when to write again, and nothing else: no greeting, no menu,
    # nothing of hers kept for a key to come.
    assert _bots_messages(synapse, bot, room) == 1
    assert await db.transport_state.keys_under(UNDECRYPTED) == []
    # The coordinators were told the limit is active, once.
    notices = await _notices(db)
    assert len(notices) == 1 and _is(ALL_NOTICE)(notices[0]), notices


async def test_past_a_strangers_own_budget_the_stranger_is_told_once(
    people: list[EncryptedPerson],  # noqa: F811 - the fixture
    bot: Bot,
    synapse: Synapse,
    db: Database,
):
    _budget(bot, per_stranger=4)
    mallory = await _person(people, synapse, "mallory")
    room = await mallory.dm_like_element_x(bot.user_id, "Hallo")
    await mallory.wait_for(lambda e: e["room"] == room and "1️⃣" in body(e))  # read: answered
    told = _is(OWN_ANSWER)
    # Her room key and a few messages spend the budget; the next ones are not read. (A
    # hang detector: ten messages are far more than four events.)
    for n in range(10):
        await mallory.say(room, f"Nachricht {n}")
        await all_synced(synapse, bot)
        if any(told(body(e)) for r, e in mallory.received if r == room):
            break
    assert any(told(body(e)) for r, e in mallory.received if r == room)
    before = _bots_messages(synapse, bot, room)
    await mallory.say(room, "noch eine")
    await mallory.say(room, "!help")
    await all_synced(synapse, bot)
    assert _bots_messages(synapse, bot, room) == before  # told once an hour, then nothing
    notices = await _notices(db)
    assert len(notices) == 1 and _is(OWN_NOTICE)(notices[0]), notices
    # By name, as coordinators read people everywhere (she has a row: she wrote first).
    person = await db.users.find("matrix", mallory.user_id)
    assert person is not None and str(someone(reader_of(None).t, person)) in notices[0]


async def test_a_newcomer_told_to_write_later_is_read_after_that_time(
    people: list[EncryptedPerson],  # noqa: F811 - the fixture
    synapse: Synapse,
    db: Database,
):
    """While all strangers' budget is spent (by others), a newcomer's first message is
    not read and they are told when to write again; their room key, which came with that
    message in an Olm message and is not sent again for the session, is kept. After that
    time (the city's clock moved, nothing waited for) their next message under the same
    room key is read and answered."""

    def spend(budget: DecryptBudget) -> None:
        budget.limits = replace(budget.limits, strangers=1)
        assert budget.spend("@somebody-else:x") is None  # the hour's one is spent

    await _told_later_then_read(people, synapse, db, spend)


async def test_past_all_known_peoples_budget_running_help_is_still_read(
    people: list[EncryptedPerson],  # noqa: F811 - the fixture
    bot: Bot,
    synapse: Synapse,
    db: Database,
):
    """Agreeing to the privacy notice costs one tap, so many accounts can: known people
    have a finite budget too. While all of it is spent, Karl (agreed, nothing under way) is
    told when to write again and the coordinators are told; Rita, whose request waits for
    review, is read and answered all the same. (Before, known people were never counted.)"""
    karl = await _person(people, synapse, "karl")
    karl_room = await _onboard_encrypted(karl, bot)
    rita = await _person(people, synapse, "rita")
    rita_room = await _onboard_encrypted(rita, bot)
    person = await db.users.find("matrix", rita.user_id)
    assert person is not None
    await db.requests.create(person.id, person.id, category="shopping", description="Einkauf")
    _budget(bot, known=0)  # all known people's spent for this hour
    karl_mark = len(karl.received)
    await karl.say(karl_room, "!help")
    busy = _is(BUSY_ANSWER, reader_of(await db.users.find("matrix", karl.user_id)).t)
    await karl.wait_for(lambda e: e["room"] == karl_room and busy(body(e)), after=karl_mark)
    # Running help comes first: Rita is answered although no other known person is read.
    mark = len(rita.received)
    await rita.say(rita_room, "!help")
    await rita.wait_for(lambda e: "!menu" in body(e), after=mark)
    await all_synced(synapse, bot)
    # Karl's "!help" was not read: told when to write again, nothing else.
    assert not any("!menu" in body(e) for _, e in karl.received[karl_mark:])
    notices = await _notices(db)
    assert len(notices) == 1 and _is(KNOWN_ALL_NOTICE)(notices[0]), notices


async def test_a_strangers_room_key_past_the_olm_budget_is_held_and_read_the_next_hour(
    people: list[EncryptedPerson],  # noqa: F811 - the fixture
    synapse: Synapse,
    db: Database,
):
    """While all strangers' Olm budget is spent (by others), a newcomer's room key is not
    decrypted now but held: her first message is not read and she is told when to write
    again. At that time (the city's clock moved) the held key is decrypted first, and her
    next message under the same room key is read and answered. (Before, Olm messages had
    no hour's budget: she was answered at once.)"""

    def spend(budget: DecryptBudget) -> None:
        budget.limits = replace(budget.limits, olm_per_stranger=1, olm_strangers=1)
        other = nio.OlmEvent({}, "@somebody-else:x", "curve-x", {})
        assert budget.admit([other]).events == [other]  # the hour's one is spent

    await _told_later_then_read(people, synapse, db, spend)


async def test_a_held_room_key_outlasts_a_restart(
    people: list[EncryptedPerson],  # noqa: F811 - the fixture
    synapse: Synapse,
    db: Database,
):
    """While all strangers' Olm budget is spent (by others), a newcomer's room key is held
    and she is told when to write again. The bot restarts before that time: the held key
    is kept in the database and decrypted at the new process's first sync, so her next
    message under the same room key is read and answered. (Before, held messages were kept
    in memory: after the restart her room key was gone and her message unreadable.)"""
    running = Bot(synapse, db, HandlerSettings(backchannels=frozenset({COORDINATORS})))
    transport = await running.start()
    try:
        transport.config = replace(transport.config, greeting_wait_seconds=600)
        budget = transport.shared.budget
        budget.limits = replace(budget.limits, olm_per_stranger=1, olm_strangers=1)
        other = nio.OlmEvent({}, "@somebody-else:x", "curve-x", {})
        assert budget.admit([other]).events == [other]  # the hour's one is spent
        mallory = await _person(people, synapse, "mallory")
        async with delivering(running):  # the line of when to write again: through the outbox
            room = await mallory.dm_like_element_x(running.user_id, "Hallo")
            await mallory.wait_for(lambda e: e["room"] == room and _is(ALL_ANSWER)(body(e)))
        await all_synced(synapse, running)
    finally:
        await running.stop()
    transport = await running.start()  # a new process: the hour's counts forgotten
    try:
        transport.config = replace(transport.config, greeting_wait_seconds=600)
        mark = len(mallory.received)
        await mallory.say(room, "Hallo?")  # the same room key: not shared again
        await mallory.wait_for(lambda e: e["room"] == room and "1️⃣" in body(e), after=mark)
    finally:
        await running.stop()
