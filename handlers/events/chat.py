""" "Events" in the chat: what happens near me, in my district, this week; details,
"remind me", a calendar file, reminder times and subscriptions to places and districts.

States: ``events.where`` (waiting for a location or district) and ``events.list`` (a list is
shown; its query is in the state data so paging and filters survive a restart). A shared
location is rounded to ~100 m when it arrives (``places.coarse.SEARCH``) and kept only
while the list is shown: another state, the menu or any command ends it (``events.list`` is
a view, ``Router.views``).

Button data (``ev:…``), each action its own callback:
- any time: ``where``, ``week``, ``mine``, ``times``, ``subs``, ``d:<id>:<occurrence>``,
  ``rm:<id>:<occurrence>``, ``r1:<id>:<occurrence>`` (remind once), ``ra:<id>`` (every
  time), ``un:<id>``, ``ics:<id>:<occurrence>``, ``myics``, ``t:<minutes>``, ``toff``,
  ``sp:<place id>``, ``sd:<district>``, ``usp:<place id>``, ``usd:<district>``;
- with a list (``events.list``): ``more``, ``prev``, ``wc`` (wheelchair filter), ``cat:<n>``,
  ``list`` (back to the list from an event's details); ``n:<key>:<occurrence>:<id>`` a
  listener's "➕ More": the three events after that occurrence of event ``id`` (a cursor:
  the same three however late it is pressed, while earlier ones pass or are cancelled) in
  the list whose key (``short_lists.list_key`` of its place, time span and filters) is
  ``key``; another list's key, a forged cursor or none after it is stale.

A listener (read aloud, ``short_lists.listens``) gets the list three events at a time, a
line each (title, day and time: the weekday alone within the coming six days), with a
button per event for its details, "➕ More" and the wheelchair filter (the cursor of what
was heard before is ``after`` in the state data, for "back to the list"); people who read
get pages of six with ◀️/▶️ and the tag filters.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from markupsafe import Markup

from db.events import Event
from handlers import ui
from handlers.context import Context
from handlers.events.ical import to_ics
from handlers.events.recurrence import local, next_occurrences, occurrences
from handlers.events.reminders import from_key, occurrence_key, sync_event
from handlers.messages import Button, Document, Location, Message, Text, Venue
from handlers.parsing import id_number, number
from handlers.places import short_lists
from handlers.places.coarse import SEARCH, coarsen
from handlers.places.gazetteer import distance_m, load_gazetteer
from handlers.places.render import distance, in_source_language, wheelchair_line
from handlers.places.short_lists import SHORT
from handlers.router import Router
from locales import N_, TIMEZONE, Formatted, Translator, balance_bidi, isolate

WHERE = "events.where"
LIST = "events.list"
PAGE = 6
# The actions that only browse (where, the week, a place's details): the same to everyone.
BROWSING = frozenset({"where", "week", "d"})
NEAR_M = 3000
OFFSETS = (60, 180, 1440, 2880)


def _now() -> datetime:
    return datetime.now(UTC)


# How long before an event a reminder comes, inside a sentence ("I will remind you: 1 hour
# before and 1 day before") and as a button, which starts with an icon and a capital.
OFFSET_WORDS = {
    60: N_("1 hour before"),
    180: N_("3 hours before"),
    1440: N_("1 day before"),
    2880: N_("2 days before"),
}
OFFSET_BUTTONS = {
    60: N_("⏰ 1 hour before"),
    180: N_("⏰ 3 hours before"),
    1440: N_("⏰ 1 day before"),
    2880: N_("⏰ 2 days before"),
}


# Event tags (iCalendar CATEGORIES) as the city's calendars write them, in German, each in
# the reader's language; a tag not named here is shown as it came.
TAGS = {
    "beratung": N_("Advice"),
    "essen": N_("Food"),
    "garten": N_("Gardening"),
    "jugend": N_("Young people"),
    "kinder": N_("Children"),
    "reparieren": N_("Repairs"),
    "senioren": N_("Older people"),
    "sprache": N_("Language"),
    "treffen": N_("Get-together"),
}


def tag_label(t: Translator, tag: str) -> str:
    known = TAGS.get(tag.strip().casefold())
    return t._(known) if known else tag


def offset_label(t: Translator, minutes: int) -> str:
    return t._(OFFSET_WORDS[minutes])


async def events_home(ctx: Context) -> None:
    t = ctx.t
    ctx.clear_state()
    ctx.reply(
        t.t("📅 <b>Events</b>")
        + "\n"
        + t.t(
            "Language cafés, neighbourhood festivals, information evenings: what happens near "
            "you, with a reminder if you like."
        ),
        [
            [Button("📍 " + t._("Near me or in a district"), "ev:where")],
            [Button("🗓 " + t._("This week"), "ev:week")],
            [
                Button("🔔 " + t._("My reminders"), "ev:mine"),
                Button("⏰ " + t._("Reminder times"), "ev:times"),
            ],
            [Button("📬 " + t._("My subscriptions"), "ev:subs")],
            *ui.back_to_menu(ctx),
        ],
    )


async def _listing(ctx: Context, query: dict[str, Any]) -> list[tuple[datetime, Event, float]]:
    """(occurrence, event, distance or -1) for the query, soonest first."""
    now = _now()
    end = now + timedelta(days=query["days"])
    places = {}
    found = []
    for event in await ctx.db.events.active():
        lat, lon, wheelchair = event.lat, event.lon, event.wheelchair
        if event.place_id:
            if event.place_id not in places:
                places[event.place_id] = await ctx.db.places.get(event.place_id)
            place = places[event.place_id]
            if place is not None:
                lat, lon = lat or place.lat, lon or place.lon
                wheelchair = wheelchair or place.wheelchair
        meters = -1.0
        if query.get("lat") is not None:
            if lat is None or lon is None:
                continue
            meters = distance_m(query["lat"], query["lon"], lat, lon)
            near = meters <= NEAR_M or (
                query.get("district") and event.stadtbezirk == query["district"]
            )
            if not near:
                continue
        if query.get("wheelchair") and wheelchair != "yes":
            continue
        if query.get("category") and event.category != query["category"]:
            continue
        for occurrence in occurrences(event, now, end):
            found.append((occurrence, event, meters))
    found.sort(key=lambda item: (item[0], item[1].id))
    return found


def _title_lines(t: Translator, query: dict[str, Any]) -> list[Markup]:
    title = (
        t.t("📅 <b>Events near {place}</b>", place=query["label"])
        if query.get("label")
        else t.t("📅 <b>Events this week</b>")
    )
    lines = [title]
    if query.get("wheelchair"):
        lines.append(Markup.escape("♿ " + t._("wheelchair accessible")))
    lines.append(Markup(""))
    return lines


def _wheelchair_button(t: Translator, query: dict[str, Any]) -> Button:
    wheelchair = ("✅ " if query.get("wheelchair") else "") + "♿ " + t._("wheelchair accessible")
    return Button(wheelchair, "ev:wc")


async def show_list(ctx: Context, query: dict[str, Any], *, edit: bool = False) -> None:
    if short_lists.listens(ctx):
        await _show_short(ctx, query, edit=edit)
        return
    t = ctx.t
    ctx.set_state(LIST, query)
    found = await _listing(ctx, query)
    page = int(query.get("page", 0))
    shown = found[page * PAGE : (page + 1) * PAGE]
    lines = _title_lines(t, query)
    buttons: list[list[Button]] = []
    if not shown:
        lines.append(t.t("😔 No events found for this time and place."))
    for occurrence, event, meters in shown:
        when = t.day_and_time(occurrence)
        line = t.format("🗓 {when} · <b>{title}</b>", when=when, title=event.title_in(t.lang))
        if meters >= 0:
            line += t.format(" · 📏 {distance}", distance=distance(t, meters))
        if event.status == "changed":
            line += Markup(" · ") + t.t("⚠️ changed")
        lines.append(line)
        label = _day_and_title(t, occurrence, event)
        buttons.append([Button(label, f"ev:d:{event.id}:{occurrence_key(occurrence)}")])
    navigation = []
    if page > 0:
        navigation.append(Button(t.arrow("back") + " " + t._("Back"), "ev:prev", role="back"))
    if len(found) > (page + 1) * PAGE:
        navigation.append(Button(t._("More") + " " + t.arrow("on"), "ev:more"))
    if navigation:
        buttons.append(navigation)
    buttons.append([_wheelchair_button(t, query)])
    categories = sorted({event.category for _, event, _ in found if event.category})
    query["categories"] = categories
    ctx.set_state(LIST, query)
    filters = [
        Button(
            ("✅ " if query.get("category") == c else "") + ui.shortened(tag_label(t, c), 20),
            f"ev:cat:{i}",
        )
        for i, c in enumerate(categories[:5])
    ]
    buttons += ui.rows(filters, 3)
    buttons.extend(ui.back_to_menu(ctx))
    ctx.reply(Markup("\n").join(lines), buttons, edit=edit)


def _list_key(query: dict[str, Any]) -> str:
    """The key of the list a listener's "more" belongs to: its place and filters."""
    return short_lists.list_key(
        query.get("lat"),
        query.get("lon"),
        query.get("district"),
        query.get("days"),
        bool(query.get("wheelchair")),
        query.get("category"),
    )


