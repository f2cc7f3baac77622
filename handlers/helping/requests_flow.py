"""A resident asks for help: category → description (text or voice) → where → when →
languages → summary → send; and lists, edits or withdraws their requests.

A step form (``handlers/forms/step_form.py``, the table ``FORM``): the draft lives in the
conversation state (``request.<step>``), so a restart continues at the same step. The place
is stored coarsely: a Stadtteil and a point rounded to ~500 m (``places.coarse.AREA``); a
typed postcode is kept as the postcode, its area as the Stadtbezirk it lies in (it spans
several Stadtteile), never the postcode called an area (the person's export shows both).

Every change of a request's state (send, edit, withdraw, still needed) is a call into
``lifecycle``; this module only asks and answers.

States: ``request.contact`` (coordinators' /enter), ``request.category``,
``request.description`` (``request.description_entered`` in a coordinator's /enter: the
resident has no chat), ``request.where``, ``request.when``, ``request.when_day`` (the next
days as buttons, or written), ``request.when_part`` (the time of day), ``request.when_text``,
``request.languages_one`` (an easy reader's one question before the list),
``request.languages``, ``request.summary``; ``anything`` - a text or voice message sent
outside any step was kept (state data: the description it would become) and the person is
asked whether to ask for help with it (free input there is offered to the takers again).

Start with anything: free input nobody else took (``router.free_input``, rank 90, after a
running contact and a place name) is not "not understood": a text or voice message is
offered as the description of a new request; the flow then skips its description step.

Button data (``hr:…``), each action its own callback:
- any time: ``new``, ``mine``, ``edit:<id>``, ``wd:<id>`` (ask), ``wdy:<id>`` (withdraw; by
  text after the code sent to the number, handlers/numbers/coded_acts.py),
  ``keep:<id>`` (still needed); /myrequests also shows a matched request's contact row
  (``rl:to:<id>`` write to the helper, ``rl:done:<id>``, see relay/chat.py);
- in ``anything``: ``with`` (ask for help with the kept text or voice message);
- in the draft's steps: ``cancel``, ``cat:<key>`` (category), ``cat-more`` (an easy
  reader's categories after the three most asked), ``area:<name>`` (where),
  ``when:<kind>`` (when), ``day:<YYYY-MM-DD>``, ``part:<morning|afternoon|evening|any>``,
  ``dayback``, ``partback``, ``textback`` (back to "when"), ``lang:<code>`` and
  ``langs-done`` (languages, handlers/forms/language_choice.py), ``lang-only`` and ``lang-more``
  (``languages_one``), ``change``, ``changeback`` (back to the summary), ``field:<step>``
  and ``send`` (summary; by text a new request and a change of one are sent only after
  the code sent to the number, the held act ``request.send``, handlers/numbers/coded_acts.py).

Shorter for an easy reader (``ctx.reader.easy``; the stored answers are the same): the
categories come three at a time, the three most asked in the city first, then "➕ More"
for the rest; the languages step is one question, their own language or another too.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from markupsafe import Markup

from db.request_states import DRAFT, WAITING, WITHDRAWN
from db.requests import ACTIVE, EDITABLE, HelpRequest
from handlers import ui
from handlers.context import Context
from handlers.forms import language_choice
from handlers.forms.step_form import Answer, Step, StepForm, ask_again
from handlers.helping import code_texts, lifecycle, posting_limits, text_language
from handlers.helping.lifecycle import WITHDRAW_FROM, Refused
from handlers.helping.render import category_label, describe, relay_row
from handlers.helping.vocabulary import (
    DAY_CHOSEN,
    DAY_PART_BUTTONS,
    DAYS_AHEAD,
    HELP_CATEGORIES,
    STATE_LABELS,
    WHEN_BUTTONS,
    chosen_day,
    day_passed,
    noon,
)
from handlers.messages import Button, Location, Media, Message, Text
from handlers.numbers import coded_acts, number_entry
from handlers.parsing import typed
from handlers.places.chat import not_found
from handlers.places.city_area import refuse_outside_city
from handlers.places.coarse import AREA, coarsen
from handlers.places.gazetteer import Area, load_gazetteer
from handlers.places.render import language_names
from handlers.router import WRITTEN_LIMIT, Router
from handlers.text_safety import clean_name, clean_text, readable
from locales import N_, SUPPORTED_LANGUAGES, TIMEZONE, Translator
from locales.day_words import day_offset

STATE = "request."
# The longest description is the lifecycle's, which a coordinator's correction keeps to too.
MIN_TEXT, MAX_TEXT = 5, WRITTEN_LIMIT
# The longest day written ("Tuesday afternoon") and contact a coordinator enters: kept
# whole up to it, a longer one refused by the dispatcher (``Router.input_limits``).
WRITTEN_SHORT = 200


def _longest(ctx: Context) -> int:
    """The longest description this city takes: the dispatcher refuses any text over the
    city's ``max_text_length`` before a step sees it, so the step must not promise more."""
    return min(MAX_TEXT, ctx.settings.max_text_length)


