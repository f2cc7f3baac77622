"""The crash test's story against the real process (``python -m bot run`` polling the fake
Bot API server): the process itself (``BotProcess``), its people, the story played step by
step with a kill possible between any two steps, and the check that nothing was lost or
done twice. Used by tests/system/test_crash.py, tests/system/test_replicas.py, the cities'
process tests and the benchmarks."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from db import Database
from db.events import Event
from handlers.events.recurrence import local_text
from handlers.events.reminders import sync_event
from tests.support.bot_process import launch_bot
from tests.support.cli import wait_in_log
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.helping_people import found
from tests.support.ports import free_port

GROUP = -100
RESIDENT, VERA, VLAD, CORA = 1001, 2001, 2002, 3001


class BotProcess:
    """``python -m bot run`` as a real process. By default the crash test's bot (polling,
    SQLite in ``tmp``); ``settings`` and ``env`` make another (tests/system/test_replicas.py), and
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
        # A hang detector, not a speed bound: at a load of 30 on two cores a start has
        # taken over 30 s to its first Bot API calls.
        ready_within: float = 180,
        stop_within: float = 15,
        launch: Callable[[Path, dict[str, str], Path], Any] = launch_bot,
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
        self.launch = launch
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0

    async def start(self) -> None:
        """Until the process makes its ``ready`` call; fails at once, with its log, if the
        process ends first (a port taken, a crash), rather than waiting out the bound."""
        mark = len(self.fake.calls)
        self.process = self.launch(self.config, self.env, self.log)
        waiting = asyncio.ensure_future(
            self.fake.wait_for(self.ready, after=mark, timeout=self.ready_within)
        )
        try:
            while not waiting.done():
                await asyncio.wait({waiting}, timeout=0.2)
                if not waiting.done() and self.process.poll() is not None:
                    raise AssertionError(
                        f"{self.config.stem} ended ({self.process.returncode}) before"
                        f" {self.ready}:\n{self._log()[-3000:]}"
                    )
            waiting.result()
        finally:
            waiting.cancel()

    def _log(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

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


class MatrixProcess(BotProcess):
    """``python -m bot run`` with only Matrix configured (no Bot API server to ask): up once
    its log says ``ready`` once more than before this start (``settings`` must log it: a
    city's "running" line needs log_level INFO)."""

    def __init__(
        self,
        tmp: Path,
        settings: str,
        env: dict[str, str],
        *,
        ready: str,
        ready_within: float = 180,
        stop_within: float = 15,
        launch: Callable[[Path, dict[str, str], Path], Any] = launch_bot,
    ) -> None:
        super().__init__(
            tmp,
            None,  # type: ignore[arg-type]
            settings=settings,
            env=env,
            ready=ready,
            ready_within=ready_within,
            stop_within=stop_within,
            launch=launch,
        )
        del self.env["NACHBARBOT_TELEGRAM__TOKEN"]  # no Telegram bot in this installation

    async def start(self, ready: str | None = None) -> None:
        needle = ready or self.ready
        before = self._log().count(needle)
        self.process = self.launch(self.config, self.env, self.log)
        await wait_in_log(self.process, self.log, needle, before=before, within=self.ready_within)


async def seed_story(path: Path) -> int:
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
    resident = await found(db, "telegram", str(RESIDENT))
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


async def until_reminder_due(database: str | Path) -> None:
    """Until seed_story's reminder is due (its ``fire_at``, within a minute of seeding): a
    process started from then on sends it in the round its timed jobs begin with, at its
    start (or, if the scheduler misses that round on a busy machine, the next one), where one
    started before it sends it only in its next round, up to a minute later."""
    db = await Database.open(database)
    try:
        (row,) = await db.fetch_all("SELECT fire_at FROM reminders")
    finally:
        await db.close()
    due = datetime.fromisoformat(str(row[0]).replace("Z", "+00:00"))
    await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))


async def until_outbox_empty(database: str | Path, within: float) -> None:
    """Until every outbox item is sent or given up (polling the database); fails after
    ``within`` seconds, naming the items still undelivered."""
    db = await Database.open(database)
    try:
        deadline = time.monotonic() + within
        while await db.outbox.pending():
            if time.monotonic() > deadline:
                left = await db.fetch_all(
                    "SELECT id, chat_id, attempts, in_doubt, attempt_started_at,"
                    " next_attempt_at, claimed_by FROM outbox"
                    " WHERE sent_at IS NULL AND failed_at IS NULL"
                )
                raise AssertionError(f"undelivered after {within} s: {left}")
            await asyncio.sleep(0.2)
    finally:
        await db.close()


def _texts_to(fake: FakeTelegram, chat: int, needle: str) -> int:
    return sum(needle in c.text for c in fake.calls_to("sendMessage", chat_id=chat))


Step = Callable[[Callable[[], object], Callable[[int], Awaitable[None]]], Awaitable[None]]


def reply_to(
    fake: FakeTelegram, chat: int, needle: str = "", timeout: float = 30
) -> Callable[[int], Awaitable[None]]:
    """What a step expects: a message to ``chat`` containing ``needle``."""

    async def check(mark: int) -> None:
        await fake.wait_for(
            "sendMessage", lambda c: needle in c.text, chat_id=chat, timeout=timeout
        )

    return check