async def _show_short(
    ctx: Context, query: dict[str, Any], *, edit: bool = False, pressed: bool = False
) -> None:
    """A listener's list: the three events after ``query["after"]`` (the occurrence key
    and event id of the last one heard; none: from the first), a line each. A "more"
    that was ``pressed`` and finds none after its cursor is stale."""
    t = ctx.t
    found = await _listing(ctx, query)
    after = query.get("after")
    cursor = (str(after[0]), int(after[1])) if after else ("", 0)
    rest = [item for item in found if (occurrence_key(item[0]), item[1].id or 0) > cursor]
    if pressed and not rest:
        ctx.stale()
    shown = rest[:SHORT]
    query["categories"] = sorted({event.category for _, event, _ in found if event.category})
    ctx.set_state(LIST, query)
    lines = _title_lines(t, query)
    buttons: list[list[Button]] = []
    if not shown:
        lines.append(t.t("😔 No events found for this time and place."))
    today = _now().astimezone(TIMEZONE).date()
    for position, (occurrence, event, _meters) in enumerate(shown, start=1):
        line = t.format(
            "{number}. <b>{title}</b> · 🗓 {when}",
            number=position,
            title=event.title_in(t.lang),
            when=_heard_when(t, occurrence, today),
        )
        if event.status == "changed":
            line += Markup(" · ") + t.t("⚠️ changed")
        lines.append(line)
    details = [f"ev:d:{event.id}:{occurrence_key(occurrence)}" for occurrence, event, _ in shown]
    buttons.extend(short_lists.item_buttons(t, details))
    if len(rest) > SHORT:
        last, event, _meters = shown[-1]
        more = f"ev:n:{_list_key(query)}:{occurrence_key(last)}:{event.id}"
        buttons.append([short_lists.more_button(t, more)])
    buttons.append([_wheelchair_button(t, query)])
    buttons.extend(ui.back_to_menu(ctx))
    ctx.reply(Markup("\n").join(lines), buttons, edit=edit)