def _describes(ctx: Context, event: object) -> bool:
    """Whether a text is long enough, and not too long, to be a request's description, and
    says something in words (emoji alone reach a volunteer by SMS as nothing)."""
    if not isinstance(event, Text):
        return False
    text = clean_text(event.text)
    return MIN_TEXT <= len(text) <= _longest(ctx) and readable(text)


# A description of emoji or symbols alone: a volunteer by SMS would get it empty.
IN_WORDS = N_(
    "✍️ Please write in words what you need: emoji and symbols alone do not reach every helper."
)


async def help_home(ctx: Context) -> None:
    t = ctx.t
    ctx.clear_state()
    if ctx.user.banned_at:
        ctx.reply(t.t(posting_limits.BANNED_TEXT), ui.back_to_menu(ctx))
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


async def _limits_allow(ctx: Context, typed: bool = False) -> bool:
    """Whether the form starts; if not, the person is told why. Every limit that holds a
    request back (a flood, the person's open requests, the day's limit, a new account's
    wait: posting_limits.py) lets the form go on, with a note saying so: what they write
    is kept and held, the coordinators see it held with its reason, and it goes on when
    the limit allows - nobody is turned away with their need unsaid. Only a ban, and a
    second request while one is held (which names the first), end here. (``typed``: the
    need was written before the form; kept the same way.)"""
    refusal = await posting_limits.may_post(ctx, ctx.user)
    if refusal is None:
        return True
    hold = refusal.hold
    if hold is not None:
        ctx.reply(hold.note(ctx.t, datetime.now(UTC)))
        return True
    buttons = (
        [[Button("📋 " + ctx.t._("My requests"), "hr:mine")]]
        if refusal.message != posting_limits.BANNED_TEXT
        else ui.back_to_menu(ctx)
    )
    ctx.reply(refusal.text(ctx.t), buttons)
    return False


def _set_area(draft: dict[str, Any], area: Area) -> None:
    lat, lon = coarsen(area.lat, area.lon, AREA)
    # A postcode is no area's name: the area the bot derives from it is its Stadtbezirk.
    postcode = area.name if area.kind == "postcode" else ""
    draft.update(
        area_name=area.stadtbezirk if postcode else area.name,
        postcode=postcode,
        stadtbezirk=area.stadtbezirk,
        lat=lat,
        lon=lon,
    )


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
                state=posting_limits.held_label(t, request.held_until)
                if request.state == DRAFT
                else t._(STATE_LABELS[request.state]),
            )
        )
        if request.state == "matched":
            # The running contact: write to the helper or say the help is done, from here.
            helper = await ctx.mail.reachable(request.volunteer_id)
            name = (helper.first_name if helper else "") or "?"
            if request.door_code:
                lines.append(t.t("🔐 Code word: {code}", code=request.door_code))
            buttons.append(relay_row(t, request.id, name, requester=True))
        row = []
        # The number as the line above writes it ("#۱" in Persian), not another one.
        number = t.identifier(request.id)
        if request.state in WAITING:
            row.append(Button("✏️ " + t._("Change") + f" #{number}", f"hr:edit:{request.id}"))
        if request.state in (DRAFT, *ACTIVE):
            row.append(Button("🗑 " + t._("Withdraw") + f" #{number}", f"hr:wd:{request.id}"))
        if row:
            buttons.append(row)
    buttons.extend(ui.back_to_menu(ctx))
    ctx.reply(Markup("\n").join(lines), buttons)


async def _own_request(ctx: Context) -> HelpRequest:
    """The user's own request named by the button; other people's (forged ids): stale."""
    request = await ctx.db.requests.get(ctx.id_arg())
    if request is None or request.requester_id != ctx.user.id:
        ctx.stale()
    return request


def _draft_of(request: HelpRequest) -> dict[str, Any]:
    return {name: getattr(request, name) for name in EDITABLE if name != "offline_contact"}


# A day typed, or chosen before, that is no day to help on.
NO_SUCH_DAY = N_(
    '📅 "{typed}" is no day I can pass on: it does not exist or has passed. '
    "Please tap a day or write another one."
)


