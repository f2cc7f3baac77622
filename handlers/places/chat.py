""" "Find a place" as a conversation.

States: ``places.where`` - waiting for a location, postcode or district name;
``places.results`` - a result list is shown (its search is kept in the state data, so
"more", filters and "back to the list" work after a restart too). Typing another name or
sharing another location from the results starts a new search. A shared location is
rounded to ~100 m when it arrives (``places.coarse.SEARCH``); the state holds only that
point and the label "your location", and any other state, the menu, a new search or any
command replaces it (``places.results`` is a view, ``Router.views``).

Button data (``pl:…``), each action its own callback:
- any time: ``d:<id>`` details, ``i:<id>`` all the details behind an easy reader's short
  place (a place that no longer exists is said so; no state changes either way),
  ``week:<id>`` the whole week's opening hours (details show only today and the next
  opening), ``where`` search somewhere else, ``area:<name>`` a suggested district;
- with a result list (``places.results``): ``more``/``prev``/``list`` paging, ``filters``,
  ``cat:<key>``/``cat:*``, ``wc`` wheelchair, ``ml`` speaks my language, ``open`` open now;
  ``n:<key>:<offset>`` a listener's "➕ More": the three places from ``offset`` (a multiple
  of three) of the list whose key (``short_lists.list_key`` of its point and filters) is
  ``key``; another list's key, an odd offset or one past the end is stale.

A listener (read aloud, ``short_lists.listens``) gets the list three places at a time, a
line each (name, distance, open or closed now), with a button per place for its details,
"➕ More" and the filters (its first place's offset is ``start`` in the state data, for
"back to the list"); people who read get pages of ``places_page_size`` with ◀️/▶️. A texted
reader (SMS) gets those pages as numbered choices alone, one a place, first in the text
(handlers/media/texted_form.py numbers them); a place's details come on its number.

An easy reader (``ctx.reader.easy``, handlers/easy_language.py) gets a place short: its
name, how far, open or closed now and one line of how to get in (street and steps,
``render.easy_place``), with "ℹ️ All details" (``pl:i:<id>``) for the rest: the details
everyone else gets at once (hours, languages, phone, website, description, the events
there).

Every button, the menu entry and both states keep nothing of a person (``keeps_nothing``,
handlers/router.py): on the phone a new caller finds places before any privacy notice
(handlers/first_kept.py).

Deep links: ``/start place_<id>`` the place's details, ``/start district_<slug>`` the places
of a Stadtbezirk (``gazetteer.slug``; the web's posters print both). With the web on, the
question and the result list carry a "🗺 Map" link button (``ui.map_button``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

from handlers import parsing, ui
from handlers.context import Context
from handlers.messages import Button, Location, Message, Text, Venue
from handlers.parsing import id_number
from handlers.places import render, short_lists
from handlers.places.city_area import refuse_outside_city
from handlers.places.coarse import SEARCH, coarsen
from handlers.places.editing import edit_buttons
from handlers.places.gazetteer import Area, Gazetteer, distance_m, fold, load_gazetteer, slug
from handlers.places.search import Query, nearest
from handlers.places.short_lists import SHORT
from handlers.places.vocabulary import CATEGORIES
from handlers.reader import Medium
from handlers.router import Router
from handlers.staff import is_staff
from locales import N_

WHERE = "places.where"
RESULTS = "places.results"


def _now() -> datetime:
    return datetime.now(UTC)


def gazetteer(ctx: Context) -> Gazetteer:
    return load_gazetteer(ctx.settings.places_data_dir)


async def ask_where(ctx: Context) -> None:
    t = ctx.t
    ctx.set_state(WHERE, {})
    ctx.send(
        Message(
            text=t.t("📍 <b>Find a place</b>")
            + "\n"
            + t.t(
                "Where are you looking? Share your location, or type a postcode (for example "
                "{postcode}) or the name of your district (for example {district}).",
                postcode="44137",
                district="Hörde",
            ),
            buttons=ui.map_button(ctx) + ui.back_to_menu(ctx),
            request_location="📍 " + t._("Share my location"),
            location_aside=t.t("👇 Or without a location:"),
        )
    )


def _search_data(area: Area, label: str) -> dict[str, Any]:
    return {
        "lat": area.lat,
        "lon": area.lon,
        "label": label,
        "category": None,
        "wheelchair": False,
        "my_language": False,
        "open_now": False,
        "page": 0,
    }


def _filter_summary(ctx: Context, search: dict[str, Any]) -> Markup | None:
    parts = []
    if search.get("category") in CATEGORIES:
        parts.append(render.category_label(ctx.t, search["category"]))
    if search.get("wheelchair"):
        parts.append("♿ " + ctx.t._("wheelchair accessible"))
    if search.get("my_language"):
        parts.append("🗣 " + ctx.t._("speaks my language"))
    if search.get("open_now"):
        parts.append("🟢 " + ctx.t._("open now"))
    if not parts:
        return None
    return ctx.t.t("🔎 Filters: {filters}", filters=" · ".join(parts))


def _query(ctx: Context, search: dict[str, Any]) -> Query:
    return Query(
        lat=search["lat"],
        lon=search["lon"],
        category=search.get("category"),
        wheelchair=bool(search.get("wheelchair")),
        language=ctx.t.lang if search.get("my_language") else None,
        open_now=bool(search.get("open_now")),
    )


def _key(ctx: Context, search: dict[str, Any]) -> str:
    """The key of the list a listener's "more" belongs to: its point and filters."""
    query = _query(ctx, search)
    return short_lists.list_key(
        query.lat, query.lon, query.category, query.wheelchair, query.language, query.open_now
    )


