"""What a call says first, and the rest after a pause (issue 64, point 10: the patient
caller's minute).

Two messages are said in two parts, so that the caller who wants the likely choice hears it
at once and the caller who wants another one still hears every choice soon after:

- **the languages to a new caller whose number hints one** the city offers
  (locales/phone_numbers.py ``language_hint``; the picker, handlers/ui.py ``language_picker``,
  puts it first): first the greeting and that language's line ("Hallo! Ich bin der
  Nachbarschafts·bot für Dortmund. Deutsch: eins."), then all the languages' lines, each
  in its own voice, as a caller without a hint hears them after the greeting.
  A number proves nothing and many residents who speak no German have a German number: the
  hint only orders what is said, it decides nothing. A new caller without a hint hears the
  greeting and every line at once. Neither hears the question "Please choose your
  language" - it is in one language, and the lines say what they are;
- **the main menu**: its text and its first choice (the places, or a person's own rows the
  menu puts first: handlers/menu.py ``menu_sections``), then its other choices and the
  person on "0".

The rest follows once the first part is said and :data:`FOLLOW_SECONDS` passed without a key
(transport.py ``said_all``); any key stops it. Every choice of the whole message is one key
from the start - the message's choices are all live while its first part is said (a caller
who knows "3" is Arabic presses it during the German line) - and "*" says both parts.
A message of neither kind is said whole, as before.

No state of its own: the call's turn keeps the rest (turn.py ``Turn.rest``), the call's loop
waits for the pause before it (answered_call.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.speech.keys import key_of
from bot.speech.script import language_named

# Silence after the first part before the rest is said, in seconds: long enough for a
# caller who heard their choice to press it, short enough that one who did not is not
# left wondering whether the line went dead.
FOLLOW_SECONDS = 2.0


@dataclass(frozen=True)
class Said:
    """A part of a message as a call says it: text, then choices with their keys."""

    text: str
    labels: list[str]
    keys: list[str]


def keys_of(labels: list[str], keys: list[str] | None) -> list[str]:
    """Each choice's key: ``keys`` where given, else its place's (the tenth of ten on 0)."""
    return list(keys) if keys else [key_of(n, len(labels)) for n in range(1, len(labels) + 1)]


def languages(
    text: str, labels: list[str], keys: list[str], hint: str | None
) -> tuple[Said, Said | None] | None:
    """The language picker to a new caller (``text``: the greeting, then the question
    "Please choose your language" as its last paragraph): the greeting and every
    language's line - the question, in one language, left out, as the lines say what
    they are (every line 1.9 s sooner in German) -; where their number hints ``hint`` (a
    language the city offers, the picker's first), in two parts: the greeting with that
    language's line, then every language's line. None: not the picker."""
    if len(labels) < 2 or not all(language_named(label) for label in labels):
        return None
    head = str(text).rpartition("\n\n")[0]
    if hint is None or language_named(labels[0]) != hint:
        return Said(head, labels, keys), None
    return Said(head, labels[:1], keys[:1]), Said("", labels, keys)


def main_menu(text: str, labels: list[str], keys: list[str]) -> tuple[Said, Said | None] | None:
    """The main menu in two parts: its text and first choice; then its other choices."""
    if len(labels) < 2:
        return None
    return Said(text, labels[:1], keys[:1]), Said("", labels[1:], keys[1:])