async def _send(ctx: Context, data: dict[str, Any]) -> None:
    t = ctx.t
    draft = data["draft"]
    day = chosen_day(draft.get("when_text") or "")
    if day is not None and day_passed(draft["when_text"], noon(local_today())):
        # The day chosen is over by now (the form finished after midnight, a draft taken
        # up again): sent, the request would reach nobody and end at the next follow-up as
        # one "nobody could take on". Another day is asked; the rest of the draft is kept.
        ctx.reply(t.t(NO_SUCH_DAY, typed=t.skeleton(noon(day), "MMMEd")))
        data["changing"] = True
        FORM.ask(ctx, "when_day", data)
        return
    draft["languages"] = tuple(draft.get("languages") or ())
    try:
        if data.get("request_id"):
            request = await lifecycle.edit(ctx, ctx.user, int(data["request_id"]), draft)
        elif data.get("on_behalf"):
            request = await lifecycle.enter(ctx, ctx.user, draft)
        else:
            request = await lifecycle.submit(ctx, ctx.user, draft)
    except Refused as refusal:
        ctx.clear_state()
        if refusal.stale:
            ctx.stale()
        ctx.reply(refusal.text(t), ui.back_to_menu(ctx))
        return
    ctx.clear_state()
    if request.state == DRAFT:  # held back by a posting limit: why, and what comes next
        ctx.reply(
            lifecycle.held_text(t, request),
            [[Button("📋 " + t._("My requests"), "hr:mine")], *ui.back_to_menu(ctx)],
            edit=True,
        )
        return
    if data.get("on_behalf"):
        ctx.reply(
            t.t(
                "✅ Request #{id} is published for the resident. Matching volunteers "
                "are being told.",
                id=request.id,
            ),
            ui.back_to_menu(ctx),
            edit=True,
        )
        return
    ctx.reply(
        t.t(
            "⏳ Thank you! Your request #{id} is now being checked by our team. We will "
            "tell you as soon as it is published.",
            id=request.id,
        ),
        [[Button("📋 " + t._("My requests"), "hr:mine")], *ui.back_to_menu(ctx)],
        edit=True,
    )


# Withdrawing by text waits for the code texted to the number (handlers/numbers/coded_acts.py).
CODED = {"wdy": code_texts.WITHDRAW}


async def withdraw(ctx: Context, request: HelpRequest) -> None:
    try:
        await lifecycle.withdraw(ctx, ctx.user, request.id)
    except Refused as refusal:
        # A second tap on "Yes, withdraw" (or the button again later): the lifecycle found
        # it withdrawn already, which is what they are told again - not that it "can no
        # longer be changed".
        if refusal.now != WITHDRAWN:
            ctx.reply(refusal.text(ctx.t), ui.back_to_menu(ctx))
            return
    ctx.reply(
        ctx.t.t("✅ Request #{id} is withdrawn.", id=request.id),
        [[Button("📋 " + ctx.t._("My requests"), "hr:mine")], *ui.back_to_menu(ctx)],
        edit=True,
    )


# -- buttons outside the draft --------------------------------------------------------------


async def _new(ctx: Context) -> None:
    await start(ctx)


async def start(ctx: Context, description: dict[str, Any] | None = None) -> None:
    """Begin a request, with the description already given (a text or voice message sent
    at the main menu: ``description``, ``description_lang`` or ``voice_file_id``,
    ``voice_platform``) or asked in its step. Someone nobody can reach after this
    conversation (a withheld caller) gives a number first: the request is made in the call
    that checks it (handlers/numbers/number_entry.py)."""
    if number_entry.needed(ctx):
        number_entry.ask(ctx, then="hr:new")
        return
    if not await _limits_allow(ctx, typed=bool(description)):
        return
    data: dict[str, Any] = {"draft": {"languages": [ctx.t.lang], **(description or {})}}
    if description:
        data["given"] = ["description"]
    await _ask(ctx, "category", data)


async def _mine(ctx: Context) -> None:
    await show_mine(ctx)


async def _keep(ctx: Context) -> None:
    try:
        await lifecycle.still_needed(ctx, ctx.user, (await _own_request(ctx)).id)
    except Refused:
        ctx.stale()
    ctx.reply(ctx.t.t("👍 Thank you. We keep looking for a helper."), edit=True)


async def _edit(ctx: Context) -> None:
    request = await _own_request(ctx)
    if request.state not in WAITING:
        ctx.reply(ctx.t.t(lifecycle.CANNOT_CHANGE), ui.back_to_menu(ctx))
        return
    FORM.ask(ctx, "summary", {"draft": _draft_of(request), "request_id": request.id})


async def _ask_withdraw(ctx: Context) -> None:
    request = await _own_request(ctx)
    t = ctx.t
    if request.state not in WITHDRAW_FROM:
        # An older /myrequests' button: "Withdraw #12?" of a request withdrawn, done or
        # expired asked a question whose only answer was then refused.
        await withdraw(ctx, request)
        return
    ui.ask_first(
        ctx,
        t.t("🗑 Withdraw request #{id}? Helpers will no longer see it.", id=request.id),
        Button("🗑 " + t._("Yes, withdraw"), f"hr:wdy:{request.id}"),
        Button("↩️ " + t._("No, keep it"), "hr:mine"),
    )


