"""The phone tests' SIP components work together without the bot: Kamailio registers a
softphone with digest auth and routes a call to it, baresip hears what the other side says
and sends keypad tones, SIPp calls through the proxy with RFC 4733 tones.

The order of things is shown by the phones' events; the only waits are for events.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.support.sip import sipp
from tests.support.sip.audio import duration, segments, sound_seconds
from tests.support.sip.baresip import BaresipError
from tests.support.sip.fixtures import PHONE_PASSWORD, TONE_SECONDS, PhoneFactory
from tests.support.sip.kamailio import KamailioServer, free_udp_port, options_answered
from tests.support.sip.sipp import SippPhone, Step, run_scenario


def test_a_call_through_kamailio_is_heard_and_a_key_reaches_the_other_side(
    kamailio: KamailioServer, phones: PhoneFactory, tone_wav: Path
) -> None:
    # The callee says the tone and then hangs up (baresip's aufile ends the call at the end
    # of its WAV): the caller's recording then holds everything it heard.
    callee = phones("bob", register=True, answer=True, says=tone_wav, pad_seconds=0)
    caller = phones("alice")
    caller.dial(kamailio.uri("bob"))
    established = caller.wait_for("CALL_ESTABLISHED")
    assert established.param.startswith("sip:bob@")
    caller.press("1")
    callee.wait_for("CALL_DTMF_END")
    assert callee.digits_received() == "1"
    caller.wait_for("CALL_CLOSED")

    heard = caller.heard()
    (tone,) = segments(heard)
    # The first packets may come before the caller's own audio has started.
    assert TONE_SECONDS - 0.5 <= tone.seconds <= TONE_SECONDS + 0.1
    assert duration(heard) >= tone.end
    # What the caller said (silence) reached the callee as silence.
    assert sound_seconds(callee.heard()) == 0


def test_the_caller_hangs_up_and_the_callee_is_told(
    kamailio: KamailioServer, phones: PhoneFactory, tone_wav: Path
) -> None:
    callee = phones("carol", register=True, answer=True, says=tone_wav)
    caller = phones("alice")
    caller.dial(kamailio.uri("carol"))
    caller.wait_for("CALL_ESTABLISHED")
    callee.wait_for("CALL_ESTABLISHED")
    caller.hangup()
    caller.wait_for("CALL_CLOSED")
    callee.wait_for("CALL_CLOSED")


def test_nobody_registered_and_a_wrong_password(
    kamailio: KamailioServer, phones: PhoneFactory
) -> None:
    assert options_answered(kamailio.port)
    with pytest.raises(BaresipError, match="REGISTER_FAIL"):
        phones("dave", register=True, password=PHONE_PASSWORD + "-wrong")
    caller = phones("alice")
    caller.dial(kamailio.uri("dave"))
    closed = caller.wait_for("CALL_CLOSED")
    assert "404" in closed.param or "Not Found" in closed.param


def test_sipp_calls_through_kamailio_with_keypad_tones(
    kamailio: KamailioServer, phones: PhoneFactory
) -> None:
    callee = phones("erin", register=True, answer=True)
    result = run_scenario(kamailio.domain, "erin", steps=[Step(200, "12"), Step(200, "#")])
    assert result.returncode == 0, result.errors
    assert (result.count("SuccessfulCall"), result.count("FailedCall")) == (1, 0)
    callee.wait_for("CALL_CLOSED")
    assert callee.digits_received() == "12#"


def test_sipp_reports_a_failed_call() -> None:
    with KamailioServer() as proxy:
        result = run_scenario(proxy.domain, "nobody", timeout_s=20)
    # A failed call is SIPp's error status (1: a call failed; 97/99 on its own time-out),
    # never a success. Its statistics are written once a second and at its end, and a run
    # may leave none behind: where there are some, no call succeeded.
    assert result.returncode != 0, result.errors
    assert result.count("SuccessfulCall") == 0
    if result.returncode == 1 and result.stats:
        assert result.count("FailedCall") == 1


def test_a_sipp_phone_answers_presses_a_key_and_hangs_up(phones: PhoneFactory) -> None:
    caller = phones("alice", via_proxy=True)
    with SippPhone("uas_answer.xml", steps=[Step(300, "1"), Step(200, "2#")]) as called:
        caller.dial(called.uri)
        caller.wait_for("CALL_ESTABLISHED")
        caller.wait_for("CALL_CLOSED")
        result = called.wait()
    assert result.returncode == 0, result.errors
    assert caller.digits_received() == "12#"


def test_a_sipp_phone_is_busy(phones: PhoneFactory) -> None:
    caller = phones("alice", via_proxy=True)
    with SippPhone("uas_busy.xml") as called:
        caller.dial(called.uri)
        closed = caller.wait_for("CALL_CLOSED")
        result = called.wait()
    assert "486" in closed.param or "Busy" in closed.param
    assert result.returncode == 0, result.errors


def test_a_sipp_phone_whose_port_is_taken_before_it_binds_starts_on_another(
    phones: PhoneFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race seen in CI: the port probed free is bound by someone else before SIPp."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        taken = squatter.getsockname()[1]
        ports = iter([taken, free_udp_port()])
        monkeypatch.setattr(
            sipp,
            "free_udp_port",
            lambda count=1: next(ports) if count == 1 else free_udp_port(count),
        )
        with SippPhone("uas_busy.xml") as called:
            assert called.port != taken
            caller = phones("alice", via_proxy=True)
            caller.dial(called.uri)
            closed = caller.wait_for("CALL_CLOSED")
            result = called.wait()
    assert "486" in closed.param or "Busy" in closed.param
    assert result.returncode == 0, result.errors


def test_a_sipp_phone_rings_until_the_caller_gives_up(phones: PhoneFactory) -> None:
    caller = phones("alice", via_proxy=True)
    with SippPhone("uas_no_answer.xml") as called:
        caller.dial(called.uri)
        caller.wait_for("CALL_RINGING")
        caller.hangup()
        caller.wait_for("CALL_CLOSED")
        result = called.wait()
    assert result.returncode == 0, result.errors
    assert "CALL_ESTABLISHED" not in [event.type for event in caller.events]
