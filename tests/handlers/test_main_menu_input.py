"""Start with anything: a place name, a postcode, a text or a voice message at the main menu;
the city's own name and names in other scripts; a new account's first request; presses
have their own flood limit and are always answered."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import TelegramSection
from bot.transports.console import BACKCHANNEL
from bot.transports.telegram import TelegramTransport
from db import Database
from db.clock import to_text
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.places.gazetteer import load_gazetteer
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.memory_transport import MemoryTransport, button_data, texts
from tests.support.places_sample import import_sample
from tests.support.terminal import Terminal


@pytest.fixture
async def sample(db: Database) -> Database:
    return await import_sample(db)


# -- the gazetteer ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["Dortmund", "ich wohne in Dortmund", "Я живу в Дортмунде", "دورتموند"]
)
def test_the_city_itself_is_no_place_in_it(query: str):
    resolution = load_gazetteer("data/dortmund").resolve(query, "Dortmund")
    assert resolution.area is None and resolution.city_only


@pytest.mark.parametrize(
    "query", ["Dortmund Hauptbahnhof", "Dortmund-Mitte", "Hbf", "Hauptbahnhof", "Dortmund Hbf"]
)
def test_the_main_station_and_the_middle_mean_the_city_centre(query: str):
    area = load_gazetteer("data/dortmund").resolve(query, "Dortmund").area
    assert area is not None
    assert (area.name, area.stadtbezirk) == ("City", "Innenstadt-West")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("هورده", "Hörde"),
        ("Хёрде", "Hörde"),
        ("Хьорде", "Hörde"),
        ("Аплербек", "Aplerbeck"),
        ("هوكارده", "Huckarde"),
        ("Менгеде", "Mengede"),
        ("Дортмунд Брахель", "Brackel"),
        ("Dortmund Hörde", "Hörde"),
        ("TU Dortmund", "Barop"),
        ("Lütgendortmund", "Lütgendortmund"),
    ],
)
def test_districts_in_other_scripts_and_with_the_city(query: str, expected: str):
    area = load_gazetteer("data/dortmund").resolve(query, "Dortmund").area
    assert area is not None and area.name == expected


# -- at the main menu ---------------------------------------------------------------------------


async def _consented(term: Terminal, name: str, lang: str = "de") -> None:
    await term.type(f":as {name}", "/start")
    await term.press(f"lang:{lang}")
    await term.press("consent:yes")


@pytest.mark.parametrize(("typed", "near"), [("44137", "44137"), ("Hörde", "Hörde")])
async def test_a_postcode_or_district_at_the_main_menu_lists_places(
    dispatcher: Dispatcher, sample: Database, typed: str, near: str
):
    term = Terminal(dispatcher, sample)
    await _consented(term, "paula")
    shown = await term.type(typed)
    assert near in shown and "📏" in shown
    assert [b for b in term.console._buttons["paula"] if b.data.startswith("pl:d:")]
    user = await sample.users.find("console", "paula")
    assert (await sample.users.get_state(user.id)).state == "places.results"


async def test_the_city_name_asks_which_part(dispatcher: Dispatcher, sample: Database):
    term = Terminal(dispatcher, sample)
    await _consented(term, "otto", "en")
    # At the main menu and in the search the bare city asks which part (never Barop),
    # with the Stadtbezirke to choose from.
    shown = await term.type("Dortmund")
    assert "Which part of" in shown and "Barop" not in shown and "📏" not in shown
    await term.press("menu:main")
    await term.press("menu:places")
    shown = await term.type("ich wohne in Dortmund")
    assert "Which part of" in shown and "Barop" not in shown
    shown = await term.press("pl:area:Hörde")
    assert "Hörde" in shown and "📏" in shown


async def test_a_location_at_the_main_menu_lists_places(dispatcher: Dispatcher, sample: Database):
    term = Terminal(dispatcher, sample)
    await _consented(term, "lea", "en")
    shown = await term.type(":loc 51.5230,7.4560")
    assert "📏" in shown


async def test_a_voice_message_at_the_main_menu_becomes_a_request(
    dispatcher: Dispatcher, db: Database
):
    """A new person sends a voice message right after consenting: it becomes the
    description of a request, posted at once (no waiting for new accounts) and shown to
    the coordinators."""
    dispatcher.settings = replace(
        dispatcher.settings,
        backchannels=frozenset({("console", BACKCHANNEL)}),
        new_user_cooldown_minutes=10,
    )
    term = Terminal(dispatcher, db)
    await _consented(term, "amira", "ar")
    shown = await term.type(":media voice")
    assert "🤝" in shown and "📍" in shown
    data = [b.data for b in term.console._buttons["amira"]]
    assert "hr:with" in data and "menu:places" in data
    await term.press("hr:with")
    await term.press("hr:cat:shopping")
    # The description step is skipped: the voice message is the description.
    shown = await term.type(":loc 51.5230,7.4560")
    await term.press("hr:when:asap")
    shown = await term.press("hr:langs-done")
    assert "🎤" in shown
    shown = await term.press("hr:send")
    assert f"[{BACKCHANNEL}]" in shown and "🎤" in shown
    amira = await db.users.find("console", "amira")
    [request] = await db.requests.for_requester(amira.id)
    assert request.state == "review"
    assert request.voice_file_id.startswith("console-voice-")
    assert request.voice_platform == "console"


async def test_a_text_at_the_main_menu_becomes_the_description(chat: MemoryTransport, db: Database):
    await chat.onboard("tina", "de")
    out = await chat.text("tina", "Ich brauche Hilfe beim Einkaufen am Samstag")
    assert "hr:with" in button_data(out) and "menu:places" in button_data(out)
    await chat.press("tina", "hr:with")
    out = await chat.press("tina", "hr:cat:shopping")
    # Straight on to "where": the text is the description.
    assert "📍" in texts(out)
    tina = await db.users.find("memory", "tina")
    state = await db.users.get_state(tina.id)
    assert state.state == "request.where"
    assert state.data["draft"]["description"] == "Ich brauche Hilfe beim Einkaufen am Samstag"
    # Something else typed instead of pressing is offered again, not lost in a step.
    out = await chat.text("tina", "Hi")
    assert (await db.users.get_state(tina.id)).state == "request.where"


async def test_a_greeting_at_the_main_menu_gets_the_menu(chat: MemoryTransport, db: Database):
    await chat.onboard("gus", "en")
    out = await chat.text("gus", "Hi")
    assert "menu:places" in button_data(out) and "menu:help" in button_data(out)
    assert "hr:with" not in button_data(out)


async def test_the_offer_button_is_stale_after_the_conversation_moved_on(
    chat: MemoryTransport, db: Database
):
    await chat.onboard("sam", "en")
    await chat.text("sam", "Please help me carry a sofa")
    await chat.press("sam", "menu:main")
    out = await chat.press("sam", "hr:with")
    sam = await db.users.find("memory", "sam")
    assert await db.requests.for_requester(sam.id) == []
    assert (await db.users.get_state(sam.id)) is None
    assert "hr:cat:shopping" not in button_data(out)


# -- the wait of new accounts -------------------------------------------------------------------


async def _post(chat: MemoryTransport, who: str) -> list:
    await chat.press(who, "hr:new")
    await chat.press(who, "hr:cat:shopping")
    await chat.text(who, "Bitte beim Einkaufen helfen")
    await chat.text(who, "Hörde")
    await chat.press(who, "hr:when:asap")
    await chat.press(who, "hr:langs-done")
    return await chat.press(who, "hr:send")


async def test_new_accounts_post_at_once_but_not_again_and_again(
    dispatcher: Dispatcher, db: Database
):
    dispatcher.settings = replace(dispatcher.settings, new_user_cooldown_minutes=10)
    chat = MemoryTransport(dispatcher)
    await chat.onboard("neo", "en")
    assert "#1" in texts(await _post(chat, "neo"))
    out = await chat.press("neo", "hr:new")
    # The wait is a time of day, 24-hour, ten minutes (or a moment more) from now.
    shown = texts(out)
    assert "⏳" in shown
    in_ten = datetime.now(UTC) + timedelta(minutes=10)
    berlin = in_ten.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    later = berlin + timedelta(minutes=1)
    assert berlin.strftime("%H:%M") in shown or later.strftime("%H:%M") in shown
    # An account older than a day is not new any more.
    neo = await db.users.find("memory", "neo")
    old = to_text(datetime.now(UTC) - timedelta(days=2))
    await db.execute("UPDATE users SET created_at = ? WHERE id = ?", (old, neo.id))
    out = await chat.press("neo", "hr:new")
    assert "⏳" not in texts(out) and "hr:cat:shopping" in button_data(out)


async def test_a_flood_of_new_accounts_waits(dispatcher: Dispatcher, db: Database):
    dispatcher.settings = replace(
        dispatcher.settings, new_user_cooldown_minutes=10, new_account_flood_requests=3
    )
    chat = MemoryTransport(dispatcher)
    for name in ("f1", "f2", "f3"):
        await chat.onboard(name, "en")
        assert "#" in texts(await _post(chat, name))
    await chat.onboard("f4", "en")
    out = await chat.press("f4", "hr:new")
    # Told of the rush; the form goes on, and what is written is held back, not lost
    # (tests/handlers/helping/test_held_requests.py).
    assert "⏳" in texts(out) and "hr:cat:shopping" in button_data(out)
    # Someone who has been here for a while is not held up by the flood.
    await chat.onboard("old", "en")
    old = await db.users.find("memory", "old")
    since = to_text(datetime.now(UTC) - timedelta(days=30))
    await db.execute("UPDATE users SET created_at = ? WHERE id = ?", (since, old.id))
    assert "hr:cat:shopping" in button_data(await chat.press("old", "hr:new"))
    # Once the burst is older than the cooldown, new accounts post again.
    earlier = to_text(datetime.now(UTC) - timedelta(minutes=11))
    await db.execute("UPDATE help_requests SET created_at = ?", (earlier,))
    assert "hr:cat:shopping" in button_data(await chat.press("f4", "hr:new"))


# -- presses and the flood limit ----------------------------------------------------------------


@pytest.fixture
async def limited_bot(fake_telegram: FakeTelegram, db: Database, settings):
    dispatcher = Dispatcher(
        db,
        build_router(),
        replace(settings, max_messages_per_minute=20, max_presses_per_minute=120),
    )
    transport = TelegramTransport(
        dispatcher.ports,
        TelegramSection(api_base_url=fake_telegram.url, poll_timeout=1),
        TOKEN,
        dispatcher.router.public_commands(),
    )
    await transport.start()
    yield dispatcher
    await transport.stop()


async def _press_and_wait(fake: FakeTelegram, uid: int, data: str) -> dict:
    mark = len(fake.calls)
    fake.press(uid, data)
    answer = await fake.wait_for("answerCallbackQuery", after=mark)
    return answer.params


async def test_forty_presses_on_the_volunteer_form_are_all_answered(
    fake_telegram: FakeTelegram, limited_bot: Dispatcher, db: Database
):
    fake = fake_telegram
    uid = 7001
    user = await db.users.seen("telegram", str(uid), str(uid), "Vera")
    await db.users.set_language(user.id, "de")
    await db.users.record_consent(user.id)
    await _press_and_wait(fake, uid, "menu:volunteer")
    await _press_and_wait(fake, uid, "vo:reg")
    presses = 2
    toggles = ["vo:bz:Hörde", "vo:bz:Eving", "vo:bz:Brackel", "vo:bz:Hombruch"]
    while presses < 40:
        answer = await _press_and_wait(fake, uid, toggles[presses % len(toggles)])
        assert "🐢" not in str(answer.get("text", ""))
        presses += 1
    # Every press reached the form: Hörde and Eving were toggled 9 times (on), Brackel
    # and Hombruch 10 times (off).
    state = await db.users.get_state(user.id)
    assert state is not None and state.state == "vol.area"
    assert sorted(state.data["profile"]["stadtbezirke"]) == ["Eving", "Hörde"]
    assert len(fake.calls_to("answerCallbackQuery")) == 40


async def test_presses_over_the_limit_are_answered_with_a_notice(
    fake_telegram: FakeTelegram, limited_bot: Dispatcher, db: Database
):
    limited_bot.settings = replace(limited_bot.settings, max_presses_per_minute=10)
    limited_bot.clock = lambda: 1000.0  # all fourteen presses within one minute
    fake = fake_telegram
    uid = 7002
    user = await db.users.seen("telegram", str(uid), str(uid), "Max")
    await db.users.set_language(user.id, "en")
    await db.users.record_consent(user.id)
    answers = [await _press_and_wait(fake, uid, "menu:main") for _ in range(14)]
    assert all("🐢" not in str(a.get("text", "")) for a in answers[:10])
    assert all("🐢" in str(a.get("text", "")) for a in answers[10:])
    # Messages keep their own limit: a text still gets its answer.
    mark = len(fake.calls)
    fake.send_text(uid, "/help")
    await fake.wait_for("sendMessage", after=mark, chat_id=uid)
    await asyncio.sleep(0)


async def test_a_sentence_naming_a_district_is_a_request_not_a_search(
    chat: MemoryTransport, db: Database
):
    await chat.onboard("ida", "de")
    out = await chat.text("ida", "Ich brauche Hilfe beim Einkaufen in Hörde")
    assert "hr:with" in button_data(out) and not [
        d for d in button_data(out) if d.startswith("pl:d:")
    ]


def test_a_wait_ending_on_another_day_names_the_day_in_every_language():
    """Past midnight (Berlin) the wait's end carries its date; today it is the time only."""
    from datetime import UTC, datetime

    from handlers.helping.posting_limits import _at
    from locales import SUPPORTED_LANGUAGES, translator

    now = datetime(2026, 11, 22, 22, 50, tzinfo=UTC)  # 23:50 in Berlin
    later_today = datetime(2026, 11, 22, 22, 55, 30, tzinfo=UTC)
    tomorrow = datetime(2026, 11, 22, 23, 5, tzinfo=UTC)  # 00:05 in Berlin
    for lang in SUPPORTED_LANGUAGES:
        t = translator(lang)
        assert str(_at(t, later_today, now)) == t.digits("23:56"), lang  # rounded up, never early
        next_day = str(_at(t, tomorrow, now))
        assert t.digits("00:05") in next_day and t.digits("2026") in next_day, (lang, next_day)
