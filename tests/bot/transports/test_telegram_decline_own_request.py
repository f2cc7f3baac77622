"""A volunteer who took a request and then taps "🙅 Not this time" on its offer (both buttons
tapped on a slow connection, an older copy of the offer) is not told "All right, not this
time" while she stays the requester's helper: she is asked whether she is handing it back,
with "No, I keep helping" - and nothing is recorded, neither a "no" (which lowers the bot's
guess of who says yes) nor a change of the request. After the help is done the button is
spent. Before, she read "👍 All right, not this time" and her "no" was recorded, though the
requester still waited for her (a black-box pass as volunteers). Real python-telegram-bot
against the fake Bot API server, the outbox worker delivering (handlers/helping/offers.py)."""

from __future__ import annotations

from bot.transports.telegram import TelegramTransport
from db import Database
from handlers.helping import lifecycle
from locales import translator
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import in_review, telegram_volunteer

VERA, CORA, AMIRA = 2001, 3001, 1001


def _answers(fake: FakeTelegram, after: int, chat: int) -> list[str]:
    return [
        c.text
        for c in fake.calls[after:]
        if c.method in ("sendMessage", "editMessageText") and c.params["chat_id"] == str(chat)
    ]


async def test_not_this_time_after_taking_it_asks_about_handing_back(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    fake.names[VERA] = "Vera"
    await telegram_volunteer(db, VERA, "Vera")
    post, request_id = await in_review(fake, db, "Amira", "ar", "أحتاج مساعدة في حمل المشتريات")
    fake.press(CORA, f"mod:ok:{request_id}", post)
    offer = await fake.wait_for(
        "sendMessage", lambda c: f"mt:acc:{request_id}" in str(c.params), chat_id=VERA
    )
    mark = len(fake.calls)
    fake.press(VERA, f"mt:acc:{request_id}", offer)
    await fake.wait_for("editMessageText", after=mark, chat_id=VERA)
    # Amira's notices of it (her helper, the door code) have come.
    await fake.wait_for("sendMessage", lambda c: "🔐" in c.text, after=mark, chat_id=AMIRA)

    mark = len(fake.calls)
    fake.press(VERA, f"mt:dec:{request_id}", offer)
    asked = await fake.wait_for(
        "sendMessage", lambda c: f"mt:br:{request_id}:" in str(c.params), after=mark, chat_id=VERA
    )
    assert f"rl:no:{request_id}" in str(asked.params)
    assert (await db.requests.get(request_id)).state == "matched"
    assert [no for _, _, no, _ in await db.volunteers.asked(request_id)] == [False]

    # "No, I keep helping": nothing changes, and Amira was never told anything of it.
    mark = len(fake.calls)
    fake.press(VERA, f"rl:no:{request_id}", asked)
    await fake.wait_for("answerCallbackQuery", after=mark)
    await fake.settle()
    assert (await db.requests.get(request_id)).state == "matched"
    assert _answers(fake, mark, AMIRA) == []

    # Done: the offer's "Not this time" is spent, and still no "no" is recorded.
    for data in (f"rl:done:{request_id}", f"rl:doney:{request_id}"):
        mark = len(fake.calls)
        fake.press(AMIRA, data)
        await fake.wait_for("sendMessage", after=mark, chat_id=AMIRA)
    assert (await db.requests.get(request_id)).state == lifecycle.DONE
    mark = len(fake.calls)
    fake.press(VERA, f"mt:dec:{request_id}", offer)
    await fake.wait_for("answerCallbackQuery", after=mark)
    await fake.settle()
    assert not any("👍" in text for text in _answers(fake, mark, VERA))
    assert [no for _, _, no, _ in await db.volunteers.asked(request_id)] == [False]


async def test_i_can_help_after_her_help_is_done_is_spent(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    # "I can help" on the offer of a request she helped with and that is done: she read
    # "someone else took request #N" (ar, uk, tr say so) - untrue, and it replaced the message
    # it was pressed on. Now a spent button, as her second tap while helping already was.
    fake = fake_telegram
    fake.names[VERA] = "Vera"
    await db.users.set_language(await telegram_volunteer(db, VERA, "Vera"), "tr")
    post, request_id = await in_review(fake, db, "Amira", "ar", "أحتاج مساعدة في حمل المشتريات")
    fake.press(CORA, f"mod:ok:{request_id}", post)
    offer = await fake.wait_for(
        "sendMessage", lambda c: f"mt:acc:{request_id}" in str(c.params), chat_id=VERA
    )
    mark = len(fake.calls)
    fake.press(VERA, f"mt:acc:{request_id}", offer)
    await fake.wait_for("sendMessage", lambda c: "🔐" in c.text, after=mark, chat_id=AMIRA)
    for data in (f"rl:done:{request_id}", f"rl:doney:{request_id}"):
        mark = len(fake.calls)
        fake.press(AMIRA, data)
        await fake.wait_for("sendMessage", after=mark, chat_id=AMIRA)
    assert (await db.requests.get(request_id)).state == lifecycle.DONE

    mark = len(fake.calls)
    fake.press(VERA, f"mt:acc:{request_id}", offer)
    answered = await fake.wait_for("answerCallbackQuery", after=mark)
    await fake.settle()
    taken = translator("tr").t(lifecycle.TAKEN, id=request_id).striptags()
    assert taken not in str(answered.params)
    assert not any(taken in text for text in _answers(fake, mark, VERA))
