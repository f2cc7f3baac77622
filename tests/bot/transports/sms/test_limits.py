"""What one number may cost and what a text from a number must prove (issue 53), with the
real dispatcher and a recording gateway: the caps per number an hour and a day, first
contacts per day and prefix, the month's reserve for notices of running help, STOP and
START confirmed once a day, the codes (tries, expiry, a day's codes); every text of it
within two segments in every language; and the budget's state in ``doctor``. Through real
Kannel: test_through_kannel.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Config, SmsSection
from bot.delivery import OutboxWorker
from bot.transports.sending import DeliveryError
from bot.transports.sms.budget import Budget, Limits, month_of, prefix_of
from bot.transports.sms.checks import checks as sms_budget_checks
from bot.transports.sms.segments import count
from bot.transports.sms.store import (
    CODE_DIGITS,
    CODE_TRIES,
    CODES_A_DAY,
    ERASE,
    STOP_HELP,
    SmsStore,
)
from bot.transports.sms.transport import SmsTransport
from db import Database
from db.clock import to_text
from handlers.dispatcher import Dispatcher
from handlers.media.texted_form import form_of
from handlers.messages import Message, decode
from handlers.numbers import coded_acts, text_stops, texters_told
from locales import SUPPORTED_LANGUAGES, translator
from tests.support.clock import Clock
from tests.support.sms.codes import other_code
from tests.support.sms.gateways import NUMBER, RecordingKannel

BACKCHANNEL = ("console", "coordinators")
# Where the budget's clock starts: a Wednesday morning.
START = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)


def _sms(
    dispatcher: Dispatcher, db: Database, limits: Limits, monthly: int = 1000
) -> tuple[SmsTransport, RecordingKannel, Clock]:
    clock = Clock(START)
    budget = Budget(db, monthly, [BACKCHANNEL], limits=limits, clock=clock)
    gateway = RecordingKannel()
    return SmsTransport(dispatcher.ports, db, gateway, budget), gateway, clock


async def _true() -> bool:
    return True


@pytest.mark.both_backends
async def test_a_number_gets_its_texts_an_hour_and_a_day_and_notices_of_running_help_past_them(
    dispatcher: Dispatcher, db: Database
):
    sms, gateway, clock = _sms(dispatcher, db, Limits(per_number_hour=2, per_number_day=3))
    for n in range(2):
        await sms.deliver(NUMBER, Message(f"Nr. {n}"))
    with pytest.raises(DeliveryError) as refused:
        await sms.deliver(NUMBER, Message("zu viel"))
    assert refused.value.permanent
    # Another number has its own.
    await sms.deliver("+4917699999999", Message("andere"))
    # The next hour: one more, then the day's three are used.
    clock.now += timedelta(hours=1)
    await sms.deliver(NUMBER, Message("Nr. 2"))
    with pytest.raises(DeliveryError):
        await sms.deliver(NUMBER, Message("zu viel"))
    # A notice of running help goes past both, and is counted.
    assert await sms.budget.take(1, NUMBER, _true)
    # The next day (Berlin): three again.
    clock.now += timedelta(days=1)
    await sms.deliver(NUMBER, Message("morgen"))
    sent = [text for to, text in gateway.sent if to == NUMBER]
    # Each cap, reached first, is told once and outside the cap (test_capped_texter.py):
    # the hour's after "Nr. 1", the day's after "Nr. 2".
    assert len(sent) == 6
    assert [sent[0], sent[1], sent[3], sent[5]] == ["Nr. 0", "Nr. 1", "Nr. 2", "morgen"]


@pytest.mark.both_backends
async def test_first_contacts_per_day_and_per_prefix(dispatcher: Dispatcher, db: Database):
    assert prefix_of("+4917611111111") == "+491761111"
    sms, gateway, clock = _sms(dispatcher, db, Limits(new_numbers_day=3, new_numbers_prefix=2))
    for number in ("+4917611110001", "+4917611110002", "+4917611110003", "+4915200000001"):
        await sms.take_text(number, "Hallo")
    answered = {to for to, _ in gateway.sent}
    assert answered == {"+4917611110001", "+4917611110002", "+4915200000001", "+4917611110003"}
    # The one turned away gets no account, only one text (issue 77, point 8: when the bot
    # answers again), and no second one today.
    assert await db.users.find("sms", "+4917611110003") is None
    await sms.take_text("+4917611110003", "Hallo?")
    assert [to for to, _ in gateway.sent].count("+4917611110003") == 1
    # The day is full; a known number is not a first contact.
    await sms.take_text("+4915200000002", "Hallo")
    assert await db.users.find("sms", "+4915200000002") is None
    before = len(gateway.sent)
    await sms.take_text("+4917611110001", "1")
    assert len(gateway.sent) > before
    assert [to for to, _ in gateway.sent].count("+4915200000002") == 1
    state = await sms.budget.state()
    assert (state.new_numbers, state.new_numbers_refused) == (3, 3)
    # The next day has room again, and yesterday's counts are gone.
    clock.now += timedelta(days=1)
    await sms.take_text("+4917611110003", "Hallo")
    assert await db.users.find("sms", "+4917611110003") is not None
    rows = await db.fetch_all("SELECT DISTINCT day FROM sms_first_contacts")
    assert len(rows) == 1


@pytest.mark.both_backends
async def test_the_hours_code_texts_keep_a_share_for_running_help_and_tell_each_share_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
):
    """``[sms] codes_per_hour`` (budget.py ``take_code``): three an hour, one kept for
    running help; each share running out tells the coordinators once, with its end."""
    moment = datetime(2026, 11, 28, 13, 20, tzinfo=UTC)
    budget = Budget(db, 100, [BACKCHANNEL], limits=Limits(codes_hour=3), clock=lambda: moment)
    helping: dict[str, bool] = {NUMBER: False, "+4917699999999": True}

    async def running(platform: str, number: str) -> bool:
        return helping[number]

    monkeypatch.setattr(budget, "helping", running)
    # NUMBER texted a code back right today: not a new number's share (test_forged_code_limits).
    await db.execute(
        "INSERT INTO sms_numbers (number, updated_at, confirmed_at) VALUES (?, ?, ?)",
        (NUMBER, to_text(moment), to_text(moment)),
    )
    assert await budget.take_code(NUMBER) is None
    assert await budget.take_code(NUMBER) is None
    again = datetime(2026, 11, 28, 14, tzinfo=UTC)
    assert await budget.take_code(NUMBER) == again  # the share for everyone is used
    assert await budget.take_code(NUMBER) == again
    assert await budget.take_code("+4917699999999") is None  # the kept one
    assert await budget.take_code("+4917699999999") == again  # all used
    await budget.code_back()  # one taken was not sent: free again
    assert await budget.take_code("+4917699999999") is None
    rows = await db.fetch_all(
        "SELECT payload FROM outbox WHERE chat_id = ? ORDER BY id", (BACKCHANNEL[1],)
    )
    notices = [str(decode(json.loads(row[0])).text) for row in rows]  # type: ignore[union-attr]
    assert len(notices) == 2, notices
    assert all("15:00" in notice and NUMBER[3:] not in notice for notice in notices), notices
    # The next hour has its own.
    moment = again
    assert await budget.take_code(NUMBER) is None


@pytest.mark.both_backends
async def test_the_reserve_is_for_notices_of_running_help_and_told_once(db: Database):
    budget = Budget(db, 100, [BACKCHANNEL], limits=Limits(reserve_percent=10))
    assert budget.reserve == 10
    assert await budget.take(90)
    assert not await budget.take(1)  # an answer, or a notice without help under way

    async def no() -> bool:
        return False

    assert not await budget.take(1, NUMBER, no)
    assert await budget.take(6, NUMBER, _true)
    assert await budget.take(4, NUMBER, _true)
    assert not await budget.take(1, NUMBER, _true)
    rows = await db.fetch_all(
        "SELECT payload FROM outbox WHERE chat_id = ? ORDER BY id", (BACKCHANNEL[1],)
    )
    notices = [str(decode(json.loads(row[0])).text) for row in rows]  # type: ignore[union-attr]
    # 80 %, only the reserve left (once, for all the texts refused), all used up.
    assert len(notices) == 3, notices
    assert "80" in notices[0] and "10" in notices[1] and "aufgebraucht" in notices[2]
    state = await budget.state()
    assert (state.spent, state.ordinary_left, state.left) == (100, 0, 0)


async def test_stop_and_start_are_confirmed_once_a_day(dispatcher: Dispatcher, db: Database):
    sms, gateway, _ = _sms(dispatcher, db, Limits())
    await sms.take_text(NUMBER, "Hallo")
    before = len(gateway.sent)
    for word in ("STOP", "START") * 5 + ("STOP", "STOP"):
        await sms.take_text(NUMBER, word)
    told = [text for _, text in gateway.sent[before:]]
    assert len(told) == 2 and "START" in told[0] and "STOP" in told[1]
    assert await sms.store.stopped(NUMBER)
    # A day later the change is confirmed again.
    await db.execute("UPDATE sms_numbers SET start_told_at = '2000-01-01T00:00:00Z'")
    await sms.take_text(NUMBER, "START")
    assert len(gateway.sent) == before + 3


@pytest.mark.both_backends
async def test_codes_take_three_tries_expire_and_three_go_a_day(db: Database):
    store = SmsStore(db.transactions)
    now = datetime.now(UTC)
    until, day = to_text(now + timedelta(minutes=15)), "2026-11-25"
    code = await store.issue_code(NUMBER, ERASE, until, day)
    assert code is not None and len(code) == CODE_DIGITS and code.isdigit()
    wrong = other_code(code)
    assert await store.check_code(NUMBER, STOP_HELP, code, to_text(now)) is None  # other purpose
    for _ in range(CODE_TRIES - 1):
        assert await store.check_code(NUMBER, ERASE, wrong, to_text(now)) is False
    # The last wrong try: the code is tried out, no longer "wrong, try again".
    assert await store.check_code(NUMBER, ERASE, wrong, to_text(now)) is None
    assert await store.check_code(NUMBER, ERASE, code, to_text(now)) is None  # tried out
    code = await store.issue_code(NUMBER, ERASE, until, day)
    assert code is not None
    later = to_text(now + timedelta(minutes=16))
    assert await store.check_code(NUMBER, ERASE, code, later) is None  # expired
    code = await store.issue_code(NUMBER, ERASE, until, day)
    assert await store.check_code(NUMBER, ERASE, code or "", to_text(now)) is True
    assert await store.check_code(NUMBER, ERASE, code or "", to_text(now)) is None  # used
    # Three issued above, one of them texted back right: it gives its place back.
    for _ in range(CODES_A_DAY - 2):
        assert await store.issue_code(NUMBER, ERASE, until, day) is not None
    assert await store.issue_code(NUMBER, ERASE, until, day) is None
    assert await store.issue_code(NUMBER, ERASE, until, "2026-11-26") is not None
    (stored,) = await db.fetch_all("SELECT code_hash FROM sms_numbers")
    assert len(stored[0]) == 64  # only the hash


# A number to call instead, as a city's operator may write it: in its international form,
# longer than most.
CALL = "+49 231 1234567"


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_text_of_it_fits_two_segments(lang: str):
    t = translator(lang)
    told = texters_told.TextersTold()
    for text in (
        text_stops.STOPPED,
        text_stops.STARTED,
        text_stops.STOPPED_BUT_HELP,
        text_stops.STOPPED_BUT_HELP_NO_CODE,
        text_stops.STOPPED_BUT_HELP_LATER,
        text_stops.STOPPED_HELP_TOO,
        text_stops.STOP_CODE_TRIED_OUT,
        text_stops.STOP_AGAIN_NO_CODES,
        text_stops.STOP_AGAIN_BUSY,
    ):
        at = t.time(datetime(2026, 11, 28, 22, tzinfo=UTC))
        sent = str(t.t(text, code="471108", time=at))
        assert count(sent) <= 2, (lang, sent)
    # The erasure's texts go through the renderer, as every answer does.
    for text in (
        t.tn(
            "🗑 To delete all your data, reply {code} within {n} minute. If you did not ask "
            "for this, do nothing.",
            "🗑 To delete all your data, reply {code} within {n} minutes. If you did not ask "
            "for this, do nothing.",
            15,
            code="471108",
        ),
        t.t("⌛ The code is no longer valid. Nothing was deleted. Send /delete to start again."),
        t.t("❌ That is not the code. Please try again."),
        t.t("⏳ No more codes today. Try again tomorrow."),
        # The hour's code texts used up (coded_acts.py, for acts and erasure alike).
        t.t(coded_acts.CODES_BUSY, time=t.time(datetime(2026, 11, 28, 22, tzinfo=UTC))),
        # Answers held for a check (checking.py; worded by texters_told.py): code, reminder, thanks.
        t.t(texters_told.CHECK_ASKED, code="471108"),
        t.t(
            texters_told.STILL_WORKS,
            sent=t.time(datetime(2026, 11, 28, 21, 47, tzinfo=UTC)),
            until=t.time(datetime(2026, 11, 28, 22, 2, tzinfo=UTC)),
        ),
        t.t(texters_told.CHECKED),
        # The line's own limits, as the features word them, with a number to call and
        # without (a capped number's line with one took three segments in six languages).
        told.turned_away(t, CALL),
        told.turned_away(t, ""),
        told.capped(t, datetime(2026, 11, 28, 22, tzinfo=UTC), True, CALL),
        told.capped(t, datetime(2026, 11, 29, 8, tzinfo=UTC), False, CALL),
        told.capped(t, datetime(2026, 11, 28, 22, tzinfo=UTC), True, ""),
        told.capped(t, datetime(2026, 11, 29, 8, tzinfo=UTC), False, ""),
    ):
        form = form_of(Message(text), t)
        assert form is not None and count(form.body) <= 2, (lang, form)


async def test_doctor_shows_the_budget(db: Database):
    config = Config(sms=SmsSection(enabled=True, monthly_segments=100, reserve_percent=10))
    budget = Budget(db, 100, [BACKCHANNEL], limits=Limits(reserve_percent=10))
    assert await budget.take(50)
    checks = [check async for check in sms_budget_checks(config.sms, db)]
    assert checks[0][0] == "sms budget" and checks[0][1] == "ok"
    assert "50 of 100 segments" in checks[0][2] and "reserve of 10" in checks[0][2]
    assert await budget.take(40)
    checks = [check async for check in sms_budget_checks(config.sms, db)]
    assert checks[0][1] == "WARN"
    assert await budget.take(10, NUMBER, _true)
    checks = [check async for check in sms_budget_checks(config.sms, db)]
    assert checks[0][1] == "FAIL"
    assert month_of(datetime.now(UTC)) in checks[0][2]
    off = [check async for check in sms_budget_checks(Config().sms, db)]
    assert off[0][1] == "skip"


@pytest.mark.both_backends
async def test_a_stop_keeps_the_notices_of_running_help_until_the_code_comes_back(
    dispatcher: Dispatcher, db: Database
):
    """STOP can be forged: twice from the same (forged) number still keeps the notices of
    a help under way; only the code texted to the number ends them."""
    sms, gateway, _ = _sms(dispatcher, db, Limits())
    await sms.take_text(NUMBER, "Hallo")
    user = await db.users.find("sms", NUMBER)
    assert user is not None
    await db.requests.create(user.id, user.id, category="shopping", description="Einkauf")
    worker = OutboxWorker(db, [sms], chain=dispatcher.chain)
    await sms.take_text(NUMBER, "STOP")
    await worker.run_once()  # the code's text is in the outbox, committed with the STOP
    asked = gateway.sent[-1][1]
    code = next(word.strip(".") for word in asked.split() if word.strip(".").isdigit())
    await sms.take_text(NUMBER, "STOP")
    await worker.run_once()
    assert gateway.sent[-1][1] == asked  # nothing more said
    await sms.deliver(NUMBER, Message("Ihre Helferin kommt"))
    assert gateway.sent[-1][1] == "Ihre Helferin kommt"
    await sms.take_text(NUMBER, code)
    assert "START" in gateway.sent[-1][1]
    with pytest.raises(DeliveryError):
        await sms.deliver(NUMBER, Message("Ihre Helferin kommt später"))
    # A person without help under way: STOP ends everything at once, as before.
    other = "+4917600000002"
    await sms.take_text(other, "Hallo")
    await sms.take_text(other, "STOP")
    with pytest.raises(DeliveryError):
        await sms.deliver(other, Message("Erinnerung"))
