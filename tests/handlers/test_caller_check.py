"""A caller ID is a claim (handlers/caller_check.py): what an unchecked call may do, the
offer of a call-back and the question a call the bot makes asks first, key by key."""

import pytest

from handlers.caller_check import (
    CALLING,
    OFFER,
    QUESTION,
    QUESTION_NAMED,
    answer_keys,
    answered,
    free,
    keyed,
    offer,
    question,
    takes_offer,
    then_data,
)
from handlers.messages import Button, ButtonPress, Command, Text
from locales import translator


@pytest.mark.parametrize(
    "data", ["hr:new", "hr:mine", "settings:lang", "ev:mine", "ev:rm:3", "privacy:delete"]
)
def test_what_says_something_of_the_person_or_acts_for_them_waits_for_the_check(data):
    assert not free(ButtonPress(data))


@pytest.mark.parametrize("data", ["menu:main", "menu:places", "pl:near", "ev:week", "lang:de"])
def test_what_concerns_nobody_in_particular_goes_on(data):
    assert free(ButtonPress(data))


def test_commands_about_a_person_wait_and_a_checked_call_begins_with_what_waited():
    assert free(Command("start")) and free(Text("44137"))
    assert not free(Command("mydata")) and not free(Command("delete"))
    assert then_data(ButtonPress("hr:mine")) == "hr:mine"
    assert then_data(Command("mydata")) == "menu:main"


def test_only_1_on_the_offer_asks_for_the_call_back_hash_goes_back():
    t = translator("de")
    said = offer(t)
    assert said.text == t._(OFFER) and CALLING != OFFER
    assert takes_offer("1")
    assert not any(takes_offer(key) for key in "023456789*#")
    assert keyed(said.buttons, "#") == "check:back"


def test_only_1_on_the_question_is_them_2_is_not_anything_else_no_answer():
    t = translator("de")
    named, unnamed = question(t, "Erna"), question(t, "")
    assert named.text == str(t.t(QUESTION_NAMED, name="Erna"))
    assert unnamed.text == t._(QUESTION)
    assert answer_keys(named) == "12"
    assert answered(named, "1") == "me" and answered(named, "2") == "not me"
    assert all(answered(named, key) is None for key in "03456789*#")


def test_a_link_is_never_pressed_by_a_key():
    rows = [[Button("🗺 Map", url="https://example.org")], [Button("✅ Yes", "who:me")]]
    assert keyed(rows, "1") == "who:me" and keyed(rows, "2") is None
