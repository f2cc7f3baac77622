"""Numbered choices: where a chat service shows no buttons of its own (Matrix, the console;
next SMS and a phone line), a message's choices are numbered, and a typed number, a
keypress or a reaction presses one. One set of rules for every such transport:

- A message's choices are its buttons that are not links, numbered from 1 in reading order
  (``handlers.messages.numbered``: a texted reader's form numbers them the same way).
- A typed number - in any digits ``handlers.parsing`` reads: Latin, Persian, Arabic-Indic,
  with the marks phones add - presses that choice of the chat's **newest** message, if that
  message has choices and takes typed numbers (``Message.typed_choices``) and the chat is
  not the coordinators' backchannel, where several posts are open at once. After a relayed
  message, "1" may answer "how many crates?": it is text.
- At a step whose answer is a number (a distance, a count: its choices carry values,
  ``Button.value``) a typed number is that number, not a place in the list: the router
  reads the press again (``ButtonPress.typed``, ``Router.read_typed``) - the choice whose
  value it is ("5" for "5 km"), else text for the step. A reaction or a key stays its
  choice. Such a message's list therefore numbers no value: each transport shows the
  sentence asking for the number and its other choices (Cancel) the way they are pressed
  there (handlers/media/value_choices.py).
- A typed number that is none of those choices ("9" on a list of six) is text marked with
  the choices it missed (``Text.not_a_choice``, :func:`typed_event`): a step that takes
  text takes it as any text, and outside a step it is answered "not one of the choices"
  with the same choices again (handlers/forms/not_a_choice.py), never the main menu.
- Any later message in the chat ends that, except what goes alongside an answer's message
  (a toast, a location: ``Routed.alongside`` in bot/transports/contract.py), a message
  that goes beside the newest (``Message.beside``: Matrix's line about a device not
  confirmed) and a message's own voice read aloud, which names its buttons ("first button: …").
- An edit of an earlier message (an outbox ``Edit``) takes typed numbers only if it edits
  the newest message and that one took them; an answer that replaces the pressed message
  (``Message.edit``) says itself, as any message.
- A reaction presses a choice of the message it is on, whatever came after: by its number
  (a keycap 1️⃣ … 🔟, or digits) or by the choice's leading emoji (✅, ❌ …).

What a transport keeps for this is a :class:`Memory`: each message's choices under the
service's message id, and per chat the newest message and whether it takes typed numbers.
Matrix keeps them in the database (db/transport_state.py: ``matrix.newest:<room>`` and the
``matrix_buttons`` table), so that they outlive a restart and hold for every process of a
cluster; the console, one process at one terminal, keeps them in memory (:class:`InMemory`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from handlers.messages import (
    SPOKEN,
    ButtonPress,
    Choice,
    Edit,
    Message,
    Outgoing,
    Text,
    Voice,
    choices,
    numbered,
)
from handlers.parsing import choice_number, is_typed_number

__all__ = [
    "KEYCAPS",
    "Choice",
    "InMemory",
    "Memory",
    "NumberedChoices",
    "numbered",
    "press_for",
    "typed_event",
]

# Reactions that name a choice by its number (and how Matrix numbers the list it shows).
KEYCAPS = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟"]


def _leading_emoji(label: str) -> str:
    return label.split(" ", 1)[0] if " " in label else ""


def press_for(key: str, listed: list[Choice]) -> str | None:
    """The button data a number, a keycap or a choice's leading emoji names, if any."""
    key = key.strip()
    chosen = choice_number(key, len(listed))
    if chosen is not None:
        return listed[chosen - 1][1]
    if key in KEYCAPS and KEYCAPS.index(key) < len(listed):
        return listed[KEYCAPS.index(key)][1]
    for label, data in listed:
        if key and _leading_emoji(label).replace("\ufe0f", "") == key.replace("\ufe0f", ""):
            return data
    return None


def typed_event(text: str, listed: list[Choice]) -> ButtonPress | Text:
    """What a typed number is on a message that takes typed numbers with choices
    ``listed``: the press of its choice, else the text - marked as none of ``listed``, so
    that outside a step it is answered with them again (handlers/forms/not_a_choice.py), not
    taken for words (a "9" on a list of six brought the main menu)."""
    data = press_for(text, listed)
    if data is not None:
        return ButtonPress(data=data, typed=text)
    return Text(text, not_a_choice=tuple(listed)) if listed else Text(text)