async def show_results(ctx: Context, search: dict[str, Any], *, edit: bool = False) -> None:
    # A texted reader's list is its numbered choices, one line a place, first in the text
    # (handlers/media/texted_form.py numbers them): the places' lines above them would be the
    # list twice, and cut to fit they put one place's details before the list.
    texted = ctx.reader.medium == Medium.TEXTED
    if short_lists.listens(ctx) and not texted:
        await _show_short(ctx, search, edit=edit)
        return
    t = ctx.t
    size = ctx.settings.places_page_size
    query = _query(ctx, search)
    now = _now()
    page = max(0, int(search.get("page", 0)))
    found, more = await nearest(ctx.db, query, now, limit=size, offset=page * size)
    ctx.set_state(RESULTS, search)
    lines = _head(ctx, search, found)
    buttons: list[list[Button]] = []
    for number, item in enumerate(found, start=page * size + 1):
        if not texted:
            lines.append(render.place_line(t, number, item, now))
            lines.append(Markup(""))
        name = item.place.name
        # A texted choice has the texted form's number alone ("1 Seniorenbüro").
        shortened = ui.shortened(name, 30)
        label = shortened if texted else f"{t.number(number)}. {shortened}"
        buttons.append([Button(label, f"pl:d:{item.place.id}")])
    navigation = []
    if page > 0:
        navigation.append(Button(t.arrow("back") + " " + t._("Back"), "pl:prev", role="back"))
    if more:
        navigation.append(Button(t._("More") + " " + t.arrow("on"), "pl:more"))
    if navigation:
        buttons.append(navigation)
    buttons.append(
        [
            Button("🔎 " + t._("Filters"), "pl:filters"),
            Button("📍 " + t._("Somewhere else"), "pl:where"),
        ]
    )
    buttons.extend(ui.map_button(ctx))
    buttons.extend(ui.back_to_menu(ctx))
    ctx.reply(Markup("\n").join(lines).rstrip(), buttons, edit=edit)


async def _show_short(
    ctx: Context, search: dict[str, Any], *, edit: bool = False, pressed: bool = False
) -> None:
    """A listener's list: three places from ``search["start"]``, a line each; a "more"
    that was ``pressed`` and finds none there is stale (the list changed, or forged)."""
    t = ctx.t
    start = max(0, int(search.get("start", 0)))
    found, more = await nearest(ctx.db, _query(ctx, search), _now(), limit=SHORT, offset=start)
    if pressed and not found:
        ctx.stale()
    ctx.set_state(RESULTS, search)
    lines = _head(ctx, search, found)
    buttons: list[list[Button]] = []
    for position, item in enumerate(found, start=1):
        lines.append(render.place_short_line(t, position, item))
    buttons.extend(short_lists.item_buttons(t, [f"pl:d:{item.place.id}" for item in found]))
    if more:
        next_start = start + SHORT
        buttons.append([short_lists.more_button(t, f"pl:n:{_key(ctx, search)}:{next_start}")])
    buttons.append([Button("🔎 " + t._("Filters"), "pl:filters")])
    buttons.extend(ui.back_to_menu(ctx))
    ctx.reply(Markup("\n").join(lines), buttons, edit=edit)


