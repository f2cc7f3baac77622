"""In the coordinators' group only a person the bot can name acts: a message sent as the
group (an anonymous admin), as a channel, or a channel's post forwarded into its discussion
group acts for no one - not even where someone gave Telegram's stand-in account a role -
and a command sent so is answered, in the group's language, with why and what to do, once
per chat and kind every ten minutes. A press is always its person's (Telegram has no
anonymous presses). A forwarded command is words passed on; a command corrected after it
was sent is told to be sent anew, while the group's talk, edited or not, is left alone.
Real python-telegram-bot against the fake Bot API server."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.transports.telegram import TelegramTransport
from db import Database
from handlers.dispatcher import EDITS_NOT_SEEN
from handlers.staff import UNNAMED, UNNAMED_TOLD_EVERY
from locales import translator
from tests.support.fake_telegram import (
    CHANNEL_BOT,
    GROUP_ANONYMOUS_BOT,
    TELEGRAM_SERVICE,
    FakeTelegram,
)
from tests.support.telegram_wiring import TELEGRAM_GROUP, telegram_person

GROUP_CHAT = {"id": TELEGRAM_GROUP, "type": "supergroup", "title": "Koordination"}
CHANNEL_CHAT = {"id": -100777, "type": "channel", "title": "Nachbarschaft Nord"}


def in_group(fake: FakeTelegram, sender: dict[str, Any], text: str, **extra: Any) -> int:
    return fake.send_text(
        0, text, chat_type="supergroup", chat_id=TELEGRAM_GROUP, sender=sender, **extra
    )


# Cora's command that ends each round: its answer is no other's.
VERIFY_USAGE = "Please name the number of a registered volunteer, for example: /verify 17"


async def answered_in_group(fake: FakeTelegram, mark: int) -> list[str]:
    """The group's messages since ``mark`` but the last, once Cora's /verify (sent now,
    after the updates before it: polling takes them in order) is answered."""
    in_group(fake, fake.user(3001), "/verify")
    usage = translator("de").t(VERIFY_USAGE)
    await fake.wait_for("sendMessage", lambda c: c.text == usage, after=mark)
    said = [c.text for c in fake.calls[mark:] if c.method == "sendMessage"]
    assert said[-1] == usage, said
    return said[:-1]


async def test_the_group_speaking_acts_for_no_one_and_is_told_why_once(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database, telegram_group
):
    fake = fake_telegram
    await telegram_person(db, 3001, "Cora", "de", "coordinator")
    # Someone gave the stand-in account the role (it shows as a user number like any).
    stand_in = await telegram_person(db, GROUP_ANONYMOUS_BOT["id"], "Group", "de", "coordinator")
    before = await db.users.get(stand_in)
    now = [datetime.now(UTC)]
    dispatcher = telegram_group.dispatcher
    dispatcher.settings = replace(dispatcher.settings, clock=lambda: now[0])
    told = translator("de").t(UNNAMED["group"])

    mark = len(fake.calls)
    in_group(fake, GROUP_ANONYMOUS_BOT, "/pending", sender_chat=GROUP_CHAT)
    in_group(fake, GROUP_ANONYMOUS_BOT, "/publish 1", sender_chat=GROUP_CHAT)
    in_group(fake, GROUP_ANONYMOUS_BOT, "Wer übernimmt heute?", sender_chat=GROUP_CHAT)
    said = await answered_in_group(fake, mark)
    assert said[0] == told, said
    assert said == [told], said  # once, not for each command; and nothing else happened
    # Nobody's row was touched or made for the stand-in.
    assert await db.users.get(stand_in) == before

    now[0] += UNNAMED_TOLD_EVERY + timedelta(seconds=1)
    mark = len(fake.calls)
    in_group(fake, GROUP_ANONYMOUS_BOT, "/stats", sender_chat=GROUP_CHAT)
    said = await answered_in_group(fake, mark)
    assert said == [told], said  # told again after the quiet time


async def test_a_channel_acts_for_no_one(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    await telegram_person(db, 3001, "Cora", "de", "coordinator")
    await telegram_person(db, CHANNEL_BOT["id"], "Channel", "de", "coordinator")
    await telegram_person(db, TELEGRAM_SERVICE["id"], "Telegram", "de", "coordinator")

    # The linked channel's post, forwarded into its discussion group by Telegram: nobody
    # wrote it to the bot, so not even told.
    mark = len(fake.calls)
    in_group(
        fake,
        TELEGRAM_SERVICE,
        "/pending",
        sender_chat=CHANNEL_CHAT,
        is_automatic_forward=True,
        forward_origin={"type": "channel", "date": 1, "chat": CHANNEL_CHAT, "message_id": 5},
    )
    assert await answered_in_group(fake, mark) == []

    mark = len(fake.calls)
    in_group(fake, CHANNEL_BOT, "/pending", sender_chat=CHANNEL_CHAT)
    said = await answered_in_group(fake, mark)
    assert said == [translator("de").t(UNNAMED["channel"])], said


async def test_a_forwarded_command_is_passed_on_words_not_a_command(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    """Cora forwards an old "/pending" of someone's into the group to talk about it."""
    fake = fake_telegram
    await telegram_person(db, 3001, "Cora", "de", "coordinator")
    mark = len(fake.calls)
    in_group(
        fake,
        fake.user(3001),
        "/pending",
        forward_origin={"type": "user", "date": 1, "sender_user": fake.user(3002)},
    )
    assert await answered_in_group(fake, mark) == []


async def test_a_corrected_command_is_told_to_be_sent_anew(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    """Cora corrects "/publish 5" to "/publish 6" in place: she would wait for #6 to be
    published. Her "Hallo" corrected to a command for another bot in the group is none of
    this bot's business."""
    fake = fake_telegram
    await telegram_person(db, 3001, "Cora", "de", "coordinator")
    in_group(fake, fake.user(3001), "Hallo")
    in_group(fake, fake.user(3001), "/publish 5")
    assert len(await answered_in_group(fake, 0)) == 1  # "no request #5"
    hallo, publish = sorted(
        mid for (chat, mid), m in fake.messages.items() if chat == str(TELEGRAM_GROUP)
    )[:2]

    mark = len(fake.calls)
    fake.edit_text(TELEGRAM_GROUP, hallo, "/help@other_bot")
    fake.edit_text(TELEGRAM_GROUP, publish, "/publish 6")
    said = await answered_in_group(fake, mark)
    assert said == [translator("de").t(EDITS_NOT_SEEN)], said


async def test_the_groups_talk_keeps_nothing_of_its_people(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    """Members of the coordinators' group who talk there (the bot, an admin, reads every
    message) but never wrote to the bot leave no row behind: name and account are kept
    only for someone who uses the bot."""
    fake = fake_telegram
    await telegram_person(db, 3001, "Cora", "de", "coordinator")
    mark = len(fake.calls)
    in_group(fake, fake.user(4444, name="Gregor"), "Wer übernimmt heute den Einkauf?")
    in_group(fake, fake.user(4444, name="Gregor"), "Ich kann um 17 Uhr.")
    assert await answered_in_group(fake, mark) == []
    assert await db.users.find("telegram", "4444") is None
