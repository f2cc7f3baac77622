"""``/coordinators`` (handlers/to_coordinators.py) through the in-memory transport: a text
or a voice message reaches the coordinators' group named as other posts name people;
other input is refused and sends nothing; past three messages within an hour the command
asks nothing (the phone's "0" outside the coordinators' hours records nothing then)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from handlers import to_coordinators
from handlers.flood_limits import FloodCounts
from handlers.messages import Media, Voice
from tests.support.clock import Clock
from tests.support.memory_transport import MemoryTransport, messages, texts

GROUP = "coordinators"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    clock = Clock(1000.0)  # seconds, as the flood limits count them
    monkeypatch.setattr(to_coordinators, "SENT", FloodCounts(clock, window=to_coordinators.HOUR))
    yield clock


@pytest.fixture
def group_chat(chat: MemoryTransport, settings) -> MemoryTransport:
    chat.dispatcher.settings = replace(settings, backchannels=frozenset({("memory", GROUP)}))
    return chat


async def test_a_text_and_a_voice_reach_the_group(group_chat: MemoryTransport, clock: Clock):
    chat = group_chat
    await chat.onboard("ida")
    asked = messages(await chat.text("ida", "/coordinators"))
    assert asked[-1].recorded is not None  # a transport that records says who hears it
    thanks = texts(await chat.text("ida", "Please call me back about the stairs"))
    assert "✅" in thanks
    await chat.text("ida", "/coordinators")
    await chat.send("ida", Media("voice", "v-1", 3.0, "audio/ogg"))
    await chat.flush()
    posted = chat.inbox[GROUP]
    assert "Please call me back about the stairs" in chat.received(GROUP)
    assert "Ida" in chat.received(GROUP)
    (voice,) = [item for item in posted if isinstance(item, Voice)]
    assert voice.file_id == "v-1" and voice.platform == "memory"


async def test_other_input_is_refused_and_sends_nothing(group_chat: MemoryTransport, clock: Clock):
    chat = group_chat
    await chat.onboard("jan")
    await chat.text("jan", "/coordinators")
    refused = messages(await chat.location("jan", 51.5, 7.46))
    assert refused and "📞" in str(refused[-1].text)
    await chat.flush()
    assert GROUP not in chat.inbox
    # Still asked: a text now goes through.
    await chat.text("jan", "Hello")
    await chat.flush()
    assert "Hello" in chat.received(GROUP)


async def test_past_three_an_hour_nothing_is_asked(group_chat: MemoryTransport, clock: Clock):
    chat = group_chat
    await chat.onboard("kai")
    for n in range(to_coordinators.MOST_AN_HOUR):
        await chat.text("kai", "/coordinators")
        await chat.text("kai", f"message {n}")
    refused = messages(await chat.text("kai", "/coordinators"))
    assert "⏳" in str(refused[-1].text) and refused[-1].recorded is None
    # Not asked: a text now is no message for them.
    await chat.text("kai", "one more")
    await chat.flush()
    assert "one more" not in chat.received(GROUP)
    # An hour later it is asked again.
    clock.now += to_coordinators.HOUR + 1
    asked = messages(await chat.text("kai", "/coordinators"))
    assert asked[-1].recorded is not None