async def _withdraw(ctx: Context) -> None:
    await withdraw(ctx, await _own_request(ctx))


# -- start with anything ---------------------------------------------------------------------

ANYTHING = "anything"
ANYTHING_RANK = 90


def description_in(ctx: Context) -> dict[str, Any] | None:
    """What the message that came could describe a request with (``start``'s
    ``description``): a voice message, or a text that describes (``_describes``); None."""
    event = ctx.incoming.event
    if isinstance(event, Media) and event.kind in ("voice", "audio") and event.file_id:
        return {"voice_file_id": event.file_id, "voice_platform": ctx.incoming.sender.platform}
    if isinstance(event, Text) and _describes(ctx, event):
        description = clean_text(event.text)
        return {
            "description": description,
            "description_lang": text_language.detect(description, ctx.t.lang),
        }
    return None


async def offer_help_with(ctx: Context) -> bool:
    """A text or voice message outside any step: ask for help with it, or find a place?"""
    kept = description_in(ctx)
    if kept is not None:
        offer_description(ctx, kept)
        return True
    if isinstance(ctx.incoming.event, Text):
        # "Hi", "?" or a whole letter: nothing to describe a request with, but an answer.
        ctx.send(ui.main_menu(ctx, ctx.t.t("🙂 How can I help you? Please choose:")))
        return True
    return False


def offer_description(ctx: Context, kept: dict[str, Any]) -> None:
    """Ask whether to ask for help with ``kept`` (:func:`description_in`), kept meanwhile."""
    t = ctx.t
    if "voice_file_id" in kept:
        question = t.t("🎤 Do you want to ask your neighbours for help with this voice message?")
    else:
        question = t.t("💬 Do you want to ask your neighbours for help with this?")
    ctx.set_state(ANYTHING, kept)
    ctx.reply(
        question,
        [
            [Button("🤝 " + t._("Ask for help with this"), "hr:with")],
            [Button("📍 " + t._("Find a place"), "menu:places")],
            *ui.back_to_menu(ctx),
        ],
    )


async def _with(ctx: Context) -> None:
    _step, kept = await ctx.pressed_in(ANYTHING)
    ctx.clear_state()
    await start(ctx, kept)


# -- the draft's steps -------------------------------------------------------------------------


async def _after(ctx: Context, answer: Answer) -> None:
    """Next step, or back to the summary when the user was changing one answer."""
    data = answer.data
    if data.get("changing"):
        data["changing"] = False
        FORM.ask(ctx, "summary", data)
        return
    # Steps answered before the flow began ("start with anything": the description) are
    # not asked again.
    await _ask(ctx, FORM.following(answer.step, skip=data.get("given", ())), data)


# The steps asked in another way to an easy reader.
EASY_STEPS = {"languages": "languages_one"}
# The description asked of a coordinator entering a request for a resident (/enter).
ENTERED_DESCRIPTION = "description_entered"
# How many categories an easy reader is offered first.
FIRST_CATEGORIES = 3


async def _ask(ctx: Context, step: str, data: dict[str, Any]) -> None:
    """Ask ``step`` as this reader is asked it: an easy reader the categories most asked
    first (kept in the state, so that a restart shows the same three) and the languages as
    one question."""
    if step == "category":
        data["most_asked"] = await _most_asked(ctx) if ctx.reader.easy else []
    if ctx.reader.easy:
        step = EASY_STEPS.get(step, step)
    if step == "description" and data.get("on_behalf"):
        step = ENTERED_DESCRIPTION
    FORM.ask(ctx, step, data)


async def _most_asked(ctx: Context) -> list[str]:
    """The categories of the most requests in the city (open, matched, done), "something
    else" left out; equal ones (and all in a new city) in the order of the table, which
    puts the everyday ones first."""
    counts = await ctx.db.statistics.active_by("category")
    keys = [key for key in HELP_CATEGORIES if key != "other"]
    keys.sort(key=lambda key: -sum(counts.get(key, {}).values()))
    return keys[:FIRST_CATEGORIES]


async def _contact(ctx: Context, answer: Answer) -> None:
    event = ctx.incoming.event
    if isinstance(event, Text) and len(clean_name(event.text, limit=WRITTEN_SHORT)) >= 3:
        answer.draft["offline_contact"] = clean_name(event.text, limit=WRITTEN_SHORT)
        await FORM.answered(ctx, answer)
    else:
        await ask_again(ctx, answer)


CATEGORY_QUESTION = N_("🤝 What do you need help with?")
# Asked of a coordinator entering a request for a resident (/enter): the help is the
# resident's, not theirs.
ENTERED_CATEGORY_QUESTION = N_("🤝 What does the resident need help with?")


