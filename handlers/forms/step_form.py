"""One way to walk a person through a form, a step at a time: the help request, the
volunteer profile, event and place editing.

A form is a table of its steps, in the spirit of python-telegram-bot's ConversationHandler:
each step says how it is asked (a question and its buttons, or a summary that shows
itself), what it takes (button actions, free input) and which step comes next. The draft
lives in the conversation state ``<state><step>`` (the form's own key in the state data), so
a restart continues at the same step. Every step gets the form's Cancel button
(``<prefix>:cancel``), an optional one a Skip button (``<prefix>:skip``). A step whose
answer is a number gives its choices their values (``Button.value``: a distance, a count),
and a typed number is read as that number, where choices are numbered too
(``Router.read_typed``); typed input a step does not take is answered "pick one of the
choices above" (buttons, or numbered choices), with them, and input a step cannot use
gets its question again (:func:`ask_again`), with them too (numbered choices press only the
newest message's).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from handlers import ui
from handlers.context import Context
from handlers.messages import Button, ButtonPress, Message
from handlers.router import Callback, Router
from locales import Translator


@dataclass
class Answer:
    """A button pressed or input sent in a step: the step, a copy of the state data and
    the draft inside it (changing them changes nothing until the next step is asked), and
    the form, for a step written once for several forms (handlers/forms/language_choice.py)."""

    step: str
    data: dict[str, Any]
    draft: dict[str, Any]
    form: StepForm


Take = Callable[[Context, Answer], Awaitable[None]]


def location_request(t: Translator, buttons: bool) -> tuple[str, Markup | None]:
    """A step's "📍 Share my location" button, and - with other ``buttons`` - the line they
    stand under where they cannot stand beside it (Telegram): Skip and Cancel stay
    pressable. Its question and every refusal at it (``Router.located``) carry both."""
    return "📍 " + t._("Share my location"), t.t("👇 Or without a location:") if buttons else None


async def ask_again(ctx: Context, answer: Answer) -> None:
    """Input the step cannot use: its question again, with the step's buttons (the
    dispatcher adds them to every refusal at a step, ``Router.with_choices``) - where
    choices are numbered a typed number presses only the newest message's, and a question
    without them left "1" text as well, refused again and again."""
    ctx.refuse(answer.form.steps[answer.step].asked(ctx.t))


@dataclass(frozen=True)
class Step:
    # The question (marked with N_); a step that shows itself (``show``) has none.
    question: str = ""
    # The step's own buttons, above Cancel, from the draft.
    buttons: Callable[[Context, dict[str, Any]], list[list[Button]]] | None = None
    # Button actions valid in this step (``<prefix>:<action>[:args]``; ``ctx.args``).
    presses: dict[str, Take] = field(default_factory=dict)
    # Free input (text, voice, location); None: the step is answered with its buttons.
    takes: Take | None = None
    # The step after this one.
    next: str = ""
    # Optional: a Skip button moves on without an answer.
    skip: bool = False
    # Offer "share my location" (where the platform has such a button).
    location: bool = False
    # The step takes a spoken answer; who will hear it (marked with N_, ``Message.recorded``).
    recorded: str = ""
    # Asked after a button press, the question replaces the pressed message (toggle lists).
    redraw: bool = False
    # False: a follow-up question asked at once, without buttons.
    cancel: bool = True
    # A step that is not one question (a summary to check, a choice of fields).
    show: Callable[[Context, dict[str, Any]], None] | None = None
    # The question's values in the reader's formats (an example start, isolated in ar/fa).
    values: Callable[[Translator], dict[str, Any]] | None = None

    def asked(self, t: Translator) -> Markup:
        """The question in the reader's words, with its values."""
        return t.t(self.question, **(self.values(t) if self.values else {}))


