"""The places the line processes share (bot/transports/phone/sip/places.py): each call is given
to one line once, whichever line sees its INVITE first and in whatever order the lines
see the INVITEs; the call after the last place goes to the notice line."""

from __future__ import annotations

import random
from pathlib import Path

from bot.transports.phone.sip.invite_filter import new_invite
from bot.transports.phone.sip.places import (
    CLAIM_SECONDS,
    CLAIMS_KEPT,
    TAKEN_UNSEEN_SECONDS,
    SharedPlaces,
)

LINES = 5


def _lines(path: Path, clock: list[float] | None = None) -> list[SharedPlaces]:
    SharedPlaces.create(path, LINES)
    now = clock if clock is not None else [0.0]
    lines = [SharedPlaces(path, number, LINES, clock=lambda: now[0]) for number in range(LINES + 1)]
    for line in lines:
        line.start()
    return lines


def test_a_burst_forked_to_every_line_takes_every_place_once(tmp_path: Path):
    """21 calls, each INVITE reaching all 6 processes in a shuffled order: 20 taken, 4 on
    each line, each by one line; the 21st said busy by the notice line alone."""
    lines = _lines(tmp_path / "places.json")
    rounds = [(line, f"call-{number}") for number in range(21) for line in lines]
    random.Random(55).shuffle(rounds)
    decided: dict[str, list[tuple[int, str]]] = {}
    for line, call in rounds:
        decided.setdefault(call, []).append((line.line, line.decide(call)))
    takers = {
        call: [(number, what) for number, what in got if what != "leave"]
        for call, got in decided.items()
    }
    assert all(len(got) == 1 for got in takers.values())
    kinds = sorted(got[0][1] for got in takers.values())
    assert kinds == ["notice"] + ["take"] * 20
    assert lines[0].held() == {number: 4 for number in range(LINES)} | {LINES: 1}
    # An INVITE seen again (a retransmission) gets the same answer at every line.
    call = next(iter(decided))
    assert [line.decide(call) for line in lines] == [what for _, what in sorted(decided[call])]


def test_a_place_that_ends_takes_the_next_call(tmp_path: Path):
    lines = _lines(tmp_path / "places.json")
    for number in range(20):
        assert lines[number // 4].decide(f"call-{number}") == "take"
    assert lines[0].decide("one too many") == "leave"
    assert lines[LINES].decide("one too many") == "notice"
    lines[2].release("call-9")
    assert lines[0].decide("next") == "leave"  # given to line 2, which has the place
    assert lines[2].decide("next") == "take"


def test_a_line_not_running_is_given_no_call(tmp_path: Path):
    lines = _lines(tmp_path / "places.json")
    lines[0].set_down(1)
    given = {lines[0].decide(f"call-{number}") for number in range(4)}
    assert given == {"take"}
    assert lines[1].decide("call-4") == "leave"  # down: its own INVITEs are left too
    assert [line.decide("call-4") for line in lines[2:5]].count("take") == 1


def test_a_call_given_to_a_line_that_never_sees_it_frees_its_place(tmp_path: Path):
    now = [100.0]
    lines = _lines(tmp_path / "places.json", now)
    for number in range(4):
        assert lines[0].decide(f"call-{number}") == "take"
    # Line 0 is full: its next calls are given to lines 1 to 4 (seen there or not).
    for number in range(4, 20):
        assert lines[0].decide(f"call-{number}") == "leave"
    assert lines[0].decide("late") == "leave"
    assert lines[LINES].decide("late") == "notice"
    now[0] += CLAIM_SECONDS
    assert lines[0].decide("after") == "leave"
    assert lines[1].decide("after") == "take"


def test_a_call_taken_that_never_came_frees_its_place(tmp_path: Path):
    """PJSIP may refuse a call the line was given (no codec in common): no call of the
    line has its Call-ID, and its place is free again a few seconds later. A call made by
    the bot (held, no claim) stays while it is alive."""
    now = [100.0]
    lines = _lines(tmp_path / "places.json", now)
    for number in range(3):
        assert lines[0].decide(f"call-{number}") == "take"
    lines[0].hold("made-1")
    alive = {"call-0", "call-1", "made-1"}
    lines[0].keep(alive)
    assert lines[0].held()[0] == 4
    now[0] += TAKEN_UNSEEN_SECONDS
    lines[0].keep(alive)
    assert lines[0].held()[0] == 3
    assert lines[0].decide("call-3") == "take"


def test_places_cut_by_a_killed_writer_start_afresh_and_lines_put_back_their_calls(
    tmp_path: Path,
):
    path = tmp_path / "places.json"
    lines = _lines(path)
    assert lines[0].decide("call-0") == "take"
    path.write_text('{"taken": {"0": ["cal')
    lines[0].keep({"call-0"})
    assert lines[0].held() == {number: 0 for number in range(LINES + 1)} | {0: 1}
    assert lines[1].decide("call-1") == "take"


def test_the_calls_kept_are_bounded(tmp_path: Path):
    """The Call-IDs (the caller's to choose) are kept for the CLAIMS_KEPT newest calls
    only, each cut to a bounded length."""
    lines = _lines(tmp_path / "places.json")
    for number in range(CLAIMS_KEPT + 50):
        lines[0].decide(f"call-{number}-" + "x" * 1000)
        lines[0].release(f"call-{number}-" + "x" * 1000)
    assert (tmp_path / "places.json").stat().st_size < CLAIMS_KEPT * 400


def test_only_a_new_calls_invite_is_asked_about():
    invite = (
        b"INVITE sip:nachbarbot@127.0.0.1:5060;nb=abc SIP/2.0\r\n"
        b"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\n"
        b"To: <sip:nachbarbot@127.0.0.1>\r\n"
        b"i: 42@caller\r\n"
        b"CSeq: 1 INVITE\r\n\r\nv=0\r\n"
    )
    assert new_invite(invite) == ("42@caller", invite.split(b"\r\n\r\n")[0].decode())
    again = invite.replace(b"<sip:nachbarbot@127.0.0.1>", b"<sip:nachbarbot@127.0.0.1>;tag=1")
    assert new_invite(again) is None  # a re-INVITE within its call
    assert new_invite(invite.replace(b"INVITE sip", b"OPTIONS sip", 1)) is None
    try:
        new_invite(b"\x03\x00garbage")
    except ValueError:
        pass
    else:
        raise AssertionError("bytes that are no SIP request are not read as one")
