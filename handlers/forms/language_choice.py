"""The languages step of a form: every supported language a tick box, then Done.

Asked by the help request (``hr``: the languages the requester speaks), the volunteer
profile (``vo``: the languages they help in) and place editing (``pe``: the languages
spoken there). The choice is the draft's ``languages``, in the order of
``SUPPORTED_LANGUAGES``.

Button data, under the form's prefix and valid in its languages step:
- ``<prefix>:lang:<code>`` ticks or unticks the language ``code`` and shows the list again
  (a code that is not offered is a stale button);
- ``<prefix>:langs-done`` goes on to the next step; where a language is ``required``, only
  once one is ticked (until then a toast asks for one).

An easy reader may be asked one question first (:func:`one_question`, its own step): the
reader's language is chosen, do they speak another? Button data there:
- ``<prefix>:lang-only`` keeps just the reader's language (as if only it were ticked in the
  list, then Done) and goes on;
- ``<prefix>:lang-more`` shows the whole list (the step ``listed``), the reader's language
  ticked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handlers import ui
from handlers.context import Context
from handlers.forms.step_form import Answer, Step
from handlers.messages import Button
from locales import SUPPORTED_LANGUAGES, language_name

# Stores the languages ticked now in the answer's draft (place editing also notes the
# field as changed, to save it).
Keep = Callable[[Answer, list[str]], None]


def _in_draft(answer: Answer, chosen: list[str]) -> None:
    answer.draft["languages"] = chosen


def step(
    prefix: str,
    question: str,
    *,
    next: str,
    required: bool = True,
    redraw: bool = True,
    keep: Keep = _in_draft,
) -> Step:
    """The step of the form with button prefix ``prefix``, asking ``question`` (marked
    with N_); ``redraw``: a tick replaces the list instead of sending it again."""

    def buttons(ctx: Context, draft: dict[str, Any]) -> list[list[Button]]:
        chosen = draft.get("languages") or ()
        options = [
            Button(ui.ticked(ctx.t, language_name(code), code in chosen), f"{prefix}:lang:{code}")
            for code in SUPPORTED_LANGUAGES
        ]
        return [
            *ui.rows(options),
            [Button("✔️ " + ctx.t._("Done"), f"{prefix}:langs-done", role="done")],
        ]

    async def tick(ctx: Context, answer: Answer) -> None:
        if ctx.args not in SUPPORTED_LANGUAGES:
            ctx.stale()
        chosen = answer.draft.get("languages") or []
        keep(answer, ui.toggled(chosen, ctx.args, SUPPORTED_LANGUAGES))
        answer.form.ask(ctx, answer.step, answer.data)

    async def done(ctx: Context, answer: Answer) -> None:
        if required and not answer.draft.get("languages"):
            ctx.toast(ctx.t._("Please choose at least one language."))
            return
        await answer.form.answered(ctx, answer)

    return Step(
        question,
        buttons=buttons,
        presses={"lang": tick, "langs-done": done},
        redraw=redraw,
        next=next,
    )


def one_question(
    prefix: str, question: str, *, listed: str, next: str, keep: Keep = _in_draft
) -> Step:
    """The step asking ``question`` (marked with N_): the reader's own language only, or
    another one too (then the list of the step ``listed``)? Ten language names said with
    their buttons' numbers are a minute of listening; most people answer with their own."""

    def buttons(ctx: Context, _draft: dict[str, Any]) -> list[list[Button]]:
        t = ctx.t
        # The reader's language named as their language names it mid-sentence ("Лише
        # українська", "Tylko polski"), not the picker's capitalised autonym.
        only = t._("Only {language}").format(language=t.language(t.lang))
        return [
            [Button("✅ " + only, f"{prefix}:lang-only")],
            [Button("➕ " + t._("Another language"), f"{prefix}:lang-more")],
        ]

    async def only(ctx: Context, answer: Answer) -> None:
        keep(answer, [ctx.t.lang])
        await answer.form.answered(ctx, answer)

    async def more(ctx: Context, answer: Answer) -> None:
        chosen = answer.draft.get("languages") or []
        if ctx.t.lang not in chosen:
            keep(answer, ui.toggled(chosen, ctx.t.lang, SUPPORTED_LANGUAGES))
        answer.form.ask(ctx, listed, answer.data)

    return Step(
        question, buttons=buttons, presses={"lang-only": only, "lang-more": more}, next=next
    )