def _heard_when(t: Translator, occurrence: datetime, today: date) -> Formatted:
    """Day and time as a listener hears them: within the coming six days the weekday alone
    ("Tuesday, 15:00"), later with the date (a Tuesday a week ahead is not "Tuesday")."""
    days = (occurrence.astimezone(TIMEZONE).date() - today).days
    return t.day_and_time(occurrence, "EEEE" if days < 7 else "MMMEd")


async def show_event(ctx: Context, event: Event, occurrence: datetime | None) -> None:
    t = ctx.t
    now = _now()
    if occurrence is None:
        upcoming = next_occurrences(event, now, 1)
        occurrence = upcoming[0] if upcoming else local(event.starts_local)
    end = occurrence + timedelta(minutes=event.duration_minutes)
    lines = [t.format("<b>{title}</b>", title=event.title_in(t.lang))]
    if event.status == "cancelled":
        lines.append(t.t("❌ This event is cancelled."))
    elif event.status == "changed":
        lines.append(t.t("⚠️ This event was changed - please check the details."))
    description = event.description_in(t.lang)
    if description:
        lines.append(in_source_language(t, description, event.texts, event.lang))
    lines.append(Markup(""))
    lines.append(
        t.t(
            "🗓 {date}, {start}–{end}",
            date=t.date(occurrence, "full"),
            start=t.time(occurrence),
            end=t.time(end),
        )
    )
    if event.rrule:
        later = [o for o in next_occurrences(event, occurrence + timedelta(minutes=1), 3)]
        if later:
            lines.append(
                t.t("🔁 Also on: {dates}", dates=t.list_of(t.date(o, "medium") for o in later))
            )
    place = await ctx.db.places.get(event.place_id) if event.place_id else None
    # The place's name as on the sign at its door.
    where = place.name if place else event.address
    if where:
        lines.append(t.format("📍 {where}", where=where))
    wheelchair = event.wheelchair or (place.wheelchair if place else None)
    if wheelchair in ("yes", "limited", "no"):
        lines.append(wheelchair_line(t, wheelchair))
    if event.free_of_charge:
        lines.append(t.t("💶 free of charge"))
    if event.organiser:
        lines.append(t.t("👤 Organised by {organiser}", organiser=event.organiser))
    key = occurrence_key(occurrence)
    buttons = [
        [
            Button("🔔 " + t._("Remind me"), f"ev:rm:{event.id}:{key}"),
            Button("📥 " + t._("Add to my calendar"), f"ev:ics:{event.id}:{key}"),
        ]
    ]
    if place is not None:
        buttons.append(
            [
                Button("📍 " + t._("About the place"), f"pl:d:{place.id}"),
                Button("📬 " + t._("Subscribe to this place"), f"ev:sp:{place.id}"),
            ]
        )
    if event.stadtbezirk:
        buttons.append(
            [
                Button(
                    "📬 " + t._("Subscribe to {district}").format(district=event.stadtbezirk),
                    f"ev:sd:{event.stadtbezirk}",
                )
            ]
        )
    state = ctx.get_state()
    if state is not None and state.state == LIST:
        buttons.append([Button(t.arrow("back") + " " + t._("Back to the list"), "ev:list")])
    buttons.extend(ui.back_to_menu(ctx))
    ctx.reply(Markup("\n").join(lines), buttons)
    lat = event.lat or (place.lat if place else None)
    lon = event.lon or (place.lon if place else None)
    if lat is not None and lon is not None:
        ctx.send(Venue(lat, lon, title=event.title_in(t.lang), address=where or ""))


