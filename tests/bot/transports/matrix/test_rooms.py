"""Which Matrix rooms are private: asked from the homeserver, kept across restarts.

The bot runs as ``python -m bot run`` against a real Synapse (each start a new process,
forked from one that imported the bot once), with people on matrix-nio clients. After a
restart matrix-nio knows nobody in a room (the sync goes on from the stored token, without
the rooms' state), so a member count taken from it made every group a "private chat": the
bot answered there, took a group message for a private one and later posted a volunteer's
offer into the group.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace

import nio
import pytest

from db import Database
from db.transport_state import NEXT_BATCH
from handlers.updates.chats import LEAVING
from locales import translator
from tests.support.cli import wait_in_log
from tests.support.forked_bot import MATRIX, ForkedBot, Zygote
from tests.support.matrix_bot import onboard, synced_to_now
from tests.support.matrix_people import HANG, MatrixPerson, body
from tests.support.synapse_server import Synapse

_NUMBERS = itertools.count(1)


class BotProcess:
    """``python -m bot run`` with only Matrix configured; restartable."""

    def __init__(self, tmp: Path, synapse: Synapse, zygote: Zygote) -> None:
        registration = synapse.register(f"roomsbot{next(_NUMBERS)}")
        self.user_id = registration["user_id"]
        self.token = registration["access_token"]
        self.device_id = registration["device_id"]
        self.synapse = synapse
        self.database = tmp / "bot.sqlite3"
        self.config = tmp / "bot.toml"
        self.config.write_text(
            f'[bot]\ndatabase = "{self.database}"\nlog_level = "INFO"\n'
            f'[matrix]\nhomeserver = "{synapse.url}"\nuser_id = "{self.user_id}"\n'
            # A new direct chat greeted at once (3 s in a city): no test here is about
            # a first message that comes before the greeting.
            "sync_timeout = 1\ngreeting_wait_seconds = 0\n",
            encoding="utf-8",
        )
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("NACHBARBOT_")}
        self.env["NACHBARBOT_MATRIX__ACCESS_TOKEN"] = self.token
        self.log = tmp / "bot.log"
        self.launch = zygote.launch
        self.process: subprocess.Popen[bytes] | ForkedBot | None = None

    async def start(self) -> None:
        before = self.log.read_text(errors="replace").count("running: ") if self.log.exists() else 0
        self.process = self.launch(self.config, self.env, self.log)
        await wait_in_log(self.process, self.log, "running: ", before=before)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    async def restart(self) -> None:
        self.stop()
        await self.start()

    async def join_by_hand(self, room_id: str) -> None:
        """Join with the bot's account directly, as the bot before this fix joined any
        room it was invited to."""
        client = nio.AsyncClient(self.synapse.url, self.user_id)
        client.access_token, client.user_id, client.device_id = (
            self.token,
            self.user_id,
            self.device_id,
        )
        try:
            assert isinstance(await client.join(room_id), nio.JoinResponse)
        finally:
            await client.close()


@pytest.fixture
async def people(synapse: Synapse) -> AsyncIterator[SimpleNamespace]:
    team = SimpleNamespace(
        alice=MatrixPerson(synapse, "alice"),
        cora=MatrixPerson(synapse, "cora"),
        dave=MatrixPerson(synapse, "dave"),
    )
    for person in vars(team).values():
        await person.start()
    yield team
    for person in vars(team).values():
        await person.stop()


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    """The file's bot processes (two to three a test) fork from one that imported the bot
    and its Matrix transport once (tests/support/forked_bot.py)."""
    with Zygote(preload=MATRIX) as forking:
        yield forking


@pytest.fixture
async def bot(tmp_path: Path, synapse: Synapse, zygote: Zygote) -> AsyncIterator[BotProcess]:
    process = BotProcess(tmp_path, synapse, zygote)
    yield process
    process.stop()


def from_bot(person: MatrixPerson, bot: BotProcess, room: str, after: int) -> list[dict]:
    return [
        event
        for event_room, event in person.received[after:]
        if event_room == room and event.get("sender") == bot.user_id
    ]


async def bot_synced(bot: BotProcess) -> None:
    """Until the bot process has taken (and answered) every event the homeserver holds for
    it: its stored sync token, read from its database, is the homeserver's now."""
    db = await Database.open(bot.database)
    try:
        await synced_to_now(bot.synapse.url, bot.token, lambda: db.transport_state.get(NEXT_BATCH))
    finally:
        await db.close()


async def bot_is_member(person: MatrixPerson, bot: BotProcess, room: str) -> bool:
    members = await person.client.joined_members(room)
    assert isinstance(members, nio.JoinedMembersResponse), members
    return any(m.user_id == bot.user_id for m in members.members)


async def bot_has_left(person: MatrixPerson, bot: BotProcess, room: str) -> None:
    """Wait until the bot is no longer in ``room`` (the time-out only detects a hang)."""
    deadline = asyncio.get_running_loop().time() + HANG
    while await bot_is_member(person, bot, room):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the bot stayed in the room")
        await asyncio.sleep(0.1)


