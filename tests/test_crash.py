"""Crash test: the bot as a real process, killed with SIGKILL at 20 points of a story.

The fake Telegram server keeps an update until the bot acknowledges it (the next
getUpdates offset), like Telegram: an update whose handling was cut short comes again after
the restart. Afterwards no request, decision, relayed message or reminder is lost, none is
delivered twice, and the database invariants hold.

Run alone: ``.venv/bin/python -m pytest tests/test_crash.py tests/test_outage.py``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from db import Database
from db.events import Event
from handlers.events.recurrence import local_text
from handlers.events.reminders import sync_event
from tests.cli import ROOT
from tests.fake_telegram import TOKEN, FakeTelegram

GROUP = -100
RESIDENT, VERA, VLAD, CORA = 1001, 2001, 2002, 3001


class BotProcess:
    """``python -m bot run`` as a real process. By default the crash test's bot (polling,
    SQLite in ``tmp``); ``settings`` and ``env`` make another (tests/test_replicas.py), and
    ``ready`` is the Bot API call that says it is up."""

    def __init__(
        self,
        tmp: Path,
        fake: FakeTelegram,
        *,
        name: str = "bot",
        settings: str | None = None,
        env: dict[str, str] | None = None,
        ready: str = "getMe",
        ready_within: float = 30,
        stop_within: float = 15,
    ) -> None:
        self.config = tmp / f"{name}.toml"
        self.config.write_text(
            settings
            or (
                f'[bot]\ndatabase = "{tmp / "bot.sqlite3"}"\nlog_level = "WARNING"\n'
                f'[telegram]\napi_base_url = "{fake.url}"\npoll_timeout = 1\n'
                f'[help]\ntelegram_backchannel = "{GROUP}"\nnew_user_cooldown_minutes = 0\n'
                "require_verified_volunteers = false\n"
            ),
            encoding="utf-8",
        )
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("NACHBARBOT_")}
        self.env["NACHBARBOT_TELEGRAM__TOKEN"] = TOKEN
        self.env.update(env or {})
        self.log = tmp / f"{name}.log"
        self.fake = fake
        self.ready = ready
        self.ready_within = ready_within
        self.stop_within = stop_within
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0

    async def start(self) -> None:
        mark = len(self.fake.calls)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(self.config), "run"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        await self.fake.wait_for(self.ready, after=mark, timeout=self.ready_within)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=self.stop_within)
            except subprocess.TimeoutExpired:
                self.process.kill()


async def _seed(path: Path) -> int:
    """People who already onboarded, two volunteers, and a reminder due in a minute."""
    db = await Database.open(path)
    for uid, name, lang in (
        (RESIDENT, "Amira", "ar"),
        (VERA, "Vera", "de"),
        (VLAD, "Vlad", "uk"),
        (CORA, "Cora", "de"),
    ):
        user = await db.users.seen("telegram", str(uid), str(uid), name)
        await db.users.set_language(user.id, lang)
        await db.users.record_consent(user.id)
        if uid in (VERA, VLAD):
            await db.volunteers.save(
                user.id,
                categories=("shopping",),
                stadtbezirke=("Innenstadt-Nord",),
                languages=("de",),
                quiet_start=0,
                quiet_end=0,
                max_open=2,
            )
        if uid == CORA:
            await db.users.grant_role(user.id, "coordinator")
    resident = await db.users.find("telegram", str(RESIDENT))
    await db.users.set_reminder_offsets(resident.id, [60])
    start = datetime.now(UTC) + timedelta(minutes=61)
    event_id, _, _ = await db.events.upsert(
        Event(uid="crash", title="Nachbarschaftscafé", starts_local=local_text(start))
    )
    async with db.transaction():
        await db.events.follow(resident.id, event_id)
        await sync_event(db, event_id, datetime.now(UTC))
    await db.close()
    return event_id


def _texts_to(fake: FakeTelegram, chat: int, needle: str) -> int:
    return sum(needle in c.text for c in fake.calls_to("sendMessage", chat_id=chat))


async def test_story_survives_twenty_kills(tmp_path, fake_telegram: FakeTelegram):
    fake = fake_telegram
    fake.names.update({RESIDENT: "Amira", VERA: "Vera", VLAD: "Vlad", CORA: "Cora"})
    await _seed(tmp_path / "bot.sqlite3")
    bot = BotProcess(tmp_path, fake)
    await bot.start()
    kill_plan = iter([0.0, 0.02, 0.08, 0.25, "after"] * 4)

    async def step(send, expect, *, kill: bool = True) -> None:
        """Inject an update; perhaps kill the bot while it handles it; restart; expect."""
        mark = len(fake.calls)
        send()
        if kill:
            when = next(kill_plan)
            if when == "after":
                await expect(mark)
            else:
                await asyncio.sleep(when)
            bot.kill()
            await bot.start()
        await expect(mark)

    def reply_to(chat: int, needle: str = ""):
        async def check(mark: int) -> None:
            await fake.wait_for("sendMessage", lambda c: needle in c.text, chat_id=chat, timeout=30)

        return check

    await step(lambda: fake.press(RESIDENT, "hr:new"), reply_to(RESIDENT))
    await step(lambda: fake.press(RESIDENT, "hr:cat:shopping"), reply_to(RESIDENT, "✍️"))
    await step(
        lambda: fake.send_text(RESIDENT, "Einkauf für meine Mutter"), reply_to(RESIDENT, "📍")
    )
    await step(lambda: fake.send_text(RESIDENT, "Nordmarkt"), reply_to(RESIDENT, "🕓"))
    await step(lambda: fake.press(RESIDENT, "hr:when:asap"), reply_to(RESIDENT, "🗣"))
    await step(lambda: fake.press(RESIDENT, "hr:langs-done"), reply_to(RESIDENT, "📋"))
    await step(lambda: fake.press(RESIDENT, "hr:send"), reply_to(GROUP, "Einkauf"))
    post = fake.calls_to("sendMessage", chat_id=GROUP)[-1]
    request_id = int(post.button_data("✅").split(":")[2])
    await step(lambda: fake.press(CORA, f"mod:ok:{request_id}", post), reply_to(VLAD, "🔔"))
    await step(lambda: fake.press(VERA, f"mt:acc:{request_id}"), reply_to(RESIDENT, "🎉"))
    relayed = []
    for number in range(1, 9):
        sender, receiver = (RESIDENT, VERA) if number % 2 else (VERA, RESIDENT)
        text = f"Nachricht {number}"
        relayed.append((receiver, text))
        await step(lambda s=sender, t=text: fake.send_text(s, t), reply_to(receiver, text))
    await step(lambda: fake.press(RESIDENT, f"rl:done:{request_id}"), reply_to(VERA, "⏱"))
    await step(lambda: fake.press(VERA, f"rl:min:{request_id}:60"), reply_to(VERA, "💬"))
    # The reminder falls due about a minute after seeding; one more kill on the way.
    bot.kill()
    await bot.start()
    await fake.wait_for(
        "sendMessage", lambda c: "Nachbarschaftscafé" in c.text, chat_id=RESIDENT, timeout=150
    )
    await fake.settle(quiet=2.0, timeout=20)
    bot.stop()
    assert bot.kills >= 20

    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        request = await db.requests.get(request_id)
        assert request.state == "done" and request.minutes_spent == 60
        actions = [e["action"] for e in await db.requests.history(request_id)]
        for once in ("request.review", "request.open", "request.matched", "request.done"):
            assert actions.count(once) == 1, (once, actions)
        assert await db.outbox.pending() == 0
        async with db.conn.execute("SELECT payload FROM outbox WHERE in_doubt = 1") as cur:
            doubtful = " ".join(row[0] for row in await cur.fetchall())
        in_doubt = {
            text
            for _, text in [
                *relayed,
                (0, "Nachbarschaftscafé"),
                (0, "Einkauf für meine Mutter"),
                (0, "🔔"),
            ]
            if text in doubtful
        }
        from bot.checks import database_checks

        problems = [c async for c in database_checks(db) if c[1] != "ok"]
        assert not problems, problems
    finally:
        await db.close()
    # Nothing lost; nothing twice - except a send the kill cut off in mid-request, which the
    # bot flagged as in doubt and repeated (the Bot API offers no way to know or undo it).
    for receiver, text in [
        *relayed,
        (RESIDENT, "Nachbarschaftscafé"),
        (GROUP, "Einkauf für meine Mutter"),
        (VLAD, "🔔"),
    ]:
        seen = _texts_to(fake, receiver, text)
        allowed = 2 if text in in_doubt else 1
        assert 1 <= seen <= allowed, (receiver, text, seen, in_doubt)