class Memory(Protocol):
    """Where a transport keeps its numbered choices."""

    async def remember_buttons(self, event_id: str, room_id: str, buttons: list[Choice]) -> None:
        """A message's choices; none forgets them (edited to have none)."""

    async def buttons_of(self, event_id: str, chat_id: str) -> list[Choice]:
        """A message's choices, [] if it has none (or is not known) - or is not in
        ``chat_id``: a reaction names the message it is on by its id alone, and one in
        another chat presses nothing."""

    async def note_sent(self, room_id: str, event_id: str, typed: bool) -> None:
        """The newest message in a chat, and whether it takes typed numbers."""

    async def newest_sent(self, room_id: str) -> tuple[str, bool] | None:
        """(message id, takes typed numbers) of the newest message in a chat."""


class InMemory:
    """A :class:`Memory` held by the process (the console's)."""

    def __init__(self) -> None:
        self._buttons: dict[str, tuple[str, list[Choice]]] = {}
        self._newest: dict[str, tuple[str, bool]] = {}

    async def remember_buttons(self, event_id: str, room_id: str, buttons: list[Choice]) -> None:
        if buttons:
            self._buttons[event_id] = (room_id, list(buttons))
        else:
            self._buttons.pop(event_id, None)

    async def buttons_of(self, event_id: str, chat_id: str) -> list[Choice]:
        room_id, buttons = self._buttons.get(event_id, ("", []))
        return list(buttons) if room_id == chat_id else []

    async def note_sent(self, room_id: str, event_id: str, typed: bool) -> None:
        self._newest[room_id] = (event_id, typed)

    async def newest_sent(self, room_id: str) -> tuple[str, bool] | None:
        return self._newest.get(room_id)


class NumberedChoices:
    """The rules above over one transport's :class:`Memory`; ``backchannel`` tells whether
    a chat is the coordinators' (no typed numbers there)."""

    def __init__(self, memory: Memory, backchannel: Callable[[str], bool]) -> None:
        self.memory = memory
        self.backchannel = backchannel

    async def typing(self, chat_id: str, item: Message | Edit, edit_id: str | None = None) -> bool:
        """Whether a typed number may press one of the choices of ``item`` about to be sent
        (replacing ``edit_id``): a transport that says so under the list asks first."""
        if not choices(item.buttons) or self.backchannel(chat_id):
            return False
        if isinstance(item, Message):
            return item.typed_choices
        newest = await self.memory.newest_sent(chat_id)
        return newest is not None and newest == (edit_id, True)

    async def sent(
        self,
        chat_id: str,
        message_id: str | None,
        item: Outgoing,
        *,
        edit_id: str | None = None,
        typed: bool = False,
        alongside: bool = False,
    ) -> None:
        """``item`` went out as ``message_id`` (replacing ``edit_id``); ``typed``: what
        :meth:`typing` said for it; ``alongside``: it went with an answer's message."""
        if isinstance(item, Message | Edit):
            listed = numbered(item.buttons)
            # Reactions name the message they are on (on an edit: the message it replaces,
            # on some services the edit itself).
            if message_id is not None and listed:
                await self.memory.remember_buttons(message_id, chat_id, listed)
            if edit_id:
                await self.memory.remember_buttons(edit_id, chat_id, listed)
            newest = edit_id or message_id
            beside = isinstance(item, Message) and item.beside  # not the chat's newest
            if newest is not None and not beside:
                await self.memory.note_sent(chat_id, newest, typed)
            return
        spoken = isinstance(item, Voice) and item.platform == SPOKEN
        if message_id is not None and not alongside and not spoken:
            await self.memory.note_sent(chat_id, message_id, False)

    async def typed(self, chat_id: str, text: str) -> ButtonPress | None:
        """The press a typed number in ``chat_id`` makes, or None (then it is text)."""
        event = await self.typed_event(chat_id, text)
        return event if isinstance(event, ButtonPress) else None

    async def typed_event(self, chat_id: str, text: str) -> ButtonPress | Text | None:
        """What a typed number in ``chat_id`` is (:func:`typed_event`), None where no
        choice is to be typed (then it is text as any)."""
        if not is_typed_number(text) or self.backchannel(chat_id):
            return None
        newest = await self.memory.newest_sent(chat_id)
        if newest is None or not newest[1]:
            return None
        event = typed_event(text, await self.memory.buttons_of(newest[0], chat_id))
        if isinstance(event, ButtonPress):
            return replace(event, message_id=newest[0])
        return event

    async def reacted(self, chat_id: str, message_id: str, key: str) -> ButtonPress | None:
        """The press a reaction ``key`` in ``chat_id`` on ``message_id`` makes, or None
        (also when that message is in another chat: the homeserver does not check what an
        encrypted reaction names, nor does another homeserver's)."""
        data = press_for(key, await self.memory.buttons_of(message_id, chat_id))
        return ButtonPress(data=data, message_id=message_id) if data is not None else None
