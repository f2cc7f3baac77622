"""What a handler callback gets: the update, the user, their language and the stores."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup

from db import Database
from db.users import ConversationState, User
from handlers.model import Button, Command, Incoming, Message, Outgoing, Text, Toast, encode
from handlers.settings import HandlerSettings
from locales import DEFAULT_LANGUAGE, Translator, translator


@dataclass
class Context:
    incoming: Incoming
    user: User
    t: Translator
    db: Database
    settings: HandlerSettings
    # Set for button presses: the part of the button data after ``prefix:``.
    args: str = ""
    out: list[Outgoing] = field(default_factory=list)
    # Messages queued straight into the outbox by this update (see queue()).
    queued: int = 0

    def reply(
        self, text: Markup, buttons: list[list[Button]] | None = None, *, edit: bool = False
    ) -> None:
        self.out.append(Message(text=text, buttons=buttons or [], edit=edit))

    def toast(self, text: str, *, alert: bool = False) -> None:
        self.out.append(Toast(text=text, alert=alert))

    def send(self, item: Outgoing) -> None:
        self.out.append(item)

    async def queue(self, item: Outgoing, not_before: datetime | None = None) -> int:
        """Put a message for someone else into the outbox now and return its id, for when a
        later change must edit it. Commits with this update, like :meth:`send`."""
        recipient = getattr(item, "to", None)
        assert recipient is not None
        self.queued += 1
        return await self.db.outbox.enqueue(
            recipient.platform, recipient.chat_id, encode(item), not_before
        )

    @staticmethod
    def translator_for(user: User) -> Translator:
        """Messages to another person are written in that person's language."""
        return translator(user.language or DEFAULT_LANGUAGE)

    async def use_language(self, lang: str) -> None:
        await self.db.users.set_language(self.user.id, lang)
        self.t = translator(lang)
        self.user = await self.db.users.get(self.user.id) or self.user

    def number_argument(self) -> int | None:
        """The number a command names, as in ``/ban 17``; None if there is none."""
        event = self.incoming.event
        args = event.args.split() if isinstance(event, Command) else []
        return int(args[0]) if args and args[0].isdigit() else None

    async def expect_text(self) -> tuple[ConversationState, str] | None:
        """For states that wait for a text: the state and the text, or None after asking
        for a text (voice, stickers, empty messages)."""
        state = await self.db.users.get_state(self.user.id)
        event = self.incoming.event
        if state is None or not isinstance(event, Text) or not event.text.strip():
            self.reply(self.t.t("✍️ Please send a text."))
            return None
        return state, event.text.strip()

    async def pressed_in(self, prefix: str) -> tuple[str, dict[str, Any]] | None:
        """For a button of a conversation: the step after ``prefix`` and a copy of its data,
        or None after saying the button is stale (the conversation ended or moved on)."""
        state = await self.db.users.get_state(self.user.id)
        if state is None or not state.state.startswith(prefix):
            self.toast(self.t._("This button is no longer valid."))
            return None
        return state.state.removeprefix(prefix), dict(state.data)

    async def set_state(self, state: str, data: dict[str, Any] | None = None) -> None:
        await self.db.users.set_state(self.user.id, state, data)

    async def clear_state(self) -> None:
        await self.db.users.clear_state(self.user.id)
