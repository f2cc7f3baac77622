"""A withheld caller's number to call back, key by key (handlers/numbers/number_entry.py)."""

from handlers.messages import ButtonPress, Text
from handlers.numbers.number_entry import ASK, BAD, CONFIRM, NumberEntry, NumberStep, asks_number
from locales import translator


def _keys(entry: NumberEntry, keys: str) -> list[NumberStep]:
    return [step for key in keys if (step := entry.key(key)) is not None]


def test_only_a_withheld_callers_ask_for_help_waits_for_a_number():
    assert asks_number(True, ButtonPress("hr:new"))
    assert not asks_number(False, ButtonPress("hr:new"))
    assert not asks_number(True, ButtonPress("menu:places"))
    assert not asks_number(True, Text("hr:new"))


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
    """A number the bot may not call (handlers/numbers/dialable.py) is "bad": never said back,
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


def test_star_on_the_number_said_back_says_it_again_any_other_key_types_it_again():
    for key in "2345678909#":
        entry = NumberEntry(ButtonPress("hr:new"))
        assert _keys(entry, "02319876543#*") == [NumberStep("confirm"), NumberStep("confirm")]
        assert entry.number == "+492319876543"
        assert _keys(entry, key) == [NumberStep("ask")], key
        assert entry.number is None  # only "1" takes it


def test_each_step_is_a_message_that_names_its_keys_and_its_buttons_say_what_they_do():
    """The texts say the keys; the buttons carry what the keys do (the n-th button is
    key n, the way back is "#"), for any voice transport."""
    t = translator("de")
    entry = NumberEntry(ButtonPress("hr:new"))
    _keys(entry, "02319876543#")
    asked, bad, said_back = (entry.message(step, t) for step in ("ask", "bad", "confirm"))
    assert asked.text == t._(ASK) and bad.text == t._(BAD)
    assert said_back.text == str(t.t(CONFIRM, digits=", ".join("02319876543")))
    assert [b.data for row in said_back.buttons for b in row] == ["number:yes", "number:again"]
    assert [b.role for row in asked.buttons for b in row] == ["back"]
    assert not said_back.typed_choices  # the text names the keys: labels are not said
