"""Numbered choices (bot/transports/numbered_choices.py): which button a typed number, a
keypress or a reaction presses, the same on every transport without buttons - kept in
memory (the console) and in the database (Matrix, and what a restart finds there)."""

from __future__ import annotations

import json

import pytest
from markupsafe import Markup

from bot.transports.numbered_choices import InMemory, Memory, NumberedChoices, press_for
from db import Database
from handlers.messages import (
    SPOKEN,
    Button,
    ButtonPress,
    Edit,
    Message,
    Toast,
    Venue,
    Voice,
)

ROOM, GROUP = "!room", "!coordinators"
MENU = Message(
    Markup("🏠 Main menu"),
    [
        [Button("📍 Find a place", "menu:places"), Button("🤝 Ask for help", "menu:help")],
        [Button("🗺 Map", url="https://karte.example.org/")],
        [Button("⚙️ Settings", "menu:settings")],
    ],
)


@pytest.fixture(params=["memory", "database"])
def memory(request: pytest.FixtureRequest, db: Database) -> Memory:
    return InMemory() if request.param == "memory" else db.transport_state


@pytest.fixture
def chosen(memory: Memory) -> NumberedChoices:
    return NumberedChoices(memory, lambda chat_id: chat_id == GROUP)


async def test_a_typed_number_presses_a_choice_of_the_newest_message(chosen: NumberedChoices):
    typed = await chosen.typing(ROOM, MENU)
    await chosen.sent(ROOM, "$menu", MENU, typed=typed)
    # A link (the map) has no number: 3 is Settings.
    assert await chosen.typed(ROOM, "3") == ButtonPress("menu:settings", message_id="$menu")
    assert await chosen.typed(ROOM, " 2 ") == ButtonPress("menu:help", message_id="$menu")
    assert await chosen.typed(ROOM, "4") is None  # no fourth choice: it is text
    assert await chosen.typed(ROOM, "Hörde") is None
    assert await chosen.typed("!elsewhere", "1") is None


@pytest.mark.parametrize("key", ["۲", "٢", "\u200f۲", "\u2068٢\u2069"])
async def test_native_digits_press_too(chosen: NumberedChoices, key: str):
    await chosen.sent(ROOM, "$menu", MENU, typed=await chosen.typing(ROOM, MENU))
    assert await chosen.typed(ROOM, key) == ButtonPress("menu:help", message_id="$menu")


async def test_a_later_message_ends_the_typed_choices(chosen: NumberedChoices):
    await chosen.sent(ROOM, "$menu", MENU, typed=await chosen.typing(ROOM, MENU))
    # What goes alongside the answer's message, and the message's own voice read aloud
    # (it names the buttons), leave its numbers typed.
    await chosen.sent(ROOM, "$toast", Toast("✓"), alongside=True)
    await chosen.sent(ROOM, "$spoken", Voice("", SPOKEN, content=b"ogg"))
    assert await chosen.typed(ROOM, "1") == ButtonPress("menu:places", message_id="$menu")
    # So does a line that goes beside it (Matrix: sent from a device not confirmed).
    beside = Message(Markup("🔐 Your last message came from ..."), typed_choices=False, beside=True)
    await chosen.sent(ROOM, "$beside", beside, typed=await chosen.typing(ROOM, beside))
    assert await chosen.typed(ROOM, "1") == ButtonPress("menu:places", message_id="$menu")
    # A relayed message ("how many crates?"): a number after it is the answer, not a press.
    relayed = Message(Markup("Vera: how many crates?"), typed_choices=False)
    await chosen.sent(ROOM, "$relayed", relayed, typed=await chosen.typing(ROOM, relayed))
    assert await chosen.typed(ROOM, "1") is None
    # A location sent on its own ends them too.
    await chosen.sent(ROOM, "$menu2", MENU, typed=await chosen.typing(ROOM, MENU))
    await chosen.sent(ROOM, "$venue", Venue(51.5, 7.4))
    assert await chosen.typed(ROOM, "1") is None
    # A reaction on the menu still presses, whatever came after it.
    assert await chosen.reacted(ROOM, "$menu", "1️⃣") == ButtonPress(
        "menu:places", message_id="$menu"
    )


