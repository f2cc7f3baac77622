"""A requester's "Yes, withdraw" tapped twice (a double tap, a slow connection): the
request is withdrawn once, the coordinators told once, and both taps answer that it is
withdrawn - the second must not say it "can no longer be changed", as if the first had
failed. Real python-telegram-bot against the fake Bot API server, the outbox worker
delivering (handlers/helping/requests_flow.py ``withdraw``)."""

from __future__ import annotations

from bot.transports.telegram import TelegramTransport
from db import Database
from handlers.helping import lifecycle
from locales import translator
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import TELEGRAM_GROUP, in_review


async def test_withdrawing_twice_says_withdrawn_twice(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    _, request_id = await in_review(fake, db, "Amira", "ar", "أحتاج مساعدة في حمل المشتريات")

    mark = len(fake.calls)
    fake.press(1001, f"hr:wd:{request_id}")
    asked = await fake.wait_for(
        "sendMessage", lambda c: "hr:wdy" in str(c.params), after=mark, chat_id=1001
    )
    mark = len(fake.calls)
    fake.press(1001, f"hr:wdy:{request_id}", asked)
    fake.press(1001, f"hr:wdy:{request_id}", asked)

    def answers() -> list[str]:
        return [
            c.text
            for c in fake.calls[mark:]
            if c.method in ("sendMessage", "editMessageText") and c.params["chat_id"] == "1001"
        ]

    await fake.wait_for("editMessageText", lambda _: len(answers()) >= 2, after=mark)
    ar = translator("ar")
    withdrawn = ar.t("✅ Request #{id} is withdrawn.", id=request_id)
    assert answers() == [withdrawn, withdrawn]
    assert ar.t(lifecycle.CANNOT_CHANGE) not in "".join(answers())
    assert (await db.requests.get(request_id)).state == "withdrawn"
    # The coordinators are told that it was withdrawn (once: the lifecycle moved it once).
    await fake.wait_for("sendMessage", after=mark, chat_id=TELEGRAM_GROUP)


async def test_withdraw_on_an_older_list_of_a_request_that_moved_on_asks_nothing(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    # "🗑 Withdraw #N" from an older /myrequests, pressed after the request was withdrawn
    # (or rejected, done, expired): it asked "Withdraw request #N?" again, and its "Yes"
    # could only be refused. Now it says what the request is, and asks nothing.
    fake = fake_telegram
    _, request_id = await in_review(fake, db, "Amira", "ar", "أحتاج مساعدة في حمل المشتريات")
    ar = translator("ar")
    withdrawn = ar.t("✅ Request #{id} is withdrawn.", id=request_id)
    mark = len(fake.calls)
    fake.press(1001, f"hr:wdy:{request_id}")
    await fake.wait_for("sendMessage", lambda c: c.text == withdrawn, after=mark, chat_id=1001)
    assert (await db.requests.get(request_id)).state == "withdrawn"

    mark = len(fake.calls)
    fake.press(1001, f"hr:wd:{request_id}")
    await fake.wait_for("answerCallbackQuery", after=mark)
    said = await fake.wait_for("sendMessage", after=mark, chat_id=1001)
    assert said.text == withdrawn
    assert f"hr:wdy:{request_id}" not in str(said.params)
