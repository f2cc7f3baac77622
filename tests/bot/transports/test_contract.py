"""The transport contract's answering (bot/transports/contract.py): where each answer goes
and how (:func:`route`), and what happens when a service refuses one (:func:`send_answers`);
a transport only renders."""

from __future__ import annotations

import io

from markupsafe import Markup

from bot.transports.console import ConsoleTransport
from bot.transports.contract import Routed, route, send_answers
from bot.transports.sending import DeliveryError, answer_key, send_key
from handlers.dispatcher import Dispatcher
from handlers.messages import (
    Button,
    ButtonPress,
    Incoming,
    Message,
    Outgoing,
    React,
    Recipient,
    Sender,
    Text,
    Toast,
    Venue,
)

PRESS = Incoming(
    Sender("matrix", "@amira:example.org"),
    "!room",
    ButtonPress("mt:acc:7", message_id="$offer"),
    update_id="$press",
)


def test_each_answer_is_routed_to_its_chat_and_way():
    taken = Message(Markup("✅ Taken"), edit=True)
    toast = Toast("👍")
    telegram_only = Message(Markup("for Telegram"), to=Recipient("telegram", "42"))
    other_room = Message(Markup("to the group"), edit=True, to=Recipient("matrix", "!group"))
    venue = Venue(51.5, 7.4)
    routed = route("matrix", PRESS, [taken, toast, telegram_only, other_room, venue])
    assert routed == [
        # The answer's message replaces the message whose button was pressed.
        Routed(taken, "!room", edit_message_id="$offer", key=answer_key("$press", 0)),
        # What is not a message goes alongside it.
        Routed(toast, "!room", alongside=True, key=answer_key("$press", 1)),
        # Another platform's item is skipped (the outbox's); another chat gets a new message.
        Routed(other_room, "!group", elsewhere=True, key=answer_key("$press", 3)),
        Routed(venue, "!room", alongside=True, key=answer_key("$press", 4)),
    ]
    typed = Incoming(Sender("console", "amira"), "amira", Text("hi"))
    [answer] = route("console", typed, [taken])
    assert answer == Routed(taken, "amira")  # nothing was pressed: nothing to replace


class Refusing:
    """A transport whose service refuses the first tries of each answer as planned."""

    platform = "matrix"

    def __init__(self, *refusals: DeliveryError) -> None:
        self.refusals = list(refusals)
        self.tries: list[tuple[str, str | None, str | None]] = []

    async def send_answer(self, answer: Routed) -> None:
        self.tries.append(
            (str(getattr(answer.item, "text", "")), answer.edit_message_id, send_key())
        )
        if self.refusals:
            raise self.refusals.pop(0)


async def _send(transport: Refusing, outgoing: list[Outgoing]) -> None:
    await send_answers(transport, PRESS, outgoing)  # type: ignore[arg-type]


async def test_an_edit_refused_for_good_comes_as_a_new_message():
    transport = Refusing(DeliveryError("M_FORBIDDEN", permanent=True))
    await _send(transport, [Message(Markup("✅ Taken"), edit=True)])
    key = answer_key("$press", 0)
    assert transport.tries == [
        ("✅ Taken", "$offer", f"{key}.1"),
        ("✅ Taken", None, f"{key}.new.1"),
    ]


async def test_a_rate_limit_is_waited_out_once():
    transport = Refusing(
        DeliveryError("rate limited", retry_after=0.01),
        DeliveryError("rate limited", retry_after=0.01),
    )
    await _send(transport, [Message(Markup("one")), Message(Markup("two"))])
    # "one" is tried again once and then dropped; "two" still goes.
    assert [text for text, _, _ in transport.tries] == ["one", "one", "two"]


async def test_a_failed_answer_does_not_hold_back_the_rest(caplog):
    transport = Refusing(DeliveryError("M_UNKNOWN: Vera's words"), DeliveryError("busy"))
    await _send(transport, [Message(Markup("one")), React("$m", "✅"), Message(Markup("three"))])
    assert [text for text, _, _ in transport.tries] == ["one", "", "three"]
    assert "M_UNKNOWN" in caplog.text and "Vera" not in caplog.text


async def test_the_console_shows_no_answer_meant_for_another_platform(dispatcher: Dispatcher):
    out = io.StringIO()
    console = ConsoleTransport(dispatcher.ports, stdin=io.StringIO(), stdout=out, user="amira")
    incoming = Incoming(Sender("console", "amira"), "amira", Text("hi"))
    await console.answer(
        incoming,
        [
            Message(Markup("for Telegram"), to=Recipient("telegram", "42")),
            Message(Markup("for Ben"), to=Recipient("console", "ben")),
            Message(Markup("for you"), [[Button("📍 Find a place", "menu:places")]]),
        ],
    )
    assert out.getvalue().splitlines() == [
        "[ben] for Ben",
        "",
        "for you",
        "[1] 📍 Find a place",
        "",
    ]
