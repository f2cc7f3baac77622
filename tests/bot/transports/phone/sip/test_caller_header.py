"""Who an INVITE says it is from (sip/caller_header.py): the URI of the From header or of
the provider's P-Asserted-Identity, as RFC 3261 parses them - a display name is skipped
whatever it holds, and a value that does not read names nobody."""

from __future__ import annotations

from bot.transports.phone.sip.caller_header import (
    ASSERTED,
    FROM,
    addr_spec,
    asserted_uris,
    caller_uri,
)


def test_the_uri_is_read_between_the_angle_brackets_never_in_the_display_name():
    assert addr_spec('"tel:+4923155599 Oma" <sip:+4915100000001@provider>') == (
        "sip:+4915100000001@provider"
    )
    assert addr_spec('"sip:+4923155599@x" <tel:+4915100000001>') == "tel:+4915100000001"
    # A quoted display name may hold quotes, angle brackets and backslashes, escaped.
    assert addr_spec(r'"a \"<sip:+4923155599@x>\" b" <sip:+4915100000001@p>;tag=1') == (
        "sip:+4915100000001@p"
    )
    assert addr_spec(r'"\\" <sip:+4915100000001@p>') == "sip:+4915100000001@p"
    assert addr_spec("Anna Schmidt <sip:+4915100000001@p>;tag=x") == "sip:+4915100000001@p"
    assert (
        addr_spec("<sip:02311234567@10.0.0.1;user=phone>") == "sip:02311234567@10.0.0.1;user=phone"
    )


def test_a_bare_addr_spec_loses_the_header_parameters():
    assert addr_spec("sip:+4915100000001@p;tag=abc") == "sip:+4915100000001@p"
    assert addr_spec("tel:+4915100000001") == "tel:+4915100000001"


def test_what_does_not_read_names_nobody():
    for value in (
        '"tel:+4923155599 Oma <sip:+4923155599@x>',  # the quote never closes
        "tel:+4923155599 Oma <sip:+4915100000001@p>",  # ':' is no token: must be quoted
        "<sip:+4915100000001@p",  # the bracket never closes
        '"Oma" sip:+4915100000001@p',  # a display name without brackets
        "Oma",
        "",
        "tel:+49 231 555 99",  # spaces in a bare addr-spec
        r'"\\"<tel:+4923155599>" <tel:+4915100000001>',  # text after the brackets
    ):
        assert addr_spec(value) is None, value


INVITE = (
    "INVITE sip:bot@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n"
    'From: "tel:+4923155599" <sip:+4923155599@127.0.0.1>;tag=1\r\n'
    "To: <sip:bot@127.0.0.1>\r\n"
    'P-Asserted-Identity: "Anna, not\r\n'
    ' Oma" <sip:+4915100000002@provider>,\r\n'
    "  <tel:+4915100000002>\r\n"
    "Call-ID: x\r\n"
    "Content-Length: 0\r\n"
    "\r\n"
    "P-Asserted-Identity: <sip:+4923155599@body>\r\n"
)


def test_the_providers_assertion_is_read_from_the_header_fields_only():
    # Folded over two lines, a comma in the quoted display name, a tel URI beside the sip
    # URI (RFC 3325); the body's text is no header.
    assert asserted_uris(INVITE) == ["sip:+4915100000002@provider", "tel:+4915100000002"]
    assert caller_uri(ASSERTED, '"x" <sip:+4923155599@127.0.0.1>', INVITE) == "tel:+4915100000002"
    assert caller_uri(FROM, '"tel:+4923155599" <sip:+4923155599@127.0.0.1>', INVITE) == (
        "sip:+4923155599@127.0.0.1"
    )


def test_without_the_providers_assertion_the_caller_is_withheld():
    without = INVITE.replace("P-Asserted-Identity", "X-Other")
    assert caller_uri(ASSERTED, "<sip:+4923155599@127.0.0.1>", without) == ""
    broken = INVITE.replace("<tel:+4915100000002>", '"unclosed <tel:+49151>')
    assert caller_uri(ASSERTED, "<sip:+4923155599@127.0.0.1>", broken) == ""


def test_two_assertions_of_one_kind_are_nobodys():
    """A caller who adds a P-Asserted-Identity of their own beside the provider's: RFC 3325
    allows one tel and one sip URI, so two of a kind assert nothing."""
    added = INVITE.replace(
        "Call-ID: x\r\n", "P-Asserted-Identity: <tel:+4923155599>\r\nCall-ID: x\r\n"
    )
    assert caller_uri(ASSERTED, "<sip:+4923155599@127.0.0.1>", added) == ""
    two_sip = INVITE.replace("<tel:+4915100000002>", "<sip:+4923155599@x>")
    assert caller_uri(ASSERTED, "<sip:+4923155599@127.0.0.1>", two_sip) == ""


def test_a_caller_who_withholds_their_identity_is_withheld():
    """A caller who withholds their number (CLIR): the provider still asserts it to the
    trusted bot but says Privacy: id (RFC 3325 §9.3). Honoured in either mode, and so is
    user-level privacy (RFC 3323); other privacy values name the caller as before."""
    for privacy in ("id", "user", "header;id", "ID; critical"):
        private = INVITE.replace("Call-ID: x\r\n", f"Privacy: {privacy}\r\nCall-ID: x\r\n")
        assert caller_uri(ASSERTED, "<sip:+4923155599@127.0.0.1>", private) == ""
        assert caller_uri(FROM, "<sip:+4923155599@127.0.0.1>", private) == ""
    for privacy in ("none", "header", "session"):
        public = INVITE.replace("Call-ID: x\r\n", f"Privacy: {privacy}\r\nCall-ID: x\r\n")
        assert caller_uri(ASSERTED, "<sip:+4923155599@127.0.0.1>", public) == ("tel:+4915100000002")
    # In the body, no header.
    assert caller_uri(ASSERTED, "<sip:x@y>", INVITE + "Privacy: id\r\n") == "tel:+4915100000002"
