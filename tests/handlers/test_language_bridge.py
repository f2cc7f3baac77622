"""The language bridge end to end (issue 15): an Arabic-only requester, a German coordinator
and a Turkish-only volunteer understand each other through the translation engine (the fake
LibreTranslate server), across Telegram (fake Bot API server) and Matrix (real Synapse), and
every message still arrives, as written with a note, when the engine is down or slow. Then
the handler-level rules with the in-memory transport, ``doctor`` as a process, and metrics.

Texts of the story are in the fake's phrase table (tests/support/fake_translator.py); the bot's own
words are taken from the catalogs (``translator(lang).t(...)``), never written out here.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from markupsafe import Markup

from bot.config import TelegramSection
from bot.delivery import OutboxWorker
from bot.translation.libretranslate import LibreTranslate
from bot.translation.service import TranslationService
from bot.transports.telegram import TelegramTransport
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import ButtonPress, Command, Document, Message
from handlers.settings import HandlerSettings, TranslationRules
from locales import TIMEZONE, Translator, translator
from tests.support.cli import run_bot
from tests.support.fake_libretranslate import FakeLibreTranslate
from tests.support.fake_telegram import TOKEN, Call, FakeTelegram
from tests.support.fake_translator import fake_translation
from tests.support.helping_people import verified_volunteer, volunteer_profile
from tests.support.matrix_bot import BOT_NUMBERS, Bot, onboard
from tests.support.matrix_people import MatrixPerson, body
from tests.support.memory_transport import MemoryTransport, button_data, readable, texts
from tests.support.synapse_server import Synapse

GROUP = "coordinators"
NORDMARKT = (51.5230, 7.4560)
EVING = (51.5483, 7.4755)  # the Seniorenbüro Eving, a district beside Innenstadt-Nord

# The story's texts (their translations: the fake's phrase table).
REQUEST_AR = "أحتاج مساعدة في التسوق"
QUESTION_DE = "Wann bist du zu Hause?"
ANSWER_AR = "أنا في البيت مساء"
REASON_DE = "Bitte schreib die Anfrage ohne Telefonnummer neu."
THANKS_AR = "شكرا جزيلا، الباب الأزرق"
COMING_TR = "Yarın sabah gelebilirim"
PHONE = "0176 5554433"
CALL_ME_TR = f"Beni ara: {PHONE}"


def today() -> str:
    """The day the service counts in (Europe/Berlin)."""
    return datetime.now(UTC).astimezone(TIMEZONE).date().isoformat()


def label(t: Translator, source: str) -> Markup:
    """The line above a translation, in the reader's language."""
    return t.t("🌐 Translation (original: {language})", language=t.format(t.language(source)))


def not_translated(t: Translator) -> Markup:
    return t.t("🌐 Not translated: the translation service did not answer.")


@pytest.fixture
async def fake() -> AsyncIterator[FakeLibreTranslate]:
    async with FakeLibreTranslate() as server:
        yield server


# -- the whole story: Telegram and Matrix ------------------------------------------------

TELEGRAM_GROUP = -1001
AMIRA, CORA = 1001, 3001
DESCRIPTION_AR = f"{REQUEST_AR}. اتصل بي: {PHONE}"
# The engine away: it answers only after the test is over, so a message that waited for it
# would never arrive (each step's own wait would fail), whatever the machine's speed.
NEVER = 3600.0
# Long enough for an answer from the fake on a busy machine.
TIMEOUT = 3.0
# Where the engine never answers (NEVER), how long the bot waits for it is not what is
# tested, and no machine's speed changes the outcome: a shorter wait.
AWAY_TIMEOUT = 0.5


@dataclass
class Bridge:
    """The bot on Telegram and Matrix with one outbox worker that translates; Vera, a
    Turkish-only volunteer on Matrix; Amira (Arabic) and Cora (German, coordinator) on
    Telegram, the coordinators' group a Telegram group."""

    telegram: FakeTelegram
    vera: MatrixPerson
    vera_room: str
    db: Database


