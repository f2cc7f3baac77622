"""The help story on Telegram: real python-telegram-bot, fake Bot API server, outbox worker."""

from __future__ import annotations

from bot.transports.telegram import TelegramTransport
from db import Database
from tests.support.fake_telegram import FakeTelegram
from tests.support.help_story import matched_through_lifecycle
from tests.support.memory_transport import readable
from tests.support.telegram_wiring import (
    TELEGRAM_GROUP,
    request_on_telegram,
    telegram_person,
    telegram_volunteer,
)

GROUP = TELEGRAM_GROUP


async def test_help_story_on_telegram(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    resident = 1001
    fake.names.update({1001: "Amira", 2001: "Vera", 2002: "Vlad", 3001: "Cora", 4001: "Nico"})
    await telegram_person(db, resident, "Amira", "ar")
    vera = await telegram_volunteer(db, 2001, "Vera")
    await telegram_volunteer(db, 2002, "Vlad")
    await telegram_person(db, 3001, "Cora", "de", "coordinator")
    await telegram_person(db, 4001, "Nico", "de")

    post = await request_on_telegram(fake, resident, "أحتاج مساعدة في حمل المشتريات")
    request_id = int(post.button_data("✅").split(":")[2])

    # A group member without the coordinator role: a short refusal, nothing else.
    mark = len(fake.calls)
    fake.press(4001, f"mod:ok:{request_id}", post)
    refusal = await fake.wait_for("answerCallbackQuery", after=mark)
    assert refusal.params.get("text")
    assert (await db.requests.get(request_id)).state == "review"

    mark = len(fake.calls)
    fake.press(3001, f"mod:ok:{request_id}", post)
    decided = await fake.wait_for("editMessageText", after=mark, chat_id=GROUP)
    assert "Cora" in decided.text
    offers = [
        await fake.wait_for("sendMessage", lambda c: "mt:acc" in str(c.params), chat_id=uid)
        for uid in (2001, 2002)
    ]
    await fake.wait_for("sendMessage", after=mark, chat_id=resident)  # "published"

    # Both volunteers press at once.
    mark = len(fake.calls)
    fake.press(2001, f"mt:acc:{request_id}", offers[0])
    fake.press(2002, f"mt:acc:{request_id}", offers[1])
    await fake.wait_for("sendMessage", lambda c: "Vera" in c.text, after=mark, chat_id=resident)
    request = await db.requests.get(request_id)
    assert request.state == "matched" and request.volunteer_id == vera
    await fake.wait_for("editMessageText", after=mark, chat_id=2002)  # "already taken"

    mark = len(fake.calls)
    fake.send_text(resident, "شكرا جزيلا")
    # The relayed message; the code word of the match may still come meanwhile (its own
    # outbox item, sent when the worker gets to it: under load, after the mark).
    relayed = await fake.wait_for(
        "sendMessage", lambda c: "شكرا جزيلا" in readable(c.text), after=mark, chat_id=2001
    )
    assert "<b>Amira</b>:" in readable(relayed.text) and "│ شكرا جزيلا" in readable(relayed.text)
    assert "1001" not in relayed.text  # no ids or usernames cross over

    mark = len(fake.calls)
    fake.press(resident, f"rl:done:{request_id}")  # asked once
    await fake.wait_for("sendMessage", lambda c: "rl:doney" in str(c.params), chat_id=resident)
    fake.press(resident, f"rl:doney:{request_id}")
    await fake.wait_for(
        "sendMessage", lambda c: "rl:min" in str(c.params), after=mark, chat_id=2001
    )
    assert (await db.requests.get(request_id)).state == "done"
    # The worker marks an item sent only after Telegram's answer has come back to it.
    await fake.settle()
    assert await db.outbox.pending() == 0


async def test_relay_acknowledges_passes_on_corrections_and_takes_back(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database, telegram_group
):
    fake = fake_telegram
    fake.names.update({1001: "Amira", 2001: "Vera"})
    amira = await telegram_person(db, 1001, "Amira", "de")
    vera = await telegram_volunteer(db, 2001, "Vera")
    cora = await telegram_person(db, 3001, "Cora", "de", "coordinator")
    await matched_through_lifecycle(db, telegram_group.dispatcher.settings, amira, vera, cora)
    await fake.settle()
    assert "edited_message" in (fake.allowed_updates or [])

    # A relayed text: the copy reaches Vera, Amira's own message gets a reaction.
    mark = len(fake.calls)
    fake.send_text(1001, "Bitte Milch und Brot")
    own = fake.last_message_id(1001)
    copy = await fake.wait_for("sendMessage", lambda c: "Milch" in c.text, after=mark, chat_id=2001)
    reaction = await fake.wait_for("setMessageReaction", after=mark, chat_id=1001)
    assert int(reaction.params["message_id"]) == own
    assert fake.reactions[("1001", own)] == ["👌"]
    await fake.settle()
    # Quiet: no text answer to the sender.
    assert not [
        c
        for c in fake.calls[mark:]
        if c.method == "sendMessage" and c.params["chat_id"] in ("1001", 1001)
    ]

    # Amira corrects it: Vera's copy is edited in place, keeping its buttons.
    mark = len(fake.calls)
    fake.edit_text(1001, own, "Bitte Hafermilch und Brot")
    edited = await fake.wait_for(
        "editMessageText", lambda c: "Hafermilch" in c.text, after=mark, chat_id=2001
    )
    assert int(edited.params["message_id"]) == copy.result["message_id"]
    assert "✏️" in edited.text and edited.button_labels == copy.button_labels
    await fake.settle()
    rows = await db.fetch_all("SELECT text FROM relay_messages WHERE from_user = ?", (amira,))
    assert [row[0] for row in rows] == ["Bitte Hafermilch und Brot"]

    # An older copy gets the correction as a new message as well.
    await db.execute(
        "UPDATE outbox SET sent_at = '2000-01-01T00:00:00Z' WHERE sent_message_id = ?",
        (str(copy.result["message_id"]),),
    )
    mark = len(fake.calls)
    fake.edit_text(1001, own, "Bitte Sojamilch und Brot")
    await fake.wait_for("editMessageText", lambda c: "Sojamilch" in c.text, after=mark)
    note = await fake.wait_for(
        "sendMessage", lambda c: "Sojamilch" in c.text, after=mark, chat_id=2001
    )
    assert "Amira" in note.text and "✏️" in note.text

    # A phone number by mistake: the sender is told about /undo, and /undo takes it back.
    mark = len(fake.calls)
    fake.send_text(1001, "Ruf mich an: 0176 98765432")
    leaked = await fake.wait_for(
        "sendMessage", lambda c: "98765432" in c.text, after=mark, chat_id=2001
    )
    hint = await fake.wait_for("sendMessage", lambda c: "/undo" in c.text, after=mark, chat_id=1001)
    assert "98765432" not in hint.text
    mark = len(fake.calls)
    fake.send_text(1001, "/undo")
    deleted = await fake.wait_for("deleteMessage", after=mark, chat_id=2001)
    assert int(deleted.params["message_id"]) == leaked.result["message_id"]
    assert ("2001", leaked.result["message_id"]) not in fake.messages
    await fake.wait_for("sendMessage", lambda c: "↩️" in c.text, after=mark, chat_id=1001)
    await fake.settle()
    stored = [tuple(row) for row in await db.fetch_all("SELECT text, kind FROM relay_messages")]
    assert stored == [("Bitte Sojamilch und Brot", "text")]
    payloads = await db.fetch_all("SELECT payload FROM outbox")
    assert payloads and not [row for row in payloads if "98765432" in row[0]]
    # The earlier message is still there; the next /undo takes back that one.
    assert ("2001", copy.result["message_id"]) in fake.messages
