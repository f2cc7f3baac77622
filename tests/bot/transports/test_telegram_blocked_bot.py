"""A person who blocks the bot on Telegram (Bot API ``my_chat_member``, the bot's status in
their private chat ``kicked``) has no chat the bot can write to: a volunteer who blocked it
is offered no request, instead of holding a place in every wave with offers that fail with
403; their next message gives the chat back. Real python-telegram-bot against the fake Bot
API server, the outbox worker delivering."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.transports.telegram import TelegramTransport
from db import Database
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import in_review, telegram_volunteer

VERA, VLAD = 2001, 2002


def _bot_status(fake: FakeTelegram, user_id: int, old: str, new: str) -> int:
    """The update Telegram sends when ``user_id`` blocks (``kicked``) or restarts
    (``member``) the bot in their private chat; its id."""
    bot: dict[str, Any] = {"id": 42, "is_bot": True, "first_name": "Nachbarbot"}
    return fake.inject(
        {
            "my_chat_member": {
                "chat": {"id": user_id, "type": "private", "first_name": "Vlad"},
                "from": fake.user(user_id),
                "date": 1_764_000_000,
                "old_chat_member": {"status": old, "user": bot},
                "new_chat_member": {"status": new, "user": bot, "until_date": 0},
            }
        }
    )


async def test_a_volunteer_who_blocked_the_bot_is_offered_nothing(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    fake.names.update({VERA: "Vera", VLAD: "Vlad"})
    await telegram_volunteer(db, VERA, "Vera")
    vlad = await telegram_volunteer(db, VLAD, "Vlad")
    blocked = _bot_status(fake, VLAD, "member", "kicked")
    await _handled(fake, blocked)

    post, request_id = await in_review(fake, db, "Amira", "de", "Ich brauche Hilfe beim Tragen")
    mark = len(fake.calls)
    fake.press(3001, f"mod:ok:{request_id}", post)
    await fake.wait_for("sendMessage", lambda c: "mt:acc" in str(c.params), chat_id=VERA)
    await fake.settle()
    assert not [c for c in fake.calls[mark:] if str(c.params.get("chat_id")) == str(VLAD)]
    assert not await db.volunteers.was_offered(request_id, vlad)

    # Vlad writes again (Telegram's "Restart" sends /start): his chat is back.
    mark = len(fake.calls)
    fake.send_text(VLAD, "/start")
    await fake.wait_for("sendMessage", after=mark, chat_id=VLAD)
    user = await db.users.get(vlad)
    assert user is not None and user.chat_id == str(VLAD)


async def _handled(fake: FakeTelegram, update_id: int) -> None:
    """Until the bot confirmed ``update_id``, which it does once it handled it (a guard of
    a minute against a hang, never a measure)."""
    for _ in range(3000):
        if update_id not in fake.unconfirmed():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"update {update_id} never handled")