@asynccontextmanager
async def bridge(
    homeserver: Synapse,
    db: Database,
    fake_telegram: FakeTelegram,
    engine: FakeLibreTranslate,
    timeout: float = TIMEOUT,
) -> AsyncIterator[Bridge]:
    vera = MatrixPerson(homeserver, "vera")
    await vera.start()
    settings = HandlerSettings(
        backchannels=frozenset({("telegram", str(TELEGRAM_GROUP))}),
        require_verified_volunteers=False,
        translation_rules=TranslationRules("libretranslate"),
    )
    running = Bot(homeserver, db, settings, homeserver.register(f"bridgebot{next(BOT_NUMBERS)}"))
    matrix = await running.start()
    telegram = TelegramTransport(
        running.dispatcher.ports,
        TelegramSection(api_base_url=fake_telegram.url, poll_timeout=1),
        TOKEN,
        running.dispatcher.router.public_commands(),
    )
    service = TranslationService(
        db, LibreTranslate(engine.url, timeout=timeout), timeout=timeout, pause_seconds=60
    )
    worker = OutboxWorker(db, [telegram, matrix], poll_seconds=0.2, translations=service)
    running.dispatcher.on_queued = worker.wake
    stop = asyncio.Event()
    await telegram.start()
    delivery = asyncio.create_task(worker.run(stop))
    try:
        vera_room = await onboard(vera, running, "4")  # Türkçe
        volunteer_user = await db.users.find("matrix", vera.user_id)
        assert volunteer_user.language == "tr"
        await volunteer_profile(db, volunteer_user.id, languages=("tr",), max_open=1)
        fake_telegram.names.update({AMIRA: "Amira", CORA: "Cora"})
        for uid, name, lang in ((AMIRA, "Amira", "ar"), (CORA, "Cora", "de")):
            user = await db.users.seen("telegram", str(uid), str(uid), name)
            await db.users.set_language(user.id, lang)
            await db.users.record_consent(user.id)
        cora = await db.users.find("telegram", str(CORA))
        await db.users.grant_role(cora.id, "coordinator")
        yield Bridge(fake_telegram, vera, vera_room, db)
    finally:
        stop.set()
        await delivery
        await telegram.stop()
        await running.stop()
        await vera.stop()
        await service.close()


async def amira_asks(story: Bridge, description: str) -> tuple[int, Call]:
    """Amira asks for help on Telegram; the request's id and its review post."""
    fake = story.telegram
    for data in ("hr:new", "hr:cat:shopping"):
        mark = len(fake.calls)
        fake.press(AMIRA, data)
        await fake.wait_for("sendMessage", after=mark, chat_id=AMIRA)
    for content in ({"text": description}, {"location": {"latitude": 51.523, "longitude": 7.456}}):
        mark = len(fake.calls)
        fake.send_message(AMIRA, **content)
        await fake.wait_for("sendMessage", after=mark, chat_id=AMIRA)
    for data in ("hr:when:asap", "hr:langs-done", "hr:send"):
        mark = len(fake.calls)
        fake.press(AMIRA, data)
        await fake.wait_for("sendMessage", after=mark, chat_id=AMIRA)
    post = await fake.wait_for(
        "sendMessage", lambda c: "mod:ok" in str(c.params), chat_id=TELEGRAM_GROUP, timeout=15
    )
    return int(post.button_data("✅").split(":")[2]), post


async def published_and_accepted(story: Bridge, request_id: int, post: Call) -> dict[str, Any]:
    """Cora publishes from the group; Vera gets the offer on Matrix and accepts it. The
    offer."""
    fake, vera = story.telegram, story.vera
    mark = len(vera.received)
    fake.press(CORA, f"mod:ok:{request_id}", post)
    offer = await vera.wait_for(lambda e: "🔔" in body(e), after=mark)
    mark, telegram_mark = len(vera.received), len(fake.calls)
    await vera.react(story.vera_room, offer["event_id"], "1️⃣")  # I can help
    await vera.wait_for(lambda e: "🎉" in body(e), after=mark)
    await fake.wait_for("sendMessage", lambda c: "🎉" in c.text, after=telegram_mark, chat_id=AMIRA)
    request = await story.db.requests.get(request_id)
    assert request.state == "matched"
    return offer