def _head(ctx: Context, search: dict[str, Any], found: list[Any]) -> list[Markup]:
    """A list's first lines, for readers and listeners alike: where, the filters chosen,
    and that nothing was found if so."""
    t = ctx.t
    lines = [t.t("📍 <b>Places near {place}</b>", place=search["label"])]
    summary = _filter_summary(ctx, search)
    if summary:
        lines.append(summary)
    lines.append(Markup(""))
    if not found:
        lines.append(t.t("😔 No places found. Try fewer filters or another district."))
    return lines


async def _show_filters(ctx: Context, search: dict[str, Any]) -> None:
    t = ctx.t

    def tick(on: bool) -> str:
        return "✅ " if on else ""

    rows: list[list[Button]] = [
        [
            Button(
                tick(bool(search.get("wheelchair"))) + "♿ " + t._("wheelchair accessible"), "pl:wc"
            )
        ],
        [Button(tick(bool(search.get("my_language"))) + "🗣 " + t._("speaks my language"), "pl:ml")],
        [Button(tick(bool(search.get("open_now"))) + "🟢 " + t._("open now"), "pl:open")],
        [Button(tick(not search.get("category")) + "🔄 " + t._("All kinds of places"), "pl:cat:*")],
    ]
    categories = [
        Button(tick(search.get("category") == key) + render.category_label(t, key), f"pl:cat:{key}")
        for key in CATEGORIES
    ]
    rows += [categories[i : i + 2] for i in range(0, len(categories), 2)]
    rows.append([Button("✔️ " + t._("Show results"), "pl:list")])
    ctx.reply(t.t("🔎 <b>Filters</b> - choose what matters to you:"), rows, edit=True)


def _distance(ctx: Context, place: Any) -> float | None:
    """How far the place is from where the list shown was searched, if one is shown."""
    state = ctx.get_state()
    if state is None or state.state != RESULTS:
        return None
    return distance_m(state.data["lat"], state.data["lon"], place.lat, place.lon)


def _back_to_list(ctx: Context) -> list[list[Button]]:
    state = ctx.get_state()
    if state is None or state.state != RESULTS:
        return []
    return [[Button(ctx.t.arrow("back") + " " + ctx.t._("Back to the list"), "pl:list")]]


def _venue(ctx: Context, place: Any) -> None:
    ctx.send(
        Venue(
            latitude=place.lat,
            longitude=place.lon,
            title=place.name,
            address=render.address(place),
        )
    )


async def show_place(
    ctx: Context, place_id: int, *, back: bool, sections: list | None = None
) -> None:
    """A place: its details, or to an easy reader the short place with a button to them."""
    if not ctx.reader.easy:
        await show_details(ctx, place_id, back=back, sections=sections)
        return
    t = ctx.t
    place = await ctx.db.places.get(place_id)
    if place is None:
        ctx.reply(t.t("😔 This place no longer exists."), ui.back_to_menu(ctx))
        return
    buttons = [[Button("ℹ️ " + t._("All details"), f"pl:i:{place.id}")]]
    if back:
        buttons.extend(_back_to_list(ctx))
    buttons.extend(ui.back_to_menu(ctx))
    ctx.reply(render.easy_place(t, place, _now(), _distance(ctx, place)), buttons)
    _venue(ctx, place)


async def show_details(
    ctx: Context,
    place_id: int,
    *,
    back: bool,
    sections: list | None = None,
    venue: bool = True,
) -> None:
    """A place's details (with its ``sections``: the events there), and its pin unless
    ``venue`` is off (the easy reader's short place sent it already)."""
    t = ctx.t
    place = await ctx.db.places.get(place_id)
    if place is None:
        ctx.reply(t.t("😔 This place no longer exists."), ui.back_to_menu(ctx))
        return
    distance = _distance(ctx, place)
    buttons = []
    if is_staff(ctx.user):
        buttons.extend(edit_buttons(ctx, place))
    if render.has_week(place):
        buttons.append([Button("🗓 " + t._("Whole week"), f"pl:week:{place.id}")])
    if back:
        buttons.extend(_back_to_list(ctx))
    text = render.details(t, place, _now(), distance)
    for section in sections or []:
        lines, extra = await section(ctx, place)
        if lines:
            text += Markup("\n\n") + Markup("\n").join(lines)
        buttons = extra + buttons
    buttons.extend(ui.back_to_menu(ctx))
    ctx.reply(text, buttons)
    if venue:
        _venue(ctx, place)


