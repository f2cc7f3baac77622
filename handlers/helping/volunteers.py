"""Volunteers say where, with what and in which languages they help, and how much.

Registration, a step form (``handlers/forms/step_form.py``, the table ``FORM``; states
``vol.<step>``), at most six steps for a new volunteer (issue 79): ``area`` (districts,
then optionally their own ``point``; or ``around`` a location and its ``radius``) →
``categories`` (kinds of help) → ``languages`` → ``max`` (how many requests at once), and
saved. The rest is optional and asked afterwards (the thanks offers it) or on the
volunteer's page: ``availability`` (a note for the coordinators, only people read it),
``quiet`` hours (when no request is sent; 22:00–07:00 until chosen) and ``evenings``
(whether they take evening requests: handlers/helping/pace.py; yes until chosen). Each
optional step has a Skip.

Changing: the volunteer's page has one button per answer (``ed:<step>``), which asks that
step alone (the state data's ``one``) and saves it when answered - a choice in two presses,
a tick list (tick, Done) in three - with "saved", never the thanks for joining again.
Afterwards also: pause and resume, leave, the record of help given, and the talk shift
(the times of the week they are ready to talk now, for "just talk" requests:
handlers/helping/talk_now.py; each tick saved at once).

By text (a sender can be forged) the profile is the number's holder's to change: saving
answers (a new profile or a changed one; the held act ``volunteer.save``), ``pause``,
``resume``, ``leavey`` and a talk shift's tick ``ts`` wait for the code texted to the number
(handlers/numbers/coded_acts.py, texts in code_texts.py), unless the number texted a right
code back within the last half hour - a volunteer changing several answers in a row is asked
once; ``leavey`` (deleting the profile) always waits for a code of its own.

Becoming available (registering, resuming, being confirmed) offers the volunteer the open
requests that found nobody so far (``offer_fanout.offer_to``).

Their own point (issue 63): inside a large district the ranking cannot tell a neighbour
from someone 5 km away by the district's centre, so a volunteer who helps in districts may
say roughly where they are - a postcode (its centre, from the gazetteer) or a shared
location - kept on the ~500 m grid of handlers/places/coarse.py like a request's point. It
is the ranking's alone (``ranking.distance_km`` measures from it): the areas stay the
districts (``matching.in_area``), nobody is shown it, and it goes with the profile.
Skipping keeps what the profile had (none for a new volunteer); "remove" forgets it, and
so does changing the districts. On the phone the postcode is typed with the keys, and the
hash key alone skips (the Skip button is the step's way back).

Shared with the web desk (bot/web/desk/volunteers.py): :func:`confirm_training` (``/verify``)
and :func:`set_paused` (pause and resume).

The volunteer poster's deep link ``/start volunteer_<language>`` opens the same page as
``/volunteer``.

Button data (``vo:…``), each action its own callback: ``reg`` (register; for a volunteer
already registered their page), ``ed:<step>`` (change one answer), ``pause``, ``resume``,
``rec``, ``leave``, ``leavey``; in the registration's steps ``cancel``, ``bz:<district>``,
``around``, ``area-done`` (area), ``nopt`` (skip), ``unpt`` (remove) (point),
``r:<metres>`` (radius), ``cat:<key>``, ``cats-done``,
``lang:<code>``, ``langs-done`` (languages, handlers/forms/language_choice.py), ``skip`` (the
optional availability, quiet and evenings), ``q:<start>-<end>`` (quiet), ``eve:1`` /
``eve:0`` (evenings), ``max:<n>`` (max); the talk shift ``talk``
(shown), ``ts:<slot>`` (a time ticked or unticked).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from markupsafe import Markup

from db.users import User
from db.volunteers import PROFILE, Volunteer
from handlers import ui
from handlers.context import Context
from handlers.forms import language_choice
from handlers.forms.step_form import Answer, Step, StepForm, ask_again
from handlers.helping import code_texts
from handlers.helping.lifecycle import Refused, Scene
from handlers.helping.matching import offer_fanout
from handlers.helping.render import category_label, write_button
from handlers.helping.vocabulary import (
    HELP_CATEGORIES,
    TALK_SLOT_BUTTONS,
    TALK_SLOT_NAMES,
    TALK_SLOTS,
)
from handlers.messages import Button, ButtonPress, Document, Location, Message, Text
from handlers.numbers import coded_acts
from handlers.parsing import number
from handlers.places.city_area import refuse_outside_city
from handlers.places.coarse import AREA, coarsen
from handlers.places.gazetteer import load_gazetteer
from handlers.places.render import language_names
from handlers.router import Router
from handlers.staff import is_staff
from handlers.text_safety import clean_text
from locales import N_, TIMEZONE, Formatted, Translator

STATE = "vol."
# Profile fields the registration starts from when changing an existing profile.
# The profile as a changed answer's draft; the quiet hours so that their step ticks them.
EDITABLE = (
    *("categories", "stadtbezirke", "languages", "lat", "lon", "radius_m", "availability"),
    *("quiet_start", "quiet_end"),
)
PAUSED_BY_COORDINATOR = N_(
    "⏸ A coordinator paused your volunteering: no requests for now. Ask them, or press "
    "▶️ Resume under /volunteer."
)
RESUMED_BY_COORDINATOR = N_("▶️ A coordinator resumed your volunteering: you get requests again.")
QUIET = {"0-0": (0, 0), "22-7": (22, 7), "20-8": (20, 8)}
RADII = (1000, 2000, 5000)
NO_POSTCODE = N_("🤔 That is not a postcode of {city}. Please try again.")
# The own point takes a postcode or a location, never a district (OUTSIDE's suggestion).
OUTSIDE_POINT = N_(
    "🗺️ This location is outside {city}. Please share a location in {city} or send your postcode."
)
POINT_QUESTION = N_(
    "🏠 Where are you, roughly? Send your postcode or share your location. We keep it "
    "rounded to about 500 m, only to ask you first about requests near you. Optional."
)
# The skips of the optional steps: pressed while changing one answer, nothing is saved.
SKIPS = ("vo:skip", "vo:nopt")


def _clock(t: Translator, hour: int) -> Formatted:
    """A whole hour as the reader's clock writes it ("22:00", "۲۲:۰۰"): each end of the quiet
    hours a value of its own, isolated in Arabic and Persian: ":00" written into the sentence
    after each isolated hour took the sentence's direction, and the hours and their minutes
    were laid out out of order."""
    return t.time(datetime.combine(datetime.now(TIMEZONE).date(), time(hour), tzinfo=TIMEZONE))


def describe_profile(t: Translator, volunteer: Volunteer) -> Markup:
    area = (
        t.list_of(volunteer.stadtbezirke)
        if volunteer.stadtbezirke
        else t.distance(volunteer.radius_m or 0)
    )
    lines = [t.t("📍 Area: {area}", area=area)]
    if volunteer.stadtbezirke and volunteer.lat is not None:
        lines.append(t.t("🏠 Requests near your own point first (about 500 m)"))
    lines += [
        t.t(
            "🧰 Help with: {categories}",
            categories=t.list_of(category_label(t, c) for c in volunteer.categories),
        ),
        t.t(
            "🗣 Languages: {languages}",
            languages=language_names(t, volunteer.languages),
        ),
        t.t("🔢 At the same time: {count}", count=volunteer.max_open),
    ]
    if volunteer.availability:
        lines.append(t.t("🗓 Available: {when}", when=volunteer.availability))
    if volunteer.talk_shift:
        lines.append(
            t.t(
                "📞 Talk shift: {times}",
                times=t.list_of(
                    t._(TALK_SLOT_NAMES[s]) for s in volunteer.talk_shift if s in TALK_SLOTS
                ),
            )
        )
    if volunteer.evenings:
        lines.append(t.t("🌆 Evening requests too"))
    if volunteer.quiet_start != volunteer.quiet_end:
        lines.append(
            t.t(
                "🌙 Quiet hours: {start}–{end}",
                start=_clock(t, volunteer.quiet_start),
                end=_clock(t, volunteer.quiet_end),
            )
        )
    if volunteer.certificate_expires_on:
        # Theirs to know, so that they can bring a new one in time.
        lines.append(
            t.t(
                "📜 Certificate of good conduct seen, counts until {date}",
                date=t.date(date.fromisoformat(volunteer.certificate_expires_on)),
            )
        )
    status = t.t("⏸ paused") if volunteer.paused else t.t("▶️ active")
    if not volunteer.verified_at:
        status += Markup(" · ") + t.t("🎓 basic training not yet confirmed")
    lines.append(status)
    return Markup("\n").join(lines)


def _answer_buttons(t: Translator, volunteer: Volunteer) -> list[list[Button]]:
    """One button per answer of the profile, each asking that step alone (``vo:ed:…``):
    changing an answer is that button, then the answer (and Done in a tick list)."""
    place = (
        Button("🏠 " + t._("Own point"), "vo:ed:point")
        if volunteer.stadtbezirke
        else Button("📏 " + t._("Distance"), "vo:ed:radius")
    )
    return ui.rows(
        [
            Button("📍 " + t._("Area"), "vo:ed:area"),
            place,
            Button("🧰 " + t._("Kinds of help"), "vo:ed:categories"),
            Button("🗣 " + t._("Languages"), "vo:ed:languages"),
            Button("🔢 " + t._("How many at once"), "vo:ed:max"),
            *_optional_buttons(t),
        ]
    )


def _optional_buttons(t: Translator) -> list[Button]:
    """The optional answers, asked after registering or on the page."""
    return [
        Button("🗓 " + t._("When I am free"), "vo:ed:availability"),
        Button("🌙 " + t._("Quiet hours"), "vo:ed:quiet"),
        Button("🌆 " + t._("Evening requests"), "vo:ed:evenings"),
    ]


async def volunteer_home(ctx: Context, note: Markup | None = None) -> None:
    """The volunteer's page (``note``: a line above it, what was just done)."""
    t = ctx.t
    ctx.clear_state()
    volunteer = await ctx.db.volunteers.get(ctx.user.id)
    if volunteer is None:
        ctx.reply(
            t.t("🙋 <b>Volunteer</b>")
            + "\n"
            + t.t(
                "Help neighbours with small things, when and where it suits you. You decide "
                "how much. Before your first assignment a coordinator invites you to a short "
                "basic training."
            ),
            [[Button("🙋 " + t._("Register as a volunteer"), "vo:reg")], *ui.back_to_menu(ctx)],
        )
        return
    pause = (
        Button("▶️ " + t._("Resume"), "vo:resume")
        if volunteer.paused
        else Button("⏸ " + t._("Pause"), "vo:pause")
    )
    text = t.t("🙋 <b>Your volunteer profile</b>") + "\n\n" + describe_profile(t, volunteer)
    text += "\n\n" + t.t("✏️ Each answer can be changed on its own:")
    ctx.reply(
        (note + "\n\n" + text) if note else text,
        [
            *_answer_buttons(t, volunteer),
            [pause, Button("📞 " + t._("Talk shift"), "vo:talk")],
            [Button("📜 " + t._("My help record"), "vo:rec")],
            # Certificates (handlers/helping/certificates.py), where an organisation issues them.
            *(
                [[Button("📄 " + t._("Certificates"), "ce:home")]]
                if ctx.settings.organisation.name
                else []
            ),
            [Button("🚪 " + t._("Stop volunteering"), "vo:leave")],
            *ui.back_to_menu(ctx),
        ],
    )


