"""An in-memory transport for handler unit tests: say something, get the answers back."""

from __future__ import annotations

import itertools

from handlers.dispatcher import Dispatcher
from handlers.model import (
    ButtonPress,
    Command,
    Event,
    Incoming,
    Location,
    Media,
    Message,
    Outgoing,
    Sender,
    Text,
)


class MemoryTransport:
    def __init__(self, dispatcher: Dispatcher, platform: str = "memory") -> None:
        self.dispatcher = dispatcher
        self.platform = platform
        self._ids = itertools.count(1)

    async def send(
        self, user: str, event: Event, hint: str | None = None, private: bool = True
    ) -> list[Outgoing]:
        incoming = Incoming(
            Sender(self.platform, user, user, hint),
            chat_id=user,
            event=event,
            update_id=str(next(self._ids)),
            is_private=private,
        )
        return await self.dispatcher.handle(incoming)

    async def text(self, user: str, text: str, hint: str | None = None) -> list[Outgoing]:
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            return await self.send(user, Command(name, args), hint)
        return await self.send(user, Text(text), hint)

    async def press(self, user: str, data: str, hint: str | None = None) -> list[Outgoing]:
        return await self.send(user, ButtonPress(data, message_id="1"), hint)

    async def location(self, user: str, lat: float, lon: float) -> list[Outgoing]:
        return await self.send(user, Location(lat, lon))

    async def media(self, user: str, kind: str = "voice") -> list[Outgoing]:
        return await self.send(user, Media(kind=kind))  # type: ignore[arg-type]

    async def onboard(self, user: str, lang: str = "en") -> list[Outgoing]:
        """Run a new user through /start, language choice and consent."""
        await self.text(user, "/start")
        await self.press(user, f"lang:{lang}")
        return await self.press(user, "consent:yes")


def messages(out: list[Outgoing]) -> list[Message]:
    return [item for item in out if isinstance(item, Message)]


def texts(out: list[Outgoing]) -> str:
    return "\n".join(str(m.text) for m in messages(out))


def button_data(out: list[Outgoing]) -> list[str]:
    return [b.data for m in messages(out) for row in m.buttons for b in row]
