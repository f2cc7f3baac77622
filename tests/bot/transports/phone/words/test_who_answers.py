"""What a call the bot makes asks first (bot/transports/phone/words/who_answers.py): only
"1" is them, "2" is not, any other key is no answer."""

from __future__ import annotations

from bot.transports.phone.words.who_answers import (
    QUESTION,
    QUESTION_NAMED,
    answer_keys,
    answered,
    question,
)
from handlers.messages import Button, Message
from locales import translator


def test_only_1_on_the_question_is_them_2_is_not_anything_else_no_answer():
    t = translator("de")
    named, unnamed = question(t, "Erna"), question(t, "")
    assert named.text == str(t.t(QUESTION_NAMED, name="Erna"))
    assert unnamed.text == t._(QUESTION)
    assert answer_keys(named) == "12"
    assert answered(named, "1") == "me" and answered(named, "2") == "not me"
    assert all(answered(named, key) is None for key in ("0", "3", "9", "*", "#", "12", ""))


def test_a_link_is_never_pressed_by_a_key():
    asked = question(translator("de"), "Erna")
    rows = [[Button("🗺 Map", url="https://example.org")], *asked.buttons]
    with_link = Message(asked.text, rows, typed_choices=False)
    assert answer_keys(with_link) == "12"
    assert answered(with_link, "1") == "me" and answered(with_link, "3") is None
