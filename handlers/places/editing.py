"""Coordinators add, correct and verify places in the chat; every change records who made it.

``/place_new`` walks through name → category → location → address → opening hours →
wheelchair access → languages → summary. In a place's details coordinators get "edit" and
"verified" buttons; editing asks for one field and saves it.

A step form (``handlers/forms/step_form.py``, the table ``FORM``). States: ``placeedit.<field>``
(``name``, ``category``, ``location``, ``address``, ``hours``, ``wheelchair``,
``languages``), ``placeedit.summary`` (a new place to check) and ``placeedit.choose`` (which
field to edit), with the draft (new place) or the place id (edit) in the state data.

Button data (``pe:…``, coordinators only), each action its own callback:
- any time: ``edit:<id>``, ``verify:<id>``;
- in the steps (``placeedit.…``): ``cancel`` (any step), ``field:<name>`` (``choose``),
  ``cat:<key>`` (``category``), ``wc:<value>`` (``wheelchair``), ``lang:<code>`` and
  ``langs-done`` (``languages``, handlers/forms/language_choice.py), ``save`` (``summary``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

from db.places import Place
from handlers import ui
from handlers.context import Context
from handlers.forms import language_choice
from handlers.forms.step_form import Answer, Step, StepForm, Take
from handlers.messages import Button, Location, Text
from handlers.places import fields, render
from handlers.places.vocabulary import CATEGORIES, WHEELCHAIR
from handlers.router import Router
from locales import N_

ROLE = "coordinator"
# Chat edits are recorded as "chat" with the coordinator's user id in place_changes.
ACTOR = "chat"
STATE = "placeedit."


def _draft_place(draft: dict[str, Any]) -> Place:
    values = dict(draft)
    values["languages"] = tuple(values.get("languages", ()))
    values["target_groups"] = tuple(values.get("target_groups", ()))
    values["texts"] = {k: tuple(v) for k, v in (values.get("texts") or {}).items()}
    values.pop("id", None)
    return Place(**values)


def _to_draft(place: Place) -> dict[str, Any]:
    data = asdict(place)
    data.pop("id", None)
    return data


async def _next(ctx: Context, answer: Answer) -> None:
    """After a field: the next step of a new place, or save the edit of an existing one."""
    data = answer.data
    if data["mode"] == "edit":
        draft = _draft_place(data["draft"])
        changes = {name: getattr(draft, name) for name in data["changed"]}
        place = await ctx.db.places.update(data["place_id"], ACTOR, ctx.user.id, **changes)
        ctx.clear_state()
        ctx.reply(ctx.t.t("✅ Saved. The change is recorded with your account."))
        await show_for_coordinator(ctx, place)
        return
    FORM.ask(ctx, FORM.following(answer.step), data)


def _summary(ctx: Context, data: dict[str, Any]) -> None:
    place = _draft_place(data["draft"])
    ctx.reply(
        ctx.t.t("📋 <b>Please check the new place:</b>")
        + "\n\n"
        + render.details(ctx.t, place, datetime.now(UTC)),
        [[*_save_choice(ctx, data["draft"])[0], FORM.cancel_button(ctx.t)]],
    )


def _save_choice(ctx: Context, _draft: dict[str, Any]) -> list[list[Button]]:
    """Save, at the summary and under a refusal there (``Step.buttons``, which the dispatcher
    adds to it): numbered choices press only the newest message's, and with Cancel alone a
    "1" meant for Save dropped the new place."""
    return [[Button("💾 " + ctx.t._("Save"), "pe:save")]]


def _set(data: dict[str, Any], **values: Any) -> None:
    data["draft"].update(values)
    data.setdefault("changed", [])
    data["changed"] = sorted(set(data["changed"]) | set(values))


async def show_for_coordinator(ctx: Context, place: Place) -> None:
    ctx.reply(render.details(ctx.t, place, datetime.now(UTC)), edit_buttons(ctx, place))


def edit_buttons(ctx: Context, place: Place) -> list[list[Button]]:
    t = ctx.t
    return [
        [
            Button("✏️ " + t._("Edit"), f"pe:edit:{place.id}"),
            Button("✔️ " + t._("Mark as verified"), f"pe:verify:{place.id}"),
        ]
    ]


# -- buttons outside the steps ----------------------------------------------------------------


async def _pressed_place(ctx: Context) -> Place | None:
    """The place the button names; None after saying it no longer exists."""
    place = await ctx.db.places.get(ctx.id_arg())
    if place is None:
        ctx.reply(ctx.t.t("😔 This place no longer exists."), ui.back_to_menu(ctx))
    return place


async def _verify(ctx: Context) -> None:
    place = await _pressed_place(ctx)
    if place is None:
        return
    place_id = ctx.id_arg()
    await ctx.db.places.verify(place_id, ACTOR, ctx.user.id)
    ctx.toast(ctx.t._("✔️ Marked as verified today."))
    await show_for_coordinator(ctx, await ctx.db.places.get(place_id) or place)


async def _edit(ctx: Context) -> None:
    place = await _pressed_place(ctx)
    if place is None:
        return
    FORM.ask(
        ctx,
        "choose",
        {"mode": "edit", "place_id": place.id, "draft": _to_draft(place), "changed": []},
    )


# -- the steps ----------------------------------------------------------------------------------


def _typed(read: Callable[[Context, str], dict[str, Any]]) -> Take:
    """A step answered by typing (the location also by sharing one), checked by ``fields``."""

    async def take(ctx: Context, answer: Answer) -> None:
        event = ctx.incoming.event
        text = event.text.strip() if isinstance(event, Text) else ""
        try:
            changes = read(ctx, text)
        except fields.FieldProblem as problem:
            reply = problem.text(ctx.t)
            detail = problem.said_detail(ctx.t)
            if detail is not None:
                reply += Markup("\n") + detail
            ctx.reply(reply)
            return
        _set(answer.data, **changes)
        await FORM.answered(ctx, answer)

    return take


def _location(ctx: Context, text: str) -> dict[str, Any]:
    event = ctx.incoming.event
    if isinstance(event, Location):
        lat, lon = event.latitude, event.longitude
    else:
        lat, lon = fields.coordinates(text)
    return fields.location(ctx.settings, lat, lon)


def _category_buttons(ctx: Context, _draft: dict[str, Any]) -> list[list[Button]]:
    return ui.rows(
        [Button(render.category_label(ctx.t, key), f"pe:cat:{key}") for key in CATEGORIES]
    )


async def _category(ctx: Context, answer: Answer) -> None:
    if ctx.args not in CATEGORIES:
        ctx.stale()
    _set(answer.data, category=ctx.args)
    await FORM.answered(ctx, answer)


def _wheelchair_buttons(ctx: Context, _draft: dict[str, Any]) -> list[list[Button]]:
    return [
        [Button(f"{icon or '❔'} {ctx.t._(label)}", f"pe:wc:{key}")]
        for key, (icon, label) in WHEELCHAIR.items()
    ]


async def _wheelchair(ctx: Context, answer: Answer) -> None:
    if ctx.args not in WHEELCHAIR:
        ctx.stale()
    _set(answer.data, wheelchair=ctx.args)
    await FORM.answered(ctx, answer)


async def _save(ctx: Context, answer: Answer) -> None:
    if answer.data["mode"] != "new":
        ctx.stale()
    place_id = await ctx.db.places.upsert(_draft_place(answer.draft), ACTOR, ctx.user.id)
    ctx.clear_state()
    ctx.reply(ctx.t.t("✅ The place is saved and can be found now."), edit=False)
    place = await ctx.db.places.get(place_id)
    if place is not None:
        await show_for_coordinator(ctx, place)


# What "edit" can change, with its labels there.
CHANGEABLE = {
    "name": N_("Name"),
    "category": N_("Kind of place"),
    "location": N_("Location"),
    "address": N_("Address"),
    "hours": N_("Opening hours"),
    "wheelchair": N_("Wheelchair access"),
    "languages": N_("Languages"),
}


def _choose(ctx: Context, data: dict[str, Any]) -> None:
    t = ctx.t
    ctx.reply(
        t.t("✏️ What do you want to change?"),
        [*_fields(ctx, data["draft"]), [FORM.cancel_button(t)]],
    )


def _fields(ctx: Context, _draft: dict[str, Any]) -> list[list[Button]]:
    """The fields to change, also under a refusal at that question (as Save above)."""
    return [[Button(ctx.t._(label), f"pe:field:{key}")] for key, label in CHANGEABLE.items()]


async def _field(ctx: Context, answer: Answer) -> None:
    if ctx.args not in CHANGEABLE:
        ctx.stale()
    FORM.ask(ctx, ctx.args, answer.data)


FORM = StepForm(
    prefix="pe",
    state=STATE,
    draft="draft",
    cancelled=N_("✖️ Cancelled. Nothing was changed."),
    after=_next,
    role=ROLE,
    steps={
        "name": Step(
            N_("✏️ What is the name of the place?"),
            takes=_typed(lambda _ctx, text: fields.name(text)),
            next="category",
        ),
        "category": Step(
            N_("🏷️ What kind of place is it?"),
            buttons=_category_buttons,
            presses={"cat": _category},
            next="location",
        ),
        "location": Step(
            fields.LOCATION_HINT,
            takes=_typed(_location),
            next="address",
            values=lambda t: {"example": fields.POINT_EXAMPLE.text(t)},
        ),
        "address": Step(
            fields.ADDRESS_HINT,
            takes=_typed(lambda _ctx, text: fields.address(text)),
            next="hours",
        ),
        "hours": Step(
            N_(
                "🕓 Opening hours in OpenStreetMap format (for example: Mo-Fr 10:00-16:00; "
                "PH off). Send - if unknown."
            ),
            takes=_typed(lambda _ctx, text: fields.opening_hours(text)),
            next="wheelchair",
        ),
        "wheelchair": Step(
            N_("♿ Can people in a wheelchair get in?"),
            buttons=_wheelchair_buttons,
            presses={"wc": _wheelchair},
            next="languages",
        ),
        "languages": language_choice.step(
            "pe",
            N_("🗣 Which languages are spoken there? Tap all that apply, then Done."),
            next="summary",
            # A place may name none.
            required=False,
            keep=lambda answer, chosen: _set(answer.data, languages=chosen),
        ),
        "summary": Step(show=_summary, buttons=_save_choice, presses={"save": _save}),
        "choose": Step(show=_choose, buttons=_fields, presses={"field": _field}),
    },
)


def register(router: Router) -> None:
    @router.command("place_new", N_("Add a new place (coordinators)"), role=ROLE)
    async def place_new(ctx: Context) -> None:
        draft = {
            "source": "chat",
            "source_id": f"chat-{uuid.uuid4().hex[:12]}",
            "name": "",
            "category": "neighbourhood_centre",
            "lat": 0.0,
            "lon": 0.0,
            "city": ctx.settings.city,
        }
        FORM.ask(ctx, "name", {"mode": "new", "draft": draft, "changed": []})

    for action, callback in {"edit": _edit, "verify": _verify}.items():
        router.action("pe", action, role=ROLE)(callback)
    FORM.register(router)