async def vera_says(story: Bridge, text: str) -> Call:
    """Vera writes in the relay; what reaches Amira on Telegram."""
    mark = len(story.telegram.calls)
    await story.vera.say(story.vera_room, text)
    return await story.telegram.wait_for(
        "sendMessage", lambda c: "💬" in c.text, after=mark, chat_id=AMIRA, timeout=15
    )


async def amira_says(story: Bridge, text: str) -> dict[str, Any]:
    """Amira writes in the relay; what reaches Vera on Matrix."""
    mark = len(story.vera.received)
    story.telegram.send_text(AMIRA, text)
    return await story.vera.wait_for(lambda e: "💬" in body(e), after=mark)


def shown(call: Call) -> str:
    return readable(call.text)


def matrix_shown(event: dict[str, Any]) -> str:
    return readable(event["content"].get("formatted_body") or body(event))


async def test_an_arabic_requester_and_a_turkish_volunteer_through_the_bridge(
    synapse: Synapse,
    db: Database,
    fake_telegram: FakeTelegram,
    fake: FakeLibreTranslate,
) -> None:
    ar, de, tr = translator("ar"), translator("de"), translator("tr")
    async with bridge(synapse, db, fake_telegram, fake) as story:
        # The review post: German beside the original; the warning is about the original.
        request_id, post = await amira_asks(story, DESCRIPTION_AR)
        text = shown(post)
        assert fake_translation(DESCRIPTION_AR, "de") in text
        assert DESCRIPTION_AR in text
        assert readable(str(label(de, "ar"))) in text
        assert readable(str(de.t("⚠️ contains a phone number"))) in text
        assert "<blockquote>" in post.text  # the original in full, not collapsed

        # The offer on Matrix, in Turkish, with the original.
        offer = matrix_shown(await published_and_accepted(story, request_id, post))
        assert fake_translation(DESCRIPTION_AR, "tr") in offer
        assert DESCRIPTION_AR in offer
        assert readable(str(label(tr, "ar"))) in offer

        # They write to each other, each in their own language.
        coming = await vera_says(story, COMING_TR)
        assert fake_translation(COMING_TR, "ar") in shown(coming)
        assert COMING_TR in shown(coming)
        assert readable(str(label(ar, "tr"))) in shown(coming)
        assert "<blockquote expandable>" in coming.text  # the original one tap away
        assert "tr:off" in [b["callback_data"] for row in coming.buttons for b in row]
        thanks = matrix_shown(await amira_says(story, THANKS_AR))
        assert fake_translation(THANKS_AR, "tr") in thanks and THANKS_AR in thanks

        # A phone number arrives as it was written, and the engine never saw it.
        call_me = await vera_says(story, CALL_ME_TR)
        assert PHONE in shown(call_me)
        assert fake_translation("Beni ara", "ar") in shown(call_me)
        assert fake.texts()
        # Neither the relayed number nor the one in the description.
        assert all("5554433" not in sent for sent in fake.texts())

        # Amira switches translation off from the relayed message: the next one comes as
        # written, without asking the engine.
        mark = len(fake_telegram.calls)
        fake_telegram.press(AMIRA, "tr:off", call_me)
        await fake_telegram.wait_for("sendMessage", after=mark, chat_id=AMIRA)
        assert not (await db.users.find("telegram", str(AMIRA))).translate_messages
        asked = len(fake.calls)
        as_written = await vera_says(story, "Kapının önündeyim")
        assert "Kapının önündeyim" in shown(as_written)
        assert "[ar]" not in shown(as_written)
        assert readable(str(label(ar, "tr"))) not in shown(as_written)
        assert "tr:off" not in str(as_written.params)
        assert len(fake.calls) == asked

        await fake_telegram.settle()
        assert await db.outbox.pending() == 0
        # No slot ever reached Telegram unfilled (the post edited with the decision is the
        # answer to Cora's press, sent without the delivery worker).
        assert not [c.method for c in fake_telegram.calls if "nb-tr" in str(c.params)]
        decided = fake_telegram.calls_to("editMessageText", chat_id=TELEGRAM_GROUP)
        assert decided and fake_translation(DESCRIPTION_AR, "de") in shown(decided[-1])


