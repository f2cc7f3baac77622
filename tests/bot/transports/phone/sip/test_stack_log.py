"""What of PJSIP's log reaches the bot's: its source, error names and what an operator can
do about it, never a URI, a name or a number; and PJSIP's start banner never reaches the
bot's stderr (a real endpoint started in a process of its own)."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap

from bot.transports.phone.sip.stack import log_line
from tests.support.cli import ROOT


def test_a_pjsip_error_is_logged_by_its_source_and_name_only():
    entry = (
        '05:01:02.123   pjsua_call.c  Unable to make call to "Anna Schmidt" '
        "<sip:+492311234567@sip.example.org>: Invalid URI (PJSIP_EINVALIDURI) [status=171039]"
    )
    line = log_line(entry)
    assert line.startswith("pjsua_call.c: PJSIP_EINVALIDURI - a SIP address is not valid")
    for secret in ("Anna", "4923", "example", "171039"):
        assert secret not in line


def test_a_line_without_a_known_shape_says_only_that_there_was_an_error():
    line = log_line("something about sip:bob@x and 0231 5555")
    assert line == "pjsip: an error - see PJSIP's documentation for this error"


def test_the_operator_is_told_what_to_do():
    # As PJSIP 2.15 writes them (seen with a taken port and a registrar that does not
    # resolve), and a registration the registrar refused.
    taken = "05:14:35.025  pjsua_core.c  bind() error: Address already in use [status=120098]"
    assert "phone.port (SIP) or the RTP ports" in log_line(taken)
    unknown = (
        "05:14:35.026  pjsua_acc.c  .....SIP registration failed, status=502 (gethostbyname()"
        " has returned error (PJ_ERESOLVE))"
    )
    assert "a SIP host name does not resolve: check phone.registrar" in log_line(unknown)
    refused = "05:14:35.026  pjsua_acc.c  ..SIP registration failed, status=403 (Forbidden)"
    assert "phone.user and NACHBARBOT_PHONE__PASSWORD" in log_line(refused)


STARTS = textwrap.dedent(
    """
    import asyncio, logging, socket, sys
    from bot.transports.phone.sip.stack import Stack, StackSettings

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    async def main(port):
        stack = Stack(StackSettings(bind="127.0.0.1", port=port), lambda event: None)
        try:
            await stack.start()
        except Exception as exc:
            print("did not start:", type(exc).__name__)
        finally:
            await stack.stop()

    asyncio.run(main(int(sys.argv[1])))
    """
)


def _start(port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", STARTS, str(port)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_no_start_banner_and_a_taken_port_is_named_for_the_operator():
    started = _start(0)
    assert started.returncode == 0, started.stderr
    assert "pjlib" not in started.stderr and "endpoint" not in started.stderr.lower()
    assert started.stderr.strip() == "" and started.stdout.strip() == ""

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
        holder.bind(("127.0.0.1", 0))
        taken = _start(holder.getsockname()[1])
    assert "did not start" in taken.stdout
    assert "pjlib" not in taken.stderr
    assert "ERROR" in taken.stderr and "an address is taken by another program" in taken.stderr
    assert "127.0.0.1" not in taken.stderr
