"""Events in the chat, notices to followers and subscribers, the coordinators' event flow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar

from bot.delivery import OutboxWorker
from db import Database
from db.events import Event
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.events.ical import import_events
from handlers.events.recurrence import local_text, next_occurrences
from handlers.events.reminders import deliver_due, occurrence_key
from handlers.messages import Document, Toast, Venue
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from handlers.settings import HandlerSettings
from locales import TIMEZONE, translator
from tests.support.cli import ROOT, run_bot
from tests.support.fake_telegram import FakeTelegram
from tests.support.memory_transport import MemoryTransport, button_data, messages, texts
from tests.support.telegram_wiring import telegram_person, telegram_with_worker
from tests.support.town_events import coordinator, soon, town

NORDMARKT = (51.5230, 7.4560)
SAMPLE_PLACES = ROOT / "data" / "dortmund" / "places-sample.csv"
SAMPLE_EVENTS = ROOT / "data" / "dortmund" / "events-sample.ics"

__all__ = ["coordinator", "town"]  # the fixtures (tests/support/town_events.py)


async def test_this_week_and_near_me(chat: MemoryTransport, town):
    await chat.onboard("ela", "en")
    out = await chat.press("ela", "menu:events")
    assert "ev:week" in button_data(out)
    out = await chat.press("ela", "ev:week")
    assert "Sprachcafé" in texts(out) and "Sommerfest Hörde" in texts(out)
    await chat.press("ela", "ev:where")
    out = await chat.location("ela", *NORDMARKT)
    text = texts(out)
    assert "Sprachcafé" in text and "Sommerfest" not in text  # Hörde is 5 km away
    assert "📏" in text
    # Only wheelchair-accessible: the café's place is; filters survive in the state.
    out = await chat.press("ela", "ev:wc")
    assert "Sprachcafé" in texts(out)
    out = await chat.press("ela", "ev:week")
    out = await chat.press("ela", "ev:cat:0")  # the first category shown ("Fest")
    assert "Sommerfest" in texts(out) and "Sprachcafé" not in texts(out)


async def test_details_remind_and_calendar_file(chat: MemoryTransport, db: Database, town):
    await chat.onboard("ela", "de")
    out = await chat.press("ela", "ev:week")
    detail = next(d for d in button_data(out) if d.startswith(f"ev:d:{town['cafe']}:"))
    out = await chat.press("ela", detail)
    assert any(isinstance(i, Venue) for i in out)
    assert "Dietrich-Keuning-Haus" in texts(out) and "🔁" in texts(out)
    key = detail.rsplit(":", 1)[1]
    out = await chat.press("ela", f"ev:rm:{town['cafe']}:{key}")
    assert {f"ev:r1:{town['cafe']}:{key}", f"ev:ra:{town['cafe']}"} <= set(button_data(out))
    await chat.press("ela", f"ev:r1:{town['cafe']}:{key}")
    user = await db.users.find("memory", "ela")
    assert len(await db.events.pending_for_user(user.id)) == 2  # 24 h and 1 h before
    await chat.press("ela", f"ev:ra:{town['cafe']}")
    assert len(await db.events.pending_for_user(user.id)) > 2  # every week in the horizon
    out = await chat.press("ela", f"ev:ics:{town['cafe']}:{key}")
    document = next(i for i in out if isinstance(i, Document))
    [component] = icalendar.Calendar.from_ical(document.content).walk("VEVENT")
    assert str(component["SUMMARY"]) == "Sprachcafé"
    out = await chat.press("ela", "ev:mine")
    assert "Sprachcafé" in texts(out)
    await chat.press("ela", f"ev:un:{town['cafe']}")
    assert await db.events.pending_for_user(user.id) == []


async def test_reminder_times_apply_to_existing_reminders(
    chat: MemoryTransport, db: Database, town
):
    await chat.onboard("ole", "pl")
    start = datetime.fromisoformat(soon(3, 14)).replace(tzinfo=TIMEZONE)
    await chat.press("ole", f"ev:r1:{town['fest']}:{occurrence_key(start)}")
    user = await db.users.find("memory", "ole")
    assert {r.minutes_before for r in await db.events.pending_for_user(user.id)} == {60, 1440}
    await chat.press("ole", "ev:t:1440")  # untick "1 day before"
    await chat.press("ole", "ev:t:180")
    assert {r.minutes_before for r in await db.events.pending_for_user(user.id)} == {60, 180}
    out = await chat.press("ole", "ev:toff")
    assert await db.events.pending_for_user(user.id) == []
    assert translator("pl")._("No reminders") in str(out)


async def test_forged_event_buttons(chat: MemoryTransport, db: Database, town):
    await chat.onboard("eve", "en")
    for data in (
        "ev:d:abc",
        "ev:r1:99999:202601011700",
        f"ev:r1:{town['fest']}:2026",
        "ev:t:7",
        "ev:sp:99999",
        "ev:sd:Atlantis",
        "ev:cat:3",
        "ev:more",
        f"ee:cxly:{town['fest']}",
    ):
        out = await chat.press("eve", data)
        assert any(isinstance(i, Toast) for i in out) or "⛔" in texts(out), data
    assert (await db.events.get(town["fest"])).status == "scheduled"


async def test_coordinator_publishes_an_event_and_subscribers_hear(
    chat: MemoryTransport, db: Database, town, coordinator: str
):
    await chat.onboard("sami", "ar")
    await chat.press("sami", "ev:sd:Innenstadt-Nord")
    await chat.text(coordinator, "/event_new")
    await chat.text(coordinator, "Frauencafé international")
    out = await chat.text(coordinator, "Dietrich")
    await chat.press(coordinator, next(d for d in button_data(out) if d.startswith("ee:pl:")))
    start = (datetime.now(TIMEZONE) + timedelta(days=10)).strftime("%d.%m.%Y")
    await chat.text(coordinator, f"{start} 16:30")
    await chat.press(coordinator, "ee:dur:120")
    await chat.press(coordinator, "ee:rep:weekly")
    out = await chat.press(coordinator, "ee:skip")
    assert "ee:save" in button_data(out)
    out = await chat.press(coordinator, "ee:save")
    event = next(e for e in await db.events.active() if e.title == "Frauencafé international")
    assert event.rrule == "FREQ=WEEKLY" and event.place_id == town["place"]
    assert event.starts_local.endswith("T16:30")
    assert f"event_{event.id}" in texts(out)
    # Announcements never arrive at night: delivered at 08:00 at the latest.
    later = OutboxWorker(db, [chat], clock=lambda: datetime.now(UTC) + timedelta(days=1))
    await later.run_once()
    assert "Frauencafé international" in chat.received("sami")


def test_announcements_wait_for_the_morning():
    from handlers.events.notices import not_before

    night = datetime(2026, 11, 22, 22, 30, tzinfo=TIMEZONE)
    assert not_before(night) == datetime(2026, 11, 23, 8, 0, tzinfo=TIMEZONE)
    early = datetime(2026, 11, 23, 6, 0, tzinfo=TIMEZONE)
    assert not_before(early) == datetime(2026, 11, 23, 8, 0, tzinfo=TIMEZONE)
    assert not_before(datetime(2026, 11, 23, 12, 0, tzinfo=TIMEZONE)) is None


async def test_cancelling_tells_followers(
    chat: MemoryTransport, db: Database, town, coordinator: str
):
    await chat.onboard("ela", "uk")
    await chat.press("ela", f"ev:ra:{town['cafe']}")
    out = await chat.text(coordinator, f"/event_cancel {town['cafe']}")
    await chat.press(coordinator, f"ee:cxly:{town['cafe']}")
    assert (await db.events.get(town["cafe"])).status == "cancelled"
    await chat.flush()
    assert "❌" in chat.received("ela")
    user = await db.users.find("memory", "ela")
    assert await db.events.pending_for_user(user.id) == []
    assert out


async def test_changing_the_time_tells_followers(
    chat: MemoryTransport, db: Database, town, coordinator: str
):
    await chat.onboard("ela", "tr")
    await chat.press("ela", f"ev:ra:{town['fest']}")
    await chat.text(coordinator, f"/event_edit {town['fest']}")
    await chat.press(coordinator, "ee:field:start")
    new_start = (datetime.now(TIMEZONE) + timedelta(days=5)).strftime("%d.%m.%Y")
    await chat.text(coordinator, f"{new_start} 15:00")
    event = await db.events.get(town["fest"])
    assert event.status == "changed" and event.starts_local.endswith("T15:00")
    await chat.flush()
    assert "⚠️" in chat.received("ela")


async def test_residents_cannot_publish(chat: MemoryTransport, db: Database, town):
    await chat.onboard("resi", "en")
    out = await chat.text("resi", "/event_new")
    assert "⛔" in texts(out)
    out = await chat.text("resi", f"/event_cancel {town['fest']}")
    assert "⛔" in texts(out)


async def test_deep_link_opens_the_event(chat: MemoryTransport, town):
    await chat.onboard("dora", "en")
    out = await chat.text("dora", f"/start event_{town['fest']}")
    assert "Sommerfest Hörde" in texts(out)


async def test_reminder_arrives_on_telegram(fake_telegram: FakeTelegram, db: Database, town):
    async with telegram_with_worker(fake_telegram, db) as wired:
        user_id = await telegram_person(db, 5150, "Rosa", "uk")
        fake_telegram.press(5150, f"ev:ra:{town['fest']}")
        await fake_telegram.wait_for("sendMessage", chat_id=5150)
        [first, _] = await db.events.pending_for_user(user_id)
        fire = datetime.fromisoformat(first.fire_at.replace("Z", "+00:00"))
        assert await deliver_due(db, fire + timedelta(seconds=5)) == (1, 0)
        wired.worker.wake()
        reminder = await fake_telegram.wait_for(
            "sendMessage", lambda c: "Sommerfest" in c.text and "🔔" in c.text, chat_id=5150
        )
        assert translator("uk")._("Details") in str(reminder.params)


def test_occurrence_keys_round_trip():
    from handlers.events.reminders import from_key

    moment = datetime(2026, 3, 29, 17, 0, tzinfo=TIMEZONE)
    assert from_key(occurrence_key(moment)) == local_text(moment)


async def test_events_in_the_console(dispatcher: Dispatcher, db: Database, town):
    from tests.support.terminal import Terminal

    term = Terminal(dispatcher, db)
    await term.type(":as anna", "/start")
    await term.press("lang:tr")
    await term.press("consent:yes")
    await term.press("menu:events")
    shown = await term.press("ev:week")
    assert "Sprachcafé" in shown
    shown = await term.press(f"ev:d:{town['fest']}:")
    assert "Sommerfest Hörde" in shown and "📍" in shown
    shown = await term.press(f"ev:rm:{town['fest']}:")
    assert translator("tr")._("My reminders") in shown
    anna = await db.users.find("console", "anna")
    assert len(await db.events.pending_for_user(anna.id)) == 2


async def test_place_details_list_its_events(chat: MemoryTransport, town):
    await chat.onboard("pia", "en")
    out = await chat.press("pia", f"pl:d:{town['place']}")
    assert "Sprachcafé" in texts(out)
    assert any(d.startswith(f"ev:d:{town['cafe']}:") for d in button_data(out))


async def test_subscribers_hear_of_changes(
    chat: MemoryTransport, db: Database, town, coordinator: str
):
    await chat.onboard("sub", "ru")
    await chat.press("sub", f"ev:sp:{town['place']}")
    await chat.text(coordinator, f"/event_cancel {town['cafe']}")
    await chat.press(coordinator, f"ee:cxly:{town['cafe']}")
    await chat.flush()
    assert "❌" in chat.received("sub")


async def test_details_lead_back_to_the_list(chat: MemoryTransport, town):
    await chat.onboard("bea", "en")
    await chat.press("bea", "ev:week")
    detail = f"ev:d:{town['fest']}:"
    out = await chat.press("bea", detail)
    assert "ev:list" in button_data(out)
    out = await chat.press("bea", "ev:list")
    assert "Sprachcafé" in texts(out) and "Sommerfest Hörde" in texts(out)
    assert not messages(out)[0].edit  # the details stay readable above the list
    # Opened from a link there is no list to go back to.
    await chat.press("bea", "menu:main")
    out = await chat.text("bea", f"/start event_{town['fest']}")
    assert "ev:list" not in button_data(out)
    out = await chat.press("bea", "ev:list")
    assert "no longer valid" in str(out)


async def test_wheelchair_filter_and_details_in_words(chat: MemoryTransport, db: Database, town):
    await chat.onboard("ceyda", "ru")
    ru = translator("ru")
    out = await chat.press("ceyda", "ev:week")
    [button] = [b for m in messages(out) for row in m.buttons for b in row if b.data == "ev:wc"]
    assert button.label == "♿ " + ru._("wheelchair accessible")
    out = await chat.press("ceyda", f"ev:d:{town['cafe']}:")
    assert "♿ " + ru._("wheelchair accessible") in texts(out)
    stairs, _, _ = await db.events.upsert(
        Event(uid="stairs", title="Hofflohmarkt", starts_local=soon(4), wheelchair="limited")
    )
    out = await chat.press("ceyda", f"ev:d:{stairs}:")
    assert "🚧 " + ru._("partly wheelchair accessible") in texts(out)
    assert "♿" not in texts(out)


async def test_sample_events_import_and_fill_this_week(tmp_path, settings: HandlerSettings):
    """``make demo``'s two imports, then "events this week" in the console."""
    from tests.support.terminal import Terminal

    database = tmp_path / "demo.sqlite3"
    places = run_bot("places", "import", str(SAMPLE_PLACES), database=database)
    assert places.returncode == 0, places.stderr
    events = run_bot("events", "import", str(SAMPLE_EVENTS), database=database)
    assert events.returncode == 0, events.stderr
    assert "12 events read, imported: 12 new" in events.stdout and "0 rejected" in events.stdout
    db = await Database.open(database)
    try:
        term = Terminal(Dispatcher(db, build_router(), settings), db)
        await term.type(":as demo", "/start")
        await term.press("lang:en")
        await term.press("consent:yes")
        await term.press("menu:events")
        shown = await term.press("ev:week")
    finally:
        await db.close()
    listed = [line for line in shown.splitlines() if line.startswith("🗓") and " · " in line]
    assert len(listed) >= 5, shown  # eight of the twelve come every week
    assert all("(Beispiel)" in line for line in listed)  # marked as examples


async def test_sample_events_are_at_sample_places(db: Database):
    report = await import_places(
        db, SAMPLE_PLACES, load_gazetteer("data/dortmund"), default_source="sample"
    )
    assert not report.rejected
    imported = await import_events(db, SAMPLE_EVENTS, gazetteer=load_gazetteer("data/dortmund"))
    assert imported.created == 12 and not imported.rejected
    now = datetime.now(UTC)
    for event in await db.events.active():
        place = await db.places.get(event.place_id or 0)
        assert place is not None and event.address.startswith(place.name), event.title
        assert "(Beispiel)" in event.title and event.rrule
        # Repeating from 2024 on, every one of them still has dates ahead.
        assert next_occurrences(event, now, 1)