def _categories(ctx: Context, data: dict[str, Any], *, rest: bool = False) -> None:
    """The category question: every category, or for an easy reader the three most asked
    (``most_asked``) and "➕ More", which shows the ``rest`` in their place."""
    t = ctx.t
    first = data.get("most_asked") or []
    if rest:
        keys = [key for key in HELP_CATEGORIES if key not in first]
    else:
        keys = first or list(HELP_CATEGORIES)
    choices = [Button(category_label(t, key), f"hr:cat:{key}") for key in keys]
    if first and not rest:
        # One a row: three buttons and "More" read down like the list they are.
        # "More" as the short lists of places and events have it (the arrow pointing the
        # way the reader reads).
        more = Button("➕ " + t._("More") + " " + t.arrow("on"), "hr:cat-more")
        buttons = [[choice] for choice in choices] + [[more]]
    else:
        buttons = ui.rows(choices)
    buttons.append([FORM.cancel_button(t)])
    question = ENTERED_CATEGORY_QUESTION if data.get("on_behalf") else CATEGORY_QUESTION
    ctx.send(Message(t.t(question), buttons, edit=rest))


def _all_categories(ctx: Context, _draft: dict[str, Any]) -> list[list[Button]]:
    """Every category to press: also under a refusal at the step (``Step.buttons``, which
    the dispatcher adds to it) - numbered choices press only the newest message's, and a
    refusal with Cancel alone took the "1" meant for a category for Cancel."""
    return ui.rows([Button(category_label(ctx.t, key), f"hr:cat:{key}") for key in HELP_CATEGORIES])


async def _more_categories(ctx: Context, answer: Answer) -> None:
    _categories(ctx, answer.data, rest=True)


async def _category(ctx: Context, answer: Answer) -> None:
    if ctx.args not in HELP_CATEGORIES:
        ctx.stale()
    answer.draft["category"] = ctx.args
    await FORM.answered(ctx, answer)


async def _description(ctx: Context, answer: Answer) -> None:
    event = ctx.incoming.event
    t = ctx.t
    if isinstance(event, Media) and event.kind in ("voice", "audio"):
        answer.draft.update(
            voice_file_id=event.file_id, voice_platform=ctx.incoming.sender.platform
        )
        await FORM.answered(ctx, answer)
    elif isinstance(event, Text) and _describes(ctx, event):
        description = clean_text(event.text)
        answer.draft.update(
            description=description, description_lang=text_language.detect(description, t.lang)
        )
        await FORM.answered(ctx, answer)
    elif isinstance(event, Text) and clean_text(event.text) and not readable(event.text):
        # The step stays, the draft with it - and its Cancel: where choices are numbered
        # a typed number presses only the newest message's, this refusal's.
        ctx.refuse(t.t(IN_WORDS))
    elif isinstance(event, Text):
        ctx.reply(
            t.t(
                "✍️ Please write between {low} and {high} characters, or send a voice message.",
                low=MIN_TEXT,
                high=_longest(ctx),
            ),
            FORM.choices(ctx, answer.data),
        )
    else:
        await ask_again(ctx, answer)


async def _where(ctx: Context, answer: Answer) -> None:
    gazetteer = load_gazetteer(ctx.settings.places_data_dir)
    event = ctx.incoming.event
    t = ctx.t
    if isinstance(event, Location):
        if refuse_outside_city(ctx, event.latitude, event.longitude):
            return
        area = gazetteer.nearest_stadtteil(event.latitude, event.longitude)
        lat, lon = coarsen(event.latitude, event.longitude, AREA)
        answer.draft.update(
            area_name=area.name, postcode="", stadtbezirk=area.stadtbezirk, lat=lat, lon=lon
        )
        await FORM.answered(ctx, answer)
    elif isinstance(event, Text):
        resolution = gazetteer.resolve(event.text.strip(), ctx.settings.city)
        if resolution.area is None or resolution.area.kind == "point":
            buttons = [[Button(f"📍 {name}", f"hr:area:{name}")] for name in resolution.suggestions]
            if not buttons:
                # Not the bare question again: the person learns that what they typed was
                # not found, and what would be (as when finding places).
                ctx.refuse(not_found(ctx, event.text.strip()))
                return
            # Guesses are no answer: the input may still be someone's (``ctx.refuse``).
            ctx.refuse(
                t.t(
                    '🤔 I don\'t know "{query}". Did you mean one of these?',
                    query=event.text.strip(),
                ),
                buttons,
            )
            return
        _set_area(answer.draft, resolution.area)
        await FORM.answered(ctx, answer)
    else:
        await ask_again(ctx, answer)


async def _area(ctx: Context, answer: Answer) -> None:
    area = load_gazetteer(ctx.settings.places_data_dir).resolve(ctx.args, ctx.settings.city).area
    if area is None:
        ctx.stale()
    _set_area(answer.draft, area)
    await FORM.answered(ctx, answer)


