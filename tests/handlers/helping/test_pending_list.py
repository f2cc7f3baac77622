"""/pending in one message (issue 79, point 6): fourteen requests wait; the group gets one
message with a line a request, a button that opens each card in that message, and ◀ ▶ that
turn the page by editing it, never a new message. Through the memory transport, and on
Telegram through PTB's Application against the fake Bot API server (editMessageText of the
same message)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.transports.telegram import TelegramTransport
from db import Database
from db.clock import to_text
from handlers.messages import Command
from tests.support.fake_telegram import FakeTelegram
from tests.support.help_story import GROUP, grant_role_to, press
from tests.support.memory_transport import MemoryTransport, button_data, messages
from tests.support.telegram_wiring import TELEGRAM_GROUP, telegram_person


async def _waiting(db: Database, count: int) -> list[int]:
    """``count`` requests waiting for review, the first the oldest."""
    found = []
    for n in range(count):
        requester = await db.users.seen("memory", f"r{n}", f"r{n}", "Resi")
        request = await db.requests.create(
            requester.id, requester.id, description=f"Bitte um Hilfe {n}", category="shopping"
        )
        created = datetime.now(UTC) - timedelta(minutes=300 - n)
        await db.execute(
            "UPDATE help_requests SET created_at = ? WHERE id = ?", (to_text(created), request.id)
        )
        found.append(request.id)
    return found


def _opening(out) -> list[int]:
    return [int(d.split(":")[2]) for d in button_data(out) if d.startswith("mod:pc:")]


async def test_pending_is_one_message_paged_in_place(story: MemoryTransport, db: Database):
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    waiting = await _waiting(db, 14)

    out = await story.in_group("cora", Command("pending"), chat=GROUP)
    assert len(messages(out)) == 1  # one message, not a card each
    first = _opening(out)
    assert len(first) == 10 and set(first) <= set(waiting)
    assert "mod:pg:2" in button_data(out)
    assert not [d for d in button_data(out) if d.startswith("mod:ok:")]  # no wall of decisions

    # ▶: the next page replaces the list in the same message.
    out = await story.in_group("cora", press("mod:pg:2"), chat=GROUP)
    [page] = messages(out)
    assert page.edit
    assert set(_opening(out)) == set(waiting) - set(first)
    assert "mod:pg:1" in button_data(out) and "mod:pg:3" not in button_data(out)

    # A request's card opens in the same message, with its decisions and the way back.
    chosen = _opening(out)[0]
    out = await story.in_group("cora", press(f"mod:pc:{chosen}:2"), chat=GROUP)
    [card] = messages(out)
    assert card.edit and f"#{chosen}" in str(card.text)
    assert f"mod:ok:{chosen}" in button_data(out) and "mod:pg:2" in button_data(out)


async def test_telegram_turns_the_page_by_editing_the_same_message(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    fake.names.update({3001: "Cora"})
    await telegram_person(db, 3001, "Cora", "de", "coordinator")
    await _waiting(db, 14)
    mark = len(fake.calls)
    fake.send_text(3001, "/pending", chat_type="supergroup", chat_id=TELEGRAM_GROUP)
    listing = await fake.wait_for("sendMessage", after=mark, chat_id=TELEGRAM_GROUP)
    assert "mod:pg:2" in str(listing.params)
    mark = len(fake.calls)
    fake.press(3001, "mod:pg:2", listing)
    turned = await fake.wait_for("editMessageText", after=mark, chat_id=TELEGRAM_GROUP)
    assert int(turned.params["message_id"]) == listing.result["message_id"]
    assert "mod:pg:1" in str(turned.params)
    await fake.settle()
    # Pressing ▶ sent nothing new to the group: the list stays one message.
    assert not [c for c in fake.calls[mark:] if c.method == "sendMessage"]
