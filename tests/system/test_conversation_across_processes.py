"""One conversation through two bot processes on one PostgreSQL database, each update taken
by the other process than the last (a load balancer in front, docs/postgresql.md): what a
conversation needs between two updates must be where the next process finds it (the
database: conversation state, db/conversation_marks.py; or the update itself).

Two real ``python -m bot run`` processes in webhook mode, with the SMS transport on the fake
Android gateway: Amira's help request form, its location step (the reply keyboard asked for
by one process must be taken away by the other's answer to her typed district), an album
she sends, a command an anonymous admin sends in the coordinators' group twice, and a
stranger's STOP texted twice. Nothing lost, nobody told twice.
"""

from __future__ import annotations

import asyncio
import itertools

import pytest

from handlers.staff import UNNAMED
from locales import translator
from tests.support.crash_story import CORA, GROUP, RESIDENT, SECRET, replica, seed_story
from tests.support.fake_telegram import GROUP_ANONYMOUS_BOT, FakeTelegram, LoadBalancedWebhook
from tests.support.ports import free_port
from tests.support.sms.android_gateway import FakeAndroidGateway
from tests.support.sms.fixtures import android_gateway

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])
__all__ = ["android_gateway"]

STRANGER = "+4917612398765"
GROUP_CHAT = {"id": GROUP, "type": "supergroup", "title": "Koordination"}
# Cora's command that ends the group's round: its answer comes after the others'.
VERIFY_USAGE = translator("de").t(
    "Please name the number of a registered volunteer, for example: /verify 17"
)


def _sms_settings(gateway: FakeAndroidGateway, port: int) -> dict[str, str]:
    return {
        "NACHBARBOT_SMS__ENABLED": "true",
        "NACHBARBOT_SMS__GATEWAY": "android",
        "NACHBARBOT_SMS__URL": gateway.url,
        "NACHBARBOT_SMS__USERNAME": gateway.username,
        "NACHBARBOT_SMS__PASSWORD": gateway.password,
        "NACHBARBOT_SMS__INCOMING_SECRET": gateway.signing_key,
        "NACHBARBOT_SMS__PORT": str(port),
    }


async def _answer(fake: FakeTelegram, chat: int, needle: str, mark: int) -> None:
    await fake.wait_for("sendMessage", lambda c: needle in c.text, chat_id=chat, after=mark)


async def test_a_conversation_goes_on_at_whichever_process_takes_the_next_update(
    tmp_path, fake_telegram: FakeTelegram, database_url: str, android_gateway: FakeAndroidGateway
):
    fake = fake_telegram
    fake.names.update({RESIDENT: "Amira", CORA: "Cora"})
    await seed_story(database_url)  # type: ignore[arg-type]
    ports = [free_port(), free_port()]
    members = [
        replica(tmp_path, name, database_url, fake, env=_sms_settings(android_gateway, port))
        for name, port in zip("ab", ports, strict=True)
    ]
    bots = [bot for bot, _ in members]
    # One update at a time, each to the other process than the last.
    balancer = LoadBalancedWebhook(
        fake, [target for _, target in members], parallel=1, secret=SECRET
    )
    try:
        for bot in bots:
            await bot.start()
        balancer.start()

        async def step(send, chat: int, needle: str) -> None:
            mark = len(fake.calls)
            send()
            await _answer(fake, chat, needle, mark)

        # The form, each step at the other process.
        await step(lambda: fake.press(RESIDENT, "hr:new"), RESIDENT, "")
        await step(lambda: fake.press(RESIDENT, "hr:cat:shopping"), RESIDENT, "✍️")
        await step(lambda: fake.send_text(RESIDENT, "Einkauf für meine Mutter"), RESIDENT, "📍")
        labels = [b["text"] for row in fake.reply_keyboards[str(RESIDENT)] for b in row]
        assert any("📍" in label for label in labels), labels
        # The district typed instead: the other process answers, and takes the keyboard away.
        await step(lambda: fake.send_text(RESIDENT, "Nordmarkt"), RESIDENT, "🕓")
        await fake.settle()
        assert str(RESIDENT) not in fake.reply_keyboards
        await step(lambda: fake.press(RESIDENT, "hr:when:asap"), RESIDENT, "🗣")
        await step(lambda: fake.press(RESIDENT, "hr:langs-done"), RESIDENT, "📋")
        await step(lambda: fake.press(RESIDENT, "hr:send"), GROUP, "Einkauf")

        # An album of two photos, its items at either process: answered once.
        mark = len(fake.calls)
        for index in range(2):
            photo = {"file_id": f"album-{index}", "file_unique_id": f"u{index}", "width": 9}
            fake.send_message(RESIDENT, media_group_id="24680", photo=[{**photo, "height": 9}])
        fake.send_text(RESIDENT, "/help")
        # The answer to /help comes after the album's (one update at a time, in order).
        await fake.wait_for(
            "sendMessage", lambda c: not c.text.startswith("🙈"), chat_id=RESIDENT, after=mark
        )
        await fake.settle()
        to_her = fake.calls_to("sendMessage", chat_id=RESIDENT)
        album_answers = [c for c in to_her if c.text.startswith("🙈")]
        assert len(album_answers) == 1, [c.text for c in to_her]

        # Two commands sent as the group, one at each process: the group is told once.
        mark = len(fake.calls)
        for command in ("/pending", "/stats"):
            fake.send_text(
                0,
                command,
                chat_type="supergroup",
                chat_id=GROUP,
                sender=GROUP_ANONYMOUS_BOT,
                sender_chat=GROUP_CHAT,
            )
        fake.send_text(0, "/verify", chat_type="supergroup", chat_id=GROUP, sender=fake.user(CORA))
        await _answer(fake, GROUP, VERIFY_USAGE, mark)
        said = [c.text for c in fake.calls[mark:] if c.method == "sendMessage"][:-1]
        assert said == [translator("de").t(UNNAMED["group"])], said

        # A stranger's STOP, texted twice, once to each process: confirmed once.
        urls = [f"http://127.0.0.1:{port}/sms" for port in ports]
        for url, word in zip(urls, ("STOP", "Stop"), strict=True):
            deliveries = await android_gateway.receive_sms(STRANGER, word, url=url)
            assert [d.status for d in deliveries] == [200]
        for _ in range(100):
            told = [m for m in android_gateway.sent if STRANGER in m.phone_numbers]
            if told:
                break
            await asyncio.sleep(0.1)
        await fake.settle(quiet=2.0)
        told = [m.text for m in android_gateway.sent if STRANGER in m.phone_numbers]
        assert len(told) == 1, told
        # Every update went to the other process than the one before it.
        targets = [target for _, target in balancer.delivered]
        assert all(a != b for a, b in itertools.pairwise(targets)), targets
    finally:
        await balancer.stop()
        for bot in bots:
            bot.stop()
