"""What every chat transport promises, and the one way an update is taken.

A transport (connector) turns a chat service's native updates into an
:class:`~handlers.messages.Incoming` and renders each :class:`~handlers.messages.Outgoing`
its own way. Handlers never see a transport; a transport never decides anything.

**Taking an update** is the same everywhere, in :func:`take_update`:

1. ``updates.handle(incoming)`` runs the handlers (``updates``: the port the city hands
   every transport, handlers/channels.py ``Ports.updates``; the city's dispatcher routes).
   The update's changes, the messages it queues for other people (the outbox) *and the
   answers to the acting person* are committed in one transaction: the answers are kept
   with the update.
2. ``answer(incoming, outgoing)`` sends those answers to the person (below).
3. ``updates.answered(incoming, outgoing)`` marks the kept answers sent, and queues the
   answers said aloud (:class:`~handlers.messages.Speech`, never sent by ``answer``) for the
   outbox worker, which makes their audio.

A process that dies between 1 and 3 has committed the update but not sent its answers: the
transport's :meth:`ChatService.connect` sends those first (:func:`send_kept_answers`), and a
redelivery of the update by the service finds it handled and sends nothing twice.

**Answering** is routed here (:func:`route`, :func:`send_answers`), so that a transport
only renders: each answer goes to the chat the person wrote in (``Outgoing.to`` names
another chat of the same platform; items for another platform are the outbox's, not the
answer's and are skipped); a message that asks to ``edit`` replaces the message whose button
was pressed; what is not a message (a toast, a location, a reaction) goes *alongside* the
answer's message and does not end its numbered choices (bot/transports/numbered_choices.py);
each answer has a key of its own, the same when it is sent again after a restart
(:func:`~bot.transports.sending.answer_key`). The transport's ``send_answer`` renders one
:class:`Routed` answer and raises :class:`~bot.transports.sending.DeliveryError` when the
service refuses it: a rate limit is waited out once (at most ``RATE_LIMIT_WAIT`` seconds), an
edit refused for good is sent as a new message, any other failure is logged and the answer
dropped - the update is handled and committed, and one failed answer does not hold back the
rest.

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
where there is no such role. The phone's role is not its updates (calls come to every
process) but its call-backs, whose state is one process's memory: its holder alone
delivers the phone's items (``delivering``, bot/transports/phone/transport.py). ``stop``
ends everything.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, replace
from typing import Any, Protocol

from bot.transports.sending import DeliveryError, MediaSource, Sender, answer_key, sending
from handlers.channels import Ports
from handlers.messages import ButtonPress, Edit, Incoming, Message, Outgoing, shown

log = logging.getLogger(__name__)

# The longest wait for a service that asked to slow down, before an answer is tried again
# (once): the person waits for it, and the chat's next update waits behind it.
RATE_LIMIT_WAIT = 30.0

Answer = Callable[[Incoming, list[Outgoing]], Awaitable[None]]
# (platform, chat id) -> held while one update of that chat is handled and answered: one
# chat's updates wait for each other across processes.
ChatTurn = Callable[[str, str], AbstractAsyncContextManager[None]]


class Transport(Sender, Protocol):
    """Any transport, the console's too: it takes updates and sends answers and items."""

    platform: str
    # What the city hands it (bot/city_service.py): its way in for updates and its ports.
    city_ports: Ports
    # Whether this process sends on the service now; the outbox worker leaves the others'
    # items alone. Matrix sends only from the process holding its role, which has the
    # device's encryption keys (bot/transports/matrix/crypto_state.py); the phone places
    # call-backs only from the one holding its role (several processes on PostgreSQL).
    delivering: bool = True

    async def send_answer(self, answer: Routed) -> None:
        """Render one answer (routed by :func:`route`); raise DeliveryError."""

    async def answer(self, incoming: Incoming, outgoing: list[Outgoing]) -> None:
        """Send the answers to ``incoming`` (step 2 above)."""
        await send_answers(self, incoming, outgoing)

    def ports(self) -> Mapping[str, Any]:
        """What it places for the features, by the ``HandlerSettings`` field each fills (the
        phone's ``check_calls`` and ``bridged_calls``, handlers/channels.py): composed into
        the city's settings once, where the city is wired (bot/city_service.py
        ``composed``), never set from the transport. None by default."""
        return {}