def _when_buttons(ctx: Context, _draft: dict[str, Any]) -> list[list[Button]]:
    return [[Button(ctx.t._(label), f"hr:when:{key}")] for key, label in WHEN_BUTTONS.items()]


async def _when(ctx: Context, answer: Answer) -> None:
    if ctx.args not in WHEN_BUTTONS:
        ctx.stale()
    answer.draft["when_kind"] = ctx.args
    if ctx.args == "asap":
        answer.draft["when_text"] = ""
        await FORM.answered(ctx, answer)
    elif ctx.args == "date":
        FORM.ask(ctx, "when_day", answer.data)
    else:
        FORM.ask(ctx, "when_text", answer.data)


def local_today() -> date:
    return datetime.now(TIMEZONE).date()


def _day_buttons(ctx: Context, _draft: dict[str, Any]) -> list[list[Button]]:
    """The next days as buttons ("Tue, 25 Nov"), then the way back."""
    today = local_today()
    days = [today + timedelta(days=n) for n in range(DAYS_AHEAD)]
    choices = [
        Button("📅 " + ctx.t.skeleton(noon(day), "MMMEd"), f"hr:day:{day.isoformat()}")
        for day in days
    ]
    return [*ui.rows(choices), _back_to_when(ctx, "day")]


def _part_buttons(ctx: Context, _draft: dict[str, Any]) -> list[list[Button]]:
    choices = [Button(ctx.t._(label), f"hr:part:{key}") for key, label in DAY_PART_BUTTONS.items()]
    return [*ui.rows(choices), _back_to_when(ctx, "part")]


def _back_to_when(ctx: Context, step: str) -> list[Button]:
    """Back to "when" (one action per step: a step's buttons are its own)."""
    return [Button(ctx.t.arrow("back") + " " + ctx.t._("Back"), f"hr:{step}back", role="back")]


async def _back(ctx: Context, answer: Answer) -> None:
    FORM.ask(ctx, "when", answer.data)


async def _day(ctx: Context, answer: Answer) -> None:
    try:
        chosen = date.fromisoformat(ctx.args)
    except ValueError:
        ctx.stale()
    if not 0 <= (chosen - local_today()).days < DAYS_AHEAD:
        ctx.stale()  # a button from an earlier day
    answer.draft["when_text"] = chosen.isoformat()
    FORM.ask(ctx, "when_part", answer.data)


async def _part(ctx: Context, answer: Answer) -> None:
    day = answer.draft.get("when_text", "")
    found = DAY_CHOSEN.fullmatch(day)
    if ctx.args not in DAY_PART_BUTTONS or found is None or found.group(2):
        ctx.stale()
    answer.draft["when_text"] = day if ctx.args == "any" else f"{day} {ctx.args}"
    await FORM.answered(ctx, answer)


# A day typed as digits ("31.02.", "3/12/2026"): it must be a real day, today or later.
_TYPED_DATE = re.compile(r"\s*(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2}|\d{4})?)?\s*")
# At "which day?", a number alone ("25": the 25th, for the helper to read) must be a day
# some month has: a "99" - a wrong button number at the console, a slip - was passed on as
# the day. (At "which day and time?" a number may be an hour: "1400".)
_BARE_NUMBER = re.compile(r"\s*(\d+)\s*")


def _no_such_day(text: str, *, day_asked: bool) -> bool:
    """Whether a text is a date in digits that is no day to help on: one the calendar does
    not have, or one already past (a date without its year means the next such day); where
    a day was asked (``day_asked``), also a number alone that no month has."""
    bare = _BARE_NUMBER.fullmatch(typed(text))
    if bare is not None and day_asked:
        return not 1 <= int(bare.group(1)) <= 31
    found = _TYPED_DATE.fullmatch(typed(text))
    if found is None:
        return False  # "Tuesday afternoon": words are the helper's to read
    day, month, year = found.groups()
    today = local_today()
    year_n = int(year) + (2000 if len(year) == 2 else 0) if year else today.year
    try:
        chosen = date(year_n, int(month), int(day))
    except ValueError:
        return True
    return chosen < today and year is not None


async def _when_text(ctx: Context, answer: Answer) -> None:
    event = ctx.incoming.event
    offset = day_offset(event.text) if isinstance(event, Text) else None
    if offset is not None and 0 <= offset < DAYS_AHEAD:
        await _named_day(ctx, answer, local_today() + timedelta(days=offset))
    elif isinstance(event, Text) and (
        (offset is not None and offset < 0)
        or _no_such_day(event.text, day_asked=answer.step == "when_day")
    ):
        # Kept from the draft, said why; the step stays for another day.
        ctx.refuse(
            ctx.t.t(NO_SUCH_DAY, typed=event.text.strip()),
        )
    elif isinstance(event, Text) and len(clean_name(event.text, limit=WRITTEN_SHORT)) >= 2:
        answer.draft["when_text"] = clean_name(event.text, limit=WRITTEN_SHORT)
        await FORM.answered(ctx, answer)
    else:
        await ask_again(ctx, answer)