async def test_with_the_engine_away_every_message_arrives_as_written(
    synapse: Synapse,
    db: Database,
    fake_telegram: FakeTelegram,
    fake: FakeLibreTranslate,
) -> None:
    ar, de, tr = translator("ar"), translator("de"), translator("tr")
    fake.slow_seconds = NEVER
    await fake.set_mode("slow")

    async with bridge(synapse, db, fake_telegram, fake, AWAY_TIMEOUT) as story:
        request_id, post = await amira_asks(story, DESCRIPTION_AR)
        assert DESCRIPTION_AR in shown(post)
        assert readable(str(not_translated(de))) in shown(post)
        assert readable(str(de.t("⚠️ contains a phone number"))) in shown(post)

        offer = matrix_shown(await published_and_accepted(story, request_id, post))
        assert DESCRIPTION_AR in offer
        assert readable(str(not_translated(tr))) in offer

        coming = await vera_says(story, COMING_TR)
        assert COMING_TR in shown(coming)
        assert readable(str(not_translated(ar))) in shown(coming)
        assert fake_translation(COMING_TR, "ar") not in shown(coming)
        assert "tr:off" not in str(coming.params)  # nothing to switch off
        thanks = matrix_shown(await amira_says(story, THANKS_AR))
        assert THANKS_AR in thanks and readable(str(not_translated(tr))) in thanks
        call_me = await vera_says(story, CALL_ME_TR)
        assert PHONE in shown(call_me)

        # Nothing lost: every message of the story was sent, none given up.
        await fake_telegram.settle()
        assert await db.outbox.pending() == 0
        row = await db.fetch_one("SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL")
        assert row[0] == 0
    # One timeout for the first text, then the engine is left alone.
    assert fake.hits == 1


# -- handler level: the in-memory transport ----------------------------------------------


def story_with(
    db: Database,
    fake: FakeLibreTranslate | None,
    *,
    engine: str = "libretranslate",
    **service_options: float,
) -> MemoryTransport:
    """Requester, coordinators and volunteers in memory; the outbox worker translates through
    the fake LibreTranslate server (``engine`` "": no engine configured at all)."""
    settings = HandlerSettings(
        backchannels=frozenset({("memory", GROUP)}), translation_rules=TranslationRules(engine)
    )
    story = MemoryTransport(Dispatcher(db, build_router(), settings))
    if engine and fake is not None:
        options: dict[str, float] = {"timeout": 2.0, **service_options}
        budget = int(options.pop("daily_character_budget", 200_000))
        service = TranslationService(
            db, LibreTranslate(fake.url), daily_character_budget=budget, **options
        )
        story.worker = OutboxWorker(db, [story], translations=service)
    return story


async def person(story: MemoryTransport, name: str, lang: str, *roles: str) -> int:
    await story.onboard(name, lang)
    user = await story.dispatcher.db.users.find("memory", name)
    for role in roles:
        await story.dispatcher.db.users.grant_role(user.id, role)
    return user.id


async def volunteer(story: MemoryTransport, name: str, *languages: str) -> int:
    """A verified volunteer for shopping around the Nordmarkt who speaks ``languages`` (the
    first is their chat language)."""
    db = story.dispatcher.db
    user_id = await person(story, name, languages[0])
    await verified_volunteer(db, user_id, languages=languages)
    return user_id


