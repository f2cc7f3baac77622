"""A call-back says every message waiting for the person, each as the outbox worker sends
it (its reader chain: the user text translated, the spoken form): not only the message the
worker handed the line. Before, the later ones were said as queued - a relayed message in
Arabic reached a German caller untranslated when it came second. No line runs here: what
the call would say is asked of the call-backs (the line itself: test_calling_back.py)."""

from __future__ import annotations

from markupsafe import Markup

from bot.delivery import OutboxWorker
from bot.translation.service import TranslationService
from bot.transports.phone.calls.outbox_calls import CallBackSettings, CallingBack
from db import Database
from handlers.language_bridge import Reader, words
from handlers.messages import Message, encode
from locales import Translator, translator
from tests.support.clock import Clock, daytime
from tests.support.reports import Kept

RESIDENT = "+492319876543"


class Tagging:
    """A translation engine that "translates" by naming the target language."""

    name = "memory"

    async def translate(self, text: str, source: str, target: str) -> str:
        return f"[{target}] {text}"

    async def languages(self) -> set[str]:
        return {"de", "ar"}

    async def close(self) -> None:
        pass


class NoLine:
    """The line is not asked for anything here."""


class Phone:
    platform = "phone"


async def _silent(text: str, reader: Translator | str) -> None:
    return None


async def _german(chat_id: str) -> Translator:
    return translator("de")


async def test_every_message_a_call_back_says_is_translated_not_only_the_first(db: Database):
    clock = Clock(daytime(10))
    erna = await db.users.seen("phone", RESIDENT, RESIDENT, "Erna")
    await db.users.set_language(erna.id, "de")
    t = translator("de")
    for text in ("مرحبا", "شكرا"):
        relayed = Message(Markup("💬 ") + words(t, text, "ar", Reader(True, frozenset({"de"}))))
        async with db.transaction():
            await db.outbox.enqueue("phone", RESIDENT, encode(relayed), recipient_id=erna.id)
    calling = CallingBack(
        db,
        NoLine(),  # type: ignore[arg-type]
        CallBackSettings(domain="example.org"),
        speak=_silent,
        language=_german,
        report=Kept(),
        clock=clock,
    )
    service = TranslationService(db, Tagging(), timeout=5)
    worker = OutboxWorker(db, [Phone()], clock=clock, translations=service)  # type: ignore[list-item]
    calling.prepare = worker.prepared  # as bot/city_service.py wires it
    first = (await db.outbox.waiting("phone", RESIDENT, clock.now))[0]
    said = await calling.said_in_call(RESIDENT, first.id, await worker.prepared(first), clock.now)
    assert len(said) == 2
    assert "[de] مرحبا" in said[0][1].words and "[de] شكرا" in said[1][1].words

    # Without the worker's chain a call says only the message it was handed: the rest wait
    # for a call of their own rather than be said untranslated.
    calling.prepare = None
    said = await calling.said_in_call(RESIDENT, first.id, await worker.prepared(first), clock.now)
    assert len(said) == 1
