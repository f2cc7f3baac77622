"""Who is on the line: a caller ID is a claim, a call-back that its holder confirms is proof.

A caller ID proves little, even from the provider (many trunks let the caller set it, and
it is spoofed from abroad); a number typed by a withheld caller proves nothing. So:

- A call from a number whose person the bot already knows (with their consent) is not
  taken as that person at first: it goes on as a person of its own for this one call (an
  id like a withheld caller's, caller_id.py), with the known person's language and consent so
  that nothing is asked twice. Such a call may do what concerns nobody in particular
  (:func:`free`): the main menu, find places, browse events, "0" for a person, the privacy
  notice. Whatever would say something of the person or act for them - their requests,
  who comes and the code word, their settings and data rights, reminders, a new request
  in their name - waits: the caller hears :data:`OFFER` ("we call you back first"); "1"
  ends the call with :data:`CALLING` and the bot calls the number; "#" or any other key
  goes back. The call-back counts as one of the number's call-backs of the day (dialling.py:
  a stranger claiming someone's number can make the bot ring it only so often); past that
  the caller hears :data:`NOT_NOW` and the call goes on.
- A new caller (no person with the number yet) is that number's person from the start:
  there is nothing of theirs to give away.
- A withheld caller who types a number to ask for help is not attached to that number's
  person: "1" on the number said back ends the call with :data:`CALLING_TYPED` and the
  bot calls that number (withheld_number.py).
- A call the bot makes (outbox_calls.py: a call-back with messages, or the call that checks a
  caller) first asks whoever answers :func:`question` ("if you are Erna, press 1; if not,
  press 2"), said twice at most: only "1" lets the call go on. A line that gives no key
  (an answering machine) hears nothing more; "2" (a wrong or reassigned number) ends the
  tries. The call that checks a caller then goes on as the person's own conversation,
  starting with what they had pressed; a person who was not there yet (a typed number) is
  made now, with the language and consent of the call that asked.

Button data: none (keys only). States (per call, in memory): the press that waits for
the check (``waiting``); the number it is claimed for.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.messages import ButtonPress, Command, Event, Media, Text
from locales import N_, Translator

# The key that says "yes, call me back" or "yes, it is me"; "2": "not me".
YES = "1"
NOT_ME = "2"

OFFER = N_(
    "🔐 Before I say anything about you, we call you back at your number."
    " Press 1, then hang up: your phone rings in a moment."
    " To go back, press the hash key."
)
CALLING = N_("📞 Thank you. Please hang up now. We will call you in a moment.")
CALLING_TYPED = N_(
    "📞 Thank you. Please hang up now. We will call you at this number in a moment."
    " Then you can ask for help."
)
NOT_NOW = N_(
    "😔 We cannot call you back today. Please call again tomorrow, or press 0 to talk to a person."
)
QUESTION_NAMED = N_(
    "📞 Hello, this is the neighbourhood help, with a call for {name}."
    " If you are {name}, press 1. If not, press 2."
)
QUESTION = N_(
    "📞 Hello, this is the neighbourhood help, with a call for the person who asked us"
    " for help. If that is you, press 1. If not, press 2."
)

# What a call that is not checked may do: commands and presses that show the same to
# everyone (the menu, places, events' lists and details, the privacy notice) or concern
# only this call (its language, read aloud, easy language).
_FREE_COMMANDS = frozenset({"start", "menu", "coordinators", "privacy", "help", "language"})
_FREE_PRESSES = frozenset({"menu:main", "menu:places", "menu:events", "menu:help"})
_FREE_PREFIXES = ("pl:", "lang:", "ra:", "easy:", "guide:", "privacy:details")
# Events: browsing only (``ev:mine``, ``ev:rm`` reminders, subscriptions are the person's).
_FREE_EVENT_ACTIONS = frozenset(
    {"where", "week", "wc", "cat", "d", "n", "more", "prev", "list", "area"}
)


def free(event: Event) -> bool:
    """Whether an unchecked call may go on with ``event``."""
    if isinstance(event, Command):
        return event.name in _FREE_COMMANDS
    if isinstance(event, ButtonPress):
        data = event.data
        if data in _FREE_PRESSES or data.startswith(_FREE_PREFIXES):
            return True
        prefix, _, rest = data.partition(":")
        return prefix == "ev" and rest.split(":", 1)[0] in _FREE_EVENT_ACTIONS
    # Words said or typed go to the step the caller is at, which only a free press began.
    return isinstance(event, Text | Media)


def then_data(event: Event) -> str:
    """The button the checked call begins with: what waited, else the main menu."""
    if isinstance(event, ButtonPress):
        return event.data
    return "menu:main"


def question(t: Translator, name: str) -> str:
    """What a call the bot made asks first."""
    if name:
        return str(t.t(QUESTION_NAMED, name=name))
    return str(t.t(QUESTION))


@dataclass(frozen=True)
class Profile:
    """What the call that asked passes on to a person made when the check succeeds."""

    language: str | None = None
    consented: bool = False
    # The easy texts, as the asking call had them (a phone person starts with them).
    easy: bool = False
