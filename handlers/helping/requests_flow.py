"""A resident asks for help: category → description (text or voice) → where → when →
languages → summary → send; and lists, edits or withdraws their requests.

The draft lives in the conversation state (``request.<step>``), so a restart continues at
the same step. The place is stored coarsely: a Stadtteil and a point rounded to ~500 m.

Button data (``hr:…``): ``new``, ``mine``, ``cat:<key>``, ``area:<name>``, ``when:<kind>``,
``lang:<code>``, ``langs-done``, ``send``, ``change``, ``field:<step>``, ``cancel``,
``edit:<id>``, ``wd:<id>`` (ask), ``wdy:<id>`` (withdraw).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from markupsafe import Markup

from db.clock import to_text
from db.requests import ACTIVE, EDITABLE, HelpRequest, TransitionError
from handlers import ui
from handlers.context import Context
from handlers.helping import moderation
from handlers.helping.vocabulary import HELP_CATEGORIES, STATE_LABELS, WHEN
from handlers.model import Button, ButtonPress, Location, Media, Message, Text
from handlers.places.gazetteer import load_gazetteer
from handlers.places.render import language_names
from handlers.router import Router
from locales import N_, SUPPORTED_LANGUAGES, Translator

STATE = "request."
STEPS = ("category", "description", "where", "when", "languages")
MIN_TEXT, MAX_TEXT = 5, 1000
# About 500 m in Dortmund: enough to find helpers nearby, too coarse to find a door.
LAT_STEP, LON_STEP = 0.0045, 0.007

PROMPTS = {
    "category": N_("🤝 What do you need help with?"),
    "description": N_(
        "✍️ Describe in a few words what you need. You can also send a voice "
        "message. Please do not write your address or phone number - you will "
        "talk to your helper through this chat."
    ),
    "where": N_(
        "📍 Where? Share your location, or type your postcode or district. We only "
        "keep the area, never your address."
    ),
    "when": N_("🕓 When do you need the help?"),
    "when_text": N_("🕓 Which day and time? For example: Tuesday afternoon."),
    "contact": N_(
        "☎️ How can the helper reach the person? A phone number or an address - "
        "only the coordinators and the helper who takes the request will see it."
    ),
    "languages": N_("🗣 Which languages do you speak? Tap all that apply, then Done."),
}


def _prompt(step: str) -> str:
    # Looked up outside t.t(...): the extractor would otherwise take the key as a message.
    return PROMPTS[step]


def category_label(t: Translator, key: str) -> str:
    icon, label = HELP_CATEGORIES.get(key, HELP_CATEGORIES["other"])
    return f"{icon} {t._(label)}"


async def help_home(ctx: Context) -> None:
    t = ctx.t
    ctx.clear_state()
    if ctx.user.banned_at:
        ctx.reply(
            t.t(
                "⛔ You have been blocked from posting requests. If you think this is a "
                "mistake, please contact the neighbourhood office."
            ),
            ui.back_to_menu(ctx),
        )
        return
    ctx.reply(
        t.t("🤝 <b>Neighbourhood help</b>")
        + "\n"
        + t.t(
            "Neighbours help with small everyday things: shopping, going along to appointments, "
            "forms, a smartphone, company. Not with work that needs a professional trade."
        ),
        [
            [Button("✍️ " + t._("Ask for help"), "hr:new")],
            [Button("📋 " + t._("My requests"), "hr:mine")],
            *ui.back_to_menu(ctx),
        ],
    )


async def _limits_allow(ctx: Context) -> bool:
    t = ctx.t
    if ctx.user.banned_at:
        ctx.reply(
            t.t(
                "⛔ You have been blocked from posting requests. If you think this is a "
                "mistake, please contact the neighbourhood office."
            ),
            ui.back_to_menu(ctx),
        )
        return False
    since = to_text(datetime.now(UTC) - timedelta(days=1))
    ever, active, today = await ctx.db.requests.posting_counts(ctx.user.id, since)
    cooldown = ctx.settings.new_user_cooldown_minutes
    joined = datetime.fromisoformat(ctx.user.created_at.replace("Z", "+00:00"))
    if cooldown and datetime.now(UTC) - joined < timedelta(minutes=cooldown) and not ever:
        ctx.reply(
            t.tn(
                "✋ New accounts can post their first request {n} minute after "
                "joining. Please try again a little later.",
                "✋ New accounts can post their first request {n} minutes after "
                "joining. Please try again a little later.",
                cooldown,
            ),
            ui.back_to_menu(ctx),
        )
        return False
    if active >= ctx.settings.max_open_requests:
        ctx.reply(
            t.tn(
                "✋ You already have {n} open request. Please wait until it is done or "
                "withdraw it before you post a new one.",
                "✋ You already have {n} open requests. Please wait until one is done "
                "or withdraw one before you post a new one.",
                active,
            ),
            [[Button("📋 " + t._("My requests"), "hr:mine")]],
        )
        return False
    if today >= ctx.settings.max_requests_per_day:
        ctx.reply(
            t.t("✋ You have posted many requests today. Please try again tomorrow."),
            ui.back_to_menu(ctx),
        )
        return False
    return True


async def _ask(ctx: Context, step: str, data: dict[str, Any]) -> None:
    t = ctx.t
    ctx.set_state(STATE + step, data)
    buttons: list[list[Button]] = []
    location = ""
    if step == "category":
        buttons = ui.rows(
            [Button(category_label(t, key), f"hr:cat:{key}") for key in HELP_CATEGORIES]
        )
    elif step == "where":
        location = "📍 " + t._("Share my location")
    elif step == "when":
        buttons = [[Button(t._(label), f"hr:when:{key}")] for key, label in WHEN.items()]
    elif step == "languages":
        buttons = ui.language_toggles(t, data["draft"].get("languages") or (), "hr")
    buttons.append([Button("✖️ " + t._("Cancel"), "hr:cancel")])
    edit = step == "languages" and isinstance(ctx.incoming.event, ButtonPress)
    ctx.send(Message(t.t(_prompt(step)), buttons, edit=edit, request_location=location))


async def _after(ctx: Context, data: dict[str, Any], step: str) -> None:
    """Next step, or back to the summary when the user was changing one answer."""
    if data.get("changing"):
        data["changing"] = False
        await _summary(ctx, data)
        return
    index = STEPS.index(step)
    if index + 1 < len(STEPS):
        await _ask(ctx, STEPS[index + 1], data)
    else:
        await _summary(ctx, data)


def describe(t: Translator, draft: dict[str, Any] | HelpRequest) -> Markup:
    """The request as the requester, a coordinator or a volunteer reads it."""
    get = draft.get if isinstance(draft, dict) else lambda k, d=None: getattr(draft, k, d)
    lines = [t.format("<b>{category}</b>", category=category_label(t, get("category")))]
    description = get("description") or ""
    if description:
        lang = get("description_lang") or ""
        lines.append(
            t.t(
                "💬 {text} ({language})",
                text=description,
                language=language_names(t, (lang,)) if lang else "?",
            )
        )
    if get("voice_file_id"):
        lines.append(t.t("🎤 voice message"))
    if get("area_name"):
        lines.append(t.t("📍 {area}", area=get("area_name")))
    when = get("when_kind") or "asap"
    when_text = get("when_text") or ""
    lines.append(
        t.t("🕓 {when}", when=t._(WHEN.get(when, WHEN["asap"])))
        + (t.format(": {text}", text=when_text) if when_text else Markup(""))
    )
    languages = get("languages") or ()
    if languages:
        lines.append(t.t("🗣 {languages}", languages=language_names(t, tuple(languages))))
    return Markup("\n").join(lines)


async def _summary(ctx: Context, data: dict[str, Any]) -> None:
    t = ctx.t
    ctx.set_state(STATE + "summary", data)
    text = t.t("📋 <b>Please check your request:</b>") + "\n\n" + describe(t, data["draft"])
    if data["draft"].get("offline_contact"):
        text += "\n" + t.t(
            "☎️ Contact (coordinators only): {contact}", contact=data["draft"]["offline_contact"]
        )
    ctx.reply(
        text,
        [
            [Button("✅ " + t._("Send"), "hr:send")],
            [
                Button("✏️ " + t._("Change something"), "hr:change"),
                Button("✖️ " + t._("Cancel"), "hr:cancel"),
            ],
        ],
    )


def _coarse(lat: float, lon: float) -> tuple[float, float]:
    return (round(round(lat / LAT_STEP) * LAT_STEP, 5), round(round(lon / LON_STEP) * LON_STEP, 5))


async def _free_input(ctx: Context) -> None:
    state = ctx.get_state()
    assert state is not None
    step = state.state.removeprefix(STATE)
    data = dict(state.data)
    draft = data["draft"]
    event = ctx.incoming.event
    t = ctx.t
    if step == "contact":
        if isinstance(event, Text) and 3 <= len(event.text.strip()) <= 200:
            draft["offline_contact"] = event.text.strip()
            await _ask(ctx, "category", data)
        else:
            ctx.reply(t.t(_prompt(step)))
    elif step == "description":
        if isinstance(event, Media) and event.kind in ("voice", "audio"):
            draft.update(voice_file_id=event.file_id, voice_platform=ctx.user.platform)
            await _after(ctx, data, step)
        elif isinstance(event, Text) and MIN_TEXT <= len(event.text.strip()) <= MAX_TEXT:
            draft.update(description=event.text.strip(), description_lang=t.lang)
            await _after(ctx, data, step)
        elif isinstance(event, Text):
            ctx.reply(
                t.t(
                    "✍️ Please write between {low} and {high} characters, or send a voice message.",
                    low=MIN_TEXT,
                    high=MAX_TEXT,
                )
            )
        else:
            ctx.reply(t.t(_prompt(step)))
    elif step == "where":
        gazetteer = load_gazetteer(ctx.settings.places_data_dir)
        if isinstance(event, Location):
            if ui.refuse_outside_city(ctx, event.latitude, event.longitude):
                return
            area = gazetteer.nearest_stadtteil(event.latitude, event.longitude)
            lat, lon = _coarse(event.latitude, event.longitude)
            draft.update(area_name=area.name, stadtbezirk=area.stadtbezirk, lat=lat, lon=lon)
            await _after(ctx, data, step)
        elif isinstance(event, Text):
            resolution = gazetteer.resolve(event.text.strip())
            if resolution.area is None or resolution.area.kind == "point":
                buttons = [
                    [Button(f"📍 {name}", f"hr:area:{name}")] for name in resolution.suggestions
                ]
                ctx.reply(
                    t.t(
                        '🤔 I don\'t know "{query}". Did you mean one of these?',
                        query=event.text.strip(),
                    )
                    if buttons
                    else t.t(_prompt(step)),
                    buttons,
                )
                return
            _set_area(draft, resolution.area)
            await _after(ctx, data, step)
        else:
            ctx.reply(t.t(_prompt(step)))
    elif step == "when_text":
        if isinstance(event, Text) and 2 <= len(event.text.strip()) <= 200:
            draft["when_text"] = event.text.strip()
            await _after(ctx, data, "when")
        else:
            ctx.reply(t.t(_prompt("when_text")))
    else:
        ctx.reply(t.t("👆 Please use the buttons above."))


def _set_area(draft: dict[str, Any], area) -> None:
    lat, lon = _coarse(area.lat, area.lon)
    draft.update(area_name=area.name, stadtbezirk=area.stadtbezirk, lat=lat, lon=lon)


async def show_mine(ctx: Context) -> None:
    t = ctx.t
    ctx.clear_state()
    requests = (await ctx.db.requests.for_requester(ctx.user.id))[:10]
    if not requests:
        ctx.reply(
            t.t("📋 You have no requests yet."),
            [[Button("✍️ " + t._("Ask for help"), "hr:new")], *ui.back_to_menu(ctx)],
        )
        return
    lines = [t.t("📋 <b>Your requests</b>"), Markup("")]
    buttons: list[list[Button]] = []
    for request in requests:
        lines.append(
            t.format(
                "#{id} {category} - {state}",
                id=request.id,
                category=category_label(t, request.category),
                state=t._(STATE_LABELS[request.state]),
            )
        )
        row = []
        if request.state in ("review", "open"):
            row.append(Button(f"✏️ #{request.id}", f"hr:edit:{request.id}"))
        if request.state in ACTIVE:
            row.append(Button(f"🗑 #{request.id}", f"hr:wd:{request.id}"))
        if row:
            buttons.append(row)
    buttons.extend(ui.back_to_menu(ctx))
    ctx.reply(Markup("\n").join(lines), buttons)


async def _own_request(ctx: Context, value: str) -> HelpRequest | None:
    """The user's own request with this id; forged ids of other people's requests: None."""
    if not value.isdigit():
        return None
    request = await ctx.db.requests.get(int(value))
    if request is None or request.requester_id != ctx.user.id:
        return None
    return request


def _draft_of(request: HelpRequest) -> dict[str, Any]:
    return {name: getattr(request, name) for name in EDITABLE if name != "offline_contact"}


async def _send(ctx: Context, data: dict[str, Any]) -> None:
    t = ctx.t
    draft = data["draft"]
    draft["languages"] = tuple(draft.get("languages") or ())
    if data.get("request_id"):
        request = await ctx.db.requests.get(data["request_id"])
        if request is None or request.requester_id != ctx.user.id:
            ctx.toast(t._("This button is no longer valid."))
            return
        try:
            await ctx.db.requests.transition(
                request.id, "review", ctx.user.id, expect=("review", "open"), **draft
            )
        except TransitionError:
            ctx.clear_state()
            ctx.reply(t.t("😔 This request can no longer be changed."), ui.back_to_menu(ctx))
            return
        request = await ctx.db.requests.get(request.id)
    elif data.get("on_behalf"):
        # Entered by a coordinator for someone who phoned or came by: already checked.
        request = await ctx.db.requests.create(None, ctx.user.id, entered_by=ctx.user.id, **draft)
        request = await ctx.db.requests.transition(
            request.id, "open", ctx.user.id, decided_by=ctx.user.id
        )
        ctx.clear_state()
        ctx.reply(
            t.t(
                "✅ Request #{id} is published for the resident. Matching volunteers "
                "are being told.",
                id=request.id,
            ),
            ui.back_to_menu(ctx),
            edit=True,
        )
        from handlers.helping import matching

        await matching.offer(ctx, request)
        return
    else:
        if not await _limits_allow(ctx):
            return
        request = await ctx.db.requests.create(ctx.user.id, ctx.user.id, **draft)
    assert request is not None
    ctx.clear_state()
    ctx.reply(
        t.t(
            "⏳ Thank you! Your request #{id} is now being checked by our team. We will "
            "tell you as soon as it is published.",
            id=request.id,
        ),
        [[Button("📋 " + t._("My requests"), "hr:mine")], *ui.back_to_menu(ctx)],
        edit=True,
    )
    await moderation.submit_for_review(ctx, request)


def register(router: Router) -> None:
    router.menu_action("help")(help_home)

    @router.command("request", N_("Ask your neighbours for help"))
    async def request_command(ctx: Context) -> None:
        await help_home(ctx)

    @router.command(
        "enter",
        N_("Enter a request for a resident without a smartphone (coordinators)"),
        role="coordinator",
    )
    async def enter_command(ctx: Context) -> None:
        await _ask(ctx, "contact", {"draft": {"languages": [ctx.t.lang]}, "on_behalf": True})

    @router.command("myrequests", N_("Your help requests"))
    async def mine_command(ctx: Context) -> None:
        await show_mine(ctx)

    for step in (*STEPS, "when_text", "summary", "contact"):
        router.state(STATE + step)(_free_input)

    @router.button("hr")
    async def request_button(ctx: Context) -> None:
        action, _, value = ctx.args.partition(":")
        t = ctx.t
        if action == "new":
            if await _limits_allow(ctx):
                await _ask(ctx, "category", {"draft": {"languages": [t.lang]}})
            return
        if action == "mine":
            await show_mine(ctx)
            return
        if action == "keep":
            request = await _own_request(ctx, value)
            if request is None or request.state != "open":
                ctx.toast(t._("This button is no longer valid."))
                return
            await ctx.db.requests.mark(request.id, "kept_at")
            await ctx.db.requests.audit(ctx.user.id, "request.kept", f"request:{request.id}")
            ctx.reply(t.t("👍 Thank you. We keep looking for a helper."), edit=True)
            return
        if action in ("edit", "wd", "wdy"):
            request = await _own_request(ctx, value)
            if request is None:
                ctx.toast(t._("This button is no longer valid."))
                return
            if action == "edit":
                if request.state not in ("review", "open"):
                    ctx.reply(
                        t.t("😔 This request can no longer be changed."), ui.back_to_menu(ctx)
                    )
                    return
                await _summary(ctx, {"draft": _draft_of(request), "request_id": request.id})
            elif action == "wd":
                ctx.reply(
                    t.t("🗑 Withdraw request #{id}? Helpers will no longer see it.", id=request.id),
                    [
                        [
                            Button("🗑 " + t._("Yes, withdraw"), f"hr:wdy:{request.id}"),
                            Button("↩️ " + t._("No, keep it"), "hr:mine"),
                        ]
                    ],
                )
            else:
                await withdraw(ctx, request)
            return
        pressed = await ctx.pressed_in(STATE)
        if pressed is None:
            return
        step, data = pressed
        draft = data["draft"]
        if action == "cancel":
            ctx.clear_state()
            ctx.reply(t.t("✖️ Cancelled. Nothing was sent."), ui.back_to_menu(ctx), edit=True)
        elif action == "cat" and step == "category" and value in HELP_CATEGORIES:
            draft["category"] = value
            await _after(ctx, data, step)
        elif action == "area" and step == "where":
            area = load_gazetteer(ctx.settings.places_data_dir).resolve(value).area
            if area is None:
                ctx.toast(t._("This button is no longer valid."))
                return
            _set_area(draft, area)
            await _after(ctx, data, step)
        elif action == "when" and step == "when" and value in WHEN:
            draft["when_kind"] = value
            if value == "asap":
                draft["when_text"] = ""
                await _after(ctx, data, step)
            else:
                ctx.set_state(STATE + "when_text", data)
                ctx.reply(t.t(_prompt("when_text")))
        elif action == "lang" and step == "languages" and value in SUPPORTED_LANGUAGES:
            draft["languages"] = ui.toggled(
                draft.get("languages") or [], value, SUPPORTED_LANGUAGES
            )
            await _ask(ctx, "languages", data)
        elif action == "langs-done" and step == "languages":
            if not draft.get("languages"):
                ctx.toast(t._("Please choose at least one language."))
                return
            await _after(ctx, data, step)
        elif action == "change" and step == "summary":
            labels = {
                "category": N_("What"),
                "description": N_("Description"),
                "where": N_("Where"),
                "when": N_("When"),
                "languages": N_("Languages"),
            }
            ctx.reply(
                t.t("✏️ What do you want to change?"),
                [[Button(t._(label), f"hr:field:{key}")] for key, label in labels.items()],
            )
        elif action == "field" and step == "summary" and value in STEPS:
            data["changing"] = True
            await _ask(ctx, value, data)
        elif action == "send" and step == "summary":
            await _send(ctx, data)
        else:
            ctx.toast(t._("This button is no longer valid."))


async def withdraw(ctx: Context, request: HelpRequest) -> None:
    t = ctx.t
    try:
        await ctx.db.requests.transition(request.id, "withdrawn", ctx.user.id)
    except TransitionError:
        ctx.reply(t.t("😔 This request can no longer be changed."), ui.back_to_menu(ctx))
        return
    ctx.reply(
        t.t("✅ Request #{id} is withdrawn.", id=request.id),
        [[Button("📋 " + t._("My requests"), "hr:mine")], *ui.back_to_menu(ctx)],
        edit=True,
    )
    await moderation.request_closed(ctx, request, "withdrawn")
