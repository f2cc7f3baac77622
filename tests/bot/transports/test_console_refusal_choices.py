"""A refused description keeps its step's choices where they are numbered (the console,
as on Matrix and SMS): the newest message is the refusal, and a typed number presses only
the newest message's choices, so a refusal without them left "1" (Cancel) pressing
nothing - it became the description's text instead."""

from __future__ import annotations

from handlers.dispatcher import Dispatcher
from locales import translator
from tests.support.terminal import Terminal, state_at_console


async def _at_the_description(dispatcher: Dispatcher, lang: str) -> Terminal:
    term = Terminal(dispatcher, dispatcher.db)
    await term.type("/start")
    await term.press(f"lang:{lang}")
    await term.press("consent:yes")
    await term.press("menu:help")
    await term.press("hr:new")
    await term.press("hr:cat:")
    return term


async def test_emoji_only_description_refused_with_cancel_still_numbered(dispatcher: Dispatcher):
    term = await _at_the_description(dispatcher, "uk")
    uk = translator("uk")
    step = await state_at_console(dispatcher)
    assert step is not None
    shown = await term.type("🛒🛒🛒")
    assert await state_at_console(dispatcher) == step  # refused, the step kept
    assert f"[1] ✖️ {uk._('Cancel')}" in shown  # the choice comes with the refusal
    await term.type("1")  # presses Cancel, not a description "1"
    assert await state_at_console(dispatcher) is None


async def test_a_number_beyond_the_days_is_asked_again_with_the_days(dispatcher: Dispatcher):
    """ "9" on the seven days and Back: the day step takes text (a written day) and asked
    its question again without the days, so the next "1" was text too, refused again."""
    term = await _at_the_description(dispatcher, "tr")
    await term.type("Alışverişte yardıma ihtiyacım var")
    await term.type("44137")
    await term.press("hr:when:date")
    step = await state_at_console(dispatcher)
    shown = await term.type("9")
    assert await state_at_console(dispatcher) == step
    assert "[1] 📅" in shown  # the days come with the question again
    await term.type("1")  # the first day, pressed
    assert await state_at_console(dispatcher) != step


async def test_a_place_or_day_not_found_keeps_the_steps_choices(dispatcher: Dispatcher):
    """A postcode nobody knows and a day that does not exist are refused with the step's
    choices (Cancel; the days and Back), so a typed number still presses one of them."""
    term = await _at_the_description(dispatcher, "de")
    de = translator("de")
    await term.type("Ich brauche Hilfe beim Einkaufen")
    shown = await term.type("99999")
    assert f"✖️ {de._('Cancel')}" in shown
    await term.type("44137")
    await term.press("hr:when:date")
    step = await state_at_console(dispatcher)
    shown = await term.type("31.02.")
    assert await state_at_console(dispatcher) == step
    assert "[1] 📅" in shown