async def test_a_reaction_presses_only_in_the_chat_of_its_message(chosen: NumberedChoices):
    """A reaction names its message by id alone, and neither an encrypted reaction's
    homeserver nor another homeserver checks that the message is in the same room: one on a
    message of another chat (the coordinators' post, someone else's offer) presses nothing."""
    offer = Message(Markup("🔔 Someone needs help"), [[Button("🙋 I can help", "mt:acc:7")]])
    await chosen.sent(ROOM, "$offer", offer)
    await chosen.sent(GROUP, "$post", MENU)
    assert await chosen.reacted("!mallory", "$offer", "1️⃣") is None
    assert await chosen.reacted(ROOM, "$post", "1️⃣") is None
    assert await chosen.reacted(ROOM, "$offer", "1️⃣") == ButtonPress("mt:acc:7", message_id="$offer")


async def test_typed_numbers_are_never_presses_in_the_backchannel(chosen: NumberedChoices):
    assert not await chosen.typing(GROUP, MENU)
    await chosen.sent(GROUP, "$post", MENU, typed=True)  # as an older version might have noted
    assert await chosen.typed(GROUP, "1") is None
    assert await chosen.reacted(GROUP, "$post", "✅") is None
    assert await chosen.reacted(GROUP, "$post", "🤝") == ButtonPress(
        "menu:help", message_id="$post"
    )


async def test_an_edit_takes_typed_numbers_only_as_the_newest_message(chosen: NumberedChoices):
    offer = Message(Markup("🔔 Someone needs help"), [[Button("🙋 I can help", "mt:acc:7")]])
    await chosen.sent(ROOM, "$offer", offer, typed=await chosen.typing(ROOM, offer))
    taken = Edit(1, Markup("🔔 Taken"), [[Button("↩️ Back", "mt:back:7")]])
    assert await chosen.typing(ROOM, taken, "$offer")  # the newest, typed: stays typed
    await chosen.sent(ROOM, "$edit1", taken, edit_id="$offer", typed=True)
    assert await chosen.typed(ROOM, "1") == ButtonPress("mt:back:7", message_id="$offer")
    assert await chosen.reacted(ROOM, "$offer", "1") == ButtonPress(
        "mt:back:7", message_id="$offer"
    )
    # The menu came after: an edit of the older offer does not take its numbers.
    await chosen.sent(ROOM, "$menu", MENU, typed=await chosen.typing(ROOM, MENU))
    assert not await chosen.typing(ROOM, taken, "$offer")
    # Edited to have no buttons, the offer presses nothing any more.
    gone = Edit(1, Markup("🔔 Closed"))
    await chosen.sent(ROOM, "$edit2", gone, edit_id="$offer", typed=False)
    assert await chosen.reacted(ROOM, "$offer", "1️⃣") is None
    assert await chosen.typed(ROOM, "1") is None


async def test_a_reaction_names_a_choice_by_keycap_number_or_emoji(chosen: NumberedChoices):
    await chosen.sent(ROOM, "$menu", MENU)
    assert await chosen.reacted(ROOM, "$menu", "2️⃣") == ButtonPress("menu:help", message_id="$menu")
    assert await chosen.reacted(ROOM, "$menu", "⚙") == ButtonPress(
        "menu:settings", message_id="$menu"
    )
    assert await chosen.reacted(ROOM, "$menu", "🗺") is None  # the link is no choice
    assert await chosen.reacted(ROOM, "$menu", "👍") is None
    assert await chosen.reacted(ROOM, "$unknown", "1️⃣") is None
    assert press_for("①", [("one", "a:1")]) is None


async def test_what_matrix_kept_before_is_read(db: Database):
    """The keys Matrix wrote before the rules had a module of their own still count: a
    typed number after an update presses the menu shown before it."""
    state = db.transport_state
    await state.set("matrix.newest:!r", json.dumps({"event": "$menu", "typed": True}))
    await state.remember_buttons("$menu", "!r", [("📍 Find a place", "menu:places")])
    chosen = NumberedChoices(state, lambda chat_id: False)
    assert await chosen.typed("!r", "1") == ButtonPress("menu:places", message_id="$menu")