async def _follow(ctx: Context, event: Event, only: str) -> None:
    t = ctx.t
    await ctx.db.events.follow(ctx.user.id, event.id or 0, only)
    await sync_event(ctx.db, event.id or 0, _now())
    if not ctx.user.reminder_offsets:
        ctx.reply(
            t.t("🔕 Reminders are switched off. Choose reminder times to get them."),
            [[Button("⏰ " + t._("Reminder times"), "ev:times")]],
        )
        return
    # Only the times still ahead: for an event today "1 day before" has passed already.
    pending = await ctx.db.events.pending_for_user(ctx.user.id)
    ahead = {r.minutes_before for r in pending if r.event_id == event.id}
    buttons = [[Button("🔔 " + t._("My reminders"), "ev:mine")], *ui.back_to_menu(ctx)]
    if not ahead:
        ctx.reply(t.t("🔔 Saved. It starts too soon for a reminder."), buttons)
        return
    times = t.list_of(offset_label(t, m) for m in OFFSETS if m in ahead)
    ctx.reply(t.t("🔔 I will remind you: {times}.", times=times), buttons)


async def show_mine(ctx: Context) -> None:
    t = ctx.t
    follows = await ctx.db.events.follows(user_id=ctx.user.id)
    if not follows:
        ctx.reply(
            t.t('🔔 You have no reminders yet. Open an event and tap "Remind me".'),
            ui.back_to_menu(ctx),
        )
        return
    lines = [t.t("🔔 <b>My reminders</b>"), Markup("")]
    buttons = []
    for _user, event_id, only in follows:
        event = await ctx.db.events.get(event_id)
        if event is None:
            continue
        when = t.datetime(local(only), "medium") if only else t.t("every time")
        lines.append(t.format("• <b>{title}</b> - {when}", title=event.title_in(t.lang), when=when))
        buttons.append([Button(ui.shortened("✖️ " + event.title_in(t.lang)), f"ev:un:{event_id}")])
    buttons.append([Button("📥 " + t._("All as a calendar file"), "ev:myics")])
    buttons.extend(ui.back_to_menu(ctx))
    ctx.reply(Markup("\n").join(lines), buttons)


async def show_times(ctx: Context, *, edit: bool = False) -> None:
    t = ctx.t
    chosen = set(ctx.user.reminder_offsets)
    buttons = [
        [Button(("✅ " if m in chosen else "") + t._(OFFSET_BUTTONS[m]), f"ev:t:{m}")]
        for m in OFFSETS
    ]
    buttons.append([Button(("✅ " if not chosen else "") + "🔕 " + t._("No reminders"), "ev:toff")])
    buttons.extend(ui.back_to_menu(ctx))
    ctx.reply(t.t("⏰ When should I remind you of events?"), buttons, edit=edit)