async def show_record(ctx: Context) -> None:
    t = ctx.t
    record = await ctx.db.volunteers.record(ctx.user.id)
    given = t.duration(sum(m or 0 for _, _, _, m in record))
    lines = [
        t.t("📜 <b>Your help record</b>"),
        t.tn("You helped {n} time.", "You helped {n} times.", len(record)),
        t.t("Time given: {duration}", duration=given),
    ]
    for _request_id, category, closed_at, spent in record:
        lines.append(
            t.t(
                "• {date} - {category} ({duration})",
                date=t.date(_parse(closed_at)),
                category=category_label(t, category),
                duration=t.duration(spent or 0),
            )
        )
    ctx.reply(Markup("\n").join(lines), ui.back_to_menu(ctx))
    if record:
        body = [
            t._("Record of voluntary neighbourhood help"),
            "",
            t._("Name: {name}").format(name=ctx.user.first_name or "-"),
            t._("City: {city}").format(city=ctx.city),
            "",
        ]
        body += [
            t._("{date} - {category} ({duration})").format(
                date=t.date(_parse(closed)),
                category=category_label(t, category),
                duration=t.duration(spent or 0),
            )
            for _, category, closed, spent in record
        ]
        body += [
            "",
            t._("Total: {count} times, {duration}").format(count=len(record), duration=given),
        ]
        ctx.send(
            Document(
                "help-record.txt",
                ("\n".join(body) + "\n").encode("utf-8"),
                caption=t.t("📜 Your help record as a file."),
                mime_type="text/plain",
            )
        )


