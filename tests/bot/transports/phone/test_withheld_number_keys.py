"""A withheld caller's number to call back, key by key (withheld_number.py)."""

from bot.transports.phone.caller_id import withheld
from bot.transports.phone.withheld_number import NumberEntry, NumberStep, asks_number
from handlers.messages import ButtonPress, Text


def _keys(entry: NumberEntry, keys: str) -> list[NumberStep]:
    return [step for key in keys if (step := entry.key(key)) is not None]


def test_only_a_withheld_callers_ask_for_help_waits_for_a_number():
    assert asks_number(withheld(), ButtonPress("hr:new"))
    assert not asks_number("+492319876543", ButtonPress("hr:new"))
    assert not asks_number(withheld(), ButtonPress("menu:places"))
    assert not asks_number(withheld(), Text("hr:new"))


def test_a_number_is_said_back_and_taken_with_1_a_wrong_one_changes_nothing():
    entry = NumberEntry(ButtonPress("hr:new"))
    assert _keys(entry, "12#") == [NumberStep("bad")] and entry.number is None
    assert _keys(entry, "0231 9876543#".replace(" ", "")) == [NumberStep("confirm")]
    assert entry.number == "+492319876543" and entry.typed == "02319876543"
    assert _keys(entry, "2") == [NumberStep("ask")] and entry.number is None
    assert _keys(entry, "0231987*02319876543#1") == [
        NumberStep("ask"),
        NumberStep("confirm"),
        NumberStep("confirmed"),
    ]


def test_a_premium_shared_cost_or_personal_number_is_refused_as_a_wrong_one():
    """A number the bot may not call (handlers/dialable.py) is "bad": never said back,
    never taken; with a country added ([phone] call_countries), its mobile numbers are."""
    entry = NumberEntry(ButtonPress("hr:new"))
    for typed in ("09005123456", "01805123456", "070012345678", "00449091234567"):
        assert _keys(entry, typed + "#") == [NumberStep("bad")], typed
        assert entry.number is None
    assert _keys(entry, "00436641234567#") == [NumberStep("bad")]
    added = NumberEntry(ButtonPress("hr:new"), countries=("DE", "AT"))
    assert _keys(added, "00436641234567#") == [NumberStep("confirm")]
    assert added.number == "+436641234567"


def test_hash_before_any_digit_goes_back():
    assert _keys(NumberEntry(ButtonPress("hr:new")), "#") == [NumberStep("back")]
