"""A city may publish the requests of people it trusts at once (``[help]
publish_at_once = ["returning"]``): a returning requester whose earlier help plausibly
happened and nobody reported; the coordinators are told and pull it back into review with
one press (handlers/helping/lifecycle.py ``submit``, ``pull_back``). Off by default.

Issue 77, point 7: "returning" cost one press ("done" a minute after a volunteer took it,
from a new account). Now the help must plausibly have happened (the volunteer told their
time, or "done" came hours after the match), the account be some weeks old, and what the
checks flag (a number, an e-mail address, a link, an address) always waits for review, the
post saying why (handlers/helping/returning.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.clock import to_text
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.helping.lifecycle import BOT_PUBLISHED
from handlers.helping.returning import HELD_NEW
from handlers.helping.warnings import LINK, NAMES, NUMBER
from handlers.messages import Command
from handlers.settings import HandlerSettings
from locales import DEFAULT_LANGUAGE, translator
from tests.support.channels import channels
from tests.support.help_story import (
    GROUP,
    NORDMARKT,
    grant_role_to,
    matched_through_lifecycle,
    post_request,
    press,
    register_volunteer,
)
from tests.support.memory_transport import MemoryTransport, button_data, readable

# The coordinators' group reads the city's language.
T = translator(DEFAULT_LANGUAGE)
NOT_RETURNING = T._(HELD_NEW)

# The trust is one query over requests and reports: on both backends.
pytestmark = pytest.mark.both_backends

AGAIN = "أحتاج مساعدة في التسوق مرة أخرى"
# The attack of issue 77: a phone number and a payment link.
PAY = "Bitte rufen Sie 0171 2345678 an und zahlen Sie vorab: https://pay.example.com/x"


def _chat(db: Database, *kinds: str) -> MemoryTransport:
    settings = HandlerSettings(
        backchannels=frozenset({("memory", GROUP)}),
        channels=channels(),
        publish_at_once=frozenset(kinds),
    )
    return MemoryTransport(Dispatcher(db, build_router(), settings))


def _ago(**delta: float) -> str:
    return to_text(datetime.now(UTC) - timedelta(**delta))


async def _ask_again(chat: MemoryTransport, text: str = AGAIN, user: str = "amira") -> int:
    await chat.press(user, "menu:help")
    await chat.press(user, "hr:new")
    await chat.press(user, "hr:cat:shopping")
    await chat.text(user, text)
    await chat.location(user, *NORDMARKT)
    out = await chat.press(user, "hr:when:asap")
    done = "hr:lang-only" if "hr:lang-only" in button_data(out) else "hr:langs-done"
    await chat.press(user, done)
    out = await chat.press(user, "hr:send")
    assert "hr:mine" in button_data(out)
    requester = await chat.dispatcher.db.users.find("memory", user)
    return max(r.id for r in await chat.dispatcher.db.requests.for_requester(requester.id))


async def _helped(
    chat: MemoryTransport,
    db: Database,
    *,
    after: timedelta = timedelta(0),
    told_time: bool = False,
    account_days: int = 60,
) -> int:
    """Amira's first request, published by Cora and taken by Vera, then "done" by Amira's
    own presses ``after`` Vera took it (the match set back by that much); ``told_time``:
    Vera then tells the time she spent; Amira's account is ``account_days`` old."""
    await chat.onboard("amira", "ar")
    await chat.onboard("cora", "en")
    cora = await grant_role_to(db, "cora", "coordinator")
    vera = await register_volunteer(chat, db, "vera")
    await db.volunteers.verify(vera, cora)
    amira = await db.users.find("memory", "amira")
    first = await matched_through_lifecycle(db, chat.dispatcher.settings, amira.id, vera, cora)
    await db.execute(
        "UPDATE help_requests SET matched_at = ? WHERE id = ?",
        (to_text(datetime.now(UTC) - after), first),
    )
    await chat.press("amira", f"rl:done:{first}")
    await chat.press("amira", f"rl:doney:{first}")
    assert (await db.requests.get(first)).state == "done"
    if told_time:
        await chat.press("vera", f"rl:min:{first}:60")
        assert (await db.requests.get(first)).minutes_spent == 60
    await db.execute(
        "UPDATE users SET created_at = ? WHERE id = ?", (_ago(days=account_days), amira.id)
    )
    await chat.flush()
    chat.inbox.clear()
    return first


async def _review_post(chat: MemoryTransport, request_id: int) -> str:
    await chat.flush()
    return next(
        readable(str(item.text))
        for item in chat.inbox[GROUP]
        if f"mod:ok:{request_id}" in button_data([item])
    )


