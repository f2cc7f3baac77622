"""The one speech engine is shared by the chats and the web (bot/speech/turns.py,
bot/speech/speaker.py): a chat's voice goes before every web voice waiting, the web's
waiting is bounded and refused beyond it, the web has a budget of new voices, the
public audio kept in memory is bounded by its bytes, and the words are prepared off the
event loop. Seen by what the engine was asked
in which order (tests/support/held_engine.py), never by timing."""

from __future__ import annotations

import asyncio
import threading

import pytest
from markupsafe import Markup

from bot.speech import speaker as speaker_module
from bot.speech.speaker import Speaker
from bot.speech.turns import Busy, Turns
from bot.token_bucket import Bucket
from handlers.messages import Speech
from tests.support.held_engine import NEVER, HeldEngine


def _still() -> float:
    return 0.0  # a clock that stands still: no budget comes back during a test


async def _speaker(engine: HeldEngine, **turns) -> Speaker:
    budget = turns.pop("budget", Bucket(100, 1, _still))
    speaker = Speaker(engine, timeout_seconds=NEVER, turns=Turns(1, web_budget=budget, **turns))
    await speaker.check(("de",))
    return speaker


async def test_a_chat_voice_goes_before_every_web_voice_waiting():
    engine = HeldEngine()
    speaker = await _speaker(engine, web_waiting=8)
    web = [
        asyncio.ensure_future(speaker.audio(f"Ort {n}.", "de", public=True, web=True))
        for n in range(9)
    ]
    await engine.until(lambda: speaker.turns.waiting == (0, 8) and len(engine.calls) == 1)
    # The web's queue is full: one more is refused at once, not queued.
    with pytest.raises(Busy) as refused:
        await speaker.audio("Ort 9.", "de", public=True, web=True)
    assert refused.value.retry_after >= 1
    chat = asyncio.ensure_future(speaker.voice(Speech(Markup("Hallo Welt"), "de")))
    await engine.until(lambda: speaker.turns.waiting == (1, 8))
    engine.release(0)
    await engine.until(lambda: len(engine.calls) == 2)
    assert engine.said[:2] == ["Ort 0.", "Hallo Welt."]
    engine.release_all()
    assert (await chat).content.startswith(b"OggS")
    assert all(content.startswith(b"OggS") for content, _ in await asyncio.gather(*web))
    assert engine.said[2:] == [f"Ort {n}." for n in range(1, 9)]
    await speaker.close()


async def test_a_chat_voice_does_not_wait_on_the_same_text_made_at_the_webs_turn():
    """A place's details asked in the chat while the web's same audio waits in line."""
    engine = HeldEngine()
    speaker = await _speaker(engine)
    first = asyncio.ensure_future(speaker.audio("Erstens.", "de", public=True, web=True))
    same = asyncio.ensure_future(speaker.audio("Ort.", "de", public=True, web=True))
    await engine.until(lambda: speaker.turns.waiting == (0, 1))
    chat = asyncio.ensure_future(speaker.audio("Ort.", "de", public=True))
    await engine.until(lambda: speaker.turns.waiting == (1, 1))
    engine.release(0)
    await engine.until(lambda: len(engine.calls) == 2)
    assert engine.said == ["Erstens.", "Ort."]
    engine.release_all()
    await asyncio.gather(first, same, chat)
    await speaker.close()


async def test_the_web_has_a_budget_of_new_voices_and_what_is_kept_costs_none():
    engine = HeldEngine(held=False)
    speaker = await _speaker(engine, budget=Bucket(3, 0.5, _still))
    for n in range(3):
        await speaker.audio(f"Ort {n}.", "de", public=True, web=True)
    with pytest.raises(Busy) as refused:
        await speaker.audio("Ort 3.", "de", public=True, web=True)
    assert refused.value.retry_after == 2  # one more voice after two seconds
    # The audio kept is answered without the budget, and a chat's voice never needs it.
    await speaker.audio("Ort 0.", "de", public=True, web=True)
    await speaker.voice(Speech(Markup("Ort 3"), "de", public=True))
    assert len(engine.calls) == 4
    await speaker.close()


def test_a_bucket_counts_tokens_by_its_clock():
    now = [0.0]
    bucket = Bucket(2, 0.5, lambda: now[0])
    assert bucket.take() == 0 and bucket.take() == 0
    assert bucket.take() == 2.0
    now[0] = 2.0
    assert bucket.take() == 0 and bucket.take() == 2.0


async def test_the_public_audio_kept_is_bounded_by_its_bytes(monkeypatch):
    engine = HeldEngine(held=False)
    speaker = await _speaker(engine)
    content, _ = await speaker.audio("Ort.", "de", public=True)
    monkeypatch.setattr(speaker_module, "CACHED_BYTES", 3 * len(content))
    for n in range(20):
        await speaker.audio(f"Ort {n}.", "de", public=True)
    kept = [len(audio) for audio, _ in speaker._cache.values()]
    assert 1 <= len(kept) < 20
    assert sum(kept) <= 3 * len(content)
    # The newest is kept: asked again, it is not made again.
    made = len(engine.calls)
    await speaker.audio("Ort 19.", "de", public=True)
    assert len(engine.calls) == made
    await speaker.close()


async def test_the_words_are_prepared_off_the_event_loop(monkeypatch):
    """A chat's voice and a public text alike: the loop serves every chat meanwhile."""
    threads: list[threading.Thread] = []
    real = speaker_module.parts

    def parts_seen(*args):
        threads.append(threading.current_thread())
        return real(*args)

    monkeypatch.setattr(speaker_module, "parts", parts_seen)
    speaker = Speaker(HeldEngine(held=False))
    await speaker.check(("de",))
    voice = await speaker.voice(Speech(Markup("Um 14:30 " + "9" * 5000), "de"))
    assert voice.content.startswith(b"OggS")
    await speaker.voice(Speech(Markup("Ort"), "de", public=True))
    assert len(threads) == 2
    assert threading.main_thread() not in threads
    # A public text's words are kept: asking again prepares nothing.
    await speaker.words(Speech(Markup("Ort"), "de", public=True))
    assert len(threads) == 2
    await speaker.close()


async def test_the_words_kept_are_bounded(monkeypatch):
    """Public texts' words are kept by the text, and a text is what anyone on the web may
    ask for: far more texts than the bound keep only the newest."""
    monkeypatch.setattr(speaker_module, "PREPARED", 5)
    speaker = Speaker(HeldEngine(held=False))
    await speaker.check(("de",))
    for number in range(40):
        await speaker.words(Speech(Markup(f"Ort {number}."), "de", public=True))
    assert len(speaker._prepared) == 5
    assert not speaker._preparing
    await speaker.close()