async def ask_for_help(
    story: MemoryTransport, name: str, text: str, where: tuple[float, float] = NORDMARKT
) -> int:
    """``name`` (already onboarded) sends a shopping request from ``where``; its id."""
    for data in ("menu:help", "hr:new", "hr:cat:shopping"):
        await story.press(name, data)
    await story.text(name, text)
    await story.location(name, *where)
    await story.press(name, "hr:when:asap")
    await story.press(name, "hr:langs-done")
    out = await story.press(name, "hr:send")
    assert "hr:mine" in button_data(out), texts(out)
    requester = await story.dispatcher.db.users.find("memory", name)
    return (await story.dispatcher.db.requests.for_requester(requester.id))[0].id


def group_press(data: str) -> ButtonPress:
    """A press on the request's review post in the group: a chat that does not name the
    message pressed (a made-up id would name another message than the post)."""
    return ButtonPress(data)


def nobody_speaks(t: Translator, request_id: int, offered: int = 1, language: str = "ar") -> Markup:
    """The coordinators' note: nobody offered the request speaks ``language``, and to how
    many (``offered``) it went all the same."""
    return t.tn(
        "🗣 Nobody who speaks {languages} was offered #{id}: it went to {n} "
        "volunteer who shares no language with the requester.",
        "🗣 Nobody who speaks {languages} was offered #{id}: it went to {n} "
        "volunteers who share no language with the requester.",
        offered,
        languages=t.list_of([t.language(language)], style="or"),
        id=request_id,
    )


def may_not_speak(t: Translator, language: str = "ar") -> Markup:
    return t.t(
        "🗣 The helpers we found may not speak {languages}. Short, simple sentences help.",
        languages=t.list_of([t.language(language)], style="or"),
    )


@pytest.mark.parametrize("case", ["no engine", "arabic volunteer", "engine"])
async def test_nobody_who_speaks_the_requesters_language_is_said_out_loud(
    db: Database, fake: FakeLibreTranslate, case: str
) -> None:
    story = story_with(db, fake, engine="libretranslate" if case == "engine" else "")
    await person(story, "amira", "ar")
    await person(story, "cora", "de", "coordinator")
    await volunteer(story, "tarik", "tr", "de")
    if case == "arabic volunteer":
        await volunteer(story, "vera", "de", "ar")
    request_id = await ask_for_help(story, "amira", REQUEST_AR)
    await story.in_group("cora", group_press(f"mod:ok:{request_id}"))
    await story.flush()

    de, ar = translator("de"), translator("ar")
    group, amira = story.received(GROUP), story.received("amira")
    said = readable(str(nobody_speaks(de, request_id))) in group
    told = readable(str(may_not_speak(ar))) in amira
    assert said == told == (case == "no engine"), (group, amira)
    # The offers went out in every case; with an engine, in Turkish.
    offer = story.received("tarik")
    assert f"#{request_id}" in offer and REQUEST_AR in offer
    if case == "engine":
        assert fake_translation(REQUEST_AR, "tr") in offer
        assert readable(str(label(translator("tr"), "ar"))) in offer
    else:
        assert fake_translation(REQUEST_AR, "tr") not in offer


@pytest.mark.both_backends
async def test_the_note_on_a_language_nobody_offered_speaks_says_the_offer_went_out(
    db: Database,
) -> None:
    """A German request in Eving, one volunteer (Ukrainian and Turkish, Innenstadt-Nord)
    who is offered it: the coordinators read that it went to one volunteer who shares no
    language with the requester - not that nobody fits it while the offer goes out."""
    story = story_with(db, None, engine="")
    await person(story, "greta", "de")
    await person(story, "cora", "de", "coordinator")
    olena = await volunteer(story, "olena", "uk", "tr")
    request_id = await ask_for_help(story, "greta", "Ich brauche Hilfe beim Einkaufen", EVING)
    await story.in_group("cora", group_press(f"mod:ok:{request_id}"))
    await story.flush()

    assert f"#{request_id}" in story.received("olena")  # the offer went out
    assert await db.volunteers.offered(request_id) == {olena}
    group = story.received(GROUP)
    assert readable(str(nobody_speaks(translator("de"), request_id, 1, "de"))) in group, group
    assert readable(str(may_not_speak(translator("de"), "de"))) in story.received("greta")