async def _named_day(ctx: Context, answer: Answer, day: date) -> None:
    """A day written as "tomorrow" ("morgen", "завтра", "فردا") is kept as that day, as if
    its button had been tapped: kept as written it would name another day to a helper who
    reads it later, and no day to a coordinator who does not read the language. Asked for a
    day, the time of day is asked next, as after the button."""
    answer.draft["when_text"] = day.isoformat()
    if answer.step == "when_day":
        FORM.ask(ctx, "when_part", answer.data)
    else:
        await FORM.answered(ctx, answer)


def _summary_choices(ctx: Context, _draft: dict[str, Any]) -> list[list[Button]]:
    """Send and Change under a refusal at the summary (as the categories' above): with
    Cancel alone, a "1" typed after it dropped the whole draft instead of sending it."""
    return [
        [Button("✅ " + ctx.t._("Send"), "hr:send")],
        [Button("✏️ " + ctx.t._("Change something"), "hr:change")],
    ]


def _summary(ctx: Context, data: dict[str, Any]) -> None:
    t = ctx.t
    text = t.t("📋 <b>Please check your request:</b>") + "\n\n" + describe(t, data["draft"])
    if data["draft"].get("offline_contact"):
        text += "\n" + t.t(
            "☎️ Contact (coordinators only): {contact}",
            contact=data["draft"]["offline_contact"],
        )
    if data["draft"].get("description") and not data["draft"].get("description_lang"):
        # A description in a language the bot does not speak is kept (it is no bad input),
        # but its writer is told why it may go unread and how to change it.
        text += "\n\n" + t.t(
            "⚠️ The volunteers may not be able to read the language of your description. "
            "You can write it again in one of these languages: {languages} - or keep it, "
            "the coordinators will see it.",
            languages=language_names(t, SUPPORTED_LANGUAGES),
        )
    send, change = _summary_choices(ctx, data)
    ctx.reply(text, [send, [*change, FORM.cancel_button(t)]])


# The answers that can be changed from the summary, with their labels there.
CHANGEABLE = {
    "category": N_("What"),
    "description": N_("Description"),
    "where": N_("Where"),
    "when": N_("When"),
    "languages": N_("Languages"),
}


async def _change(ctx: Context, _answer: Answer) -> None:
    t = ctx.t
    ctx.reply(
        t.t("✏️ What do you want to change?"),
        [
            *([Button(t._(label), f"hr:field:{key}")] for key, label in CHANGEABLE.items()),
            # A person who changes their mind changes nothing: the answers were the only way
            # on, and /cancel dropped the whole draft.
            [Button(t.arrow("back") + " " + t._("Back"), "hr:changeback", role="back")],
        ],
    )


async def _change_nothing(ctx: Context, answer: Answer) -> None:
    FORM.ask(ctx, "summary", answer.data)


async def _field(ctx: Context, answer: Answer) -> None:
    if ctx.args not in CHANGEABLE:
        ctx.stale()
    answer.data["changing"] = True
    await _ask(ctx, ctx.args, answer.data)


# Posting a request or changing one by text waits for the code texted to the number, as
# withdrawing does (handlers/numbers/coded_acts.py): a forged sender would otherwise put
# words, an address or another number into the resident's name and send it to review.
SEND_HELD = "request.send"


def what_is_sent(t: Translator, draft: dict[str, Any]) -> Markup:
    """What the code that sends a request confirms, as a text of its own after the one with
    the code: the request as it reads, quoted as a text for the helper is - the holder who
    did not write these words, this address or this time does nothing. Its own text, so the
    one with the code keeps "If you did not ask for this, do nothing" before any "More"."""
    return t.t(code_texts.QUOTED) + Markup("\n") + describe(t, draft)


async def _send_button(ctx: Context, answer: Answer) -> None:
    if coded_acts.needed(ctx):
        # Held with the draft as it is now; the code sends it (``_sent_by_code``), checked
        # by the lifecycle at that moment like any send.
        edited = answer.data.get("request_id")
        draft = dict(answer.data["draft"])
        if await coded_acts.hold(
            ctx,
            SEND_HELD,
            answer.data,
            lambda t, code: (
                t.t(code_texts.CHANGE, code=code, id=int(edited))
                if edited
                else t.t(code_texts.SEND, code=code)
            ),
        ):
            ctx.reply(what_is_sent(ctx.t, draft))
        return
    await _send(ctx, answer.data)


async def _sent_by_code(ctx: Context, data: dict[str, Any]) -> None:
    await _send(ctx, data)