@dataclass(frozen=True)
class StepForm:
    """A form: its button prefix, its state prefix and its table of steps; ``register``
    puts them into the router."""

    prefix: str
    state: str
    # The key of the draft in the state data.
    draft: str
    # What Cancel answers (marked with N_).
    cancelled: str
    steps: dict[str, Step]
    # What follows an answered step where that is not simply the next one (a changed answer
    # goes back to the summary, an existing event is saved at once); None: the next step.
    after: Take | None = None
    role: str | None = None
    backchannel: bool = False

    def presses(self) -> frozenset[str]:
        """The button data the form's steps take (``prefix:action``, before any args):
        what ``register`` puts into the router."""
        actions = {"cancel", *(a for spec in self.steps.values() for a in spec.presses)}
        if any(spec.skip for spec in self.steps.values()):
            actions.add("skip")
        return frozenset(f"{self.prefix}:{action}" for action in actions)

    def ask(self, ctx: Context, step: str, data: dict[str, Any]) -> None:
        """Ask ``step`` (or let it show itself), keeping ``data`` in its state."""
        ctx.set_state(self.state + step, data)
        spec = self.steps[step]
        if spec.show is not None:
            spec.show(ctx, data)
            return
        t = ctx.t
        buttons = self._buttons(ctx, spec, data)
        location, aside = location_request(t, bool(buttons)) if spec.location else ("", None)
        edit = spec.redraw and isinstance(ctx.incoming.event, ButtonPress)
        recorded = t.t(spec.recorded) if spec.recorded else None
        ctx.send(
            Message(
                spec.asked(t),
                buttons,
                edit=edit,
                request_location=location,
                location_aside=aside,
                recorded=recorded,
            )
        )

    def _buttons(self, ctx: Context, spec: Step, data: dict[str, Any]) -> list[list[Button]]:
        """A step's buttons: its own, then Skip and Cancel where it has them."""
        buttons = spec.buttons(ctx, data[self.draft]) if spec.buttons else []
        if spec.skip:
            buttons.append([Button("⏭ " + ctx.t._("Skip"), f"{self.prefix}:skip")])
        if spec.cancel:
            buttons.append([self.cancel_button(ctx.t)])
        return buttons

    def choices(self, ctx: Context, data: dict[str, Any]) -> list[list[Button]]:
        """The buttons of the step the person is at (``Router.offer``): shown by every refusal
        there - the dispatcher's of a text too long too."""
        state = ctx.get_state()
        assert state is not None
        return self._buttons(ctx, self.steps[state.state.removeprefix(self.state)], data)

    def cancel_button(self, t: Translator) -> Button:
        """The form's Cancel (also for steps that show themselves)."""
        return Button("✖️ " + t._("Cancel"), f"{self.prefix}:cancel")

    def following(self, step: str, skip: tuple[str, ...] | list[str] = ()) -> str:
        """The step after ``step``, passing over ``skip`` (answered before the form began)."""
        step = self.steps[step].next
        while step in skip:
            step = self.steps[step].next
        return step

    async def answered(self, ctx: Context, answer: Answer) -> None:
        """Move on from a step that was answered (or skipped)."""
        if self.after is not None:
            await self.after(ctx, answer)
        else:
            self.ask(ctx, self.following(answer.step), answer.data)

    def _answer(self, step: str, data: dict[str, Any]) -> Answer:
        return Answer(step, data, data[self.draft], self)

    async def _input(self, ctx: Context) -> None:
        state = ctx.get_state()
        assert state is not None
        step = state.state.removeprefix(self.state)
        take = self.steps[step].takes
        if take is None:
            # The dispatcher adds the step's buttons (as to every refusal at a step).
            ctx.refuse(ctx.t.t("👆 Please pick one of the choices above."))
            return
        await take(ctx, self._answer(step, dict(state.data)))

    async def _cancel(self, ctx: Context) -> None:
        ctx.clear_state()
        ctx.reply(ctx.t.t(self.cancelled), ui.back_to_menu(ctx), edit=True)

    def _pressed(self, take: Take) -> Callback:
        async def pressed(ctx: Context) -> None:
            step, data = await ctx.pressed_in(self.state)
            await take(ctx, self._answer(step, data))

        return pressed

    def register(self, router: Router) -> None:
        """Every step's state and buttons; Cancel in all of them, Skip in the optional ones."""

        def button(action: str, states: tuple[str, ...], callback: Callback) -> None:
            router.action(
                self.prefix, action, role=self.role, backchannel=self.backchannel, states=states
            )(callback)

        button("cancel", (self.state,), self._cancel)
        skippable = tuple(self.state + name for name, spec in self.steps.items() if spec.skip)
        if skippable:
            button("skip", skippable, self._pressed(self.answered))
        for name, spec in self.steps.items():
            router.state(self.state + name)(self._input)
            router.offer(self.state + name, self.choices)
            if spec.location:
                router.offer_location(self.state + name, location_request)
            for action, take in spec.presses.items():
                button(action, (self.state + name,), self._pressed(take))
