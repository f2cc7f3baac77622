"""A request for a chosen day that nobody took by the end of that day: its requester hears
that it expired (and that she may ask again, her text quoted to post it again), the
volunteer's offer says so, and nobody is offered it any more - before, it stayed open and
offered, asking volunteers to help on a day past, and its requester heard nothing until
"still needed?" three days later (a black-box pass as residents: a request nobody takes).
Real python-telegram-bot against the fake Bot API server, the outbox worker delivering; the
follow-up job run as bot/timed_jobs.py runs it, its clock moved to the next day
(handlers/helping/timers.py)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from db import Database
from db.request_states import WAITING
from handlers.helping import lifecycle, requests_flow
from handlers.helping.requests_flow import local_today
from handlers.helping.timers import follow_up
from handlers.helping.vocabulary import noon
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


async def _today_at_the_summary(fake: FakeTelegram) -> date:
    """Amira asks for help with her shopping today: "Send" is offered. Today's date."""
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
    return today


async def test_a_day_past_with_nobody_ends_the_request_and_says_so(
    fake_telegram: FakeTelegram, telegram_group: Wired, db: Database
):
    fake = fake_telegram
    fake.names.update({AMIRA: "Amira", VERA: "Vera", CORA: "Cora"})
    await telegram_person(db, AMIRA, "Amira", "ar")
    await telegram_person(db, CORA, "Cora", "de", "coordinator")
    await telegram_volunteer(db, VERA, "Vera")
    today = await _today_at_the_summary(fake)
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


async def test_a_day_that_passed_before_send_is_asked_again_and_the_draft_kept(
    fake_telegram: FakeTelegram, telegram_group: Wired, db: Database, monkeypatch
):
    """Amira chooses today, and presses "Send" after midnight (a slow evening, a draft taken
    up the next day). Sent, the request would reach nobody and end within a quarter of an
    hour as one "nobody could take on"; she is told the day has passed and asked for another,
    and what she wrote goes with the day she chooses then."""
    fake = fake_telegram
    fake.names.update({AMIRA: "Amira"})
    await telegram_person(db, AMIRA, "Amira", "ar")
    today = await _today_at_the_summary(fake)
    tomorrow = today + timedelta(days=1)
    monkeypatch.setattr(requests_flow, "local_today", lambda: tomorrow)
    mark = len(fake.calls)
    fake.press(AMIRA, "hr:send")
    await offered(fake, AMIRA, f"hr:day:{tomorrow.isoformat()}", mark)
    said = [
        call.text for call in fake.calls[mark:] if call.params.get("chat_id") in (AMIRA, str(AMIRA))
    ]
    ar = translator("ar")
    passed = ar.t(requests_flow.NO_SUCH_DAY, typed=ar.skeleton(noon(today), "MMMEd"))
    assert any(passed in text for text in said), said
    assert await db.requests.in_state(*WAITING) == []
    # Tomorrow chosen, she is back at the summary and sends what she wrote.
    for data, then in (
        (f"hr:day:{tomorrow.isoformat()}", "hr:part:any"),
        ("hr:part:any", "hr:send"),
    ):
        mark = len(fake.calls)
        fake.press(AMIRA, data)
        await offered(fake, AMIRA, then, mark)
    mark = len(fake.calls)
    fake.press(AMIRA, "hr:send")
    await fake.wait_for(
        "sendMessage", lambda c: "mod:ok" in str(c.params), after=mark, chat_id=TELEGRAM_GROUP
    )
    (request,) = await db.requests.in_state(*WAITING)
    assert request.when_text == tomorrow.isoformat()
    assert request.description == "أحتاج مساعدة في حمل المشتريات"