async def search_area(ctx: Context, area: Area) -> None:
    """Places near a district or postcode (also asked from outside this conversation)."""
    await show_results(ctx, _search_data(area, area.name))


async def search_location(ctx: Context, latitude: float, longitude: float) -> None:
    """Places near a shared location, rounded when it arrives; outside the city: refused."""
    if refuse_outside_city(ctx, latitude, longitude, ui.back_to_menu(ctx)):
        return
    lat, lon = coarsen(latitude, longitude, SEARCH)
    await show_results(ctx, _search_data(Area("point", "", lat, lon), ctx.t._("your location")))


def ask_which_part(ctx: Context) -> None:
    """The whole city is no place to search from ("Dortmund", "ich wohne in Dortmund")."""
    ctx.set_state(WHERE, {})
    ctx.reply(
        ctx.t.t(
            "🏙 Which part of {city}? Type your postcode or district, or choose one:",
            city=ctx.city,
        ),
        ui.rows([Button(f"📍 {a.name}", f"pl:area:{a.name}") for a in gazetteer(ctx).bezirke])
        + ui.back_to_menu(ctx),
    )


async def show_week(ctx: Context) -> None:
    """The week's opening hours of the place the details were about."""
    t = ctx.t
    place = await ctx.db.places.get(ctx.id_arg())
    if place is None:
        ctx.reply(t.t("😔 This place no longer exists."), ui.back_to_menu(ctx))
        return
    if not render.has_week(place):
        ctx.stale()
    buttons = _back_to_list(ctx) + ui.back_to_menu(ctx)
    ctx.reply(render.week(t, place, _now()), buttons)


async def _search_for_text(ctx: Context, text: str) -> None:
    t = ctx.t
    resolution = gazetteer(ctx).resolve(text, ctx.settings.city)
    if resolution.area is not None:
        await search_area(ctx, resolution.area)
        return
    ctx.set_state(WHERE, {})
    if resolution.city_only:
        ask_which_part(ctx)
    elif resolution.suggestions:
        # Guesses are no answer: the input may still be someone's (``ctx.refuse``).
        ctx.refuse(
            t.t('🤔 I don\'t know "{query}". Did you mean one of these?', query=text),
            [[Button(f"📍 {name}", f"pl:area:{name}")] for name in resolution.suggestions]
            + ui.back_to_menu(ctx),
        )
    else:
        ctx.refuse(not_found(ctx, text), ui.back_to_menu(ctx))


def not_found(ctx: Context, query: str) -> Markup:
    """The answer to a place nobody knows: what was typed, and what would be found (also
    the help request's "where", handlers/helping/requests_flow.py). Input that names
    nothing (emoji, marks) is not quoted back: a text leaves icons out, so it read
    'I could not find "" in Dortmund'."""
    if not fold(query):
        return ctx.t.t("📍 Please share your location or type a postcode or district.")
    return ctx.t.t(
        '🤔 I could not find "{query}" in {city}. Please type a postcode '
        "(for example {postcode}) or a district (for example {district}).",
        query=query,
        city=ctx.city,
        postcode="44137",
        district="Hörde",
    )


# -- buttons --------------------------------------------------------------------------------


async def _area(ctx: Context) -> None:
    area = gazetteer(ctx).resolve(ctx.args, ctx.settings.city).area
    if area is None:
        ctx.stale()
    await search_area(ctx, area)


async def _search(ctx: Context) -> dict[str, Any]:
    """The search of the result list the button belongs to (its state is checked by the
    router)."""
    _step, search = await ctx.pressed_in(RESULTS)
    return search


