"""Volunteers say where, with what and in which languages they help, and how much.

Registration (states ``vol.<step>``): area (districts, or a radius around a location) →
kinds of help → languages → availability (optional text) → quiet hours → how many
requests at once. Afterwards: pause and resume, change, leave, and the record of help given.

Button data (``vo:…``): ``reg``, ``bz:<district>``, ``around``, ``r:<metres>``, ``area-done``,
``cat:<key>``, ``cats-done``, ``lang:<code>``, ``langs-done``, ``skip``, ``q:<start>-<end>``,
``max:<n>``, ``pause``, ``resume``, ``rec``, ``leave``, ``leavey``, ``cancel``.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from db.volunteers import Volunteer
from handlers import ui
from handlers.context import Context
from handlers.helping.requests_flow import category_label
from handlers.helping.vocabulary import HELP_CATEGORIES
from handlers.model import Button, ButtonPress, Document, Location, Message, Text
from handlers.places.gazetteer import load_gazetteer
from handlers.router import Router
from locales import N_, SUPPORTED_LANGUAGES, Translator, language_name

STATE = "vol."
QUIET = {"0-0": (0, 0), "22-7": (22, 7), "20-8": (20, 8)}
RADII = (1000, 2000, 5000)

PROMPTS = {
    "area": N_(
        "📍 Where can you help? Choose one or more districts, or help around a place "
        "within a distance."
    ),
    "around": N_(
        "📍 Share the location you want to help around (for example your home - "
        "only the distance to requests is used)."
    ),
    "radius": N_("📏 How far from there?"),
    "categories": N_("🧰 What can you help with? Tap all that apply, then Done."),
    "languages": N_("🗣 Which languages do you speak? Tap all that apply, then Done."),
    "availability": N_("🗓 When are you usually available? For example: weekday evenings. Or skip."),
    "quiet": N_("🌙 At which times should I not send you requests?"),
    "max": N_("🔢 How many requests do you want to take on at the same time?"),
}


def _prompt(step: str) -> str:
    return PROMPTS[step]


async def _ask(ctx: Context, step: str, data: dict[str, Any]) -> None:
    t = ctx.t
    ctx.set_state(STATE + step, data)
    profile = data["profile"]
    tick = lambda on: "✅ " if on else ""  # noqa: E731 - a tiny local formatter
    buttons: list[list[Button]] = []
    location = ""
    if step == "area":
        bezirke = load_gazetteer(ctx.settings.places_data_dir).bezirke
        chosen = set(profile.get("stadtbezirke") or ())
        buttons = ui.rows(
            [Button(tick(a.name in chosen) + a.name, f"vo:bz:{a.name}") for a in bezirke]
        )
        buttons.append([Button("📍 " + t._("Around a place instead"), "vo:around")])
        buttons.append([Button("✔️ " + t._("Done"), "vo:area-done")])
    elif step == "around":
        location = "📍 " + t._("Share my location")
    elif step == "radius":
        buttons = [
            [Button(t.format("{distance} km", distance=r // 1000), f"vo:r:{r}") for r in RADII]
        ]
    elif step == "categories":
        chosen = set(profile.get("categories") or ())
        buttons = ui.rows(
            [
                Button(tick(k in chosen) + category_label(t, k), f"vo:cat:{k}")
                for k in HELP_CATEGORIES
            ]
        )
        buttons.append([Button("✔️ " + t._("Done"), "vo:cats-done")])
    elif step == "languages":
        buttons = ui.language_toggles(t, profile.get("languages") or (), "vo")
    elif step == "availability":
        buttons = [[Button("⏭ " + t._("Skip"), "vo:skip")]]
    elif step == "quiet":
        buttons = [
            [Button(t._("No quiet hours"), "vo:q:0-0")],
            [Button("22:00–07:00", "vo:q:22-7"), Button("20:00–08:00", "vo:q:20-8")],
        ]
    elif step == "max":
        buttons = [[Button(str(n), f"vo:max:{n}") for n in (1, 2, 3)]]
    buttons.append([Button("✖️ " + t._("Cancel"), "vo:cancel")])
    toggling = (
        step in ("area", "categories", "languages")
        and isinstance(ctx.incoming.event, ButtonPress)
        and ctx.args.partition(":")[0] in ("bz", "cat", "lang")
    )
    ctx.send(Message(t.t(_prompt(step)), buttons, edit=toggling, request_location=location))


def describe_profile(t: Translator, volunteer: Volunteer) -> Markup:
    area = (
        ", ".join(volunteer.stadtbezirke)
        if volunteer.stadtbezirke
        else (t.format("{distance} km", distance=(volunteer.radius_m or 0) // 1000))
    )
    lines = [
        t.t("📍 Area: {area}", area=area),
        t.t(
            "🧰 Help with: {categories}",
            categories=", ".join(category_label(t, c) for c in volunteer.categories),
        ),
        t.t(
            "🗣 Languages: {languages}",
            languages=", ".join(language_name(c) for c in volunteer.languages),
        ),
        t.t("🔢 At the same time: {count}", count=volunteer.max_open),
    ]
    if volunteer.availability:
        lines.append(t.t("🗓 Available: {when}", when=volunteer.availability))
    if volunteer.quiet_start != volunteer.quiet_end:
        lines.append(
            t.t(
                "🌙 Quiet hours: {start}:00–{end}:00",
                start=f"{volunteer.quiet_start:02d}",
                end=f"{volunteer.quiet_end:02d}",
            )
        )
    status = t.t("⏸ paused") if volunteer.paused else t.t("▶️ active")
    if not volunteer.verified_at:
        status += Markup(" · ") + t.t("🎓 basic training not yet confirmed")
    lines.append(status)
    return Markup("\n").join(lines)


async def volunteer_home(ctx: Context) -> None:
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
    ctx.reply(
        t.t("🙋 <b>Your volunteer profile</b>") + "\n\n" + describe_profile(t, volunteer),
        [
            [Button("✏️ " + t._("Change"), "vo:reg"), pause],
            [Button("📜 " + t._("My help record"), "vo:rec")],
            [Button("🚪 " + t._("Stop volunteering"), "vo:leave")],
            *ui.back_to_menu(ctx),
        ],
    )


def _toggle(data: dict[str, Any], key: str, value: str, order: tuple[str, ...]) -> None:
    data["profile"][key] = ui.toggled(data["profile"].get(key) or [], value, order)


async def show_record(ctx: Context) -> None:
    t = ctx.t
    record = await ctx.db.volunteers.record(ctx.user.id)
    minutes = sum(m or 0 for _, _, _, m in record)
    hours = round(minutes / 60, 1)
    lines = [
        t.t("📜 <b>Your help record</b>"),
        t.tn("You helped {n} time.", "You helped {n} times.", len(record)),
        t.t("Time given: {hours} hours", hours=hours),
    ]
    for _request_id, category, closed_at, spent in record:
        lines.append(
            t.t(
                "• {date} - {category} ({minutes} min)",
                date=t.date(_parse(closed_at)),
                category=category_label(t, category),
                minutes=spent or 0,
            )
        )
    ctx.reply(Markup("\n").join(lines), ui.back_to_menu(ctx))
    if record:
        body = [
            t._("Record of voluntary neighbourhood help"),
            "",
            t._("Name: {name}").format(name=ctx.user.first_name or "-"),
            t._("City: {city}").format(city=ctx.settings.city),
            "",
        ]
        body += [
            t._("{date} - {category} ({minutes} min)").format(
                date=t.date(_parse(closed)),
                category=category_label(t, category),
                minutes=spent or 0,
            )
            for _, category, closed, spent in record
        ]
        body += [
            "",
            t._("Total: {count} times, {hours} hours").format(count=len(record), hours=hours),
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


async def _free_input(ctx: Context) -> None:
    state = ctx.get_state()
    assert state is not None
    step = state.state.removeprefix(STATE)
    data = dict(state.data)
    event = ctx.incoming.event
    if step == "around" and isinstance(event, Location):
        if ui.refuse_outside_city(ctx, event.latitude, event.longitude):
            return
        data["profile"].update(
            lat=round(event.latitude, 4), lon=round(event.longitude, 4), stadtbezirke=[]
        )
        await _ask(ctx, "radius", data)
    elif step == "availability" and isinstance(event, Text) and event.text.strip():
        data["profile"]["availability"] = event.text.strip()[:200]
        await _ask(ctx, "quiet", data)
    elif step in ("around", "availability"):
        ctx.reply(ctx.t.t(_prompt(step)))
    else:
        ctx.reply(ctx.t.t("👆 Please use the buttons above."))


def register(router: Router) -> None:
    router.menu_action("volunteer")(volunteer_home)

    @router.command("volunteer", N_("Help your neighbours as a volunteer"))
    async def volunteer_command(ctx: Context) -> None:
        await volunteer_home(ctx)

    for step in PROMPTS:
        router.state(STATE + step)(_free_input)

    @router.button("vo")
    async def volunteer_button(ctx: Context) -> None:
        action, _, value = ctx.args.partition(":")
        t = ctx.t
        if action == "reg":
            existing = await ctx.db.volunteers.get(ctx.user.id)
            profile = (
                {
                    name: list(getattr(existing, name))
                    if isinstance(getattr(existing, name), tuple)
                    else getattr(existing, name)
                    for name in (
                        "categories",
                        "stadtbezirke",
                        "languages",
                        "lat",
                        "lon",
                        "radius_m",
                        "availability",
                    )
                }
                if existing
                else {"languages": [t.lang]}
            )
            await _ask(ctx, "area", {"profile": profile})
            return
        volunteer = await ctx.db.volunteers.get(ctx.user.id)
        if action in ("pause", "resume", "rec", "leave", "leavey"):
            if volunteer is None:
                ctx.toast(t._("This button is no longer valid."))
                return
            if action in ("pause", "resume"):
                await ctx.db.volunteers.set_paused(ctx.user.id, action == "pause")
                ctx.toast(t._("Paused.") if action == "pause" else t._("Welcome back!"))
                await volunteer_home(ctx)
            elif action == "rec":
                await show_record(ctx)
            elif action == "leave":
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
            else:
                await ctx.db.volunteers.leave(ctx.user.id)
                ctx.reply(
                    t.t("👋 Thank you for your help! Your volunteer profile is deleted."),
                    ui.back_to_menu(ctx),
                    edit=True,
                )
            return
        pressed = await ctx.pressed_in(STATE)
        if pressed is None:
            return
        step, data = pressed
        profile = data["profile"]
        bezirke = {a.name for a in load_gazetteer(ctx.settings.places_data_dir).bezirke}
        if action == "cancel":
            ctx.clear_state()
            ctx.reply(t.t("✖️ Cancelled. Nothing was changed."), ui.back_to_menu(ctx), edit=True)
        elif action == "bz" and step == "area" and value in bezirke:
            _toggle(data, "stadtbezirke", value, tuple(sorted(bezirke)))
            profile.update(lat=None, lon=None, radius_m=None)
            await _ask(ctx, "area", data)
        elif action == "around" and step == "area":
            await _ask(ctx, "around", data)
        elif action == "area-done" and step == "area":
            if not profile.get("stadtbezirke"):
                ctx.toast(t._("Please choose at least one district."))
                return
            await _ask(ctx, "categories", data)
        elif action == "r" and step == "radius" and value.isdigit() and int(value) in RADII:
            profile["radius_m"] = int(value)
            await _ask(ctx, "categories", data)
        elif action == "cat" and step == "categories" and value in HELP_CATEGORIES:
            _toggle(data, "categories", value, tuple(HELP_CATEGORIES))
            await _ask(ctx, "categories", data)
        elif action == "cats-done" and step == "categories":
            if not profile.get("categories"):
                ctx.toast(t._("Please choose at least one kind of help."))
                return
            await _ask(ctx, "languages", data)
        elif action == "lang" and step == "languages" and value in SUPPORTED_LANGUAGES:
            _toggle(data, "languages", value, SUPPORTED_LANGUAGES)
            await _ask(ctx, "languages", data)
        elif action == "langs-done" and step == "languages":
            if not profile.get("languages"):
                ctx.toast(t._("Please choose at least one language."))
                return
            await _ask(ctx, "availability", data)
        elif action == "skip" and step == "availability":
            await _ask(ctx, "quiet", data)
        elif action == "q" and step == "quiet" and value in QUIET:
            profile["quiet_start"], profile["quiet_end"] = QUIET[value]
            await _ask(ctx, "max", data)
        elif action == "max" and step == "max" and value in ("1", "2", "3"):
            profile["max_open"] = int(value)
            ctx.clear_state()
            volunteer = await ctx.db.volunteers.save(
                ctx.user.id,
                **{
                    k: v
                    for k, v in profile.items()
                    if k
                    in (
                        "categories",
                        "stadtbezirke",
                        "lat",
                        "lon",
                        "radius_m",
                        "languages",
                        "availability",
                        "quiet_start",
                        "quiet_end",
                        "max_open",
                    )
                },
            )
            await ctx.db.requests.audit(ctx.user.id, "volunteer.register", f"user:{ctx.user.id}")
            if not volunteer.verified_at:
                from handlers.helping.moderation import backchannel_t, notify_backchannel

                bt = backchannel_t()
                await notify_backchannel(
                    ctx,
                    bt.t(
                        "🙋 New volunteer {name} (user {user_id}). Please arrange the basic "
                        "training, then confirm with /verify {user_id}.",
                        name=ctx.user.first_name or "?",
                        user_id=ctx.user.id,
                    ),
                )
            text = (
                t.t("✅ <b>Thank you for volunteering!</b>")
                + "\n\n"
                + describe_profile(t, volunteer)
            )
            if not volunteer.verified_at and ctx.settings.require_verified_volunteers:
                text += "\n\n" + t.t(
                    "🎓 A coordinator will contact you for the short basic "
                    "training. After that you will receive requests."
                )
            ctx.reply(text, ui.back_to_menu(ctx))
        else:
            ctx.toast(t._("This button is no longer valid."))

    @router.command(
        "verify",
        N_("Confirm a volunteer's basic training (coordinators)"),
        role="coordinator",
        backchannel=True,
    )
    async def verify(ctx: Context) -> None:
        target = ctx.number_argument()
        if target is None or not await ctx.db.volunteers.verify(target, ctx.user.id):
            ctx.reply(
                ctx.t.t("Please name the number of a registered volunteer, for example: /verify 17")
            )
            return
        await ctx.db.requests.audit(ctx.user.id, "volunteer.verify", f"user:{target}")
        ctx.reply(
            ctx.t.t(
                "✅ Volunteer {user_id} is confirmed and will now receive requests.", user_id=target
            )
        )
        user = await ctx.db.users.get(target)
        if user is not None and user.chat_id:
            from handlers.model import Recipient

            ut = ctx.translator_for(user)
            ctx.send(
                Message(
                    ut.t(
                        "🎓 Your basic training is confirmed. From now on you will "
                        "receive help requests that suit you."
                    ),
                    to=Recipient(user.platform, user.chat_id),
                )
            )