async def test_a_group_is_not_a_private_chat_after_a_restart(
    bot: BotProcess, people: SimpleNamespace
):
    alice, cora, dave = people.alice, people.cora, people.dave
    # A group of three with the bot in it, as the bot joined any room before this fix.
    created = await cora.client.room_create(name="Nachbarn", invite=[dave.user_id, bot.user_id])
    assert isinstance(created, nio.RoomCreateResponse), created
    group = created.room_id
    assert isinstance(await dave.client.join(group), nio.JoinResponse)
    await bot.join_by_hand(group)

    await bot.start()
    room = await onboard(alice, bot, "2")  # English, in a direct chat
    await bot.restart()

    mark_cora, mark_dave = len(cora.received), len(dave.received)
    await dave.say(group, "!start")
    await dave.say(group, "Ich brauche Hilfe beim Einkaufen")
    await cora.say(group, "1")
    await bot_synced(bot)  # the group's three messages taken (and answered, if at all)
    # The direct chat still works after the restart.
    mark = len(alice.received)
    await alice.say(room, "!help")
    await alice.wait_for(lambda e: "!menu" in body(e), after=mark)
    await bot_synced(bot)
    # Whatever the bot said in the group is in the homeserver now, and so with them.
    await cora.caught_up()
    await dave.caught_up()
    assert from_bot(cora, bot, group, mark_cora) == []
    assert from_bot(dave, bot, group, mark_dave) == []
    bot.stop()

    db = await Database.open(bot.database)
    try:
        # Not handled as anyone's private message: nobody from the group became a user.
        assert await db.users.find("matrix", dave.user_id) is None
        assert await db.users.find("matrix", cora.user_id) is None
        user = await db.users.find("matrix", alice.user_id)
        assert user is not None and user.chat_id == room
    finally:
        await db.close()


async def test_a_direct_chat_that_gains_a_third_person_is_left(
    bot: BotProcess, people: SimpleNamespace
):
    alice, dave = people.alice, people.dave
    await bot.start()
    room = await onboard(alice, bot, "2")  # English
    bot.stop()
    # While the bot is away, Alice brings Dave into her chat with the bot.
    assert isinstance(await alice.client.room_invite(room, dave.user_id), nio.RoomInviteResponse)
    assert isinstance(await dave.client.join(room), nio.JoinResponse)
    mark = len(alice.received)
    await bot.start()
    # One line why, in Alice's language, and the bot is gone.
    note = await alice.wait_for(lambda e: "👋" in body(e), after=mark)
    assert body(note) == str(translator("en").t(LEAVING))
    await bot_has_left(alice, bot, room)
    assert len(from_bot(alice, bot, room, mark)) == 1


async def test_an_invite_to_a_group_gets_one_line_and_the_bot_leaves(
    bot: BotProcess, people: SimpleNamespace
):
    alice, cora, dave = people.alice, people.cora, people.dave
    await bot.start()
    mark = len(cora.received)
    created = await cora.client.room_create(name="Hof", invite=[dave.user_id, bot.user_id])
    assert isinstance(created, nio.RoomCreateResponse), created
    group = created.room_id
    note = await cora.wait_for(lambda e: e.get("room") == group and "👋" in body(e), after=mark)
    # Cora never wrote to the bot: the city's language.
    assert body(note) == str(translator("de").t(LEAVING))
    await bot_has_left(cora, bot, group)
    # A direct chat is joined and served as before.
    room = await onboard(alice, bot, "2")
    assert room != group


async def test_invites_sent_before_the_first_start_are_answered_once_it_runs(
    bot: BotProcess, people: SimpleNamespace
):
    """The first sync of a new installation carries invites sent while the bot was not
    running (and any sent during its start-up); they wait until the bot may send, then a
    group hears why the bot leaves and a direct chat is greeted."""
    alice, cora, dave = people.alice, people.cora, people.dave
    created = await cora.client.room_create(name="Hof", invite=[dave.user_id, bot.user_id])
    assert isinstance(created, nio.RoomCreateResponse), created
    group = created.room_id
    direct = await alice.client.room_create(is_direct=True, invite=[bot.user_id])
    assert isinstance(direct, nio.RoomCreateResponse), direct
    mark_cora, mark_alice = len(cora.received), len(alice.received)

    await bot.start()
    note = await cora.wait_for(
        lambda e: e.get("room") == group and "👋" in body(e), after=mark_cora
    )
    assert body(note) == str(translator("de").t(LEAVING))
    await bot_has_left(cora, bot, group)
    # The greeting with the language picker, in the direct chat only.
    await alice.wait_for(
        lambda e: e.get("room") == direct.room_id and "1️⃣" in body(e), after=mark_alice
    )
    assert len(from_bot(cora, bot, group, mark_cora)) == 1
