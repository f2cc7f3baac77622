"""The step-form helper (handlers/forms/step_form.py) on a form of its own: how a step is asked,
what happens to input it does not take, buttons of another step, the next step, Skip and
Cancel.
The four real forms are tested through their stories (help, volunteers, events, places)."""

from __future__ import annotations

from typing import Any

import pytest
from markupsafe import Markup

from db import Database
from handlers import build_router
from handlers.context import Context
from handlers.dispatcher import Dispatcher
from handlers.forms.step_form import Answer, Step, StepForm, ask_again
from handlers.messages import Button, Text, Toast
from handlers.settings import HandlerSettings
from tests.support.memory_transport import MemoryTransport, button_data, messages, texts

CANCELLED = "✖️ Cancelled. Nothing was changed."
# Refusals of the name step with no buttons of their own, and with a suggestion and the
# step's own Cancel.
REFUSALS = {
    "nobody": [],
    "Bo?": [[Button("Bo", "toy:guess:Bo")], [Button("✖️ Cancel", "toy:cancel")]],
}


def _colours(_ctx: Context, draft: dict[str, Any]) -> list[list[Button]]:
    return [[Button(c, f"toy:c:{c}") for c in ("red", "blue")], [Button("ok", "toy:ok")]]


async def _colour(ctx: Context, answer: Answer) -> None:
    answer.draft["colour"] = ctx.args
    FORM.ask(ctx, "colour", answer.data)


async def _colour_done(ctx: Context, answer: Answer) -> None:
    FORM.ask(ctx, FORM.following(answer.step, skip=answer.data.get("given", ())), answer.data)


async def _name(ctx: Context, answer: Answer) -> None:
    event = ctx.incoming.event
    if not isinstance(event, Text):
        await ask_again(ctx, answer)
        return
    if event.text in REFUSALS:
        ctx.refuse(Markup("No such name."), REFUSALS[event.text])
        return
    answer.draft["name"] = event.text
    FORM.ask(ctx, FORM.following(answer.step), answer.data)


def _summary(ctx: Context, data: dict[str, Any]) -> None:
    ctx.reply(ctx.t.format("{colour} {name}", **data["toy"]))


FORM = StepForm(
    prefix="toy",
    state="toy.",
    draft="toy",
    cancelled=CANCELLED,
    steps={
        "colour": Step(
            "Which colour?",
            buttons=_colours,
            presses={"c": _colour, "ok": _colour_done},
            redraw=True,
            next="name",
        ),
        "name": Step("Which name?", takes=_name, location=True, skip=True, next="summary"),
        "summary": Step(show=_summary),
    },
)


@pytest.fixture
async def toy(db: Database, settings: HandlerSettings) -> MemoryTransport:
    router = build_router()
    FORM.register(router)

    @router.command("toy", "a form for the test")
    async def start(ctx: Context) -> None:
        given = ["name"] if ctx.number_argument() else []
        FORM.ask(ctx, "colour", {"toy": {"colour": "none", "name": "-"}, "given": given})

    chat = MemoryTransport(Dispatcher(db, router, settings))
    await chat.onboard("ann")
    return chat


async def _state(db: Database) -> tuple[str, dict[str, Any]] | None:
    user = await db.users.find("memory", "ann")
    assert user is not None
    state = await db.users.get_state(user.id)
    return None if state is None else (state.state, state.data)


async def test_a_step_is_asked_with_its_buttons_and_cancel(toy: MemoryTransport, db: Database):
    out = await toy.text("ann", "/toy")
    assert texts(out) == "Which colour?"
    assert button_data(out) == ["toy:c:red", "toy:c:blue", "toy:ok", "toy:cancel"]
    assert not messages(out)[0].edit
    # A toggle asks the same step again, in place of the pressed message.
    out = await toy.press("ann", "toy:c:red")
    assert messages(out)[0].edit and texts(out) == "Which colour?"
    assert await _state(db) == ("toy.colour", {"toy": {"colour": "red", "name": "-"}, "given": []})


async def test_input_a_step_does_not_take(toy: MemoryTransport, db: Database):
    await toy.text("ann", "/toy")
    out = await toy.text("ann", "green")
    assert texts(out) == "👆 Please pick one of the choices above."
    await toy.press("ann", "toy:ok")
    out = await toy.media("ann")
    # The question again, with its buttons: where choices are numbered, a typed number
    # presses only the newest message's.
    assert texts(out) == "Which name?" and button_data(out) == ["toy:skip", "toy:cancel"]
    assert (await _state(db) or ("",))[0] == "toy.name"


async def test_every_refusal_at_a_step_shows_its_choices(toy: MemoryTransport):
    """The dispatcher adds the step's choices to a refusal there (``Router.with_choices``),
    after the refusal's own and without the ones it holds: a refusal without them left a
    typed "1" (Cancel, where choices are numbered) pressing nothing. Before, each refusal
    had to add them itself, and one that did not showed none."""
    await toy.text("ann", "/toy")
    await toy.press("ann", "toy:ok")
    out = await toy.text("ann", "nobody")
    assert texts(out) == "No such name." and button_data(out) == ["toy:skip", "toy:cancel"]
    out = await toy.text("ann", "Bo?")
    assert button_data(out) == ["toy:guess:Bo", "toy:cancel", "toy:skip"]


async def test_a_button_of_another_step_changes_nothing(toy: MemoryTransport, db: Database):
    await toy.text("ann", "/toy")
    await toy.press("ann", "toy:ok")
    before = await _state(db)
    out = await toy.press("ann", "toy:c:blue")
    assert out == [Toast("This button is no longer valid.")]
    assert await _state(db) == before


async def test_the_steps_follow_the_table(toy: MemoryTransport, db: Database):
    await toy.text("ann", "/toy")
    await toy.press("ann", "toy:c:blue")
    out = await toy.press("ann", "toy:ok")
    assert texts(out) == "Which name?"
    assert button_data(out) == ["toy:skip", "toy:cancel"]
    assert messages(out)[0].request_location == "📍 Share my location"
    out = await toy.text("ann", "Bo")
    assert texts(out) == "blue Bo"
    assert (await _state(db) or ("",))[0] == "toy.summary"
    # Steps answered before the form began are passed over.
    await toy.text("ann", "/toy 1")
    out = await toy.press("ann", "toy:ok")
    assert texts(out) == "none -"


async def test_skip_moves_on_without_an_answer(toy: MemoryTransport, db: Database):
    await toy.text("ann", "/toy")
    out = await toy.press("ann", "toy:skip")
    assert out == [Toast("This button is no longer valid.")]
    await toy.press("ann", "toy:ok")
    out = await toy.press("ann", "toy:skip")
    assert texts(out) == "none -"


async def test_cancel_ends_the_form_in_any_step(toy: MemoryTransport, db: Database):
    await toy.text("ann", "/toy")
    await toy.press("ann", "toy:ok")
    out = await toy.press("ann", "toy:cancel")
    assert texts(out) == CANCELLED and messages(out)[0].edit
    assert button_data(out) == ["menu:main"]
    assert await _state(db) is None