async def test_questions_reasons_and_answers_cross_between_coordinator_and_requester(
    db: Database, fake: FakeLibreTranslate
) -> None:
    story = story_with(db, fake)
    await person(story, "amira", "ar")
    await person(story, "cora", "de", "coordinator")
    ar, de = translator("ar"), translator("de")

    # "Ask the requester": the question is written in Cora's private chat, in German.
    request_id = await ask_for_help(story, "amira", REQUEST_AR)
    await story.in_group("cora", group_press(f"mod:ask:{request_id}"))
    await story.text("cora", QUESTION_DE)
    await story.flush()
    question = story.received("amira")
    assert fake_translation(QUESTION_DE, "ar") in question
    assert readable(str(label(ar, "de"))) in question
    assert QUESTION_DE in question  # the original, one tap away
    # Asked for with the group's post of the request in one round, at once: in either order.
    assert ("de", "ar") in [(c.source, c.target) for c in fake.calls if c.text == QUESTION_DE]

    # Amira answers in Arabic: the group reads German beside the original.
    await story.text("amira", ANSWER_AR)
    await story.flush()
    answer = story.last(GROUP)
    assert isinstance(answer, Message)
    shown = readable(str(answer.text))
    assert readable(str(de.t("💬 Answer from the requester of #{id}:", id=request_id))) in shown
    assert fake_translation(ANSWER_AR, "de") in shown and ANSWER_AR in shown
    assert readable(str(label(de, "ar"))) in shown
    assert "<blockquote>" in str(answer.text)  # beside, not collapsed: to be checked

    # A reason written by hand: Reject → Write a reason → the text, privately.
    await story.in_group("cora", group_press(f"mod:no:{request_id}"))
    await story.in_group("cora", group_press(f"mod:why:{request_id}"))
    out = await story.text("cora", REASON_DE)
    assert readable(
        str(de.t("✅ Request #{id} was not published. The requester was told.", id=request_id))
    ) in texts(out)
    request = await db.requests.get(request_id)
    assert request.state == "rejected"
    mark = len(story.inbox["amira"])
    await story.flush()
    told = readable("\n".join(str(m.text) for m in story.inbox["amira"][mark:]))
    assert (
        readable(
            str(
                ar.t(
                    "😔 Your request #{id} could not be published. The coordinators write:",
                    id=request_id,
                )
            )
        )
        in told
    )
    assert fake_translation(REASON_DE, "ar") in told and REASON_DE in told
    assert readable(str(label(ar, "de"))) in told
    # The group's post names the reason as written.
    assert REASON_DE in story.received(GROUP)


async def test_an_offer_to_many_is_translated_once_per_language(
    db: Database, fake: FakeLibreTranslate
) -> None:
    story = story_with(db, fake)
    await person(story, "amira", "ar")
    await person(story, "cora", "de", "coordinator")
    turks = ["tarik", "tuba", "timur"]
    for name in turks:
        await volunteer(story, name, "tr")
    await volunteer(story, "uli", "uk")
    request_id = await ask_for_help(story, "amira", REQUEST_AR)
    await story.flush()
    out = await story.in_group("cora", group_press(f"mod:ok:{request_id}"))
    # The post shown again with the decision (an answer, not the worker's): the German
    # translation made for the post, not a slot.
    assert fake_translation(REQUEST_AR, "de") in texts(out) and "nb-tr" not in texts(out)
    await story.flush()
    for name in turks:
        assert fake_translation(REQUEST_AR, "tr") in story.received(name), name
    assert fake_translation(REQUEST_AR, "uk") in story.received("uli")
    targets = [call.target for call in fake.calls if call.text == REQUEST_AR]
    assert sorted(targets) == ["de", "tr", "uk"]  # the review post, then one per language
    usage = await db.translations.usage(today())
    assert usage.translated == 3 and usage.cached == len(turks) - 1


