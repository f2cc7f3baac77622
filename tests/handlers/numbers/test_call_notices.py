"""What people read about the bot's own calls (handlers/numbers/call_notices.py): a helper's chat
is told what came of a bridged call only where they did not talk, in their language; the
coordinators, of a check call given up, by name or as "a phone resident"."""

from handlers.numbers.call_notices import NOT_HELD, check_given_up, not_held
from locales import translator


def test_a_helper_is_told_only_of_a_call_in_which_nobody_talked():
    assert "talked" not in NOT_HELD and "ended" not in NOT_HELD
    assert {"busy", "no answer", "failed", "no calls left"} <= NOT_HELD


def test_each_outcome_has_words_of_its_own_in_the_helpers_language():
    de, en = translator("de"), translator("en")
    said = {str(not_held(de, outcome).text) for outcome in NOT_HELD}
    assert len(said) == len(NOT_HELD)
    assert str(not_held(de, "busy").text) != str(not_held(en, "busy").text)
    assert str(not_held(en, "busy").text) == "📵 The resident is busy. Please try again later."


def test_the_coordinators_hear_of_a_check_call_given_up_by_name_never_the_number():
    de = translator("de")
    said = str(check_given_up(de, "Erna", 3).text)
    assert "Erna" in said and "3" in said and "+49" not in said
    unnamed = str(check_given_up(de, "", 1).text)
    assert de._("a phone resident") in unnamed
