"""Issue 77, point 7, played in the console (the real console connector and its outbox
worker, as in ``make demo``) in a city that publishes returning requesters at once: a new
account presses "done" a minute after the volunteer took its request; its next request,
with a phone number and a payment link, waits for review, and the coordinators' post says
why first."""

from __future__ import annotations

from dataclasses import replace

from bot.transports.console import BACKCHANNEL
from db import Database
from handlers.dispatcher import Dispatcher
from handlers.helping.returning import HELD_FLAGGED
from handlers.helping.warnings import LINK, NAMES, NUMBER
from locales import DEFAULT_LANGUAGE, translator
from tests.support.terminal import Terminal

PAY = "Bitte rufen Sie 0171 2345678 an und zahlen Sie vorab: https://pay.example.com/x"


async def _ask(term: Terminal, text: str) -> str:
    await term.type("/menu")
    return await term.asks(text)


async def test_one_press_of_done_publishes_nothing_at_once(dispatcher: Dispatcher, db: Database):
    dispatcher.settings = replace(
        dispatcher.settings,
        backchannels=frozenset({("console", BACKCHANNEL)}),
        publish_at_once=frozenset({"returning"}),
    )
    term = Terminal(dispatcher, db)
    cora = await db.users.seen("console", "cora", "cora", "Cora")
    await db.users.grant_role(cora.id, "coordinator")
    await term.volunteers("vera")

    # A new account asks, Cora publishes, Vera takes it, and "done" comes a minute later.
    await term.started("mallory", "de")
    await _ask(term, "Ich brauche Hilfe beim Einkaufen")
    await term.type(":as cora", ":group")
    await term.press("mod:ok:")
    await term.type(":private", ":as vera")
    await term.press("mt:acc:")
    await term.type(":as mallory")
    await term.press("rl:done:")
    await term.press("rl:doney:")
    mallory = await db.users.find("console", "mallory")
    (first,) = await db.requests.for_requester(mallory.id)
    assert (await db.requests.get(first.id)).state == "done"

    # The next request, with a phone number and a payment link: not published.
    shown = await _ask(term, PAY)
    second = max(r.id for r in await db.requests.for_requester(mallory.id))
    assert (await db.requests.get(second)).state == "review"
    assert f"[{BACKCHANNEL}]" in shown  # its review post, with the decision buttons
    t = translator(DEFAULT_LANGUAGE)
    held = t.t(HELD_FLAGGED, found=t.list_of([t._(NAMES[NUMBER]), t._(NAMES[LINK])]))
    post = shown[shown.index(f"[{BACKCHANNEL}]") :]
    assert str(held) in post, post
    assert post.index(str(held)) < post.index(f"#{second}")  # said first
    assert "mt:acc" not in shown and "[vera]" not in shown  # nobody was offered it