class AccountRefused(Exception):
    """The chat service refused the bot's account when connecting (a token revoked or
    mistyped): nothing but the operator setting it anew helps, so trying again is no use
    (bot/cli/main.py leaves a further city out and serves the others)."""


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
        """Log in, and where no role is needed send kept answers and take updates; raise
        :class:`AccountRefused` where the service refuses the account."""

    async def open_for_files(self) -> None:
        """Only what ``fetch_media`` needs, for a process that runs no chat (the web alone,
        bot/file_sources.py): no updates taken, nothing sent. ``stop`` closes it."""

    async def start_taking(self) -> None:
        """Take updates (the holder of ``update_role``)."""

    async def stop_taking(self) -> None:
        """Stop taking updates (the role passed on)."""

    async def stop(self) -> None:
        """Disconnect."""


@dataclass(frozen=True)
class Routed:
    """One answer to the person acting, routed: where it goes and how.

    ``chat_id``: the chat it goes to. ``edit_message_id``: the message it replaces (the one
    whose button was pressed), None to send it anew. ``alongside``: it goes with the
    answer's message in the chat written in (a toast, a location, a reaction), so it does
    not end that message's numbered choices. ``elsewhere``: it goes to another chat than the
    one written in (the transport makes sure that chat is one it may send to). ``key``: the
    same each time this answer is sent."""

    item: Outgoing
    chat_id: str
    edit_message_id: str | None = None
    alongside: bool = False
    elsewhere: bool = False
    key: str | None = None


def route(platform: str, incoming: Incoming, outgoing: list[Outgoing]) -> list[Routed]:
    """The answers a transport of ``platform`` sends for ``incoming``, in order."""
    pressed = incoming.event.message_id if isinstance(incoming.event, ButtonPress) else None
    routed = []
    for index, item in enumerate(outgoing):
        to = getattr(item, "to", None)
        if to is not None and to.platform != platform:
            continue
        chat_id = to.chat_id if to is not None else incoming.chat_id
        here = chat_id == incoming.chat_id
        edits = isinstance(item, Message) and item.edit and here
        routed.append(
            Routed(
                item,
                chat_id,
                edit_message_id=pressed if edits else None,
                alongside=here and not isinstance(item, Message | Edit),
                elsewhere=not here,
                key=answer_key(incoming.update_id, index),
            )
        )
    return routed


async def send_answers(transport: Transport, incoming: Incoming, outgoing: list[Outgoing]) -> None:
    """Send the answers to ``incoming`` through ``transport.send_answer``, each under its
    key; a refusal is handled as the module's docstring says."""
    for answer in route(transport.platform, incoming, outgoing):
        await _send_one(transport, answer)


async def _send_one(transport: Transport, answer: Routed) -> None:
    platform = transport.platform
    try:
        await _keyed(transport, answer)
        return
    except DeliveryError as exc:
        failure = exc
    if failure.retry_after:
        await asyncio.sleep(min(failure.retry_after, RATE_LIMIT_WAIT))
    elif failure.permanent and answer.edit_message_id is not None:
        log.info("%s: an edit was refused (%s); sending a new message", platform, _why(failure))
        # Another thing sent: under a key of its own (a service may keep the refused one's).
        anew = f"{answer.key}.new" if answer.key else None
        answer = replace(answer, edit_message_id=None, key=anew)
    else:
        log.warning("%s: an answer failed (%s)", platform, _why(failure))
        return
    try:
        await _keyed(transport, answer)
    except DeliveryError as exc:
        log.warning("%s: an answer failed again (%s)", platform, _why(exc))


async def _keyed(transport: Transport, answer: Routed) -> None:
    with sending(answer.key) if answer.key else nullcontext():
        await transport.send_answer(answer)


def _why(failure: DeliveryError) -> str:
    """The kind of a failure, for the log: a service's error text may quote the message."""
    return str(failure).split(":", 1)[0][:60]


async def take_update(
    transport: Transport, incoming: Incoming, answer: Answer | None = None
) -> list[Outgoing]:
    """Handle ``incoming``, send its answers (with ``answer``, by default the transport's)
    and mark them sent: the kept-answer protocol above, the same for every transport."""
    updates = transport.city_ports.updates
    outgoing = await updates.handle(incoming)
    await (answer or transport.answer)(incoming, shown(outgoing))
    await updates.answered(incoming, outgoing)
    return outgoing


async def send_kept_answers(transport: Transport) -> None:
    """At a transport's start: the answers it committed but did not send before it last
    stopped, sent and marked, before it takes any update."""
    await transport.city_ports.updates.send_kept_answers(transport.platform, transport.answer)