async def _page(ctx: Context, step: int, *, edit: bool = True) -> None:
    search = await _search(ctx)
    search["page"] = max(0, int(search.get("page", 0)) + step)
    await show_results(ctx, search, edit=edit)


async def _more(ctx: Context) -> None:
    await _page(ctx, 1)


async def _next_three(ctx: Context) -> None:
    """A listener's "➕ More": the three places from the button's offset, if the button
    belongs to the list shown and places are there."""
    search = await _search(ctx)
    key, offset = short_lists.pressed_key(ctx.args)
    start = parsing.number(offset, low=SHORT)
    if key != _key(ctx, search) or start is None or start % SHORT:
        ctx.stale()
    search["start"] = start
    await _show_short(ctx, search, pressed=True)


async def _prev(ctx: Context) -> None:
    await _page(ctx, -1)


async def _list(ctx: Context) -> None:
    await _page(ctx, 0, edit=False)


async def _filters(ctx: Context) -> None:
    await _show_filters(ctx, await _search(ctx))


async def _toggle(ctx: Context, key: str) -> None:
    search = await _search(ctx)
    search[key] = not search.get(key)
    search["page"] = search["start"] = 0
    ctx.set_state(RESULTS, search)
    await _show_filters(ctx, search)


async def _wheelchair(ctx: Context) -> None:
    await _toggle(ctx, "wheelchair")


async def _my_language(ctx: Context) -> None:
    await _toggle(ctx, "my_language")


async def _open_now(ctx: Context) -> None:
    await _toggle(ctx, "open_now")


async def _category(ctx: Context) -> None:
    search = await _search(ctx)
    if ctx.args != "*" and ctx.args not in CATEGORIES:
        ctx.stale()
    search["category"] = None if ctx.args == "*" else ctx.args
    search["page"] = search["start"] = 0
    await show_results(ctx, search)


def register(router: Router) -> None:
    # Finding places keeps nothing of a person: on the phone it needs no consent first
    # (handlers/first_kept.py).
    # Finding places shows the same to everyone: a call that has not proven its number may.
    router.menu_action("places", keeps_nothing=True, unchecked=True)(ask_where)
    router.unchecked_prefix("pl")

    router.keeps_nothing.add("/places")

    @router.command("places", N_("Find places to meet near you"))
    async def places_command(ctx: Context) -> None:
        await ask_where(ctx)

    @router.deep_link("place")
    async def place_link(ctx: Context) -> bool:
        place_id = id_number(ctx.args)
        if place_id is None:
            return False
        await show_place(ctx, place_id, back=False, sections=router.place_sections)
        return True

    @router.deep_link("district")
    async def district_link(ctx: Context) -> bool:
        # The district posters' QR code: the places of that Stadtbezirk.
        area = next((a for a in gazetteer(ctx).bezirke if slug(a.name) == ctx.args), None)
        if area is None:
            return False
        await search_area(ctx, area)
        return True

    async def where_input(ctx: Context) -> None:
        event = ctx.incoming.event
        if isinstance(event, Location):
            await search_location(ctx, event.latitude, event.longitude)
        elif isinstance(event, Text):
            await _search_for_text(ctx, event.text.strip())
        else:
            ctx.refuse(
                ctx.t.t("📍 Please share your location or type a postcode or district."),
                ui.back_to_menu(ctx),
            )

    router.state(WHERE, keeps_nothing=True)(where_input)
    router.state(RESULTS, view=True, keeps_nothing=True)(where_input)

    async def details(ctx: Context) -> None:
        await show_place(ctx, ctx.id_arg(), back=True, sections=router.place_sections)

    async def all_details(ctx: Context) -> None:
        await show_details(
            ctx, ctx.id_arg(), back=True, sections=router.place_sections, venue=False
        )

    for action, callback in {
        "d": details,
        "i": all_details,
        "week": show_week,
        "where": ask_where,
        "area": _area,
    }.items():
        router.action("pl", action, keeps_nothing=True)(callback)
    for action, callback in {
        "more": _more,
        "n": _next_three,
        "prev": _prev,
        "list": _list,
        "filters": _filters,
        "wc": _wheelchair,
        "ml": _my_language,
        "open": _open_now,
        "cat": _category,
    }.items():
        router.action("pl", action, states=(RESULTS,), keeps_nothing=True)(callback)