async def test_past_the_daily_budget_texts_arrive_as_written_and_stats_count_it(
    db: Database, fake: FakeLibreTranslate
) -> None:
    story = story_with(db, fake, daily_character_budget=5)
    await person(story, "amira", "ar")
    await person(story, "cora", "de", "coordinator")
    await volunteer(story, "tarik", "tr")
    request_id = await ask_for_help(story, "amira", REQUEST_AR)
    await story.in_group("cora", group_press(f"mod:ok:{request_id}"))
    await story.flush()
    for name, lang in ((GROUP, "de"), ("tarik", "tr")):
        t = translator(lang)
        received = story.received(name)
        assert REQUEST_AR in received, name
        assert readable(str(t.t("🌐 Not translated: today's translations are used up."))) in (
            received
        )
        assert fake_translation(REQUEST_AR, lang) not in received
    assert fake.calls == []
    usage = await db.translations.usage(today())
    assert usage.over_budget >= 2 and usage.translated == 0

    out = await story.in_group("cora", Command("stats", ""))
    de = translator("de")
    shown = texts(out)
    assert readable(str(de.t("🌐 <b>Translation</b>"))) in shown
    assert (
        readable(
            str(
                de.t(
                    "{period}: {texts} texts translated ({characters} characters), {cached} "
                    "from memory, {failures} failed, {over} over the daily limit",
                    period=de._("today"),
                    texts=0,
                    characters=0,
                    cached=0,
                    failures=0,
                    over=usage.over_budget,
                )
            )
        )
        in shown
    )


async def test_translations_of_a_persons_texts_are_in_mydata_and_go_with_delete(
    db: Database, fake: FakeLibreTranslate
) -> None:
    story = story_with(db, fake)
    amira = await person(story, "amira", "ar")
    await person(story, "cora", "de", "coordinator")
    await volunteer(story, "tarik", "tr")
    request_id = await ask_for_help(story, "amira", REQUEST_AR)
    await story.in_group("cora", group_press(f"mod:ok:{request_id}"))
    await story.flush()

    async def rows() -> int:
        row = await db.fetch_one(
            "SELECT COUNT(*) FROM translations WHERE owner_id = ? OR request_id = ?",
            (amira, request_id),
        )
        return row[0]

    assert await rows() == 2  # German for the group, Turkish for the volunteer

    out = await story.text("amira", "/mydata")
    ar = translator("ar")
    assert readable(
        str(ar.format("{label}: {count}", label=ar._("🌐 Translations of your texts"), count=2))
    ) in texts(out)
    exported = json.loads(next(i for i in out if isinstance(i, Document)).content)
    translated = json.dumps(exported["sections"]["translations"], ensure_ascii=False)
    assert fake_translation(REQUEST_AR, "de") in translated
    assert fake_translation(REQUEST_AR, "tr") in translated

    await story.text("amira", "/delete")
    await story.press("amira", "delete:yes")
    assert await rows() == 0
    assert (await db.fetch_one("SELECT COUNT(*) FROM translations"))[0] == 0


@pytest.mark.parametrize("engine", ["", "libretranslate"])
async def test_settings_show_the_translation_switch_only_with_an_engine(
    db: Database, fake: FakeLibreTranslate, engine: str
) -> None:
    story = story_with(db, fake, engine=engine)
    amira = await person(story, "amira", "ar")
    out = await story.text("amira", "/settings")
    assert "settings:language" in button_data(out)
    if not engine:
        assert not [d for d in button_data(out) if d.startswith("tr:")]
        return
    assert "tr:off" in button_data(out) and "tr:on" not in button_data(out)
    out = await story.press("amira", "tr:off")
    assert "tr:on" in button_data(out)
    assert not (await db.users.get(amira)).translate_messages
    out = await story.text("amira", "/settings")
    ar = translator("ar")
    assert readable(str(ar.t("🌐 Messages in other languages: as written"))) in texts(out)
    assert "tr:on" in button_data(out) and "tr:off" not in button_data(out)
    out = await story.press("amira", "tr:on")
    assert "tr:off" in button_data(out)
    assert (await db.users.get(amira)).translate_messages
    out = await story.text("amira", "/settings")
    assert readable(str(ar.t("🌐 Messages in other languages: translated"))) in texts(out)


