"""What of PJSIP's log reaches the bot's: its source and error names, never a URI, a name
or a number."""

from __future__ import annotations

from bot.transports.phone.stack import log_line


def test_a_pjsip_error_is_logged_by_its_source_and_name_only():
    entry = (
        '05:01:02.123   pjsua_call.c  Unable to make call to "Anna Schmidt" '
        "<sip:+492311234567@sip.example.org>: Invalid URI (PJSIP_EINVALIDURI) [status=171039]"
    )
    line = log_line(entry)
    assert line == "pjsua_call.c: PJSIP_EINVALIDURI"
    for secret in ("Anna", "4923", "example", "171039"):
        assert secret not in line


def test_a_line_without_a_known_shape_says_only_that_there_was_an_error():
    assert log_line("something about sip:bob@x and 0231 5555") == "pjsip: an error"
