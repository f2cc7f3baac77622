"""The call runner (verbs.py): each step against a stack that only notes what it is
asked and tells what the test says the call did. The steps in real calls are the
call-backs', bridged calls' and answered calls' tests (test_calling_back.py,
test_bridged_call.py, test_calling_in.py, test_idle_caller.py)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from bot.transports.phone.calls.recording import Listening
from bot.transports.phone.calls.verbs import (
    HUSH,
    Answered,
    Bridge,
    CallRunner,
    Done,
    Ended,
    Failed,
    Gather,
    Gathered,
    HangUp,
    Listen,
    Pressed,
    Record,
    Recorded,
    Ring,
    Say,
    Saying,
    TimedOut,
    Transfer,
    Transferred,
    unless_ended,
)
from bot.transports.phone.sip.call_control import (
    CallEvent,
    Listener,
    event,
    transferred,
    unanswered,
)

PROMPT = Path("/prompts/hello.wav")


class NotedStack:
    """Notes what it is asked; ``tell`` is what the call does."""

    def __init__(self, bridges: bool = True) -> None:
        self.asked: list[tuple[str, int]] = []
        self.listeners: dict[int, Listener] = {}
        self.bridges = bridges

    async def make_call(self, uri: str, listener: Listener, *, beside: int | None = None) -> int:
        call_id = len(self.listeners) + 1
        self.listeners[call_id] = listener
        return call_id

    def tell(self, call_id: int, kind: str, value: str = "") -> None:
        self.listeners[call_id](event(kind, call_id, value))

    def say(self, call_id: int, prompts: list[Path]) -> None:
        self.asked.append(("say", call_id))

    def hush(self, call_id: int) -> None:
        self.asked.append(("hush", call_id))

    def hang_up(self, call_id: int) -> None:
        self.asked.append(("hang_up", call_id))
        self.tell(call_id, "ended", "487")

    async def bridge(self, call_id: int, other_id: int) -> bool:
        self.asked.append(("bridge", call_id))
        return self.bridges

    async def record(self, call_id: int) -> bool:
        self.asked.append(("record", call_id))
        return self.bridges

    async def level(self, call_id: int) -> int:
        return 200  # a caller who speaks

    async def end_recording(self, call_id: int) -> bytes:
        self.asked.append(("end recording", call_id))
        return b"\x01\x00" * 8

    async def transfer(self, call_id: int, uri: str) -> bool:
        self.asked.append(("transfer", call_id))
        return self.bridges


async def _dialled(stack: NotedStack) -> CallRunner:
    return await CallRunner.dial(stack, "sip:+492311234567@example.org")  # type: ignore[arg-type]


async def test_ring_answered_ended_or_given_up():
    stack = NotedStack()
    runner = await _dialled(stack)
    stack.tell(1, "answered")
    assert await runner.run(Ring(5)) == Answered()
    busy = await _dialled(stack)
    stack.tell(2, "ended", "486")
    assert await busy.run(Ring(5)) == Ended(486)
    # Nobody answers: the bot hangs up, the ringing given up.
    silent = await _dialled(stack)
    assert await silent.run(Ring(0.05)) == Ended(487, gave_up=True)
    assert ("hang_up", 3) in stack.asked
    # An ended call answers every step with its end.
    assert await busy.run(Say((PROMPT,))) == Ended(486)


async def test_say_ends_at_quiet_or_at_one_of_its_keys():
    stack = NotedStack()
    runner = await _dialled(stack)
    stack.tell(1, "quiet")  # left from before the step: not its end
    saying = asyncio.ensure_future(runner.run(Say((PROMPT,), keys="12")))
    await asyncio.sleep(0)
    assert not saying.done()
    stack.tell(1, "key", "9")  # not the step's key: nothing stops
    await asyncio.sleep(0)
    assert not saying.done()
    stack.tell(1, "key", "2")
    assert await saying == Pressed("2")
    assert stack.asked[-1] == ("hush", 1)  # the key cut the prompt short
    saying = asyncio.ensure_future(runner.run(Say((PROMPT,))))
    await asyncio.sleep(0)
    stack.tell(1, "quiet")
    assert await saying == Done()
    # Not waited for: done once queued.
    assert await runner.run(Say((PROMPT,), wait=False)) == Done()


async def test_gather_waits_its_time_after_its_prompts():
    stack = NotedStack()
    runner = await _dialled(stack)
    gathering = asyncio.ensure_future(runner.run(Gather("1", 0.05, (PROMPT,))))
    await asyncio.sleep(0.1)
    assert not gathering.done()  # the time counts from the end of the prompts
    stack.tell(1, "quiet")
    assert await gathering == TimedOut()
    gathering = asyncio.ensure_future(runner.run(Gather("1#", None)))
    await asyncio.sleep(0)
    stack.tell(1, "key", "#")
    assert await gathering == Pressed("#")


async def test_gather_takes_digits_as_jambonz_does():
    """Several keys (jambonz's digits): ended by the end key (left out), by the most, or by
    the pause between keys; too few, or none in the time, is no input."""
    stack = NotedStack()
    runner = await _dialled(stack)
    entry = Gather("0123456789", None, max_digits=5, finish_on_key="#")
    gathering = asyncio.ensure_future(runner.run(entry))
    for key in "441#":
        await asyncio.sleep(0)
        stack.tell(1, "key", key)
    assert await gathering == Gathered("441")
    gathering = asyncio.ensure_future(runner.run(entry))
    for key in "441379":
        await asyncio.sleep(0)
        stack.tell(1, "key", key)
    assert await gathering == Gathered("44137")  # the most: the sixth is the next step's
    assert await runner.run(Gather("9", None)) == Pressed("9")
    paused = Gather("0123456789", 5.0, min_digits=2, max_digits=4, inter_digit_timeout=0.01)
    gathering = asyncio.ensure_future(runner.run(paused))
    await asyncio.sleep(0)
    stack.tell(1, "key", "7")
    assert await gathering == TimedOut()  # one digit, then the pause: fewer than two
    assert await runner.run(Gather("0123456789", 0.01, max_digits=4)) == TimedOut()
    stack.tell(1, "ended", "200")
    assert isinstance(await runner.run(entry), Ended)


async def test_a_gather_of_digits_ends_at_once_on_a_key_that_is_no_digit():
    """The end key with nothing typed is that key pressed ("#" alone: the way back); "*"
    gives the digits begun up; digits that only "#" ends are given up with the time; an
    end of play meanwhile is kept for the conversation's next step."""
    stack = NotedStack()
    runner = await _dialled(stack)
    entry = Gather("0123456789*", 5.0, max_digits=4, finish_on_key="#")
    for keys, got in (("#", Pressed("#")), ("44*", Pressed("*")), ("4#", Gathered("4"))):
        gathering = asyncio.ensure_future(runner.run(entry))
        for key in keys:
            await asyncio.sleep(0)
            stack.tell(1, "key", key)
        assert await gathering == got
    gathering = asyncio.ensure_future(runner.run(replace(entry, seconds=0.05)))
    await asyncio.sleep(0)
    stack.tell(1, "key", "1")
    stack.tell(1, "quiet")
    runner.start(Say((PROMPT,), wait=False, after=True))  # an answer said meanwhile
    assert await gathering == TimedOut()  # "1" and no "#": nothing typed
    assert await runner.run(Listen("#")) == Done()  # the end of play, kept
    assert await runner.run(Listen("#")) == Saying()  # and the say begun


async def test_bridge_hang_up_and_the_other_leg():
    stack = NotedStack()
    helper, resident = await _dialled(stack), await _dialled(stack)
    talking = asyncio.ensure_future(unless_ended(helper.run(Bridge(resident.call_id)), resident))
    await asyncio.sleep(0)
    stack.tell(2, "ended", "200")  # the resident hung up: the helper's step is given up
    assert await talking is None
    assert await helper.run(HangUp()) == Ended(487)
    refused = NotedStack(bridges=False)
    one, other = await _dialled(refused), await _dialled(refused)
    assert await one.run(Bridge(other.call_id)) == Failed()


async def test_listen_takes_what_a_conversation_needs_in_the_calls_order():
    """A conversation's step (answered_call.py): the audio on, each key, each end of play
    (one left from before is kept), a transfer's outcome once known, the end; nothing is
    stopped by a key."""
    stack = NotedStack()
    runner = await _dialled(stack)
    stack.tell(1, "audio")  # a call that came: its audio on
    stack.tell(1, "quiet")  # said before the step: still the conversation's
    stack.tell(1, "key", "5")
    stack.tell(1, "transfer", "180")  # ringing: not yet an outcome
    stack.tell(1, "transfer", "486")
    assert await runner.run(Listen("0123456789*#")) == Answered()
    assert await runner.run(Listen("0123456789*#")) == Done()
    assert await runner.run(Listen("0123456789*#")) == Pressed("5")
    assert await runner.run(Listen("0123456789*#")) == Transferred(False)
    assert ("hush", 1) not in stack.asked
    assert await runner.run(Listen("#", 0.05)) == TimedOut()
    stack.tell(1, "key", "5")  # not one of its keys
    stack.tell(1, "ended", "200")
    assert await runner.run(Listen("#")) == Ended(200)
    assert await runner.run(Listen("#")) == Ended(200)


async def test_started_steps_begin_at_once_and_take_no_event():
    """What a conversation says while it listens: an answer's parts one after the other
    (``after``: nothing stopped), a key's hush, a hang-up; the events stay the listener's,
    who is told of each say begun (the bot speaks: nobody waits for the caller), in the
    call's order."""
    stack = NotedStack()
    runner = await _dialled(stack)
    stack.tell(1, "quiet")
    runner.start(Say((PROMPT,), wait=False, after=True))
    runner.start(Say((PROMPT,), wait=False, after=True))
    assert stack.asked == [("say", 1), ("say", 1)]
    runner.start(HUSH)
    with pytest.raises(ValueError):
        runner.start(Say((PROMPT,)))  # one that waits is run
    assert await runner.run(Listen("#")) == Done()  # the quiet was kept for it
    assert [await runner.run(Listen("#")) for _ in "12"] == [Saying(), Saying()]
    assert await runner.run(Listen("#", 0.05)) == TimedOut()  # the hush says nothing
    runner.start(HangUp())
    assert stack.asked[2:] == [("hush", 1), ("hang_up", 1)]
    assert await runner.run(Listen("#")) == Ended(487)


async def test_record_and_transfer_run_beside_a_listener_and_take_no_event():
    stack = NotedStack()
    runner = await _dialled(stack)
    stack.tell(1, "quiet")
    listening = Listening(quiet_seconds=30, most_seconds=0.05)
    assert await runner.run(Record(listening)) == Recorded(b"\x01\x00" * 8)
    assert listening.spoke
    assert await runner.run(Transfer("sip:desk@example.org")) == Done()
    assert [asked for asked, _ in stack.asked] == ["record", "end recording", "transfer"]
    assert await runner.run(Listen("#")) == Done()  # the quiet is still the listener's
    refused = NotedStack(bridges=False)
    gone = await _dialled(refused)
    assert await gone.run(Record(Listening(30, 1))) == Recorded(b"")
    assert await gone.run(Transfer("sip:desk@example.org")) == Failed()


def test_status_codes_mean_outcomes_in_one_place():
    assert [unanswered(code) for code in (486, 600, 603)] == ["busy"] * 3
    assert [unanswered(code) for code in (408, 480, 487)] == ["no answer"] * 3
    assert unanswered(404) == unanswered(0) == "failed"
    assert unanswered(0, gave_up=True) == "no answer"  # the bot hung up before a code
    assert [transferred(code) for code in ("100", "180", "200", "486", "")] == [
        None,
        None,
        True,
        False,
        False,
    ]


def test_an_event_off_a_pipe_is_one_of_the_kinds():
    assert event("key", 1002, "5") == CallEvent("key", 1002, "5")
    with pytest.raises(ValueError):
        event("exploded", 1)