# -- operators: doctor and metrics -------------------------------------------------------


async def test_doctor_checks_the_translation_engine(tmp_path) -> None:
    async with FakeLibreTranslate(api_key="right-key") as server:

        async def doctor(**env: str) -> list[str]:
            settings = {
                "NACHBARBOT_TRANSLATION__ENGINE": "libretranslate",
                "NACHBARBOT_TRANSLATION__URL": server.url,
                "NACHBARBOT_TRANSLATION__TIMEOUT_SECONDS": "10",
                **env,
            }
            result = await asyncio.to_thread(
                run_bot, "doctor", database=tmp_path / "d.sqlite3", env=settings, timeout=60
            )
            return [line for line in result.stdout.splitlines() if "translation " in line]

        lines = await doctor(NACHBARBOT_TRANSLATION__API_KEY="right-key")
        assert any(line.startswith("ok    translation engine") for line in lines), lines
        assert any(line.startswith("ok    translation languages") for line in lines), lines

        # A key the server refuses: the engine check fails and says it is the key.
        lines = await doctor(NACHBARBOT_TRANSLATION__API_KEY="wrong-key")
        assert any(
            line.startswith("FAIL  translation engine") and "API key" in line for line in lines
        ), lines
        lines = await doctor()  # no key at all, though the server wants one
        assert any(
            line.startswith("FAIL  translation engine") and "API key" in line for line in lines
        ), lines

        await server.set_mode("down")
        lines = await doctor(NACHBARBOT_TRANSLATION__API_KEY="right-key")
        assert any(
            line.startswith("FAIL  translation engine") and "not reachable" in line
            for line in lines
        ), lines


async def test_metrics_count_translations_and_failures(
    tmp_path, db: Database, fake: FakeLibreTranslate
) -> None:
    from bot.metrics import Metrics
    from handlers.language_bridge import Slot

    metrics = Metrics()
    service = TranslationService(
        db, LibreTranslate(fake.url), timeout=10.0, observe=metrics.city("dortmund", db).translation
    )

    def sample(outcome: str, kind: str = "") -> float:
        value = metrics.registry.get_sample_value(
            "nachbarbot_translations_total", {"city": "dortmund", "outcome": outcome, "kind": kind}
        )
        return value or 0.0

    try:
        slot = Slot(REQUEST_AR, "ar", "de")
        assert (await service.translate(slot)).translation == fake_translation(REQUEST_AR, "de")
        await service.translate(slot)
        assert sample("translated") == 1 and sample("cached") == 1
        assert metrics.registry.get_sample_value(
            "nachbarbot_translation_characters_total", {"city": "dortmund"}
        ) == len(REQUEST_AR)
        await fake.set_mode("down")
        assert (await service.translate(Slot(THANKS_AR, "ar", "de"))).translation is None
        assert sample("failed", "down") == 1
    finally:
        await service.close()


def test_the_code_word_is_explained_where_it_is_given():
    """One idea per message: the language warning comes before anyone has a code word,
    so it does not mention it; the message that gives the code word says it works in any
    language."""
    from handlers.helping.render import door_code_text

    advice = (
        "Ask {name} for this code word at the door. Open only if it is right. The code "
        "word works in every language."
    )
    for lang in ("ar", "de", "uk"):
        t = translator(lang)
        in_any_language = t._(advice).rstrip(".").rsplit(".", 1)[-1].strip()
        given = str(door_code_text(t, "🍎 42", requester=True, partner_name="Vera"))
        assert "🍎 42" in given and in_any_language in given
        assert in_any_language not in str(may_not_speak(t))