async def show_subscriptions(ctx: Context) -> None:
    t = ctx.t
    subscriptions = await ctx.db.events.subscriptions(ctx.user.id)
    if not subscriptions:
        ctx.reply(
            t.t(
                "📬 You have no subscriptions. Open an event to subscribe to its place or "
                "district; new events there will be announced to you."
            ),
            ui.back_to_menu(ctx),
        )
        return
    buttons = []
    for kind, target in subscriptions:
        if kind == "place":
            place = await ctx.db.places.get(int(target))
            name = place.name if place else target
            buttons.append([Button(ui.shortened(f"✖️ {name}"), f"ev:usp:{target}")])
        else:
            buttons.append([Button(ui.shortened(f"✖️ {target}"), f"ev:usd:{target}")])
    buttons.extend(ui.back_to_menu(ctx))
    ctx.reply(t.t("📬 <b>My subscriptions</b> - tap one to end it."), buttons)


def _parse_key(value: str) -> tuple[int, datetime | None] | None:
    raw_id, _, key = value.partition(":")
    event_id = id_number(raw_id)
    if event_id is None:
        return None
    if not key:
        return event_id, None
    if not (len(key) == 12 and number(key) is not None):
        return None
    try:
        return event_id, local(from_key(key))
    except ValueError:
        return None


async def events_at_place(ctx: Context, place) -> tuple[list[Markup], list[list[Button]]]:
    """The next dates at a place, for its details in "find a place"."""
    t = ctx.t
    now = _now()
    upcoming = sorted(
        (occurrence, event)
        for event in await ctx.db.events.active()
        if event.place_id == place.id
        for occurrence in occurrences(event, now, now + timedelta(days=30))
    )[:3]
    if not upcoming:
        return [], []
    lines = [t.t("📅 <b>Events</b>")]
    buttons = []
    for occurrence, event in upcoming:
        when = t.day_and_time(occurrence)
        lines.append(t.format("🗓 {when} · <b>{title}</b>", when=when, title=event.title_in(t.lang)))
        label = _day_and_title(t, occurrence, event)
        buttons.append([Button(label, f"ev:d:{event.id}:{occurrence_key(occurrence)}")])
    return lines, buttons


def _day_and_title(t: Translator, occurrence: datetime, event: Event) -> str:
    """An occurrence's button: its day, then its title shortened to the room left and
    isolated - in an Arabic or Persian label the day makes the label right-to-left, and a
    Latin title's closing "(Beispiel)" would otherwise be drawn at its far end, turned
    round ("28 نوفمبر Repair-Café (Beispiel)" read as "(Repair-Café (Beispiel"); an
    Arabic title in a German label alike. Its own bidi marks stay inside."""
    day = t.skeleton(occurrence, "MMMd")
    title = ui.shortened(event.title_in(t.lang), ui.LABEL - len(day) - 1)
    return f"{day} {isolate(balance_bidi(title))}"


# -- buttons ----------------------------------------------------------------------------------


async def _ask_where(ctx: Context) -> None:
    t = ctx.t
    ctx.set_state(WHERE)
    ctx.send(
        Message(
            t.t("📍 Where? Share your location, or type a postcode or district."),
            ui.back_to_menu(ctx),
            request_location="📍 " + t._("Share my location"),
            location_aside=t.t("👇 Or without a location:"),
        )
    )


async def _week(ctx: Context) -> None:
    await show_list(ctx, {"days": 7, "page": 0})


# The list's buttons (the router checks that a list is shown).


async def _query(ctx: Context) -> dict[str, Any]:
    _step, query = await ctx.pressed_in(LIST)
    return query


async def _page(ctx: Context, step: int) -> None:
    query = await _query(ctx)
    query["page"] = max(0, int(query.get("page", 0)) + step)
    await show_list(ctx, query, edit=True)


async def _more(ctx: Context) -> None:
    await _page(ctx, 1)


async def _next_three(ctx: Context) -> None:
    """A listener's "➕ More": the three events after the button's cursor, if the button
    belongs to the list shown."""
    query = await _query(ctx)
    key, cursor = short_lists.pressed_key(ctx.args)
    raw_occurrence, _, raw_id = cursor.partition(":")
    parsed = _parse_key(f"{raw_id}:{raw_occurrence}")
    if key != _list_key(query) or parsed is None or parsed[1] is None:
        ctx.stale()
    query["after"] = [occurrence_key(parsed[1]), parsed[0]]
    await _show_short(ctx, query, pressed=True)