async def play_story(
    fake: FakeTelegram,
    step: Step,
    *,
    messages: int,
    timeout: float = 30,
    after_posting: Callable[[], object] = lambda: None,
) -> tuple[int, list[tuple[int, str]]]:
    """The help story, each update sent by ``step`` (which may kill a process around it):
    Amira asks for shopping help, Cora approves, Vlad is offered it, Vera accepts, they
    exchange ``messages`` relayed messages, the help is done and its time reported.
    ``after_posting`` runs once the request is in the backchannel. The request's id and the
    relayed (receiver, text) pairs."""

    def expect(chat: int, needle: str = "") -> Callable[[int], Awaitable[None]]:
        return reply_to(fake, chat, needle, timeout)

    await step(lambda: fake.press(RESIDENT, "hr:new"), expect(RESIDENT))
    await step(lambda: fake.press(RESIDENT, "hr:cat:shopping"), expect(RESIDENT, "✍️"))
    await step(lambda: fake.send_text(RESIDENT, "Einkauf für meine Mutter"), expect(RESIDENT, "📍"))
    await step(lambda: fake.send_text(RESIDENT, "Nordmarkt"), expect(RESIDENT, "🕓"))
    await step(lambda: fake.press(RESIDENT, "hr:when:asap"), expect(RESIDENT, "🗣"))
    await step(lambda: fake.press(RESIDENT, "hr:langs-done"), expect(RESIDENT, "📋"))
    await step(lambda: fake.press(RESIDENT, "hr:send"), expect(GROUP, "Einkauf"))
    after_posting()
    post = fake.calls_to("sendMessage", chat_id=GROUP)[-1]
    request_id = int(post.button_data("✅").split(":")[2])
    await step(lambda: fake.press(CORA, f"mod:ok:{request_id}", post), expect(VLAD, "🔔"))
    await step(lambda: fake.press(VERA, f"mt:acc:{request_id}"), expect(RESIDENT, "🎉"))
    relayed = []
    for number in range(1, messages + 1):
        sender, receiver = (RESIDENT, VERA) if number % 2 else (VERA, RESIDENT)
        text = f"Nachricht {number}"
        relayed.append((receiver, text))
        await step(partial(fake.send_text, sender, text), expect(receiver, text))
    await step(lambda: fake.press(RESIDENT, f"rl:done:{request_id}"), expect(RESIDENT, "✅"))
    await step(lambda: fake.press(RESIDENT, f"rl:doney:{request_id}"), expect(VERA, "⏱"))
    await step(lambda: fake.press(VERA, f"rl:min:{request_id}:60"), expect(VERA, "💬"))
    return request_id, relayed


async def check_story(
    fake: FakeTelegram, database: str | Path, request_id: int, relayed: list[tuple[int, str]]
) -> None:
    """After the story: the request went through each state once and is done with its
    time, nothing is left in the outbox, the database checks pass, and every message
    arrived - once, or twice only when the bot flagged the send in doubt (a kill cut it off
    in mid-request; the Bot API offers no way to know or undo it)."""
    from bot.cli.checks import database_checks

    db = await Database.open(database)
    try:
        request = await db.requests.get(request_id)
        assert request is not None
        assert request.state == "done" and request.minutes_spent == 60
        actions = [e["action"] for e in await db.requests.history(request_id)]
        for once in ("request.review", "request.open", "request.matched", "request.done"):
            assert actions.count(once) == 1, (once, actions)
        assert await db.outbox.pending() == 0
        rows = await db.fetch_all("SELECT payload FROM outbox WHERE in_doubt = 1")
        doubtful = " ".join(row[0] for row in rows)
        problems = [c async for c in database_checks(db) if c[1] != "ok"]
        assert not problems, problems
    finally:
        await db.close()
    for receiver, text in [
        *relayed,
        (RESIDENT, "Nachbarschaftscafé"),
        (GROUP, "Einkauf für meine Mutter"),
        (VLAD, "🔔"),
    ]:
        seen = _texts_to(fake, receiver, text)
        allowed = 2 if text in doubtful else 1
        assert 1 <= seen <= allowed, (receiver, text, seen)


async def kill_and_restart(
    bot: BotProcess, when: float | str, expect: Callable[[int], Awaitable[Any]], mark: int
) -> None:
    """Kill ``bot`` ``when`` seconds after an update was sent (while it handles it), or
    "after" its expected effect (from call ``mark`` on) came; start it again."""
    if when == "after":
        await expect(mark)
    else:
        await asyncio.sleep(float(when))
    bot.kill()
    await bot.start()


# The replicas' webhook secret (tests/system/test_replicas.py, bench/cluster_bench.py).
SECRET = "replica-secret"


def replica(
    tmp: Path,
    name: str,
    url: str,
    fake: FakeTelegram,
    env: dict[str, str] | None = None,
    launch: Callable[[Path, dict[str, str], Path], Any] = launch_bot,
) -> tuple[BotProcess, str]:
    """One bot process in webhook mode on its own port, and the address the load balancer
    posts to; ``env`` adds settings (bench/cluster_bench.py lifts the limits with it),
    ``launch`` starts it (as ``BotProcess``'s)."""
    port = free_port()
    settings = (
        f'[bot]\ndatabase = "{url}"\nlog_level = "WARNING"\n'
        f'[telegram]\napi_base_url = "{fake.url}"\nmode = "webhook"\n'
        'webhook_url = "https://bot.example.org/telegram"\n'
        f'webhook_listen = "127.0.0.1"\nwebhook_port = {port}\n'
        f'[help]\ntelegram_backchannel = "{GROUP}"\nnew_user_cooldown_minutes = 0\n'
        "require_verified_volunteers = false\n"
    )
    bot = BotProcess(
        tmp,
        fake,
        name=name,
        settings=settings,
        env={"NACHBARBOT_TELEGRAM__WEBHOOK_SECRET": SECRET, **(env or {})},
        ready="setWebhook",
        ready_within=180,
        stop_within=20,
        launch=launch,
    )
    return bot, f"http://127.0.0.1:{port}/telegram"
