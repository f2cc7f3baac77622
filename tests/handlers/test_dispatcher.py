"""Duplicate updates, retention, anti-spam limits and what the logs may contain."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.transports.telegram import TelegramTransport
from db import Database
from db.data_rights import Limits, retention_steps
from handlers.dispatcher import Dispatcher
from tests.support.fake_telegram import FakeTelegram
from tests.support.memory_transport import MemoryTransport, texts


async def test_a_redelivered_update_has_no_second_effect(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport, db: Database
):
    update_id = fake_telegram.send_text(4242, "/start", language_code="de")
    await fake_telegram.wait_for("sendMessage", chat_id=4242)
    mark = len(fake_telegram.calls)
    fake_telegram.redeliver(update_id)
    fake_telegram.send_text(4242, "/help")
    await fake_telegram.wait_for("sendMessage", after=mark, chat_id=4242)
    await fake_telegram.settle()
    answers = [c for c in fake_telegram.calls[mark:] if c.method == "sendMessage"]
    assert len(answers) == 1  # only /help was answered; the repeated /start was not


async def test_same_matrix_event_twice_counts_once(chat: MemoryTransport, db: Database):
    from handlers.messages import Command, Incoming, Sender

    incoming = Incoming(
        Sender("matrix", "@a:x", "A"), "!room", Command("start"), update_id="$event1"
    )
    first = await chat.dispatcher.handle(incoming)
    assert first
    await chat.dispatcher.answered(incoming, first)
    assert await chat.dispatcher.handle(incoming) == []


async def test_retention_clears_closed_requests(db: Database):
    user = await db.users.seen("memory", "r", "r")
    request = await db.requests.create(
        user.id,
        user.id,
        category="forms",
        description="Brief vom Jobcenter, Tel. 0231 555",
        offline_contact="Frau K.",
    )
    await db.requests.transition(request.id, "withdrawn", user.id)
    await db.execute(
        "INSERT INTO relay_messages (request_id, from_user, kind, text,"
        " created_at) VALUES (?, ?, 'text', 'hallo', '2026-01-01')",
        (request.id, user.id),
    )
    (step,) = [s for s in retention_steps() if s.name == "closed_requests"]
    now = datetime.now(UTC)
    assert await db.data_rights.retain(step, Limits(), now) == 0
    later = now + timedelta(days=90, seconds=1)
    # The request, its relay message (deleted) and nothing else.
    assert await db.data_rights.retain(step, Limits(), later) == 2
    cleared = await db.requests.get(request.id)
    assert (cleared.description, cleared.offline_contact, cleared.state) == ("", "", "withdrawn")
    assert (await db.fetch_all("SELECT COUNT(*) FROM relay_messages"))[0][0] == 0
    assert await db.data_rights.retain(step, Limits(), later) == 0


async def test_new_accounts_start_their_first_request_at_once(dispatcher: Dispatcher):
    # Every request is checked by a coordinator: the person who came because they need
    # help is not made to wait (floods are: tests/handlers/test_main_menu_input.py).
    dispatcher.settings = replace(dispatcher.settings, new_user_cooldown_minutes=10)
    chat = MemoryTransport(dispatcher)
    await chat.onboard("neo", "en")
    out = await chat.press("neo", "hr:new")
    assert "✋" not in texts(out) and "⏳" not in texts(out)
    assert "hr:cat:shopping" in [
        b.data for m in out for row in getattr(m, "buttons", []) for b in row
    ]


async def test_floods_are_slowed_down(dispatcher: Dispatcher):
    dispatcher.settings = replace(dispatcher.settings, max_messages_per_minute=5)
    dispatcher.clock = lambda: 1000.0  # all nine within one minute, however slow the machine
    chat = MemoryTransport(dispatcher)
    answers = [await chat.text("spam", f"/help {i}") for i in range(9)]
    assert all(answers[:5])
    assert "🐢" in texts(answers[5])
    assert answers[6:] == [[], [], []]
    # Someone else is not affected.
    assert await chat.text("calm", "/help")
    # A minute later the spammer is answered again.
    dispatcher.clock = lambda: 1061.0
    assert "🐢" not in texts(await chat.text("spam", "/help"))
    assert await chat.text("spam", "/help")


async def test_logs_keep_no_message_content(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport, caplog
):
    caplog.set_level(logging.INFO)
    secret_text = "Meine Nummer ist 0176 12345678, Adresse Musterweg 5"
    fake_telegram.send_text(5150, "/start", language_code="de")
    await fake_telegram.wait_for("sendMessage", chat_id=5150)
    fake_telegram.send_text(5150, secret_text)
    fake_telegram.send_message(5150, location={"latitude": 51.51234, "longitude": 7.46543})
    fake_telegram.failures["sendMessage"] = [502]
    fake_telegram.send_text(5150, "noch eine Nachricht")
    await fake_telegram.settle()
    logged = caplog.text
    for leaked in (
        "0176",
        "Musterweg",
        "51.51234",
        "7.46543",
        "noch eine Nachricht",
        fake_telegram.token,
    ):
        assert leaked not in logged, leaked


async def test_an_unanswered_update_is_answered_when_it_comes_again(chat: MemoryTransport):
    from handlers.messages import Command, Incoming, Sender

    incoming = Incoming(Sender("telegram", "77", "A"), "77", Command("start"), update_id="u1")
    first = await chat.dispatcher.handle(incoming)
    # The bot died before sending the answer: the redelivered update gets it.
    again = await chat.dispatcher.handle(incoming)
    assert [str(m.text) for m in again] == [str(m.text) for m in first]
    await chat.dispatcher.answered(incoming, again)
    assert await chat.dispatcher.handle(incoming) == []


async def test_answers_kept_for_a_crash_are_listed_until_sent(chat: MemoryTransport):
    from handlers.messages import Command, Incoming, Sender

    incoming = Incoming(Sender("telegram", "78", "B"), "78", Command("start"), update_id="u2")
    first = await chat.dispatcher.handle(incoming)
    pending = await chat.dispatcher.unanswered("telegram")
    assert [(i.chat_id, [str(m.text) for m in out]) for i, out in pending] == [
        ("78", [str(m.text) for m in first])
    ]
    await chat.dispatcher.answered(*pending[0])
    assert await chat.dispatcher.unanswered("telegram") == []


async def test_a_failing_handler_changes_nothing_and_is_not_run_again(
    chat: MemoryTransport, db: Database, monkeypatch
):
    from handlers.messages import Command, Incoming, Sender

    await chat.onboard("79", "en")
    user = await db.users.find("memory", "79")
    assert user is not None
    calls = []

    async def broken(ctx):
        calls.append(1)
        await ctx.db.users.set_state(ctx.user.id, "half.done", {"step": 1})
        await ctx.db.users.set_language(ctx.user.id, "ar")
        raise RuntimeError("boom")

    spec = chat.dispatcher.router.commands["help"]
    monkeypatch.setitem(chat.dispatcher.router.commands, "help", replace(spec, callback=broken))
    incoming = Incoming(Sender("memory", "79", "A"), "79", Command("help"), update_id="f1")
    first = await chat.dispatcher.handle(incoming)
    assert "went wrong" in texts(first)
    # The handler's writes were rolled back; the update itself is recorded as handled.
    assert await db.users.get_state(user.id) is None
    assert (await db.users.get(user.id)).language == "en"
    again = await chat.dispatcher.handle(incoming)
    assert texts(again) == texts(first) and calls == [1]
    await chat.dispatcher.answered(incoming, again)
    assert await chat.dispatcher.handle(incoming) == []


async def test_answers_kept_too_long_are_not_sent_after_a_long_outage(chat: MemoryTransport):
    from handlers.dispatcher import KEPT_ANSWERS_MAX_AGE
    from handlers.messages import Command, Incoming, Sender

    incoming = Incoming(Sender("telegram", "80", "C"), "80", Command("start"), update_id="u3")
    await chat.dispatcher.handle(incoming)
    soon = datetime.now(UTC) + KEPT_ANSWERS_MAX_AGE - timedelta(minutes=5)
    assert len(await chat.dispatcher.unanswered("telegram", soon)) == 1
    later = datetime.now(UTC) + KEPT_ANSWERS_MAX_AGE + timedelta(minutes=5)
    assert await chat.dispatcher.unanswered("telegram", later) == []
    # Dropped for good, not only skipped this time.
    assert await chat.dispatcher.unanswered("telegram") == []


async def test_an_update_is_confirmed_to_telegram_only_once_handled(
    fake_telegram: FakeTelegram, dispatcher: Dispatcher, monkeypatch
):
    """A crash while an update is being handled must not lose it: Telegram still has it."""
    import asyncio
    import contextlib

    from bot.config import TelegramSection
    from tests.support.fake_telegram import TOKEN

    config = TelegramSection(api_base_url=fake_telegram.url, poll_timeout=1)
    handle = dispatcher.handle
    started = asyncio.Event()

    async def stuck(incoming):
        started.set()
        await asyncio.Event().wait()  # the process dies before this update is committed

    monkeypatch.setattr(dispatcher, "handle", stuck)
    first = TelegramTransport(dispatcher.ports, config, TOKEN, [])
    await first.start()
    update_id = fake_telegram.send_text(4343, "/start", language_code="de")
    await asyncio.wait_for(started.wait(), 10)
    await asyncio.sleep(1.5)  # longer than a long poll
    assert fake_telegram.unconfirmed() == [update_id]
    assert first.polling is not None and first.polling._task is not None
    first.polling._task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await first.polling._task
    await first.stop()

    monkeypatch.setattr(dispatcher, "handle", handle)
    second = TelegramTransport(dispatcher.ports, config, TOKEN, [])
    await second.start()
    try:
        await fake_telegram.wait_for("sendMessage", chat_id=4343)
        await fake_telegram.settle()
        assert len(fake_telegram.calls_to("sendMessage", chat_id=4343)) == 1
        assert fake_telegram.unconfirmed() == []
    finally:
        await second.stop()


async def test_polling_goes_on_after_an_update_that_cannot_be_handled(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport, monkeypatch
):
    application = telegram_bot.application
    process = application.process_update
    broken = []

    async def first_one_breaks(update):
        if not broken:
            broken.append(update.update_id)
            raise RuntimeError("beyond the error handler")
        await process(update)

    monkeypatch.setattr(application, "process_update", first_one_breaks)
    fake_telegram.send_text(4545, "/start", language_code="de")
    fake_telegram.send_text(4646, "/start", language_code="de")
    await fake_telegram.wait_for("sendMessage", chat_id=4646)
    assert len(broken) == 1
    assert telegram_bot.polling is not None and telegram_bot.polling.running


async def test_console_takes_a_typed_number_only_for_the_newest_message(dispatcher: Dispatcher):
    """As on Matrix: after a relayed message "1" is text; ``:1`` presses all the same."""
    import io

    from markupsafe import Markup

    from bot.transports.console import ConsoleTransport
    from handlers.messages import Button, ButtonPress, Message, Text

    out = io.StringIO()
    console = ConsoleTransport(dispatcher.ports, stdin=io.StringIO(), stdout=out, user="anna")
    await console.deliver("anna", Message(Markup("Choose"), [[Button("A", "zz:a")]]))
    assert await console._event_for("1") == ButtonPress("zz:a")
    relayed = Message(
        Markup("Vera: how many crates?"), [[Button("✅ Done", "zz:done")]], typed_choices=False
    )
    await console.deliver("anna", relayed)
    assert "[:1] ✅ Done" in out.getvalue()
    assert await console._event_for("1") == Text("1")
    assert await console._event_for(":1") == ButtonPress("zz:done")
    await console.deliver("anna", Message(Markup("Choose"), [[Button("B", "zz:b")]]))
    assert await console._event_for("1") == ButtonPress("zz:b")
    await console.deliver("anna", Message(Markup("Vera: 2 or 3?")))  # no buttons
    assert await console._event_for("1") == Text("1")
    assert await console._event_for(":1") == ButtonPress("zz:b")


async def test_a_kept_answer_to_a_press_edits_the_pressed_message_after_a_restart(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport, dispatcher
):
    """The bot committed a press (choosing a language, answered by editing the picker)
    and died before sending: at the next start the picker is edited, as it would have
    been, and no second message with the same words appears (the edit may have gone out
    before the crash; edited again, it reads the same)."""
    from handlers.messages import ButtonPress, Incoming, Sender

    fake_telegram.send_text(4343, "/start", language_code="de")
    await fake_telegram.wait_for("sendMessage", lambda c: "🌐" in c.text, chat_id=4343)
    pressed = str(
        max(
            mid
            for (chat, mid), m in fake_telegram.messages.items()
            if chat == "4343" and m["from"].get("is_bot")
        )
    )
    incoming = Incoming(
        Sender("telegram", "4343", "A"), "4343", ButtonPress("lang:en", pressed), update_id="k1"
    )
    answers = await dispatcher.handle(incoming)  # committed, not sent
    assert answers
    mark = len(fake_telegram.calls)
    await telegram_bot.answer_unanswered()
    edits = fake_telegram.calls_to("editMessageText", chat_id=4343)
    assert [str(c.params["message_id"]) for c in edits] == [pressed]
    assert "English" in edits[0].text
    sent = [c.text for c in fake_telegram.calls[mark:] if c.method == "sendMessage"]
    assert not any("English" in text for text in sent)
    assert await dispatcher.unanswered("telegram") == []
