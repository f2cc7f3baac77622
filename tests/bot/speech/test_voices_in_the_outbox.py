"""A voice being made holds up no one else (bot/delivery.py): while the engine says one
person's long message, the outbox worker delivers other people's messages, and the voice
follows when it is ready, before that person's next message. Seen by what was delivered
while the engine was held (tests/support/held_engine.py), never by timing."""

from __future__ import annotations

import asyncio

from markupsafe import Markup

from bot.delivery import OutboxWorker
from bot.speech.speaker import Speaker
from db import Database
from handlers.messages import SPOKEN, Message, Outgoing, Speech, Voice, encode
from tests.support.held_engine import HANG, NEVER, HeldEngine


class Recorder:
    platform = "memory"

    def __init__(self) -> None:
        self.sent: list[tuple[str, Outgoing]] = []

    async def deliver(
        self, chat_id: str, item: Outgoing, edit_message_id: str | None = None
    ) -> str | None:
        self.sent.append((chat_id, item))
        return str(len(self.sent))

    def to(self, chat_id: str) -> list[Outgoing]:
        return [item for chat, item in self.sent if chat == chat_id]


async def _queue(db: Database, chat_id: str, item: Outgoing) -> None:
    async with db.transaction():
        await db.outbox.enqueue("memory", chat_id, encode(item))


async def _until_nothing_pending(db: Database) -> None:
    async def waiting() -> None:
        while await db.outbox.pending():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(waiting(), HANG)


async def test_other_peoples_messages_go_out_while_a_voice_is_being_made(db: Database):
    engine = HeldEngine()
    speaker = Speaker(engine, timeout_seconds=NEVER)
    await speaker.check(("de",))
    sender = Recorder()
    worker = OutboxWorker(db, [sender], speaker=speaker)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        # Amira hears her helper's long message; then the helper writes again.
        await _queue(db, "amira", Speech(Markup("Ich bin um 14:30 bei dir. " * 40), "de"))
        await _queue(db, "amira", Message(Markup("Ich klingle zweimal")))
        worker.wake()
        await engine.until(lambda: len(engine.calls) == 1)
        # Meanwhile someone writes to Vera: delivered while Amira's voice is being made.
        await _queue(db, "vera", Message(Markup("Danke!")))
        worker.wake()
        await engine.until(lambda: len(sender.to("vera")) == 1)
        assert not engine.calls[0][1].is_set()  # the engine still holds Amira's voice
        # Amira's next message waits for her voice: her chat keeps its order.
        assert sender.to("amira") == []
        engine.release_all()
        await engine.until(lambda: len(sender.to("amira")) == 2)
        voice, text = sender.to("amira")
        assert isinstance(voice, Voice) and voice.platform == SPOKEN
        assert voice.content.startswith(b"OggS")
        assert isinstance(text, Message) and "zweimal" in str(text.text)
        # The worker marks a message sent after the service took it: the last mark may
        # still be on its way when the sender has seen the message.
        await _until_nothing_pending(db)
    finally:
        engine.release_all()
        stop.set()
        await running
        await speaker.close()


async def test_a_round_of_a_worker_without_its_loop_delivers_the_voices_too(db: Database):
    """``run_once`` (what tests and the console call) still returns with every voice
    that was due delivered, and everyone else's message before it."""
    engine = HeldEngine(held=False)
    speaker = Speaker(engine, timeout_seconds=NEVER)
    await speaker.check(("de",))
    sender = Recorder()
    worker = OutboxWorker(db, [sender], speaker=speaker)
    for n in range(3):
        await _queue(db, f"chat{n}", Speech(Markup(f"Nachricht {n}"), "de"))
        await _queue(db, f"chat{n}", Message(Markup("danach")))
    assert await worker.run_once() == 6
    for n in range(3):
        first, second = sender.to(f"chat{n}")
        assert isinstance(first, Voice) and isinstance(second, Message)
    await speaker.close()