async def _back_to_list(ctx: Context) -> None:
    # A new message: the details and their location stand between it and the old list.
    await show_list(ctx, await _query(ctx))


async def _prev(ctx: Context) -> None:
    await _page(ctx, -1)


async def _wheelchair(ctx: Context) -> None:
    query = await _query(ctx)
    query["wheelchair"] = not query.get("wheelchair")
    query["page"] = 0
    query.pop("after", None)
    await show_list(ctx, query, edit=True)


async def _category(ctx: Context) -> None:
    query = await _query(ctx)
    categories = query.get("categories") or []
    index = number(ctx.args, high=len(categories) - 1)
    if index is None:
        ctx.stale()
    chosen = categories[index]
    query["category"] = None if query.get("category") == chosen else chosen
    query["page"] = 0
    query.pop("after", None)
    await show_list(ctx, query, edit=True)


# An event's buttons: ``<id>`` or ``<id>:<occurrence>``.


async def _pressed_event(ctx: Context) -> tuple[Event, datetime | None]:
    parsed = _parse_key(ctx.args)
    if parsed is None:
        ctx.stale()
    event = await ctx.db.events.get(parsed[0])
    if event is None:
        ctx.stale()
    return event, parsed[1]


async def _details(ctx: Context) -> None:
    event, occurrence = await _pressed_event(ctx)
    await show_event(ctx, event, occurrence)


async def _follow_once(ctx: Context, event: Event, occurrence: datetime | None) -> None:
    only = (occurrence or local(event.starts_local)).replace(tzinfo=None)
    await _follow(ctx, event, only.isoformat(timespec="minutes"))


async def _remind(ctx: Context) -> None:
    """A repeating event asks: this date or every time; a single one is followed at once."""
    event, occurrence = await _pressed_event(ctx)
    if not event.rrule or occurrence is None:
        await _follow_once(ctx, event, occurrence)
        return
    t = ctx.t
    ctx.reply(
        t.t("🔔 Remind you only on {date}, or every time?", date=t.date(occurrence, "medium")),
        [
            [
                Button(t._("Only this date"), f"ev:r1:{event.id}:{occurrence_key(occurrence)}"),
                Button(t._("Every time"), f"ev:ra:{event.id}"),
            ]
        ],
    )


async def _remind_once(ctx: Context) -> None:
    await _follow_once(ctx, *await _pressed_event(ctx))


async def _remind_always(ctx: Context) -> None:
    event, _occurrence = await _pressed_event(ctx)
    await _follow(ctx, event, "")


async def _unfollow(ctx: Context) -> None:
    event, _occurrence = await _pressed_event(ctx)
    await ctx.db.events.unfollow(ctx.user.id, event.id or 0)
    ctx.toast(ctx.t._("Reminder removed."))
    await show_mine(ctx)


async def _calendar_file(ctx: Context) -> None:
    event, occurrence = await _pressed_event(ctx)
    ctx.send(
        Document(
            f"event-{event.id}.ics",
            # A repeating event goes into the calendar as the series, with its RRULE.
            to_ics([(event, None if event.rrule else occurrence)]),
            caption=ctx.t.t("📥 Open the file to add the event to your calendar."),
            mime_type="text/calendar",
        )
    )


async def _my_calendar_file(ctx: Context) -> None:
    items = []
    for _user, event_id, only in await ctx.db.events.follows(user_id=ctx.user.id):
        event = await ctx.db.events.get(event_id)
        if event is not None:
            items.append((event, local(only) if only else None))
    ctx.send(
        Document(
            "my-events.ics",
            to_ics(items),
            caption=ctx.t.t("📥 Open the file to add the event to your calendar."),
            mime_type="text/calendar",
        )
    )


# Reminder times.


async def _set_offsets(ctx: Context, offsets: set[int]) -> None:
    await ctx.db.users.set_reminder_offsets(ctx.user.id, sorted(offsets))
    ctx.user = await ctx.db.users.get(ctx.user.id) or ctx.user
    for _user, event_id, _only in await ctx.db.events.follows(user_id=ctx.user.id):
        await sync_event(ctx.db, event_id, _now())
    await show_times(ctx, edit=True)