def _parse(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def _register(ctx: Context) -> None:
    if await ctx.db.volunteers.get(ctx.user.id) is not None:
        # Registered already (an older message's button): each answer changes on its own.
        await volunteer_home(ctx)
        return
    FORM.ask(ctx, "area", {"profile": {"languages": [ctx.t.lang]}})


# The steps a volunteer's page asks alone (``vo:ed:<step>``).
CHANGEABLE = (
    "area",
    "point",
    "radius",
    "categories",
    "languages",
    "max",
    "availability",
    "quiet",
    "evenings",
)


async def _change(ctx: Context) -> None:
    """One answer asked alone, the profile as it is its draft; answered, it is saved."""
    existing = await _profile(ctx)
    step = ctx.args
    if step not in CHANGEABLE or (step == "radius" and existing.lat is None):
        ctx.stale()
    profile = {
        name: list(value) if isinstance(value, tuple) else value
        for name in EDITABLE
        for value in (getattr(existing, name),)
    }
    FORM.ask(ctx, step, {"profile": profile, "one": True})


async def _profile(ctx: Context) -> Volunteer:
    volunteer = await ctx.db.volunteers.get(ctx.user.id)
    if volunteer is None:
        ctx.stale()
    return volunteer


async def set_paused(scene: Scene, actor: User, volunteer_id: int, paused: bool) -> bool:
    """Pause or resume volunteering: the volunteer in the chat, or a coordinator (checked
    now) at the desk, who tells them. Resuming offers the requests published meanwhile.
    False: nobody volunteers under this number."""
    if actor.id != volunteer_id and not is_staff(actor):
        raise Refused()
    if await scene.db.volunteers.get(volunteer_id) is None:
        return False
    await scene.db.volunteers.set_paused(volunteer_id, paused)
    if actor.id != volunteer_id:
        told = PAUSED_BY_COORDINATOR if paused else RESUMED_BY_COORDINATOR
        await scene.mail.to_user(volunteer_id, lambda t: Message(t.t(told)))
    if not paused:
        # Requests published while they were away are theirs to see now.
        await offer_fanout.offer_to(scene, volunteer_id)
    return True


async def confirm_training(scene: Scene, coordinator: User, volunteer_id: int) -> bool:
    """A coordinator (checked now) confirms a volunteer's basic training (``/verify`` in
    the chat, the desk's volunteer page): the day is kept as the training date, the
    volunteer is told and offered the open requests that suit them. False: nobody
    volunteers under this number."""
    if not is_staff(coordinator):
        raise Refused()
    if not await scene.db.volunteers.verify(volunteer_id, coordinator.id):
        return False
    await scene.db.requests.audit(coordinator.id, "volunteer.verify", f"user:{volunteer_id}")
    await scene.mail.to_user(
        volunteer_id,
        lambda t: Message(
            t.t(
                "🎓 Your basic training is confirmed. From now on you will "
                "receive help requests that suit you."
            )
        ),
    )
    await offer_fanout.offer_to(scene, volunteer_id)
    return True


CODED = {
    "pause": code_texts.PAUSE,
    "resume": code_texts.RESUME,
    "leavey": code_texts.LEAVE,
    "ts": code_texts.TALK_SHIFT,
}
# Leaving deletes her profile and the coordinators' confirmation of her training, which she
# cannot put back herself: a right code a moment ago for something else does not pass it (a
# forger texting right after her would otherwise end her volunteering).
ONE_CODE_EACH = ("leavey",)


async def _pause(ctx: Context) -> None:
    await _profile(ctx)
    await set_paused(ctx, ctx.user, ctx.user.id, True)
    ctx.toast(ctx.t._("Paused."))
    await volunteer_home(ctx)


async def _resume(ctx: Context) -> None:
    await _profile(ctx)
    await set_paused(ctx, ctx.user, ctx.user.id, False)
    ctx.toast(ctx.t._("Welcome back!"))
    await volunteer_home(ctx)


async def _record(ctx: Context) -> None:
    await _profile(ctx)
    await show_record(ctx)


TALK_SHIFT_QUESTION = N_(
    "📞 Talk shift: when are you ready to talk with someone right away, often an older "
    "person on the phone? Tap all that apply. None: no talk shift."
)


async def _talk_shift(ctx: Context, *, edit: bool = False) -> None:
    """The talk shift's times, ticked as saved, each a button that changes it."""
    volunteer = await _profile(ctx)
    t = ctx.t
    chosen = set(volunteer.talk_shift)
    buttons = ui.rows(
        [
            Button(ui.ticked(t, t._(label), slot in chosen), f"vo:ts:{slot}")
            for slot, label in TALK_SLOT_BUTTONS.items()
        ]
    )
    text = t.t(TALK_SHIFT_QUESTION)
    if (
        chosen
        and ctx.settings.bridged_calls is not None
        and await ctx.db.call_numbers.get(ctx.user.id) is None
    ):
        # Without their number a talk goes through the chat, not by phone.
        text += "\n" + t.t(
            "☎️ Give your number for calls, and I connect you by phone. Nobody sees it."
        )
        buttons.append([Button("📞 " + t._("Number for calls"), "bc:chg")])
    buttons.append([Button("✔️ " + t._("Done"), "menu:volunteer")])
    ctx.reply(text, buttons, edit=edit)


async def _show_talk_shift(ctx: Context) -> None:
    await _talk_shift(ctx)


async def _toggle_talk_slot(ctx: Context) -> None:
    volunteer = await _profile(ctx)
    if ctx.args not in TALK_SLOTS:
        ctx.stale()
    chosen = ui.toggled(list(volunteer.talk_shift), ctx.args, tuple(TALK_SLOTS))
    await ctx.db.volunteers.save(ctx.user.id, talk_shift=chosen)
    await _talk_shift(ctx, edit=True)


async def _ask_leave(ctx: Context) -> None:
    await _profile(ctx)
    t = ctx.t
    ctx.reply(
        t.t(
            "🚪 Stop volunteering? Your profile is deleted; requests you "
            "already took on stay with you."
        ),
        [
            [
                Button("🚪 " + t._("Yes, stop"), "vo:leavey"),
                Button("↩️ " + t._("No, keep it"), "menu:volunteer"),
            ]
        ],
    )


async def _leave(ctx: Context) -> None:
    await _profile(ctx)
    await ctx.db.volunteers.leave(ctx.user.id)
    ctx.reply(
        ctx.t.t("👋 Thank you for your help! Your volunteer profile is deleted."),
        ui.back_to_menu(ctx),
        edit=True,
    )


# -- the registration's steps -------------------------------------------------------------------


def _toggle(profile: dict[str, Any], key: str, value: str, order: tuple[str, ...]) -> None:
    profile[key] = ui.toggled(profile.get(key) or [], value, order)


def _area_buttons(ctx: Context, profile: dict[str, Any]) -> list[list[Button]]:
    bezirke = load_gazetteer(ctx.settings.places_data_dir).bezirke
    chosen = set(profile.get("stadtbezirke") or ())
    buttons = ui.rows(
        [Button(ui.ticked(ctx.t, a.name, a.name in chosen), f"vo:bz:{a.name}") for a in bezirke]
    )
    buttons.append([Button("📍 " + ctx.t._("Around a place instead"), "vo:around")])
    buttons.append([Button("✔️ " + ctx.t._("Done"), "vo:area-done", role="done")])
    return buttons


async def _district(ctx: Context, answer: Answer) -> None:
    bezirke = {a.name for a in load_gazetteer(ctx.settings.places_data_dir).bezirke}
    if ctx.args not in bezirke:
        ctx.stale()
    _toggle(answer.draft, "stadtbezirke", ctx.args, tuple(sorted(bezirke)))
    answer.draft.update(lat=None, lon=None, radius_m=None)
    FORM.ask(ctx, "area", answer.data)


async def _district_named(ctx: Context, answer: Answer) -> None:
    """A district written instead of tapped ("Hörde"), or a part or postcode of one
    ("Nordstadt", "44137"): its district is ticked, never unticked by a name written again,
    and the list shown with it - before, any text got "please choose one of the options"."""
    event = ctx.incoming.event
    gazetteer = load_gazetteer(ctx.settings.places_data_dir)
    area = gazetteer.resolve(event.text.strip(), ctx.city).area if isinstance(event, Text) else None
    bezirke = tuple(sorted(a.name for a in gazetteer.bezirke))
    if area is None or area.stadtbezirk not in bezirke:
        await ask_again(ctx, answer)
        return
    if area.stadtbezirk not in (answer.draft.get("stadtbezirke") or ()):
        _toggle(answer.draft, "stadtbezirke", area.stadtbezirk, bezirke)
    answer.draft.update(lat=None, lon=None, radius_m=None)
    FORM.ask(ctx, "area", answer.data)


async def _around(ctx: Context, answer: Answer) -> None:
    FORM.ask(ctx, "around", answer.data)


async def _area_done(ctx: Context, answer: Answer) -> None:
    if not answer.draft.get("stadtbezirke"):
        ctx.toast(ctx.t._("Please choose at least one district."))
        return
    await FORM.answered(ctx, answer)


def _point_buttons(ctx: Context, profile: dict[str, Any]) -> list[list[Button]]:
    buttons = []
    if profile.get("lat") is not None:
        buttons.append([Button("🗑 " + ctx.t._("Remove my point"), "vo:unpt")])
    # The way back of the step (role): on the phone the hash key alone skips it.
    buttons.append([Button("⏭ " + ctx.t._("Skip"), "vo:nopt", role="back")])
    return buttons


async def _point(ctx: Context, answer: Answer) -> None:
    """A postcode (its centre) or a shared location, rounded to the ~500 m grid."""
    point = await _point_given(ctx, answer)
    if point is not None:
        answer.draft["lat"], answer.draft["lon"] = point
        await FORM.answered(ctx, answer)


async def _point_given(ctx: Context, answer: Answer) -> tuple[float, float] | None:
    """The point a postcode (its centre) or a shared location gives, rounded to the ~500 m
    grid (as requests' are); None when it gives none, the person told why."""
    event = ctx.incoming.event
    if isinstance(event, Location):
        if refuse_outside_city(ctx, event.latitude, event.longitude, message=OUTSIDE_POINT):
            return None
        lat, lon = event.latitude, event.longitude
    elif isinstance(event, Text):
        area = load_gazetteer(ctx.settings.places_data_dir).resolve(event.text.strip()).area
        if area is None or area.kind != "postcode":
            ctx.refuse(ctx.t.t(NO_POSTCODE, city=ctx.city))
            return None
        lat, lon = area.lat, area.lon
    else:
        await ask_again(ctx, answer)
        return None
    return coarsen(lat, lon, AREA)


async def _no_point(ctx: Context, answer: Answer) -> None:
    await FORM.answered(ctx, answer)


async def _remove_point(ctx: Context, answer: Answer) -> None:
    answer.draft.update(lat=None, lon=None)
    await FORM.answered(ctx, answer)


async def _location(ctx: Context, answer: Answer) -> None:
    """The centre of the area a volunteer helps around: a shared location or a postcode,
    as the own point takes them - a postcode was answered with the question again, and a
    location outside the city with "write a district name", which this step never took."""
    point = await _point_given(ctx, answer)
    if point is not None:
        answer.draft.update(lat=point[0], lon=point[1], stadtbezirke=[])
        await FORM.answered(ctx, answer)


def _radius_buttons(ctx: Context, _profile: dict[str, Any]) -> list[list[Button]]:
    # Each is its number of kilometres: a typed "5" is 5 km, never the third choice.
    return [[Button(ctx.t.distance(r), f"vo:r:{r}", value=r / 1000) for r in RADII]]


async def _radius(ctx: Context, answer: Answer) -> None:
    radius = number(ctx.args)
    if radius not in RADII:
        ctx.stale()
    answer.draft["radius_m"] = radius
    await FORM.answered(ctx, answer)


def _category_buttons(ctx: Context, profile: dict[str, Any]) -> list[list[Button]]:
    chosen = set(profile.get("categories") or ())
    buttons = ui.rows(
        [
            Button(ui.ticked(ctx.t, category_label(ctx.t, k), k in chosen), f"vo:cat:{k}")
            for k in HELP_CATEGORIES
        ]
    )
    buttons.append([Button("✔️ " + ctx.t._("Done"), "vo:cats-done", role="done")])
    return buttons


async def _category(ctx: Context, answer: Answer) -> None:
    if ctx.args not in HELP_CATEGORIES:
        ctx.stale()
    _toggle(answer.draft, "categories", ctx.args, tuple(HELP_CATEGORIES))
    FORM.ask(ctx, "categories", answer.data)


async def _categories_done(ctx: Context, answer: Answer) -> None:
    if not answer.draft.get("categories"):
        ctx.toast(ctx.t._("Please choose at least one kind of help."))
        return
    await FORM.answered(ctx, answer)


# The longest note on when a volunteer is free (for the coordinators).
AVAILABILITY_LIMIT = 200


async def _availability(ctx: Context, answer: Answer) -> None:
    event = ctx.incoming.event
    if not isinstance(event, Text) or not event.text.strip():
        await ask_again(ctx, answer)
        return
    answer.draft["availability"] = clean_text(event.text)
    await FORM.answered(ctx, answer)


def _quiet_buttons(ctx: Context, profile: dict[str, Any]) -> list[list[Button]]:
    """The quiet hours to choose from, the current one ticked (22:00–07:00 until chosen)."""
    now = (profile.get("quiet_start", 22), profile.get("quiet_end", 7))

    def choice(label: str, key: str) -> Button:
        return Button(ui.ticked(ctx.t, label, QUIET[key] == now), f"vo:q:{key}")

    return [
        [choice(ctx.t._("No quiet hours"), "0-0")],
        [choice(ctx.t.digits("22:00–07:00"), "22-7"), choice(ctx.t.digits("20:00–08:00"), "20-8")],
    ]


async def _quiet(ctx: Context, answer: Answer) -> None:
    if ctx.args not in QUIET:
        ctx.stale()
    answer.draft["quiet_start"], answer.draft["quiet_end"] = QUIET[ctx.args]
    await FORM.answered(ctx, answer)


def _evening_buttons(ctx: Context, _profile: dict[str, Any]) -> list[list[Button]]:
    return [
        [Button(ctx.t._("🌆 Yes, evenings too"), "vo:eve:1")],
        [Button(ctx.t._("No, only in the daytime"), "vo:eve:0")],
    ]


async def _evenings(ctx: Context, answer: Answer) -> None:
    if ctx.args not in ("0", "1"):
        ctx.stale()
    answer.draft["evenings"] = ctx.args == "1"
    await FORM.answered(ctx, answer)


def _max_buttons(ctx: Context, _profile: dict[str, Any]) -> list[list[Button]]:
    return [[Button(ctx.t.number(n), f"vo:max:{n}", value=n) for n in (1, 2, 3)]]


async def _max(ctx: Context, answer: Answer) -> None:
    if ctx.args not in ("1", "2", "3"):
        ctx.stale()
    answer.draft["max_open"] = int(ctx.args)
    await FORM.answered(ctx, answer)


async def _after(ctx: Context, answer: Answer) -> None:
    """What follows an answered step: a new volunteer's next step, saved after the last;
    a changed answer saved at once (a place to help around still wants its distance)."""
    if answer.data.get("one") and answer.step != "around":
        event = ctx.incoming.event
        if isinstance(event, ButtonPress) and event.data in SKIPS:
            await volunteer_home(ctx, ctx.t.t("⏭ Skipped: nothing changed."))
            return
        await _saved(ctx, answer.data)
        return
    following = FORM.following(answer.step)
    if following:
        FORM.ask(ctx, following, answer.data)
    else:
        await _saved(ctx, answer.data)


# By text (a sender can be forged) the answers are saved only after the code texted to the
# number, or within a while of a right one (handlers/numbers/coded_acts.py): a forger would
# otherwise steer what the volunteer is offered. Held with the form's data as it is now.
SAVE_HELD = "volunteer.save"


async def _saved(ctx: Context, data: dict[str, Any]) -> None:
    """The answers in ``data`` saved, unless they wait for the number's code."""
    if await coded_acts.held(
        ctx, SAVE_HELD, data, lambda t, code: t.t(code_texts.PROFILE, code=code)
    ):
        return
    await _saved_by_code(ctx, data)


async def _saved_by_code(ctx: Context, data: dict[str, Any]) -> None:
    if data.get("one"):
        await _save_one(ctx, data)
    else:
        await _save_new(ctx, data)


async def _save(ctx: Context, data: dict[str, Any]) -> Volunteer:
    ctx.clear_state()
    return await ctx.db.volunteers.save(
        ctx.user.id, **{k: v for k, v in data[FORM.draft].items() if k in PROFILE}
    )


async def _save_one(ctx: Context, data: dict[str, Any]) -> None:
    """A changed answer: saved, and the page again - no walk through the others."""
    await _save(ctx, data)
    await ctx.db.requests.audit(ctx.user.id, "volunteer.change", f"user:{ctx.user.id}")
    await volunteer_home(ctx, ctx.t.t("✅ Saved."))
    # A wider profile may fit requests that found nobody so far.
    await offer_fanout.offer_to(ctx, ctx.user.id)


async def _save_new(ctx: Context, data: dict[str, Any]) -> None:
    """A new volunteer: thanks, the profile, and the optional answers offered."""
    t = ctx.t
    volunteer = await _save(ctx, data)
    await ctx.db.requests.audit(ctx.user.id, "volunteer.register", f"user:{ctx.user.id}")
    if not volunteer.verified_at:
        await _ask_coordinators_to_verify(ctx)
    text = t.t("✅ <b>Thank you for volunteering!</b>") + "\n\n" + describe_profile(t, volunteer)
    if not volunteer.verified_at and ctx.settings.require_verified_volunteers:
        text += "\n\n" + t.t(
            "🎓 A coordinator will contact you for the short basic "
            "training. After that you will receive requests."
        )
    text += "\n\n" + t.t(
        "Optional, now or later on your volunteer page: a note on when you are usually "
        "free, your quiet hours and whether you take evening requests. There each answer "
        "can be changed on its own."
    )
    ctx.reply(text, [[b] for b in _optional_buttons(t)] + ui.back_to_menu(ctx))
    # A new profile may fit requests that found nobody so far.
    await offer_fanout.offer_to(ctx, ctx.user.id)


async def _ask_coordinators_to_verify(ctx: Context) -> None:
    """One "please /verify" notice per volunteer: saving the profile again replaces the
    earlier post instead of adding another."""
    subject = f"user:{ctx.user.id}"
    name = ctx.user.first_name or "?"

    def notice(t):
        return Message(
            t.t(
                "🙋 New volunteer {name} (user {user_id}). Please arrange the basic "
                "training, then confirm with /verify {user_id}.",
                name=name,
                user_id=ctx.user.id,
            ),
            [[write_button(t, ctx.user.id)]],
            typed_choices=False,
        )

    earlier = await ctx.db.relay.notice_posts("verify", subject)
    if earlier:
        for outbox_id in earlier:
            await ctx.mail.edit(outbox_id, notice, about=[ctx.user.id])
        return
    for outbox_id in await ctx.mail.to_backchannel(notice, about=[ctx.user.id]):
        await ctx.db.relay.add_notice_post("verify", subject, outbox_id)


FORM = StepForm(
    prefix="vo",
    state=STATE,
    draft="profile",
    cancelled=N_("✖️ Cancelled. Nothing was changed."),
    after=_after,
    steps={
        "area": Step(
            N_(
                "📍 Where can you help? Choose one or more districts, or help around a place "
                "within a distance."
            ),
            buttons=_area_buttons,
            presses={"bz": _district, "around": _around, "area-done": _area_done},
            takes=_district_named,
            next="point",
        ),
        "point": Step(
            POINT_QUESTION,
            buttons=_point_buttons,
            takes=_point,
            presses={"nopt": _no_point, "unpt": _remove_point},
            location=True,
            next="categories",
        ),
        "around": Step(
            N_(
                "📍 Share the location you want to help around, or send its postcode (for "
                "example your home - only the distance to requests is used)."
            ),
            takes=_location,
            location=True,
            next="radius",
        ),
        "radius": Step(
            N_("📏 How far from there?"),
            buttons=_radius_buttons,
            presses={"r": _radius},
            next="categories",
        ),
        "categories": Step(
            N_("🧰 What can you help with? Tap all that apply, then Done."),
            buttons=_category_buttons,
            presses={"cat": _category, "cats-done": _categories_done},
            next="languages",
        ),
        "languages": language_choice.step(
            "vo",
            N_("🗣 Which languages do you speak? Tap all that apply, then Done."),
            next="max",
            # As the form's other tick lists (areas, kinds of help): each tick asks anew.
            redraw=False,
        ),
        # The optional steps, asked alone after registering or from the page.
        "availability": Step(
            N_(
                "🗓 A note for the coordinators: when are you usually free? For example: "
                "Tuesday mornings, not in August. Only people read it. Optional."
            ),
            takes=_availability,
            skip=True,
        ),
        "quiet": Step(
            N_("🌙 At which times should I not send you requests?"),
            buttons=_quiet_buttons,
            presses={"q": _quiet},
            skip=True,
        ),
        "evenings": Step(
            N_(
                "🌆 Do you also take requests in the evening? Then I may ask you after the "
                "daytime too, when someone needs help the same evening."
            ),
            buttons=_evening_buttons,
            presses={"eve": _evenings},
            skip=True,
        ),
        "max": Step(
            N_("🔢 How many requests do you want to take on at the same time?"),
            buttons=_max_buttons,
            presses={"max": _max},
        ),
    },
)


def register(router: Router) -> None:
    router.menu_action("volunteer")(volunteer_home)

    @router.command("volunteer", N_("Help your neighbours as a volunteer"))
    async def volunteer_command(ctx: Context) -> None:
        await volunteer_home(ctx)

    # The volunteer poster's code (bot/web/public/posters.py, ``volunteer_<language>``):
    # the language names the poster, not the reader (who chose theirs at the start).
    @router.deep_link("volunteer")
    async def volunteer_link(ctx: Context) -> bool:
        await volunteer_home(ctx)
        return True

    for action, callback in {
        "reg": _register,
        "ed": _change,
        "pause": _pause,
        "resume": _resume,
        "rec": _record,
        "leave": _ask_leave,
        "leavey": _leave,
        "talk": _show_talk_shift,
        "ts": _toggle_talk_slot,
    }.items():
        # By text whether and how she is offered requests waits for the number's code, as
        # her answers do (``_saved``); leaving always for its own (``ONE_CODE_EACH``).
        router.action(
            "vo",
            action,
            coded=CODED.get(action),
            vouched_passes=action not in ONE_CODE_EACH,
        )(callback)
    FORM.register(router)
    # A longer note the dispatcher refuses, the step kept - never one cut short.
    router.limit_input(STATE + "availability", AVAILABILITY_LIMIT)
    router.confirmed[SAVE_HELD] = _saved_by_code

    @router.command(
        "verify",
        N_("Confirm a volunteer's basic training (coordinators)"),
        role="coordinator",
        backchannel=True,
    )
    async def verify(ctx: Context) -> None:
        target = ctx.number_argument()
        if target is None or not await confirm_training(ctx, ctx.user, target):
            ctx.reply(
                ctx.t.t("Please name the number of a registered volunteer, for example: /verify 17")
            )
            return
        ctx.reply(
            ctx.t.t(
                "✅ Volunteer {user_id} is confirmed and will now receive requests.", user_id=target
            )
        )
