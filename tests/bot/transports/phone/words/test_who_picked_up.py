"""What a call the bot makes asks first (bot/transports/phone/words/who_picked_up.py): only
"1" is them, "2" is not, any other key is no answer. A call that checks a caller says what
happened - someone called and asked to be called back at this number, a moment ago or
when - so that whoever did not call can say no."""

from __future__ import annotations

from datetime import timedelta

from bot.transports.phone.words.who_picked_up import (
    QUESTION,
    QUESTION_AT,
    QUESTION_NAMED,
    UNNAMED,
    answer_keys,
    answered,
    check_question,
    question,
)
from handlers.messages import Button, Message
from locales import translator
from tests.support.clock import daytime


def test_only_1_on_the_question_is_them_2_is_not_anything_else_no_answer():
    t = translator("de")
    named, unnamed = question(t, "Erna"), question(t, "")
    assert named.text == str(t.t(QUESTION_NAMED, name="Erna"))
    assert unnamed.text == t._(UNNAMED)
    assert answer_keys(named) == "12"
    assert answered(named, "1") == "me" and answered(named, "2") == "not me"
    assert all(answered(named, key) is None for key in ("0", "3", "9", "*", "#", "12", ""))


def test_a_link_is_never_pressed_by_a_key():
    asked = question(translator("de"), "Erna")
    rows = [[Button("🗺 Map", url="https://example.org")], *asked.buttons]
    with_link = Message(asked.text, rows, typed_choices=False)
    assert answer_keys(with_link) == "12"
    assert answered(with_link, "1") == "me" and answered(with_link, "3") is None


def test_a_check_call_says_someone_called_a_moment_ago_or_when_and_names_nobody():
    t = translator("de")
    asked = daytime(10)
    soon = check_question(t, asked, asked + timedelta(minutes=2))
    assert soon.text == t._(QUESTION)
    assert answer_keys(soon) == "12" and answered(soon, "2") == "not me"
    # Put off (the quiet hours, a busy line): the time it was asked for, not "a moment ago".
    later = check_question(t, asked, asked + timedelta(hours=3))
    assert later.text == str(t.t(QUESTION_AT, when=t.day_and_time(asked, "MMMMEEEEd")))
    assert t.time(asked) in later.text and later.text != soon.text
    assert answered(later, "1") == "me"
