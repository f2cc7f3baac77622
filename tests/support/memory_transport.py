"""An in-memory transport for handler unit tests: say something, get the answers back."""

from __future__ import annotations

import itertools

from bot.delivery import OutboxWorker, Speaker
from handlers.dispatcher import Dispatcher
from handlers.messages import (
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
    """Also an outbox sender: what the bot sends to other people lands in ``inbox[chat]``."""

    def __init__(
        self, dispatcher: Dispatcher, platform: str = "memory", speaker: Speaker | None = None
    ) -> None:
        self.dispatcher = dispatcher
        self.platform = platform
        self._ids = itertools.count(1)
        self.inbox: dict[str, list[Outgoing]] = {}
        # Senders who come withheld (a caller without a number: ``Sender.withheld``).
        self.withheld: set[str] = set()
        # Senders whose call claims a number unchecked (``Sender.claims``): sender -> number.
        self.claims: dict[str, str] = {}
        # Senders whose call is checked (``Sender.checked``: a call-back its holder confirmed).
        self.checked: set[str] = set()
        # Of those, senders whose call its person's PIN proved (``Sender.pin_proven``).
        self.pin_proven: set[str] = set()
        # The dispatcher's reader chain, as a running city shares it (bot/city_service.py).
        self.worker = OutboxWorker(dispatcher.db, [self], speaker=speaker, chain=dispatcher.chain)

    def _name(self, user: str) -> str:
        """The name a sender comes with: none on a number platform (a caller ID, an SMS
        sender carry no name, as the phone and SMS transports send them; a first name there
        is one a coordinator entered, which counts as the person's data)."""
        return "" if self.platform in ("phone", "sms") else user.title()

    async def deliver(
        self, chat_id: str, item: Outgoing, edit_message_id: str | None = None
    ) -> str | None:
        self.inbox.setdefault(chat_id, []).append(item)
        return f"{chat_id}-{len(self.inbox[chat_id])}"

    async def flush(self) -> None:
        """Deliver everything queued, as the worker would."""
        await self.worker.run_once()

    def received(self, chat_id: str) -> str:
        return readable(
            "\n".join(str(getattr(item, "text", "")) for item in self.inbox.get(chat_id, []))
        )

    def last(self, chat_id: str) -> Outgoing:
        return self.inbox[chat_id][-1]

    async def in_group(self, user: str, event: Event, chat: str = "coordinators") -> list[Outgoing]:
        incoming = Incoming(
            Sender(self.platform, user, self._name(user)),
            chat_id=chat,
            event=event,
            update_id=str(next(self._ids)),
            is_private=False,
        )
        return await self._handle(incoming)

    async def send(
        self, user: str, event: Event, hint: str | None = None, private: bool = True
    ) -> list[Outgoing]:
        incoming = Incoming(
            Sender(
                self.platform,
                user,
                self._name(user),
                hint,
                withheld=user in self.withheld,
                claims=self.claims.get(user, ""),
                checked=user in self.checked,
                pin_proven=user in self.pin_proven,
            ),
            chat_id=user,
            event=event,
            update_id=str(next(self._ids)),
            is_private=private,
        )
        return await self._handle(incoming)

    async def _handle(self, incoming: Incoming) -> list[Outgoing]:
        """As a real transport: handle, then confirm the answers were sent."""
        out = await self.dispatcher.handle(incoming)
        await self.dispatcher.answered(incoming, out)
        return out

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


# Every user value is wrapped in invisible bidi isolates, and ar/fa lines of values only
# start with a right-to-left mark; tests read the text as a person sees it.
_ISOLATES = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069\u200f"))


def readable(text: str) -> str:
    return text.translate(_ISOLATES)


def texts(out: list[Outgoing]) -> str:
    return readable("\n".join(str(m.text) for m in messages(out)))


def button_data(out: list[Outgoing]) -> list[str]:
    return [b.data for m in messages(out) for row in m.buttons for b in row]