async def _toggle_time(ctx: Context) -> None:
    offset = number(ctx.args)
    if offset not in OFFSETS:
        ctx.stale()
    await _set_offsets(ctx, set(ctx.user.reminder_offsets) ^ {offset})


async def _times_off(ctx: Context) -> None:
    await _set_offsets(ctx, set())


# Subscriptions to places and districts.


async def _subscription(ctx: Context, kind: str, on: bool) -> None:
    value = ctx.args
    valid = (
        (place_id := id_number(value)) is not None and await ctx.db.places.get(place_id) is not None
        if kind == "place"
        else value in {a.name for a in load_gazetteer(ctx.settings.places_data_dir).bezirke}
    )
    if not valid:
        ctx.stale()
    await ctx.db.events.subscribe(ctx.user.id, kind, value, on)
    if on:
        ctx.toast(ctx.t._("Subscribed: new events will be announced to you."))
    else:
        ctx.toast(ctx.t._("Subscription ended."))
        await show_subscriptions(ctx)


async def _subscribe_place(ctx: Context) -> None:
    await _subscription(ctx, "place", True)


async def _subscribe_district(ctx: Context) -> None:
    await _subscription(ctx, "district", True)


async def _unsubscribe_place(ctx: Context) -> None:
    await _subscription(ctx, "place", False)


async def _unsubscribe_district(ctx: Context) -> None:
    await _subscription(ctx, "district", False)


def register(router: Router) -> None:
    router.menu_action("events", unchecked=True)(events_home)
    router.place_sections.append(events_at_place)

    @router.command("events", N_("Events near you and reminders"))
    async def events_command(ctx: Context) -> None:
        await events_home(ctx)

    @router.deep_link("event")
    async def event_link(ctx: Context) -> bool:
        event_id = id_number(ctx.args)
        event = await ctx.db.events.get(event_id) if event_id is not None else None
        if event is None:
            return False
        await show_event(ctx, event, None)
        return True

    async def where_input(ctx: Context) -> None:
        event = ctx.incoming.event
        gazetteer = load_gazetteer(ctx.settings.places_data_dir)
        if isinstance(event, Location) and gazetteer.contains(event.latitude, event.longitude):
            nearest = gazetteer.nearest_stadtteil(event.latitude, event.longitude)
            lat, lon = coarsen(event.latitude, event.longitude, SEARCH)
            await show_list(
                ctx,
                {
                    "lat": lat,
                    "lon": lon,
                    "district": nearest.stadtbezirk,
                    "label": ctx.t._("your location"),
                    "days": 14,
                    "page": 0,
                },
            )
            return
        if isinstance(event, Text):
            area = gazetteer.resolve(event.text.strip(), ctx.settings.city).area
            if area is not None:
                await show_list(
                    ctx,
                    {
                        "lat": area.lat,
                        "lon": area.lon,
                        "district": area.stadtbezirk,
                        "label": area.name,
                        "days": 14,
                        "page": 0,
                    },
                )
                return
        ctx.refuse(
            ctx.t.t("📍 Please share your location or type a postcode or district."),
            ui.back_to_menu(ctx),
        )

    router.state(WHERE)(where_input)
    router.state(LIST, view=True)(where_input)

    for action, callback in {
        "where": _ask_where,
        "week": _week,
        "mine": show_mine,
        "times": show_times,
        "subs": show_subscriptions,
        "d": _details,
        "rm": _remind,
        "r1": _remind_once,
        "ra": _remind_always,
        "un": _unfollow,
        "ics": _calendar_file,
        "myics": _my_calendar_file,
        "t": _toggle_time,
        "toff": _times_off,
        "sp": _subscribe_place,
        "sd": _subscribe_district,
        "usp": _unsubscribe_place,
        "usd": _unsubscribe_district,
    }.items():
        # Browsing shows the same to everyone (a call that has not proven its number may);
        # "mine" shows only the person's own reminders (a checked call begins there).
        router.action("ev", action, unchecked=action in BROWSING, shows_own=action == "mine")(
            callback
        )
    for action, callback in {
        "more": _more,
        "n": _next_three,
        "prev": _prev,
        "list": _back_to_list,
        "wc": _wheelchair,
        "cat": _category,
    }.items():
        router.action("ev", action, states=(LIST,), unchecked=True)(callback)