FORM = StepForm(
    prefix="hr",
    state=STATE,
    draft="draft",
    cancelled=N_("✖️ Cancelled. Nothing was sent."),
    after=_after,
    steps={
        "contact": Step(
            N_(
                "☎️ How can the helper reach the person? A phone number or an address - "
                "only the coordinators and the helper who takes the request will see it."
            ),
            takes=_contact,
            next="category",
        ),
        "category": Step(
            show=_categories,
            buttons=_all_categories,
            presses={"cat": _category, "cat-more": _more_categories},
            next="description",
        ),
        "description": Step(
            N_(
                "✍️ Describe in a few words what you need. You can also send a voice "
                "message. Please do not write your address or phone number - you will "
                "talk to your helper through this chat."
            ),
            takes=_description,
            recorded=N_(
                "🎤 The coordinators hear your request first, then the neighbour who helps you."
            ),
            next="where",
        ),
        # A coordinator's /enter: the resident has no chat with the bot, so the requester's
        # "you will talk to your helper through this chat" would be untrue (see _ask).
        ENTERED_DESCRIPTION: Step(
            N_(
                "✍️ Describe in a few words what the person needs. You can also send a voice "
                "message. Please do not write their address or phone number here - only the "
                "helper who takes the request gets the contact you gave. The person has no "
                "chat with us: you tell them what happens next, or our phone line or text "
                "messages do where the city has them."
            ),
            takes=_description,
            recorded=N_(
                "🎤 The coordinators hear the request first, then the neighbour who helps."
            ),
            next="where",
        ),
        "where": Step(
            N_(
                "📍 Where? Share your location, or type your postcode or district. We only "
                "keep the area, never your address."
            ),
            takes=_where,
            presses={"area": _area},
            location=True,
            next="when",
        ),
        "when": Step(
            N_("🕓 When do you need the help?"),
            buttons=_when_buttons,
            presses={"when": _when},
            next="languages",
        ),
        "when_day": Step(
            N_("📅 Which day? Tap one, or write it."),
            buttons=_day_buttons,
            presses={"day": _day, "dayback": _back},
            takes=_when_text,
            cancel=False,
            next="languages",
        ),
        "when_part": Step(
            N_("🕓 What time of day?"),
            buttons=_part_buttons,
            presses={"part": _part, "partback": _back},
            cancel=False,
            next="languages",
        ),
        "when_text": Step(
            N_("🕓 Which day and time? For example: Tuesday afternoon."),
            buttons=lambda ctx, _draft: [_back_to_when(ctx, "text")],
            presses={"textback": _back},
            takes=_when_text,
            cancel=False,
            next="languages",
        ),
        "languages": language_choice.step(
            "hr",
            N_("🗣 Which languages do you speak? Tap all that apply, then Done."),
            next="summary",
        ),
        "languages_one": language_choice.one_question(
            "hr",
            N_("🗣 Do you speak another language as well?"),
            listed="languages",
            next="summary",
        ),
        "summary": Step(
            show=_summary,
            buttons=_summary_choices,
            presses={
                "change": _change,
                "changeback": _change_nothing,
                "field": _field,
                "send": _send_button,
            },
        ),
    },
)


def register(router: Router) -> None:
    router.menu_action("help", unchecked=True)(help_home)

    @router.command("request", N_("Ask your neighbours for help"))
    async def request_command(ctx: Context) -> None:
        await help_home(ctx)

    @router.command(
        "enter",
        N_("Enter a request for a resident without a smartphone (coordinators)"),
        role="coordinator",
    )
    async def enter_command(ctx: Context) -> None:
        FORM.ask(ctx, "contact", {"draft": {"languages": [ctx.t.lang]}, "on_behalf": True})

    @router.command("myrequests", N_("Your help requests"))
    async def mine_command(ctx: Context) -> None:
        await show_mine(ctx)

    router.free_input_taker(ANYTHING_RANK)(offer_help_with)
    router.action("hr", "with", states=(ANYTHING,))(_with)

    anywhere = {
        "new": _new,
        "mine": _mine,
        "keep": _keep,
        "edit": _edit,
        "wd": _ask_withdraw,
        "wdy": _withdraw,
    }
    for action, callback in anywhere.items():
        # "mine" only shows the person her own requests (a checked call begins there).
        router.action("hr", action, coded=CODED.get(action), shows_own=action in ("mine", "new"))(
            callback
        )
    FORM.register(router)
    router.limit_input(STATE + "description", MAX_TEXT)
    router.limit_input(STATE + ENTERED_DESCRIPTION, MAX_TEXT)
    for step in ("contact", "when_day", "when_text"):
        router.limit_input(STATE + step, WRITTEN_SHORT)
    router.confirmed[SEND_HELD] = _sent_by_code
