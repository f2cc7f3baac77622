"""Who picked up: what a call the bot makes asks first, before it says anything of anyone.

A call the bot places (a call-back with messages, outbox_calls.py; the call that checks a
caller, check_calls.py; a bridged call's resident, bridging.py) may reach someone else: a
reassigned number, a relative, an answering machine. So the first thing said is
:func:`question` ("if you are Erna, press 1; if not, press 2" - the call that checks a
caller names nobody: "if you asked us for help"), said twice at most. Only its first
button (:func:`answered`: "me") lets the call go on; the second ("not me": a wrong or
reassigned number) ends the tries; a line that gives no key hears nothing more.

Only a call the phone places asks it, so its words are the phone's own, as the busy notice
and the prompts are. What a claimed call may do before such a call-back is the feature's
(handlers/numbers/caller_check.py).

Button data: ``who:me``, ``who:not`` (pressed by key only: "1", "2"). States: none.
"""

from __future__ import annotations

from typing import Literal

from handlers.messages import Button, Message, numbered
from locales import N_, Translator

QUESTION_NAMED = N_(
    "📞 Hello, this is the neighbourhood help, with a call for {name}."
    " If you are {name}, press 1. If not, press 2."
)
QUESTION = N_(
    "📞 Hello, this is the neighbourhood help, with a call for the person who asked us"
    " for help. If that is you, press 1. If not, press 2."
)
ME = "who:me"
NOT_ME = "who:not"
Answer = Literal["me", "not me"]
_ANSWERS: dict[str, Answer] = {ME: "me", NOT_ME: "not me"}


def question(t: Translator, name: str) -> Message:
    """What a call the bot made asks first: "1" it is them, "2" it is not (the text names
    its keys)."""
    text = t.t(QUESTION_NAMED, name=name) if name else t.t(QUESTION)
    buttons = [[Button("✅ " + t._("Yes"), ME)], [Button("✖️ " + t._("No"), NOT_ME)]]
    return Message(text, buttons, typed_choices=False)


def answer_keys(asked: Message) -> str:
    """The keys that answer :func:`question` (what the line listens for)."""
    return "".join(str(n) for n in range(1, len(numbered(asked.buttons)) + 1))


def answered(asked: Message, key: str) -> Answer | None:
    """What ``key`` says to :func:`question`: "me", "not me", None (no answer)."""
    data = [data for _label, data in numbered(asked.buttons)]
    if len(key) != 1 or key not in "123456789" or int(key) > len(data):
        return None
    return _ANSWERS.get(data[int(key) - 1])
