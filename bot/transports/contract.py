"""What every chat transport promises, and the one way an update is taken.

A transport (connector) turns a chat service's native updates into an
:class:`~handlers.messages.Incoming` and renders each :class:`~handlers.messages.Outgoing`
its own way. Handlers never see a transport; a transport never decides anything.

**Taking an update** is the same everywhere, in :func:`take_update`:

1. ``dispatcher.handle(incoming)`` runs the handlers. The update's changes, the messages it
   queues for other people (the outbox) *and the answers to the acting person* are committed
   in one transaction: the answers are kept with the update.
2. ``answer(incoming, outgoing)`` sends those answers to the person, in the chat they wrote
   in (``Outgoing.to`` names another chat of the same platform; items for another platform
   are the outbox's, not the answer's).
3. ``dispatcher.answered(incoming, outgoing)`` marks the kept answers sent, and queues the
   answers said aloud (:class:`~handlers.messages.Speech`, never sent by ``answer``) for the
   outbox worker, which makes their audio.

A process that dies between 1 and 3 has committed the update but not sent its answers: the
transport's :meth:`ChatService.connect` sends those first (:func:`send_kept_answers`), and a
redelivery of the update by the service finds it handled and sends nothing twice.

**Delivering** is the outbox worker's (bot/delivery.py): ``deliver(chat_id, item,
edit_message_id)`` sends or edits one item and returns the service's message id, raising
:class:`~bot.transports.sending.DeliveryError` to say whether a failure is worth repeating.
``fetch_media`` hands the worker a file people sent here (a voice message) for a chat on
another service.

**Running in a city** (bot/city_service.py): ``connect`` logs in, sends kept answers and
takes no updates yet, except where the service pushes them to every process (Telegram's
webhook). Updates that must be fetched by one process at a time (Telegram's polling,
Matrix's sync) are taken under the cluster role ``update_role``, started and stopped with
``start_taking`` / ``stop_taking`` by whichever process holds it; ``update_role`` is None
where there is no such role. ``stop`` ends everything.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from bot.transports.sending import MediaSource, Sender
from handlers.dispatcher import Dispatcher
from handlers.messages import Incoming, Outgoing, shown

Answer = Callable[[Incoming, list[Outgoing]], Awaitable[None]]
# (platform, chat id) -> held while one update of that chat is handled and answered: one
# chat's updates wait for each other across processes.
ChatTurn = Callable[[str, str], AbstractAsyncContextManager[None]]


class Transport(Sender, Protocol):
    """Any transport, the console's too: it takes updates and sends answers and items."""

    platform: str
    dispatcher: Dispatcher
    # Whether this process sends on the service now; the outbox worker leaves the others'
    # items alone. Matrix sends only from the process holding its role, which has the
    # device's encryption keys (bot/transports/matrix/crypto_state.py).
    delivering: bool = True

    async def answer(self, incoming: Incoming, outgoing: list[Outgoing]) -> None:
        """Send the answers to ``incoming`` (step 2 above)."""


class ChatService(Transport, MediaSource, Protocol):
    """A transport to a chat service that a city runs (Telegram, Matrix)."""

    @property
    def update_role(self) -> str | None:
        """The cluster role under which this process takes updates, or None."""

    @property
    def pace(self) -> float | None:
        """Messages a second the service takes from this bot (all processes together), or
        None where it sets no such limit."""

    async def connect(self, chat_turn: ChatTurn | None = None) -> None:
        """Log in, and where no role is needed send kept answers and take updates."""

    async def start_taking(self) -> None:
        """Take updates (the holder of ``update_role``)."""

    async def stop_taking(self) -> None:
        """Stop taking updates (the role passed on)."""

    async def stop(self) -> None:
        """Disconnect."""


async def take_update(
    transport: Transport, incoming: Incoming, answer: Answer | None = None
) -> list[Outgoing]:
    """Handle ``incoming``, send its answers (with ``answer``, by default the transport's)
    and mark them sent: the kept-answer protocol above, the same for every transport."""
    outgoing = await transport.dispatcher.handle(incoming)
    await (answer or transport.answer)(incoming, shown(outgoing))
    await transport.dispatcher.answered(incoming, outgoing)
    return outgoing


async def send_kept_answers(transport: Transport) -> None:
    """At a transport's start: the answers it committed but did not send before it last
    stopped, sent and marked, before it takes any update."""
    await transport.dispatcher.send_kept_answers(transport.platform, transport.answer)
