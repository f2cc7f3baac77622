"""Coordinators add, correct and verify places in the chat; every change records who made it.

``/place_new`` walks through name → category → location → address → opening hours →
wheelchair access → languages → summary. In a place's details coordinators get "edit" and
"verified" buttons; editing asks for one field and saves it.

States: ``placeedit.<field>`` (``name``, ``category``, ``location``, ``address``, ``hours``,
``wheelchair``, ``languages``), ``placeedit.summary`` (a new place to check) and
``placeedit.choose`` (which field to edit), with the draft (new place) or the place id (edit)
in the state data.

Button data (``pe:…``, coordinators only), each action its own callback:
- any time: ``edit:<id>``, ``verify:<id>``;
- in the steps (``placeedit.…``): ``cancel`` (any step), ``field:<name>`` (``choose``),
  ``cat:<key>`` (``category``), ``wc:<value>`` (``wheelchair``), ``lang:<code>`` and
  ``langs-done`` (``languages``), ``save`` (``summary``).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

from db.places import Place
from handlers import ui
from handlers.context import Context
from handlers.messages import Button, ButtonPress, Location, Text
from handlers.places import fields, render
from handlers.places.vocabulary import CATEGORIES, WHEELCHAIR
from handlers.router import Router
from locales import N_, SUPPORTED_LANGUAGES

ROLE = "coordinator"
# Chat edits are recorded as "chat" with the coordinator's user id in place_changes.
ACTOR = "chat"
STATE = "placeedit."
NEW_STEPS = ("name", "category", "location", "address", "hours", "wheelchair", "languages")

PROMPTS = {
    "name": N_("✏️ What is the name of the place?"),
    "category": N_("🏷️ What kind of place is it?"),
    "location": fields.LOCATION_HINT,
    "address": fields.ADDRESS_HINT,
    "hours": N_(
        "🕓 Opening hours in OpenStreetMap format (for example: Mo-Fr 10:00-16:00; "
        "PH off). Send - if unknown."
    ),
    "wheelchair": N_("♿ Can people in a wheelchair get in?"),
    "languages": N_("🗣 Which languages are spoken there? Tap all that apply, then Done."),
}


def _prompt(field: str) -> str:
    # Looked up outside the t.t(...) call: the extractor would take the key for a message.
    return PROMPTS[field]


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


async def _ask(ctx: Context, field: str, data: dict[str, Any]) -> None:
    ctx.set_state(STATE + field, data)
    t = ctx.t
    buttons: list[list[Button]] = []
    if field == "category":
        buttons = ui.rows(
            [Button(render.category_label(t, key), f"pe:cat:{key}") for key in CATEGORIES]
        )
    elif field == "wheelchair":
        buttons = [
            [Button(f"{icon or '❔'} {t._(label)}", f"pe:wc:{key}")]
            for key, (icon, label) in WHEELCHAIR.items()
        ]
    elif field == "languages":
        buttons = ui.language_toggles(t, data["draft"].get("languages") or (), "pe")
    buttons.append([Button("✖️ " + t._("Cancel"), "pe:cancel")])
    ctx.reply(t.t(_prompt(field)), buttons, edit=field == "languages" and _is_press(ctx))


def _is_press(ctx: Context) -> bool:
    return isinstance(ctx.incoming.event, ButtonPress)


async def _next(ctx: Context, data: dict[str, Any], done: str) -> None:
    """After a field: the next step of a new place, or save the edit of an existing one."""
    if data["mode"] == "edit":
        draft = _draft_place(data["draft"])
        changes = {name: getattr(draft, name) for name in data["changed"]}
        place = await ctx.db.places.update(data["place_id"], ACTOR, ctx.user.id, **changes)
        ctx.clear_state()
        ctx.reply(ctx.t.t("✅ Saved. The change is recorded with your account."))
        await show_for_coordinator(ctx, place)
        return
    index = NEW_STEPS.index(done)
    if index + 1 < len(NEW_STEPS):
        await _ask(ctx, NEW_STEPS[index + 1], data)
        return
    ctx.set_state(STATE + "summary", data)
    place = _draft_place(data["draft"])
    ctx.reply(
        ctx.t.t("📋 <b>Please check the new place:</b>")
        + "\n\n"
        + render.details(ctx.t, place, datetime.now(UTC)),
        [
            [
                Button("💾 " + ctx.t._("Save"), "pe:save"),
                Button("✖️ " + ctx.t._("Cancel"), "pe:cancel"),
            ]
        ],
    )


def _set(data: dict[str, Any], **values: Any) -> dict[str, Any]:
    data["draft"].update(values)
    data.setdefault("changed", [])
    data["changed"] = sorted(set(data["changed"]) | set(values))
    return data


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


async def _text_input(ctx: Context) -> None:
    state = ctx.get_state()
    assert state is not None
    field = state.state.removeprefix(STATE)
    data = dict(state.data)
    event = ctx.incoming.event
    text = event.text.strip() if isinstance(event, Text) else ""
    t = ctx.t
    try:
        if field == "name":
            changes = fields.name(text)
        elif field == "location":
            if isinstance(event, Location):
                lat, lon = event.latitude, event.longitude
            else:
                lat, lon = fields.coordinates(text)
            changes = fields.location(ctx.settings, lat, lon)
        elif field == "address":
            changes = fields.address(text)
        elif field == "hours":
            changes = fields.opening_hours(text)
        else:
            # Steps answered with buttons: remind instead of guessing.
            ctx.reply(t.t("👆 Please use the buttons above."))
            return
    except fields.FieldProblem as problem:
        answer = problem.text(t)
        if problem.detail:
            answer += Markup("\n") + t.format("<code>{problem}</code>", problem=problem.detail)
        ctx.reply(answer)
        return
    await _next(ctx, _set(data, **changes), field)


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
    t = ctx.t
    fields = [
        ("name", N_("Name")),
        ("category", N_("Kind of place")),
        ("location", N_("Location")),
        ("address", N_("Address")),
        ("hours", N_("Opening hours")),
        ("wheelchair", N_("Wheelchair access")),
        ("languages", N_("Languages")),
    ]
    ctx.set_state(
        STATE + "choose",
        {"mode": "edit", "place_id": place.id, "draft": _to_draft(place), "changed": []},
    )
    ctx.reply(
        t.t("✏️ What do you want to change?"),
        [[Button(t._(label), f"pe:field:{key}")] for key, label in fields]
        + [[Button("✖️ " + t._("Cancel"), "pe:cancel")]],
    )


# -- buttons of the steps (the router checks the step) ------------------------------------------


async def _cancel(ctx: Context) -> None:
    ctx.clear_state()
    ctx.reply(ctx.t.t("✖️ Cancelled. Nothing was changed."), ui.back_to_menu(ctx), edit=True)


async def _field(ctx: Context) -> None:
    _step, data = await ctx.pressed_in(STATE)
    if ctx.args not in NEW_STEPS:
        ctx.stale()
    await _ask(ctx, ctx.args, data)


async def _category(ctx: Context) -> None:
    step, data = await ctx.pressed_in(STATE)
    if ctx.args not in CATEGORIES:
        ctx.stale()
    await _next(ctx, _set(data, category=ctx.args), step)


async def _wheelchair(ctx: Context) -> None:
    step, data = await ctx.pressed_in(STATE)
    if ctx.args not in WHEELCHAIR:
        ctx.stale()
    await _next(ctx, _set(data, wheelchair=ctx.args), step)


async def _language(ctx: Context) -> None:
    _step, data = await ctx.pressed_in(STATE)
    if ctx.args not in SUPPORTED_LANGUAGES:
        ctx.stale()
    chosen = data["draft"].get("languages") or []
    _set(data, languages=ui.toggled(chosen, ctx.args, SUPPORTED_LANGUAGES))
    await _ask(ctx, "languages", data)


async def _languages_done(ctx: Context) -> None:
    step, data = await ctx.pressed_in(STATE)
    await _next(ctx, data, step)


async def _save(ctx: Context) -> None:
    _step, data = await ctx.pressed_in(STATE)
    if data["mode"] != "new":
        ctx.stale()
    place_id = await ctx.db.places.upsert(_draft_place(data["draft"]), ACTOR, ctx.user.id)
    ctx.clear_state()
    ctx.reply(ctx.t.t("✅ The place is saved and can be found now."), edit=False)
    place = await ctx.db.places.get(place_id)
    if place is not None:
        await show_for_coordinator(ctx, place)


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
        await _ask(ctx, "name", {"mode": "new", "draft": draft, "changed": []})

    for field in (*NEW_STEPS, "summary", "choose"):
        router.state(STATE + field)(_text_input)

    for action, callback in {"edit": _edit, "verify": _verify}.items():
        router.action("pe", action, role=ROLE)(callback)
    for action, (callback, step) in {
        "cancel": (_cancel, ""),
        "field": (_field, "choose"),
        "cat": (_category, "category"),
        "wc": (_wheelchair, "wheelchair"),
        "lang": (_language, "languages"),
        "langs-done": (_languages_done, "languages"),
        "save": (_save, "summary"),
    }.items():
        router.action("pe", action, role=ROLE, states=(STATE + step,))(callback)
