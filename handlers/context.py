"""What a handler callback gets: the update, the user, their language and the stores."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field, replace
from typing import Any, NoReturn

from markupsafe import Markup

from db import Database
from db.users import ConversationState, User
from handlers.messages import Button, Command, Incoming, Message, Outgoing, Text, Toast
from handlers.messenger import Messenger
from handlers.parsing import id_number, typed
from handlers.reader import Reader, medium_of, reader_of
from handlers.settings import HandlerSettings
from handlers.text_safety import visible
from locales import Translator

# A conversation state whose data says this (a PIN being typed, handlers/numbers/
# phone_pin.py) is not set or cleared by another's act: the person's next input is a
# secret, and goes to no other step.
KEPT = "kept"


async def _others_state(
    db: Database, user_id: int, state: str | None, data: dict[str, Any] | None = None
) -> None:
    """Someone else's conversation state set (``state``) or cleared (None), unless theirs is
    :data:`KEPT`."""
    current = await db.users.get_state(user_id)
    if current is not None and current.data.get(KEPT):
        return
    if state is None:
        await db.users.clear_state(user_id)
    else:
        await db.users.set_state(user_id, state, data or {})


@dataclass
class Backstage:
    """What a scheduled job (or a deletion no one asked for in a chat) gets instead of a
    Context: the stores, the settings and the outbox; nobody is acting, so every
    conversation state is read and written in the store."""

    db: Database
    settings: HandlerSettings

    def __post_init__(self) -> None:
        self.mail = Messenger(self.db, self.settings.backchannels)

    async def state_of(self, user_id: int) -> ConversationState | None:
        return await self.db.users.get_state(user_id)

    async def set_state_of(self, user_id: int, state: str, data: dict[str, Any]) -> None:
        await _others_state(self.db, user_id, state, data)

    async def clear_state_of(self, user_id: int) -> None:
        await _others_state(self.db, user_id, None)


class StaleButton(Exception):
    """Raised by a handler (``ctx.stale()``) for a button that is no longer valid: the
    dispatcher rolls back whatever the update did and answers in one place."""


@dataclass
class Context:
    incoming: Incoming
    user: User
    t: Translator
    db: Database
    settings: HandlerSettings
    # Set for button presses: the part of the button data after ``prefix:``.
    args: str = ""
    # Rows other features put at the top of the main menu (``router.menu_sections``, set
    # by the dispatcher): the menu shows them without importing those features.
    menu_sections: list[Callable[[Context], Awaitable[list[list[Button]]]]] = field(
        default_factory=list
    )
    # What the features declared a call that has not proven its number may do, and what
    # shows a person only her own things (``Router.unchecked``, ``Router.shows_own``, set by
    # the dispatcher): the caller check reads them, never a feature's button data.
    unchecked: Collection[str] = frozenset()
    shows_own: Collection[str] = frozenset()
    # False when the person was in no running contact as the update arrived (db/users.py
    # ``Arrival.in_contact``): the main menu's contact rows need no query then.
    in_contact: bool = True
    out: list[Outgoing] = field(default_factory=list)
    # Messages for other people: into the outbox, in this update's transaction.
    mail: Messenger = field(init=False)
    # The acting user's conversation state as JSON, read together with the user and
    # written once when the update is done, if it changed (each statement is a round trip
    # to the database thread).
    _state: tuple[str, str] | None = None
    state_changed: bool = False
    user_erased: bool = False
    # The answer of a conversation step to input it cannot use (:meth:`refuse`).
    refused: Outgoing | None = None
    # The last :attr:`reader` made, with the user and translator it was made of.
    _reader: tuple[User, Translator, Reader] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.mail = Messenger(self.db, self.settings.backchannels)

    def reply(
        self, text: Markup, buttons: list[list[Button]] | None = None, *, edit: bool = False
    ) -> None:
        self.out.append(Message(text=text, buttons=buttons or [], edit=edit))

    def refuse(self, text: Markup, buttons: list[list[Button]] | None = None) -> None:
        """The conversation step cannot use this input; ``text`` says what it wants instead.
        The dispatcher may still let another feature take the input (``Router.refused_input``:
        a running contact passes it on), and then this answer is not sent: a reply meant for
        a helper is never taken for a place or dropped, whichever step the person is in."""
        self.reply(text, buttons)
        self.refused = self.out[-1]

    def withdraw_refusal(self) -> None:
        """Another feature took the input :meth:`refuse` refused: its answer goes."""
        self.out = [item for item in self.out if item is not self.refused]
        self.refused = None

    def toast(self, text: str, *, alert: bool = False) -> None:
        self.out.append(Toast(text=text, alert=alert))

    def send(self, item: Outgoing) -> None:
        """An answer to the acting person in this chat (a document, a venue ...)."""
        if getattr(item, "to", None) is not None:
            raise ValueError("messages to someone else go through ctx.mail")
        self.out.append(item)

    def stale(self) -> NoReturn:
        """The pressed button no longer means anything: say so, change nothing."""
        raise StaleButton

    @property
    def reader(self) -> Reader:
        """Who reads the answers (handlers/reader.py), in the language they are written
        in: the person acting, in their own chat; the coordinators' group in theirs, and no
        one once the person erased themselves."""
        platform = self.incoming.sender.platform
        if self.incoming.is_private and not self.user_erased:
            # Asked several times an update (the route, the reader chain, read aloud): made
            # again only when the person or their language changed (use_language).
            known = self._reader
            if known is not None and known[0] is self.user and known[1] is self.t:
                return known[2]
            reader = replace(reader_of(self.user, on=platform), t=self.t)
            self._reader = (self.user, self.t, reader)
            return reader
        if self.incoming.is_private:
            # No one any more, yet still on their line: the last answer is said in the call
            # or texted as the medium makes it.
            return Reader(self.t, medium=medium_of(platform))
        return Reader(self.t)

    async def use_language(self, lang: str) -> None:
        await self.db.users.set_language(self.user.id, lang)
        self.user = await self.db.users.get(self.user.id) or replace(self.user, language=lang)
        self.t = reader_of(self.user, on=self.incoming.sender.platform).t

    def id_arg(self) -> int:
        """The number a button's data names after its action (``mt:acc:17`` → 17); a button
        without one is stale (forged or from an older version)."""
        found = id_number(self.args.partition(":")[0])
        if found is None:
            self.stale()
        return found

    def value_arg(self) -> str:
        """What follows the number in a button's data (``mod:rr:17:trade`` → ``trade``)."""
        return self.args.partition(":")[2]

    def number_argument(self) -> int | None:
        """The number a command names, as in ``/ban 17`` or ``/ban ۱۷`` (typed by a person, in
        the digits the bot showed it in); None if there is none."""
        event = self.incoming.event
        args = typed(event.args).split() if isinstance(event, Command) else []
        return id_number(args[0]) if args else None

    @property
    def city(self) -> str:
        """The city's name as the reader's language writes it (``HandlerSettings.city_in``)."""
        return self.settings.city_in(self.t.lang)

    def get_state(self) -> ConversationState | None:
        """The acting user's conversation state (a fresh copy: changing it changes nothing
        until :meth:`set_state`)."""
        if self._state is None:
            return None
        return ConversationState(self._state[0], json.loads(self._state[1]))

    def set_state(self, state: str, data: dict[str, Any] | None = None) -> None:
        self._state = (state, json.dumps(data or {}, ensure_ascii=False))
        self.state_changed = True

    def clear_state(self) -> None:
        self._state = None
        self.state_changed = True

    def load_state(self, state: ConversationState | None) -> None:
        """The state as stored when the update arrived (not a change)."""
        self._state = None if state is None else (state.state, json.dumps(state.data))

    async def state_of(self, user_id: int) -> ConversationState | None:
        """Someone's conversation state; the acting user's as this update left it."""
        if user_id == self.user.id:
            return self.get_state()
        return await self.db.users.get_state(user_id)

    async def set_state_of(self, user_id: int, state: str, data: dict[str, Any]) -> None:
        if user_id == self.user.id:
            self.set_state(state, data)
        else:
            await _others_state(self.db, user_id, state, data)

    async def clear_state_of(self, user_id: int) -> None:
        if user_id == self.user.id:
            self.clear_state()
        else:
            await _others_state(self.db, user_id, None)

    async def expect_text(
        self, choices: list[list[Button]] | None = None
    ) -> tuple[ConversationState, str] | None:
        """For states that wait for a text: the state and the text, or None after asking
        for a text (voice, stickers, empty messages, and a text of invisible marks alone -
        nothing anyone could read), with the step's ``choices`` where it has some."""
        state = self.get_state()
        event = self.incoming.event
        if state is None or not isinstance(event, Text) or not visible(event.text).strip():
            self.reply(self.t.t("✍️ Please send a text."), choices)
            return None
        return state, event.text.strip()

    async def pressed_in(self, prefix: str) -> tuple[str, dict[str, Any]]:
        """For a button of a conversation: the step after ``prefix`` and a copy of its data,
        or :meth:`stale` if the conversation ended or moved on."""
        state = self.get_state()
        if state is None or not state.state.startswith(prefix):
            self.stale()
        return state.state.removeprefix(prefix), dict(state.data)
