"""Coordinators publish, change and cancel events in the chat.

``/event_new``: title → place (search by name) or an address/location → start → duration →
repetition → description → check → publish (subscribers are told). ``/event_edit N`` changes
one field (followers are told when time or place change); ``/event_cancel N`` cancels.

A step form (``handlers/forms/step_form.py``, the table ``FORM``). States: ``eventedit.<step>``
(``title``, ``place``, ``start``, ``duration``, ``repeat``, ``description``),
``eventedit.summary`` (a new event to check) and ``eventedit.choose`` (which field to
change), the draft in the state data.

Button data (``ee:…``, coordinators only, also in the backchannel), each action its own
callback:
- any time: ``cxl:<id>`` (ask to cancel the event), ``cxly:<id>`` (cancel it);
- in the steps (``eventedit.…``): ``cancel`` (any step), ``field:<step>`` (``choose``),
  ``pl:<place id>`` and ``addr`` (``place``), ``dur:<minutes>`` (``duration``),
  ``rep:<kind>`` (``repeat``), ``skip`` (``description``), ``save`` (``summary``).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup
from rapidfuzz import fuzz

from db.events import Event
from handlers import ui
from handlers.context import Context
from handlers.events import changes, fields
from handlers.events.recurrence import local, local_text
from handlers.forms.step_form import Answer, Step, StepForm, ask_again
from handlers.messages import Button, Location, Text
from handlers.parsing import number
from handlers.places.city_area import refuse_outside_city
from handlers.places.gazetteer import load_gazetteer
from handlers.refusals import Refusal
from handlers.router import Router
from locales import N_

ROLE = "coordinator"
STATE = "eventedit."
DURATIONS = (60, 90, 120, 180)
REPEATS = {
    "none": N_("Only once"),
    "weekly": N_("Every week"),
    "biweekly": N_("Every two weeks"),
    "monthly": N_("Every month, same weekday"),
}


def _repeat_label(data: dict[str, Any]) -> str:
    # Looked up outside the _() call: the extractor would take the key for a message.
    return REPEATS[data["repeat"]]


def _event(draft: dict[str, Any]) -> Event:
    """The draft (kept as JSON in the conversation state) as an Event again."""
    return Event(
        **{
            **draft,
            "exdates": tuple(draft.get("exdates") or ()),
            "target_groups": tuple(draft.get("target_groups") or ()),
        }
    )


def rrule_for(kind: str, start: datetime) -> str:
    weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[start.weekday()]
    nth = (start.day - 1) // 7 + 1
    return {
        "none": "",
        "weekly": "FREQ=WEEKLY",
        "biweekly": "FREQ=WEEKLY;INTERVAL=2",
        "monthly": f"FREQ=MONTHLY;BYDAY={nth if nth < 5 else -1}{weekday}",
    }[kind]


async def _after(ctx: Context, answer: Answer) -> None:
    """The next step of a new event; the one field of an existing event is saved."""
    if answer.data.get("event_id"):
        await _save_edit(ctx, answer.data)
        return
    FORM.ask(ctx, FORM.following(answer.step), answer.data)


def _summary(ctx: Context, data: dict[str, Any]) -> None:
    event = _event(data["draft"])
    when = ctx.t.datetime(local(event.starts_local), "medium")
    lines = [
        ctx.t.t("📋 <b>Please check the event:</b>"),
        Markup(""),
        ctx.t.format("<b>{title}</b>", title=event.title),
        ctx.t.format(
            "🗓 {when} ({duration})", when=when, duration=ctx.t.duration(event.duration_minutes)
        ),
        ctx.t.format("📍 {where}", where=data.get("place_name") or event.address or "?"),
    ]
    if event.rrule:
        lines.append(ctx.t.format("🔁 {repeat}", repeat=ctx.t._(_repeat_label(data))))
    if event.description:
        lines.append(ctx.t.format("<i>{text}</i>", text=event.description))
    ctx.reply(
        Markup("\n").join(lines),
        [[*_publish(ctx, data["draft"])[0], FORM.cancel_button(ctx.t)]],
    )


def _publish(ctx: Context, _draft: dict[str, Any]) -> list[list[Button]]:
    """Publish, at the summary and under a refusal there (``Step.buttons``, which the
    dispatcher adds to it): numbered choices press only the newest message's, and with
    Cancel alone a "1" meant for Publish dropped the new event."""
    return [[Button("📢 " + ctx.t._("Publish"), "ee:save")]]


async def _save_edit(ctx: Context, data: dict[str, Any]) -> None:
    old = await ctx.db.events.get(int(data["event_id"]))
    if old is None:
        ctx.clear_state()
        ctx.reply(ctx.t.t("😔 This event no longer exists."), ui.back_to_menu(ctx))
        return
    new = replace(_event(data["draft"]), texts=old.texts)
    told = await changes.change(ctx.mail, old, new, ctx.user.id, "event.update")
    ctx.clear_state()
    ctx.reply(
        ctx.t.t("✅ Saved. People who asked for a reminder were told: {count}.", count=told),
        ui.back_to_menu(ctx),
    )


async def _search_places(ctx: Context, text: str) -> list[tuple[int, str]]:
    words = [w for w in re.split(r"\W+", text) if len(w) >= 3] or [text]
    found = await ctx.db.places.names_like(words)
    ranked = sorted(found, key=lambda r: -fuzz.token_set_ratio(text, r[1]))
    return ranked[:5]


# -- buttons outside the steps ----------------------------------------------------------------


async def _pressed_event(ctx: Context) -> Event:
    event = await ctx.db.events.get(ctx.id_arg())
    if event is None:
        ctx.stale()
    return event


async def _ask_cancel_event(ctx: Context) -> None:
    await event_cancel_confirm(ctx, await _pressed_event(ctx))


async def _cancel_event(ctx: Context) -> None:
    event = await _pressed_event(ctx)
    told = await changes.cancel(ctx.mail, event.id or 0, ctx.user.id, "event.cancel")
    ctx.clear_state()
    ctx.reply(
        ctx.t.t(
            "❌ The event is cancelled. People who asked for a reminder were told: {count}.",
            count=told,
        ),
        edit=True,
    )


# -- the steps ----------------------------------------------------------------------------------


def _text(ctx: Context) -> str:
    event = ctx.incoming.event
    return event.text.strip() if isinstance(event, Text) else ""


async def _title(ctx: Context, answer: Answer) -> None:
    try:
        answer.draft["title"] = fields.title(_text(ctx))
    except Refusal as refusal:
        ctx.reply(refusal.text(ctx.t))
        return
    await FORM.answered(ctx, answer)


async def _where(ctx: Context, answer: Answer) -> None:
    event = ctx.incoming.event
    text = _text(ctx)
    if isinstance(event, Location):
        if refuse_outside_city(ctx, event.latitude, event.longitude):
            return
        area = load_gazetteer(ctx.settings.places_data_dir).nearest_stadtteil(
            event.latitude, event.longitude
        )
        answer.draft.update(
            lat=round(event.latitude, 5),
            lon=round(event.longitude, 5),
            stadtbezirk=area.stadtbezirk,
            place_id=None,
            address=area.name,
        )
        await FORM.answered(ctx, answer)
    elif fields.usable_address(text):
        matches = await _search_places(ctx, text)
        # The typed text waits in the state for "use the text as the address", kept as
        # an address is (one line, nothing invisible).
        answer.data["address_text"] = fields.address(text)
        ctx.set_state(STATE + "place", answer.data)
        buttons = [[Button(f"📍 {name}"[:40], f"ee:pl:{place_id}")] for place_id, name in matches]
        buttons.append([Button("🏠 " + ctx.t._("Use the text as the address"), "ee:addr")])
        ctx.reply(ctx.t.t("📍 Which place do you mean?"), buttons)
    else:
        await ask_again(ctx, answer)


async def _place(ctx: Context, answer: Answer) -> None:
    place = await ctx.db.places.get(ctx.id_arg())
    if place is None:
        ctx.stale()
    answer.draft.update(
        place_id=place.id,
        lat=place.lat,
        lon=place.lon,
        stadtbezirk=place.stadtbezirk,
        address=place.name,
    )
    answer.data["place_name"] = place.name
    await FORM.answered(ctx, answer)


async def _address(ctx: Context, answer: Answer) -> None:
    if not answer.data.get("address_text"):
        ctx.stale()
    answer.draft.update(place_id=None, address=answer.data["address_text"])
    await FORM.answered(ctx, answer)


async def _start(ctx: Context, answer: Answer) -> None:
    try:
        start = fields.start(_text(ctx), datetime.now(UTC))
    except Refusal as refusal:
        ctx.reply(refusal.text(ctx.t))
        return
    answer.draft["starts_local"] = local_text(start)
    if answer.data.get("repeat"):
        answer.draft["rrule"] = rrule_for(answer.data["repeat"], start)
    await FORM.answered(ctx, answer)


def _duration_buttons(ctx: Context, _draft: dict[str, Any]) -> list[list[Button]]:
    # Each is its number of hours ("2" for "2 Stunden" and for the Arabic "ساعتان").
    return ui.rows([Button(ctx.t.duration(m), f"ee:dur:{m}", value=m / 60) for m in DURATIONS])


async def _duration(ctx: Context, answer: Answer) -> None:
    minutes = number(ctx.args)
    if minutes not in DURATIONS:
        ctx.stale()
    answer.draft["duration_minutes"] = minutes
    await FORM.answered(ctx, answer)


def _repeat_buttons(ctx: Context, _draft: dict[str, Any]) -> list[list[Button]]:
    return [[Button(ctx.t._(label), f"ee:rep:{key}")] for key, label in REPEATS.items()]


async def _repeat(ctx: Context, answer: Answer) -> None:
    if ctx.args not in REPEATS:
        ctx.stale()
    answer.data["repeat"] = ctx.args
    if answer.draft.get("starts_local"):
        answer.draft["rrule"] = rrule_for(ctx.args, local(answer.draft["starts_local"]))
        answer.draft["exdates"] = []
    await FORM.answered(ctx, answer)


async def _description(ctx: Context, answer: Answer) -> None:
    text = _text(ctx)
    if not text:
        await ask_again(ctx, answer)
        return
    try:
        answer.draft["description"] = fields.description(text)
    except Refusal as refusal:  # longer as typed than as the dispatcher counts it (kept)
        ctx.reply(refusal.text(ctx.t))
        return
    await FORM.answered(ctx, answer)


async def _save(ctx: Context, answer: Answer) -> None:
    event = _event(answer.draft)
    event_id, told = await changes.publish(ctx.mail, event, ctx.user.id, "event.create")
    ctx.clear_state()
    ctx.reply(
        ctx.t.t(
            "📢 Event {id} is published. Subscribers told: {count}. Link for "
            "posters: /start event_{id}",
            id=event_id,
            count=told,
        ),
        ui.back_to_menu(ctx),
        edit=True,
    )


# What /event_edit can change (the place of an existing event is not changed here).
CHANGEABLE = {
    "title": N_("Title"),
    "start": N_("Start"),
    "duration": N_("Duration"),
    "repeat": N_("Repetition"),
    "description": N_("Description"),
}


def _choose(ctx: Context, data: dict[str, Any]) -> None:
    ctx.reply(
        ctx.t.t("✏️ What do you want to change?"),
        [
            *_fields(ctx, data["draft"]),
            [Button("❌ " + ctx.t._("Cancel the event"), f"ee:cxl:{data['event_id']}")],
        ],
    )


def _fields(ctx: Context, _draft: dict[str, Any]) -> list[list[Button]]:
    """The fields to change, also under a refusal at that question (as Publish above)."""
    return [[Button(ctx.t._(label), f"ee:field:{key}")] for key, label in CHANGEABLE.items()]


async def _field(ctx: Context, answer: Answer) -> None:
    if ctx.args not in CHANGEABLE:
        ctx.stale()
    FORM.ask(ctx, ctx.args, answer.data)


FORM = StepForm(
    prefix="ee",
    state=STATE,
    draft="draft",
    cancelled=N_("✖️ Cancelled. Nothing was changed."),
    after=_after,
    role=ROLE,
    backchannel=True,
    steps={
        "title": Step(N_("✏️ What is the event called?"), takes=_title, next="place"),
        "place": Step(
            N_(
                "📍 Where does it take place? Type the name of an encounter place, or an "
                "address, or share a location."
            ),
            takes=_where,
            presses={"pl": _place, "addr": _address},
            next="start",
        ),
        "start": Step(
            N_("🗓 When does it start? For example: {example}"),
            takes=_start,
            next="duration",
            values=lambda t: {"example": fields.StartExample(datetime.now(UTC)).text(t)},
        ),
        "duration": Step(
            N_("⏱ How long does it take?"),
            buttons=_duration_buttons,
            presses={"dur": _duration},
            takes=ask_again,
            next="repeat",
        ),
        "repeat": Step(
            N_("🔁 Does it repeat?"),
            buttons=_repeat_buttons,
            presses={"rep": _repeat},
            takes=ask_again,
            next="description",
        ),
        "description": Step(
            N_("💬 A short description (what happens, for whom). Or skip."),
            takes=_description,
            skip=True,
            next="summary",
        ),
        "summary": Step(show=_summary, buttons=_publish, presses={"save": _save}),
        "choose": Step(show=_choose, buttons=_fields, presses={"field": _field}),
    },
)


def register(router: Router) -> None:
    @router.command("event_new", N_("Publish an event (coordinators)"), role=ROLE)
    async def event_new(ctx: Context) -> None:
        draft = asdict(
            Event(uid=f"chat-{uuid.uuid4().hex[:12]}", title="", starts_local="", source="chat")
        )
        draft.pop("id"), draft.pop("texts")
        FORM.ask(ctx, "title", {"draft": draft})

    @router.command("event_edit", N_("Change an event (coordinators)"), role=ROLE)
    async def event_edit(ctx: Context) -> None:
        event_id = ctx.number_argument()
        event = await ctx.db.events.get(event_id) if event_id else None
        if event is None:
            ctx.reply(ctx.t.t("Please name the event number, for example: /event_edit 12"))
            return
        draft = asdict(event)
        draft.pop("id"), draft.pop("texts")
        FORM.ask(ctx, "choose", {"draft": draft, "event_id": event.id})

    @router.command(
        "event_cancel", N_("Cancel an event (coordinators)"), role=ROLE, backchannel=True
    )
    async def event_cancel(ctx: Context) -> None:
        event_id = ctx.number_argument()
        event = await ctx.db.events.get(event_id) if event_id else None
        if event is None:
            ctx.reply(ctx.t.t("Please name the event number, for example: /event_edit 12"))
            return
        await event_cancel_confirm(ctx, event)

    for action, callback in {"cxl": _ask_cancel_event, "cxly": _cancel_event}.items():
        router.action("ee", action, role=ROLE, backchannel=True)(callback)
    FORM.register(router)
    # A longer description the dispatcher refuses (the one owner of input length), the step
    # kept - never one cut short to what the event keeps without the coordinator knowing.
    router.limit_input(STATE + "description", fields.DESCRIPTION_LENGTH)


async def event_cancel_confirm(ctx: Context, event: Event) -> None:
    ctx.reply(
        ctx.t.t(
            "❌ Cancel <b>{title}</b>? Everyone who asked for a reminder is told.",
            title=event.title,
        ),
        [
            [
                Button("❌ " + ctx.t._("Yes, cancel it"), f"ee:cxly:{event.id}"),
                Button("↩️ " + ctx.t._("No"), "ee:cancel"),
            ]
        ],
    )
