"""What people read about the bot's own calls (handlers/call_notices.py): a helper's chat
is told what came of a bridged call only where they did not talk, in their language."""

from handlers.call_notices import NOT_HELD, not_held
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
