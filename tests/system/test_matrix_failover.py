"""An encrypted Matrix chat survives the Matrix role moving to another process: two real
``python -m bot run`` processes on one PostgreSQL database and the real Synapse; the one
holding the role is killed, the other takes it with the device's keys from the database.
The person does nothing and sees no "unable to decrypt"; the bot keeps one device."""

from __future__ import annotations

import nio
import pytest

from tests.support.crash_story import BotProcess
from tests.support.fake_telegram import FakeTelegram
from tests.support.forked_bot import launch_forked
from tests.support.matrix_bot import BOT_NUMBERS
from tests.support.matrix_encrypted_people import EncryptedPerson
from tests.support.matrix_people import body
from tests.support.synapse_server import Synapse

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])

PASSWORD = "bot-password-123"


def _process(tmp_path, name: str, url: str, fake: FakeTelegram, synapse: Synapse, user: str):
    settings = (
        f'[bot]\ndatabase = "{url}"\nlog_level = "WARNING"\n'
        f'[telegram]\napi_base_url = "{fake.url}"\npoll_timeout = 1\n'
        f'[matrix]\nhomeserver = "{synapse.url}"\nuser_id = "{user}"\nsync_timeout = 1\n'
        "greeting_wait_seconds = 600\n"
    )
    return BotProcess(
        tmp_path,
        fake,
        name=name,
        settings=settings,
        env={"NACHBARBOT_MATRIX__PASSWORD": PASSWORD},
        ready_within=180,
        stop_within=20,
        launch=launch_forked,
    )


async def _devices(synapse: Synapse, user: str) -> list[str]:
    client = nio.AsyncClient(synapse.url, user)
    try:
        login = await client.login(PASSWORD, device_name="test-observer")
        assert isinstance(login, nio.LoginResponse), login
        response = await client.devices()
        assert isinstance(response, nio.DevicesResponse), response
        return sorted(d.id for d in response.devices if d.id != login.device_id)
    finally:
        await client.logout()
        await client.close()


async def test_an_encrypted_chat_goes_on_when_the_matrix_role_moves(
    tmp_path, fake_telegram: FakeTelegram, database_url: str, synapse: Synapse
):
    registration = synapse.register(f"failoverbot{next(BOT_NUMBERS)}", password=PASSWORD)
    bot_user = registration["user_id"]
    first = _process(tmp_path, "a", database_url, fake_telegram, synapse, bot_user)
    second = _process(tmp_path, "b", database_url, fake_telegram, synapse, bot_user)
    eva = EncryptedPerson(synapse, "eva")
    await eva.start()
    try:
        await first.start()
        # Started means polling Telegram; Eva writes once the bot's device has keys.
        await eva.wait_for_keys_of(bot_user)
        room = await eva.dm_like_element_x(bot_user, "Hallo")
        await eva.wait_for(lambda e: "1️⃣" in body(e) and e["room"] == room)
        mark = len(eva.received)
        await eva.say(room, "3")
        await eva.wait_for(lambda e: body(e).startswith("🔊 "), after=mark)  # read aloud?
        # The bot's own device (registering made another, for the token it came with).
        devices = await _devices(synapse, bot_user)
        assert len(devices) == 2 and registration["device_id"] in devices

        # A second process joins; then the holder of the Matrix role dies.
        await second.start()
        first.kill()
        mark = len(eva.received)
        await eva.say(room, "!language")
        picker = await eva.wait_for(lambda e: "1️⃣" in body(e), after=mark, timeout=120)
        assert picker["room"] == room
        assert not eva.undecrypted
        assert await _devices(synapse, bot_user) == devices
    finally:
        first.stop()
        second.stop()
        await eva.stop()
