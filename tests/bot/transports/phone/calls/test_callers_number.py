"""A caller's chat id: their number in E.164, or an id of one call when withheld."""

from __future__ import annotations

from bot.transports.phone.calls.callers_number import caller_id, is_withheld


def test_the_number_in_the_from_header_becomes_e164():
    assert caller_id('"Anna" <sip:+492311234567@sip.example.org>') == "+492311234567"
    assert caller_id("<sip:02311234567@10.0.0.1;user=phone>") == "+492311234567"
    assert caller_id("<sip:00492311234567@fritz.box>") == "+492311234567"
    assert caller_id("<tel:+90-212-555-1234>") == "+902125551234"
    assert caller_id("sip:%2B492311234567@x") == "+492311234567"  # an escaped '+'
    assert caller_id("<tel:+492311234567;isub=12>") == "+492311234567"


def test_a_display_name_is_never_read_as_the_number():
    """The display name is the caller's own free text (RFC 3261 name-addr)."""
    assert caller_id('"tel:+4923155599 Oma" <sip:+4915100000001@provider>') == "+4915100000001"
    assert caller_id('"sip:+4923155599@x" <sip:+4915100000001@p>') == "+4915100000001"
    assert caller_id(r'"\"<tel:+4923155599>" <tel:+4915100000001>') == "+4915100000001"
    assert caller_id('"+4923155599" <sip:anonymous@anonymous.invalid>').startswith("withheld-")
    # A From that does not read is nobody's number, not a number found in it.
    assert is_withheld(caller_id('"tel:+4923155599 Oma <sip:+4923155599@x>'))
    assert is_withheld(caller_id("tel:+4923155599 Oma <sip:+4915100000001@p>"))
    # A host is no user: sip:+49…@host names the user, sip:host nobody.
    assert is_withheld(caller_id("<sip:+4923155599>"))


def test_a_user_part_no_network_sends_is_not_the_number_it_spells():
    """Digits of another script, escaped (RFC 3261 allows any byte so), or letters a keypad
    turns into digits come from no network: the caller is withheld, not +4923155599."""
    arabic = "".join(f"%{byte:02X}" for byte in "+٤٩٢٣١٥٥٥٩٩".encode())
    assert is_withheld(caller_id(f"<sip:{arabic}@provider>"))
    assert is_withheld(caller_id("<sip:+%EF%BC%94%EF%BC%99231%EF%BC%95%EF%BC%95599@provider>"))
    assert caller_id("<tel:+4923155599;ext=1>") == "+4923155599"  # a parameter, dropped
    assert is_withheld(caller_id("<sip:+49231555WW@provider>"))  # W is 9 on a keypad


def test_a_withheld_number_gets_an_id_of_its_own_per_call():
    first = caller_id('"Anonymous" <sip:anonymous@anonymous.invalid>')
    second = caller_id("<sip:anonymous@anonymous.invalid>")
    assert is_withheld(first) and is_withheld(second)
    assert first != second
    assert is_withheld(caller_id("<sip:resident@127.0.0.1:5060>"))
    assert is_withheld(caller_id("<sip:12@127.0.0.1>"))  # no one's number
    assert not is_withheld(caller_id("<sip:+492311234567@x>"))
