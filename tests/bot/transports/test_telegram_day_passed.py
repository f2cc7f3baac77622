"""A request for a chosen day that nobody took by the end of that day: its requester hears
that it expired (and that she may ask again, her text quoted to post it again), the
volunteer's offer says so, and nobody is offered it any more - before, it stayed open and
offered, asking volunteers to help on a day past, and its requester heard nothing until
"still needed?" three days later (a black-box pass as residents: a request nobody takes).
Real python-telegram-bot against the fake Bot API server, the outbox worker delivering; the
follow-up job run as bot/timed_jobs.py runs it, its clock moved to the next day
(handlers/helping/timers.py)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from db import Database
from handlers.helping import lifecycle
from handlers.helping.requests_flow import local_today
from handlers.helping.timers import follow_up
from locales import TIMEZONE, translator
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import (
    TELEGRAM_GROUP,
    Wired,
    at_which_day,
    offered,
    telegram_person,
    telegram_volunteer,
)

AMIRA, VERA, CORA = 1001, 2001, 3001
# The requester's notice (handlers/helping/lifecycle.py ``expire``).
EXPIRED = (
    "⌛ Your request #{id} has expired because nobody could take it "
    "on. You are welcome to post it again."
)


async def test_a_day_past_with_nobody_ends_the_request_and_says_so(
    fake_telegram: FakeTelegram, telegram_group: Wired, db: Database
):
    fake = fake_telegram
    fake.names.update({AMIRA: "Amira", VERA: "Vera", CORA: "Cora"})
    await telegram_person(db, AMIRA, "Amira", "ar")
    await telegram_person(db, CORA, "Cora", "de", "coordinator")
    await telegram_volunteer(db, VERA, "Vera")
    await at_which_day(fake, AMIRA, "أحتاج مساعدة في حمل المشتريات")
    today = local_today()
    for data, then in (
        (f"hr:day:{today.isoformat()}", "hr:part:any"),
        ("hr:part:any", "hr:langs-done"),
        ("hr:langs-done", "hr:send"),
    ):
        mark = len(fake.calls)
        fake.press(AMIRA, data)
        await offered(fake, AMIRA, then, mark)
    mark = len(fake.calls)
    fake.press(AMIRA, "hr:send")
    post = await fake.wait_for(
        "sendMessage", lambda c: "mod:ok" in str(c.params), after=mark, chat_id=TELEGRAM_GROUP
    )
    request_id = int(post.button_data("✅").split(":")[2])
    fake.press(CORA, f"mod:ok:{request_id}", post)
    await fake.wait_for(
        "sendMessage", lambda c: f"mt:acc:{request_id}" in str(c.params), chat_id=VERA
    )

    # The follow-up job on the day itself changes nothing; just after midnight, it ends it.
    settings = telegram_group.dispatcher.settings
    evening = datetime.combine(today, time(23, 30), TIMEZONE)
    await follow_up(db, settings, evening)
    assert (await db.requests.get(request_id)).state == "open"
    mark = len(fake.calls)
    await follow_up(db, settings, evening + timedelta(hours=1))
    telegram_group.worker.wake()
    ar = translator("ar")
    told = ar.t(EXPIRED, id=request_id)
    notice = await fake.wait_for("sendMessage", lambda c: told in c.text, after=mark, chat_id=AMIRA)
    # She keeps what she wrote, to post it again.
    assert ar.t(lifecycle.YOUR_TEXT) in notice.text
    assert "أحتاج مساعدة في حمل المشتريات" in notice.text
    # Vera's offer says it expired (German: she reads German).
    gone = translator("de").t(lifecycle.OFFER_EXPIRED, id=request_id)
    await fake.wait_for("editMessageText", lambda c: gone in c.text, after=mark, chat_id=VERA)
    assert (await db.requests.get(request_id)).state == "expired"
