"""The translation service around an engine: cache, budget, masking, timeout, fallback,
and what a reader sees (handlers/language_bridge.py). Unit tests with an in-memory engine;
the real HTTP engines against fake servers are in test_translation_engines.py."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from markupsafe import Markup

from bot.delivery import OutboxWorker
from bot.translation.engine import EngineError
from bot.translation.service import TranslationService
from db import Database
from db.users import User
from handlers.language_bridge import (
    BUDGET,
    FAILED,
    Outcome,
    Reader,
    Slot,
    as_written,
    fill,
    from_cache,
    reader,
    slots_in,
    words,
)
from handlers.messages import Message, Outgoing, encode
from handlers.settings import HandlerSettings, TranslationRules
from locales import TIMEZONE, translator
from tests.support.memory_transport import readable


class Engine:
    """In memory: "translates" by tagging the text with the target language."""

    name = "memory"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.answer: str | None = None
        self.error: EngineError | None = None
        self.delay = 0.0
        # What happened, in order: "start" for each call, "cancelled" when a timeout ended one.
        self.log: list[str] = []

    async def translate(self, text: str, source: str, target: str) -> str:
        self.calls.append((text, source, target))
        self.log.append("start")
        if self.delay:
            try:
                await asyncio.sleep(self.delay)
            except asyncio.CancelledError:
                self.log.append("cancelled")
                raise
        if self.error is not None:
            raise self.error
        return self.answer if self.answer is not None else f"[{target}] {text}"

    async def languages(self) -> set[str]:
        return {"de", "ar"}

    async def close(self) -> None:
        pass


def slot(text: str = "أحتاج مساعدة", source: str = "ar", target: str = "de") -> Slot:
    return Slot(text, source, target, owner_id=7, request_id=3)


@pytest.fixture
def engine() -> Engine:
    return Engine()


@pytest.fixture
def service(db: Database, engine: Engine) -> TranslationService:
    return TranslationService(db, engine, daily_character_budget=1000, timeout=0.5)


def test_words_stay_as_written_for_a_reader_who_reads_them() -> None:
    t = translator("de")
    arabic = "أحتاج مساعدة"
    reads_arabic = Reader(engine=True, reads=frozenset({"de", "ar"}))
    assert arabic in words(t, arabic, "ar", reads_arabic)
    assert not slots_in(Message(words(t, arabic, "ar", reads_arabic)))
    # No engine, an unknown language, or nobody to translate for: as written too.
    for who, language in ((Reader(False, frozenset({"de"})), "ar"), (None, "ar")):
        assert not slots_in(Message(words(t, arabic, language, who)))
    assert not slots_in(Message(words(t, arabic, "", Reader(True, frozenset({"de"})))))


def test_words_a_reader_may_not_read_become_a_slot_for_their_language() -> None:
    t = translator("tr")
    text = words(t, "Ich komme um 5", "de", Reader(True, frozenset({"tr"})), owner_id=4)
    message = Message(Markup("💬 ") + text)
    assert "Ich komme" not in str(message.text)  # encoded, filled at delivery
    assert slots_in(message) == [Slot("Ich komme um 5", "de", "tr", 4, None)]


def test_a_person_who_switched_translation_off_reads_as_written() -> None:
    on = HandlerSettings(translation_rules=TranslationRules("libretranslate"))
    user = User(1, "memory", "u", "c", "tr", None, "", "", frozenset(), translate_messages=False)
    assert not reader(on, user).engine
    assert reader(on, User(1, "memory", "u", "c", "tr", None, "", "", frozenset())).engine
    assert not reader(HandlerSettings(), None).engine


def test_a_filled_slot_shows_the_translation_its_label_and_the_original() -> None:
    t = translator("de")
    message = Message(
        t.t(
            "💬 <b>{name}</b>: {text}",
            name="Amira",
            text=words(t, "أحتاج مساعدة", "ar", Reader(True, frozenset({"de"})), switch_off=True),
        ),
    )
    done = fill(message, [Outcome("Ich brauche Hilfe")])
    text = readable(str(done.text))
    assert "Ich brauche Hilfe" in text
    assert "Arabisch" in text  # the label names the original's language
    assert "<blockquote expandable>" in str(done.text)
    assert "أحتاج مساعدة" in text  # the original, one tap away
    assert done.buttons[-1][0].data == "tr:off"

    failed = fill(message, [Outcome(None, FAILED)])
    assert "أحتاج مساعدة" in readable(str(failed.text))
    assert t.t("🌐 Not translated: the translation service did not answer.") in failed.text
    assert not failed.buttons  # nothing to switch off
    over = fill(message, [Outcome(None, BUDGET)])
    assert t.t("🌐 Not translated: today's translations are used up.") in over.text
    assert "nb-tr" not in str(as_written(message).text)


async def test_translation_is_cached_and_counted(
    service: TranslationService, engine: Engine, db: Database
) -> None:
    first = await service.translate(slot())
    again = await service.translate(slot())
    assert first.translation == again.translation == "[de] أحتاج مساعدة"
    assert len(engine.calls) == 1
    day = datetime.now(UTC).astimezone(TIMEZONE).date().isoformat()
    usage = await db.translations.usage(day)
    assert (usage.translated, usage.cached, usage.characters) == (1, 1, len("أحتاج مساعدة"))


async def test_the_same_text_filled_at_once_asks_the_engine_once(
    service: TranslationService, engine: Engine, db: Database
) -> None:
    # One delivery round fills all its messages at once: an offer to many volunteers.
    engine.delay = 0.05
    outcomes = await asyncio.gather(*(service.translate(slot()) for _ in range(5)))
    assert {outcome.translation for outcome in outcomes} == {"[de] أحتاج مساعدة"}
    assert len(engine.calls) == 1
    day = datetime.now(UTC).astimezone(TIMEZONE).date().isoformat()
    usage = await db.translations.usage(day)
    assert (usage.translated, usage.cached) == (1, 4)


async def test_phone_numbers_email_and_links_never_reach_the_engine(
    service: TranslationService, engine: Engine
) -> None:
    text = "Ruf mich an: 0231 1234567 oder max@example.org, https://example.org/a, um 10:30"
    outcome = await service.translate(slot(text, "de", "ar"))
    sent = engine.calls[0][0]
    for private in ("0231 1234567", "max@example.org", "https://example.org/a", "10:30"):
        assert private not in sent
        assert private in (outcome.translation or "")


async def test_past_the_daily_budget_text_goes_out_untranslated(
    db: Database, engine: Engine
) -> None:
    service = TranslationService(db, engine, daily_character_budget=20, timeout=0.5)
    assert (await service.translate(slot("kurz", "de", "ar"))).translation is not None
    over = await service.translate(slot("ein Text, der das Budget sprengt", "de", "ar"))
    assert over == Outcome(None, BUDGET)
    assert len(engine.calls) == 1
    day = datetime.now(UTC).astimezone(TIMEZONE).date().isoformat()
    assert (await db.translations.usage(day)).over_budget == 1


@pytest.mark.parametrize(
    "answer, error",
    [
        ("", None),
        ("x" * 5000, None),
        ("Die Nummer ist weg", None),  # the masked phone number was lost
        (None, EngineError("down", "connection refused")),
        (None, EngineError("quota")),
    ],
)
async def test_an_engine_failure_leaves_the_text_as_written_and_pauses_the_engine(
    service: TranslationService, engine: Engine, answer, error
) -> None:
    engine.answer, engine.error = answer, error
    outcome = await service.translate(slot("Meine Nummer ist 0170 1234567", "de", "ar"))
    assert outcome == Outcome(None, FAILED)
    # Not asked again at once: the next message goes out untranslated without waiting.
    engine.answer, engine.error = None, None
    assert (await service.translate(slot("Noch ein Text", "de", "ar"))).reason == FAILED
    assert len(engine.calls) == 1


async def test_a_slow_engine_costs_one_timeout_not_more(
    service: TranslationService, engine: Engine
) -> None:
    engine.delay = 3600  # never answers: only the service's timeout ends a call
    # Long enough for all three cache lookups on a busy database before the first ends.
    service.timeout = 5.0
    outcomes = await asyncio.gather(
        *(service.translate(slot(f"Text Nummer {word}", "de", "ar")) for word in "abc")
    )
    # The three waited at the same time: no call started after the first timed out.
    first_timeout = engine.log.index("cancelled")
    assert "start" not in engine.log[first_timeout:], engine.log
    assert all(outcome.reason == FAILED for outcome in outcomes)


class Sink:
    platform = "memory"

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def deliver(self, chat_id: str, item: Outgoing, edit_message_id: str | None = None):
        self.sent.append(item)
        return str(len(self.sent))


async def test_the_delivery_worker_fills_slots_and_never_loses_a_message(
    db: Database, engine: Engine
) -> None:
    t = translator("de")
    text = words(t, "أحتاج مساعدة", "ar", Reader(True, frozenset({"de"})))
    async with db.transaction():
        await db.outbox.enqueue("memory", "c1", encode(Message(Markup("💬 ") + text)))
    sink = Sink()
    service = TranslationService(db, engine, timeout=0.5)
    await OutboxWorker(db, [sink], translations=service).run_once()
    assert "[de] أحتاج مساعدة" in str(sink.sent[0].text)

    # The engine down: the same message goes out at once, as written, with a note.
    engine.error = EngineError("down")
    async with db.transaction():
        await db.outbox.enqueue(
            "memory", "c2", encode(Message(words(t, "مرحبا", "ar", Reader(True, frozenset()))))
        )
    await OutboxWorker(db, [sink], translations=service).run_once()
    assert "مرحبا" in str(sink.sent[1].text) and "nb-tr" not in str(sink.sent[1].text)

    # Without a translation service at all (the console, an engine switched off).
    async with db.transaction():
        await db.outbox.enqueue(
            "memory", "c3", encode(Message(words(t, "مرحبا", "ar", Reader(True, frozenset()))))
        )
    await OutboxWorker(db, [sink]).run_once()
    assert "مرحبا" in str(sink.sent[2].text) and "nb-tr" not in str(sink.sent[2].text)


async def test_answers_to_the_person_acting_use_translations_made_before(
    service: TranslationService, db: Database
) -> None:
    """A review post edited in place by the coordinator's press is an answer, not a queued
    message: it shows the translation its first delivery got, and never waits for one."""
    t = translator("de")
    group = Reader(True, frozenset({"de"}))
    post = Message(Markup("🆕 ") + words(t, "أحتاج مساعدة", "ar", group, beside=True))
    unknown = Message(words(t, "مرحبا", "ar", group))
    await service.translate(Slot("أحتاج مساعدة", "ar", "de"))
    shown = await from_cache(db, post)
    assert "[de] أحتاج مساعدة" in str(shown.text) and "<blockquote>" in str(shown.text)
    as_is = await from_cache(db, unknown)
    assert "مرحبا" in str(as_is.text) and "nb-tr" not in str(as_is.text)


async def test_the_budget_is_the_installations_not_each_citys(
    db: Database, engine: Engine, tmp_path
) -> None:
    """``[translation]`` is the installation's: three cities share one day's budget."""
    cities = [db] + [await Database.open(str(tmp_path / f"city{n}.sqlite3")) for n in (2, 3)]
    try:
        services = [
            TranslationService(
                city, engine, daily_character_budget=100, timeout=5, budget=db.translations
            )
            for city in cities
        ]
        texts = [f"Bitte helfen Sie mir Nummer {n:02d}" for n in range(9)]  # 30 each
        outcomes = await asyncio.gather(
            *(services[n % 3].translate(slot(text, "de", "ar")) for n, text in enumerate(texts))
        )
        sent = sum(len(text) for text, _, _ in engine.calls)
        assert sent <= 100 and len(engine.calls) == 3
        assert sum(o.translation is not None for o in outcomes) == 3
        day = datetime.now(UTC).astimezone(TIMEZONE).date().isoformat()
        assert await db.translations.spent(day) == sent
        # Each city keeps its own figures for /stats.
        counted = [await city.translations.usage(day) for city in cities]
        assert sum(u.translated for u in counted) == 3
        assert sum(u.over_budget for u in counted) == 6
    finally:
        for city in cities[1:]:
            await city.close()
