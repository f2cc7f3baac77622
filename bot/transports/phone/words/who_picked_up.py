"""Who picked up: what a call the bot makes asks first, before it says anything of anyone.

A call the bot places (a call-back with messages, outbox_calls.py; the call that checks a
caller, check_calls.py; a bridged call's resident, bridging.py) may reach someone else: a
reassigned number, a relative, an answering machine. So the first thing said is
:func:`question` ("if you are Erna, press 1; if not, press 2"), said twice at most. The
call that checks a caller names nobody and says what happened (:func:`check_question`:
"a moment ago someone called us and asked us to call back at this number; if that was
you, press 1; if not, press 2"): a resident whose number a stranger used - she did not
call - hears that someone did, and says no. Only its first
button (:func:`answered`: "me") lets the call go on; the second ("not me": a wrong or
reassigned number) ends the tries; a line that gives no key hears nothing more.

Only a call the phone places asks it, so its words are the phone's own, as the busy notice
and the prompts are. What a claimed call may do before such a call-back is the feature's
(handlers/numbers/caller_check.py).

Button data: ``who:me``, ``who:not`` (pressed by key only: "1", "2"). States: none.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from markupsafe import Markup

from handlers.messages import Button, Message, numbered
from locales import N_, Translator

QUESTION_NAMED = N_(
    "📞 Hello, this is the neighbourhood help, with a call for {name}."
    " If you are {name}, press 1. If not, press 2."
)
# A call-back to a person without a name.
UNNAMED = N_(
    "📞 Hello, this is the neighbourhood help, with a call for the person who asked us"
    " for help. If that is you, press 1. If not, press 2."
)
# A call that checks a caller: a moment ago, or at a time (:func:`check_question`).
QUESTION = N_(
    "📞 Hello, this is the neighbourhood help. A moment ago, someone called us and asked"
    " us to call back at this number. If that was you, press 1. If it was not you, press 2."
)
QUESTION_AT = N_(
    "📞 Hello, this is the neighbourhood help. On {when}, someone called us and asked us"
    " to call back at this number. If that was you, press 1. If it was not you, press 2."
)
# A check call placed no later than this after it was asked for says "a moment ago".
MOMENT = timedelta(minutes=10)
ME = "who:me"
NOT_ME = "who:not"
Answer = Literal["me", "not me"]
_ANSWERS: dict[str, Answer] = {ME: "me", NOT_ME: "not me"}


def question(t: Translator, name: str) -> Message:
    """What a call the bot made asks first: "1" it is them, "2" it is not (the text names
    its keys)."""
    return _asked(t, t.t(QUESTION_NAMED, name=name) if name else t.t(UNNAMED))


def check_question(t: Translator, asked_at: datetime | None, now: datetime) -> Message:
    """What a call that checks a caller asks first: someone called and asked to be called
    back at this number - a moment ago, or at ``asked_at`` - "1" it was them, "2" it was
    not. It names nobody: whoever holds the phone may not be the person the bot knows."""
    if asked_at is None or now - asked_at <= MOMENT:
        text = t.t(QUESTION)
    else:
        text = t.t(QUESTION_AT, when=t.day_and_time(asked_at, "MMMMEEEEd"))
    return _asked(t, text)


def _asked(t: Translator, text: Markup) -> Message:
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