async def test_a_returning_requester_is_published_at_once_and_pulled_back(db: Database):
    chat = _chat(db, "returning")
    await _helped(chat, db, told_time=True)
    second = await _ask_again(chat)
    assert (await db.requests.get(second)).state == "open"
    await chat.flush()
    post = next(item for item in chat.inbox[GROUP] if f"mod:pull:{second}" in button_data([item]))
    assert str(post.text).startswith("⚡") and f"#{second}" in str(post.text)
    # The requester reads Arabic: "your request is published".
    assert "تم نشر طلبك" in chat.received("amira")

    # A resident may not pull it back; a coordinator may, with one press.
    await chat.onboard("rita", "en")
    await chat.in_group("rita", press(f"mod:pull:{second}"), chat=GROUP)
    assert (await db.requests.get(second)).state == "open"
    chat.inbox.clear()
    await chat.in_group("cora", press(f"mod:pull:{second}"), chat=GROUP)
    assert (await db.requests.get(second)).state == "review"
    await chat.flush()
    assert f"mod:ok:{second}" in button_data(chat.inbox[GROUP])
    # Pressed again: nothing changes.
    await chat.in_group("cora", press(f"mod:pull:{second}"), chat=GROUP)
    assert (await db.requests.get(second)).state == "review"


async def test_done_a_minute_after_the_match_makes_nobody_returning(db: Database):
    """The attack: "done" pressed right after Vera took it, Vera told no time - however old
    the account."""
    chat = _chat(db, "returning")
    await _helped(chat, db, after=timedelta(minutes=1))
    second = await _ask_again(chat)
    assert (await db.requests.get(second)).state == "review"
    post = await _review_post(chat, second)
    assert post.startswith("⏸") and NOT_RETURNING in post, post


async def test_done_hours_after_the_match_counts_without_the_volunteers_word(db: Database):
    chat = _chat(db, "returning")
    await _helped(chat, db, after=timedelta(hours=4))
    assert (await db.requests.get(await _ask_again(chat))).state == "open"


async def test_a_new_account_is_not_returning_even_after_help_that_happened(db: Database):
    chat = _chat(db, "returning")
    await _helped(chat, db, told_time=True, account_days=3)
    second = await _ask_again(chat)
    assert (await db.requests.get(second)).state == "review"
    assert NOT_RETURNING in await _review_post(chat, second)


async def test_what_the_checks_flag_waits_for_review_from_a_returning_requester(db: Database):
    """A phone number and a payment link: held, and the post says what was found first."""
    chat = _chat(db, "returning")
    await _helped(chat, db, told_time=True)
    second = await _ask_again(chat, PAY)
    assert (await db.requests.get(second)).state == "review"
    post = await _review_post(chat, second)
    first_line = post.splitlines()[0]
    assert first_line.startswith("⏸"), post
    assert T._(NAMES[NUMBER]) in first_line and T._(NAMES[LINK]) in first_line, first_line
    assert NOT_RETURNING not in post
    # Nobody was offered it.
    assert "vera" not in chat.inbox or f"mt:acc:{second}" not in button_data(chat.inbox["vera"])
    # An address or an e-mail address as well.
    for text in ("Einkauf bitte zur Hauptstraße 5 bringen", "Bitte schreiben an oma@example.de"):
        assert (await db.requests.get(await _ask_again(chat, text))).state == "review"


async def test_a_first_request_waits_for_review(db: Database):
    chat = _chat(db, "returning")
    first = await post_request(chat)
    assert (await db.requests.get(first)).state == "review"
    assert NOT_RETURNING in await _review_post(chat, first)


async def test_a_report_on_any_request_ends_returning(db: Database):
    chat = _chat(db, "returning")
    first = await _helped(chat, db, told_time=True)
    vera = await db.users.find("memory", "vera")
    await db.relay.report(vera.id, f"request:{first}", "")
    second = await _ask_again(chat)
    assert (await db.requests.get(second)).state == "review"
    assert NOT_RETURNING in await _review_post(chat, second)


async def test_by_default_every_request_waits_for_review(db: Database):
    chat = _chat(db)
    await _helped(chat, db, told_time=True)
    second = await _ask_again(chat)
    assert (await db.requests.get(second)).state == "review"
    # Nothing to explain: no request is published at once there.
    assert not (await _review_post(chat, second)).startswith("⏸")


async def test_a_coordinator_deciding_after_it_went_out_at_once_is_not_told_nobody_decided(
    db: Database,
):
    """Published at once, a request never waited: a coordinator's /publish after it is told
    what it is now, not the unreviewed job's "nobody had decided it in time" (that is said
    only where the bot published it after the city's wait, test_publish_unreviewed.py)."""
    chat = _chat(db, "returning")
    await _helped(chat, db, told_time=True)
    second = await _ask_again(chat)
    assert (await db.requests.get(second)).state == "open"
    await chat.flush()
    chat.inbox.clear()
    answer = await chat.in_group("cora", Command("publish", str(second)), chat=GROUP)
    said = readable(" ".join(str(getattr(item, "text", "")) for item in answer))
    assert said and readable(str(T.t(BOT_PUBLISHED))) not in said, said
