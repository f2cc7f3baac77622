"""The language bridge end to end (issue 15): an Arabic-only requester, a German coordinator
and a Turkish-only volunteer understand each other through the translation engine (the fake
LibreTranslate server), across Telegram (fake Bot API server) and Matrix (real Synapse), and
every message still arrives, as written with a note, when the engine is down or slow. Then
the handler-level rules with the in-memory transport, ``doctor`` as a process, and metrics.

Texts of the story are in the fake's phrase table (tests/fake_translator.py); the bot's own
words are taken from the catalogs (``translator(lang).t(...)``), never written out here.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from markupsafe import Markup

from bot.delivery import OutboxWorker
from bot.translation.libretranslate import LibreTranslate
from bot.translation.service import TranslationService
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.model import ButtonPress, Command, Document, Message
from handlers.settings import HandlerSettings
from locales import TIMEZONE, Translator, translator
from tests.fake_libretranslate import FakeLibreTranslate
from tests.fake_translator import fake_translation
from tests.memory_transport import MemoryTransport, button_data, readable, texts

GROUP = "coordinators"
NORDMARKT = (51.5230, 7.4560)

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
    settings = HandlerSettings(backchannels=frozenset({("memory", GROUP)}), translation=engine)
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
    await db.volunteers.save(
        user_id,
        categories=("shopping",),
        stadtbezirke=("Innenstadt-Nord",),
        languages=languages,
        quiet_start=0,
        quiet_end=0,
        max_open=2,
    )
    await db.volunteers.verify(user_id, user_id)
    return user_id


async def ask_for_help(story: MemoryTransport, name: str, text: str) -> int:
    """``name`` (already onboarded) sends a shopping request; its id."""
    for data in ("menu:help", "hr:new", "hr:cat:shopping"):
        await story.press(name, data)
    await story.text(name, text)
    await story.location(name, *NORDMARKT)
    await story.press(name, "hr:when:asap")
    await story.press(name, "hr:langs-done")
    out = await story.press(name, "hr:send")
    assert "hr:mine" in button_data(out), texts(out)
    requester = await story.dispatcher.db.users.find("memory", name)
    return (await story.dispatcher.db.requests.for_requester(requester.id))[0].id


def group_press(data: str) -> ButtonPress:
    return ButtonPress(data, message_id="1")


def nobody_speaks(t: Translator, request_id: int) -> Markup:
    return t.t(
        "🗣 Nobody who speaks {languages} matches #{id}.",
        languages=t.list_of([t.language("ar")], style="or"),
        id=request_id,
    )


def may_not_speak(t: Translator) -> Markup:
    return t.t(
        "🗣 The helpers we found may not speak {languages}. Short, simple sentences "
        "help. The code word works in every language.",
        languages=t.list_of([t.language("ar")], style="or"),
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
    assert fake.calls[-1].source == "de" and fake.calls[-1].target == "ar"

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
    await story.in_group("cora", group_press(f"mod:ok:{request_id}"))
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
        async with db.conn.execute(
            "SELECT COUNT(*) FROM translations WHERE owner_id = ? OR request_id = ?",
            (amira, request_id),
        ) as cursor:
            return (await cursor.fetchone())[0]

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
    async with db.conn.execute("SELECT COUNT(*) FROM translations") as cursor:
        assert (await cursor.fetchone())[0] == 0


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
