"""The coordinators' Telegram group: short answers without a main menu, and commands
addressed to other bots left alone. Real python-telegram-bot against the fake Bot API."""

from __future__ import annotations

import asyncio

import pytest

from db import Database
from handlers.settings import HandlerSettings
from tests.support.fake_telegram import BOT_USER, FakeTelegram

GROUP = -1001
CORA, NICO = 3001, 4001


@pytest.fixture
def settings() -> HandlerSettings:
    return HandlerSettings(backchannels=frozenset({("telegram", str(GROUP))}))


async def _member(db: Database, uid: int, name: str, *roles: str) -> None:
    user = await db.users.seen("telegram", str(uid), str(uid), name)
    await db.users.set_language(user.id, "de")
    await db.users.record_consent(user.id)
    for role in roles:
        await db.users.grant_role(user.id, role)


async def handled(fake: FakeTelegram, update_id: int) -> None:
    """Until the bot has confirmed the update, which it does once it handled it and sent
    its answers (bot/transports/telegram_polling.py): an answer or none, whatever the
    machine's speed (a guard of a minute against a hang, never a measure)."""
    for _ in range(3000):
        if update_id not in fake.unconfirmed():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"update {update_id} never handled")


async def _in_group(fake: FakeTelegram, uid: int, text: str):
    """What the bot posts in the group after ``text`` (None: nothing)."""
    mark = len(fake.calls)
    await handled(fake, fake.send_text(uid, text, chat_type="supergroup", chat_id=GROUP))
    posts = [c for c in fake.calls[mark:] if c.method == "sendMessage"]
    assert all(str(c.params.get("chat_id")) == str(GROUP) for c in posts), posts
    assert len(posts) <= 1, posts
    return posts[0] if posts else None


async def test_group_refusals_and_unknown_commands(
    fake_telegram: FakeTelegram, telegram_bot, db: Database
):
    fake = fake_telegram
    fake.names.update({CORA: "Cora", NICO: "Nico"})
    await _member(db, CORA, "Cora", "coordinator")
    await _member(db, NICO, "Nico")

    # A member without the role: a short refusal, and no main-menu button that would do
    # nothing in the group.
    refusal = await _in_group(fake, NICO, "/pending")
    assert refusal is not None and "⛔" in refusal.text
    assert refusal.buttons == []

    # A command the group does not know: a short answer naming the group's commands.
    unknown = await _in_group(fake, CORA, "/nosuch")
    assert unknown is not None
    assert "/nosuch" in unknown.text and "/pending" in unknown.text
    assert "/privacy" not in unknown.text  # a private-chat command is not offered here
    assert unknown.buttons == []
    assert len(unknown.text) < 300

    # A private-chat command in the group gets the same short answer.
    help_here = await _in_group(fake, CORA, f"/help@{BOT_USER['username']}")
    assert help_here is not None and "/pending" in help_here.text

    # Addressed to another bot: not ours to answer, whoever sends it.
    assert await _in_group(fake, CORA, "/help@otherbot") is None
    assert await _in_group(fake, CORA, "/pending@otherbot") is None
    assert await _in_group(fake, NICO, "/pending@otherbot") is None

    # Addressed to this bot: works as without the name.
    pending = await _in_group(fake, CORA, f"/pending@{BOT_USER['username']}")
    assert pending is not None and "⛔" not in pending.text and "🤔" not in pending.text


async def test_commands_for_other_bots_still_count_in_a_private_chat(
    fake_telegram: FakeTelegram, telegram_bot, db: Database
):
    # In a private chat there is no other bot to mean: the name is simply dropped.
    await _member(db, NICO, "Nico")
    mark = len(fake_telegram.calls)
    fake_telegram.send_text(NICO, "/help@otherbot")
    answer = await fake_telegram.wait_for("sendMessage", after=mark, chat_id=NICO)
    assert "/menu" in answer.text  # the short /help, not "unknown command"


async def test_a_typed_number_that_names_no_request_is_told_so(
    fake_telegram: FakeTelegram, telegram_bot, db: Database
):
    """/publish, /reject and /offer with a number no request has (a typo on a busy day):
    the coordinator is told there is no such request - not that it "can no longer be
    changed", which sends them looking for who changed it - and nothing happens."""
    from handlers.helping.moderation import NO_SUCH_REQUEST
    from locales import translator

    fake = fake_telegram
    fake.names.update({CORA: "Cora"})
    await _member(db, CORA, "Cora", "coordinator")
    t = translator("de")
    for typed in ("/publish 999", "/reject 999 scope", "/offer 999"):
        answer = await _in_group(fake, CORA, typed)
        assert answer is not None, typed
        assert answer.text == str(t.t(NO_SUCH_REQUEST, id=999)), (typed, answer.text)
    assert await db.requests.get(999) is None


async def test_a_user_number_that_is_nobody_or_oneself_is_told_so(
    fake_telegram: FakeTelegram, telegram_bot, db: Database
):
    """/ban, /unban, /coordinator_add and /coordinator_remove name a number: one that is
    nobody's is told so, and a coordinator's own number for /ban that nobody blocks
    themselves - not "please name the user number", which they did."""
    from handlers.helping.moderation import NO_SUCH_USER, NOT_YOURSELF
    from locales import translator

    fake = fake_telegram
    fake.names.update({CORA: "Cora", NICO: "Nico"})
    await _member(db, CORA, "Cora", "coordinator", "admin")
    cora = await db.users.find("telegram", str(CORA))
    t = translator("de")
    for typed in ("/ban 999", "/unban 999", "/coordinator_add 999", "/coordinator_remove 999"):
        answer = await _in_group(fake, CORA, typed)
        assert answer is not None and answer.text == str(t.t(NO_SUCH_USER, user_id=999)), typed
    for typed in (f"/ban {cora.id}", f"/unban {cora.id}"):
        answer = await _in_group(fake, CORA, typed)
        assert answer is not None and answer.text == str(t.t(NOT_YOURSELF)), typed
    assert not (await db.users.get(cora.id)).banned_at
