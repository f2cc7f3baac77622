"""Waves of offers (the ``"waves"`` offer rule, issue 57): a request is offered to the
best-ranked few first (``ranking``), more later, wider later, and never to everyone at once.

- When a request opens (published, entered, handed back) the search starts: the first wave
  goes at once, as large as needed for about one expected taker (``wave_min`` to
  ``wave_max`` people).
- The next wave goes after ``wave_minutes`` of daytime without a taker, or at once when the
  whole last wave said "not this time" (:func:`declined`). Fast at first, patient later:
  after the first ``early_waves`` waves, the waves are up to ``wave_max_later`` people and
  ``wave_minutes_later`` apart. The pace follows urgency and the hour (``pace``): an "as
  soon as possible" request's first waves are larger and quicker, an evening search's
  first wave larger and followed soon, in real minutes until ``evening_until``; after
  the daytime only volunteers who take evening requests are asked. With nobody left to ask, the
  search looks again after ``relook_hours`` of daytime (new and freed volunteers).
- It widens after ``widen_hours`` of daytime, or at once when fewer than ``widen_below``
  (at least nobody) are left to ask locally (neighbouring districts, a larger radius) - for
  a requester without German already after the first ``early_waves`` waves without a
  taker (those who share their language were asked within ``language_km`` before), and
  after ``related_hours`` to related kinds of help, or at once when fewer than
  ``widen_below`` are left at the wider reach too.
- After ``budget`` people asked (fewer in a small city: ``budget_share`` of its volunteers
  who take requests, ``OfferRules.budget_for``), the coordinators get the request with
  what was tried and the bot stops asking on its own; a coordinator's re-offer still sends
  one wave. A re-offer always reaches someone who qualifies and was not told yet, when
  anyone does: when the search's own reach finds nobody, it asks at the widest reach
  (related kinds of help), past the offers a day (``next_wave``'s ``by_coordinator``).
- A volunteer who finishes or hands back and has room is offered the longest-waiting open
  request that fits them (:func:`pull`).
- A "just talk" request is first a talk search (``talk_now``): ``talk_wave`` volunteers on
  a talk shift at a time, city-wide, the next after ``talk_wave_minutes``; after
  ``talk_hours`` the usual waves from the volunteers' own areas.

The clock: every function takes ``now``; the scheduler calls :func:`tick` every few
minutes with the real time, a test or the outcomes bench (bench/outcomes.py) with its own
(``await waves.tick(db, settings, now)``: every due wave or look, in one transaction; the
number of messages queued). ``settings.clock`` gives the time to the waves that a person's
action starts (publish, decline, done).

This module sends through ``offer_sending`` and changes no request's state; the lifecycle
calls it through ``offer_fanout``. A wave of its own that holds offers for quiet hours is
said to the coordinators and the requester (``held_offers``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from markupsafe import Markup

from db import Database
from db.clock import from_text, to_text
from db.request_states import OPEN
from db.requests import HelpRequest
from handlers.context import Backstage
from handlers.helping import pace, talk_now
from handlers.helping.daytime import after_daytime, daytime_minutes
from handlers.helping.matching import held_offers, ranking, who_may_help
from handlers.helping.matching.offer_sending import send_offer
from handlers.helping.render import category_label, reoffer_buttons
from handlers.helping.scene import Scene
from handlers.messages import Message
from handlers.settings import HandlerSettings, OfferRules
from locales import Translator


async def start(scene: Scene, request: HelpRequest, now: datetime, skip: set[int]) -> int:
    """The request opened: the search (re)starts in the volunteers' own areas (a "just talk"
    request: among those on a talk shift, and the coordinators are told) and the first
    wave goes; how many were told."""
    until = talk_now.talk_until(scene.settings, request, now)
    await scene.db.waves.start(request.id, to_text(now), to_text(until) if until else None)
    if until is not None:
        await talk_now.announce(scene, request, until)
    return await next_wave(scene, request, now, skip=skip)


async def next_wave(
    scene: Scene,
    request: HelpRequest,
    now: datetime,
    *,
    skip: set[int] = frozenset(),  # type: ignore[assignment]
    by_coordinator: bool = False,
) -> int:
    """One wave: the best-ranked not asked yet, at the reach the search has come to; the
    next wave (or look) is scheduled. ``by_coordinator``: a re-offer - one wave even when
    the budget is spent (the bot still asks nobody more on its own then). How many were
    told."""
    db, rules = scene.db, scene.settings.offer_rules
    search = await db.waves.get(request.id) or await db.waves.start(request.id, to_text(now))
    if search.handed_over_at and not by_coordinator:
        return 0
    talk_until = from_text(search.talk_until) if search.talk_until else None
    if talk_until is not None and now >= talk_until:
        # Nobody on a talk shift took it in time: the usual waves, counted from now.
        search = await db.waves.start(request.id, to_text(now))
        talk_until = None
    asked = await db.volunteers.asked(request.id)
    passed = {who for who, *_ in asked} | set(skip)
    started = from_text(search.started_at)
    reach, number = search.reach, search.waves + 1
    budget = rules.budget_for(
        await db.volunteers.taking_requests(scene.settings.require_verified_volunteers)
    )
    most = pace.most_in_wave(rules, request, started, number, budget)
    takers = pace.takers_in_wave(rules, request, number)
    room = most if by_coordinator else budget - len(asked)
    # The budget went on people who share no language with her: one wave of those who do
    # (``language_wave``), then the coordinators.
    language = reach >= ranking.LANGUAGE and not by_coordinator
    # In the evening those who take evening requests first; after the daytime only they.
    hour = {
        "evening": pace.evening(rules, now),
        "evening_only": pace.evening_only(rules, now),
    }
    if talk_until is not None:
        ranked = await ranking.candidates(
            db, scene.settings, request, now, reach, passed, talk=True
        )
        wave = ranked[: max(0, min(rules.talk_wave, room))]
    else:
        if daytime_minutes(started, now, rules) >= rules.widen_hours * 60:
            reach = max(reach, ranking.WIDER)
        if now - started >= timedelta(hours=rules.related_hours):
            reach = max(reach, ranking.RELATED_KINDS)
        reach = max(reach, _language_reach(request, search.waves, rules))
        reach, ranked = await _widened(scene, request, now, reach, passed, hour)
        wave = ranking.wave_of(ranked, rules, room, most, takers)
        if language:
            wave = [c for c in ranked if c.shares_language][: rules.language_wave]
        elif not wave and not by_coordinator and _below_floor(rules, budget, room, reach):
            # A small city's few are all it has: nobody left at or above the floor, one last
            # wave of the best below it before the search runs dry (``below_floor_wave``).
            ranked = await ranking.candidates(
                db, scene.settings, request, now, reach, passed, below_floor=True, **hour
            )
            wave = ranked[: max(0, min(rules.below_floor_wave, room))]
            reach = ranking.BELOW_FLOOR if wave else reach
    if not wave and by_coordinator:
        # A coordinator's press reaches whoever qualifies and was not told yet: the widest
        # reach the waves know (related kinds of help too), the usual waves instead of a talk
        # shift, and the offers a day of the bot's own waves do not hold them back (a
        # person chose to ask once more). Nobody even so: they are told so (offer_fanout).
        reach = ranking.RELATED_KINDS
        ranked = await ranking.candidates(
            db, scene.settings, request, now, reach, passed, over_day_cap=True, **hour
        )
        wave = ranking.wave_of(ranked, rules, room, most, takers)
    told = 0
    for candidate in wave:
        told += await send_offer(scene, request, candidate.volunteer, now, number)
    handed_over = search.handed_over_at is not None
    spent = not by_coordinator and not handed_over and len(asked) + told >= budget
    if spent and not language and await _language_wave_due(scene, request, asked, wave):
        spent, reach = False, ranking.LANGUAGE
    if told:
        if talk_until is not None:
            following = to_text(talk_now.next_at(scene.settings, now, talk_until))
        else:
            following = to_text(pace.next_wave_at(rules, request, started, now, number))
        await db.waves.sent(request.id, to_text(now), None if handed_over else following, reach)
    elif not by_coordinator:
        if talk_until is not None:
            # A talk shift may begin soon: looked at again as often as a wave would go.
            following = to_text(talk_now.next_at(scene.settings, now, talk_until))
        else:
            # Counted in the daytime as the next wave is: a look at night would send offers
            # that wait in the outbox for the volunteers' morning.
            following = to_text(after_daytime(now, rules.relook_hours * 60, rules))
        await db.waves.wait(request.id, None if handed_over else following, reach)
    if spent:
        await hand_over(scene, request, now)
    return told


async def _language_wave_due(
    scene: Scene,
    request: HelpRequest,
    asked: list[tuple[int, int, bool, str | None]],
    wave: list[ranking.Candidate],
) -> bool:
    """Whether a search that has just spent its budget sends one more wave first: to
    ``language_wave`` people who share the language of a requester without German, at any
    distance and whatever kind of help they offer, because nobody it asked shares it
    (issue 102, point 4: most of the requests without German a small town missed had spent
    the budget on people who could not talk with her)."""
    rules = scene.settings.offer_rules
    if rules.language_wave <= 0 or not ranking.without_german(request):
        return False
    if any(c.shares_language for c in wave):
        return False
    for who, *_ in asked:
        volunteer = await scene.db.volunteers.get(who)
        if volunteer is not None and who_may_help.shares_language(volunteer, request):
            return False
    return True


async def _widened(
    scene: Scene,
    request: HelpRequest,
    now: datetime,
    reach: int,
    passed: set[int],
    hour: dict[str, bool],
) -> tuple[int, list[ranking.Candidate]]:
    """Those left to ask at ``reach``, best first - or at a wider reach at once where few
    are left: the reach they were found at, and they."""
    db, rules = scene.db, scene.settings.offer_rules
    ranked = await ranking.candidates(db, scene.settings, request, now, reach, passed, **hour)
    if _thin(ranked, rules, max(1, rules.widen_below)) and reach < ranking.WIDER:
        # Few or nobody local is left: neighbouring districts and a larger radius at once.
        reach = ranking.WIDER
        ranked = await ranking.candidates(db, scene.settings, request, now, reach, passed, **hour)
    if _thin(ranked, rules, rules.widen_below) and reach < ranking.RELATED_KINDS:
        # Few are left even there: related kinds of help at once, not after hours of waves
        # that ask nobody.
        reach = ranking.RELATED_KINDS
        ranked = await ranking.candidates(db, scene.settings, request, now, reach, passed, **hour)
    return reach, ranked


def _below_floor(rules: OfferRules, budget: int, room: int, reach: int) -> bool:
    """Whether a search that found nobody at or above the estimate floor sends its one wave
    of the best below it: ``below_floor_wave`` in a city whose budget is its size's
    (below ``budget``), with some of the budget left, and no such wave sent yet (the
    search's reach says so, ``ranking.BELOW_FLOOR``)."""
    return (
        rules.below_floor_wave > 0
        and budget < rules.budget
        and room > 0
        and reach < ranking.BELOW_FLOOR
    )


def _thin(ranked: list[ranking.Candidate], rules: OfferRules, fewest: int) -> bool:
    """Too few are left to ask at a reach: fewer than ``fewest`` people, or (``widen_takers``
    above 0) their estimates add up to fewer expected takers than that - a district whose
    few left are far, tired or unlikely is as thin as an empty one."""
    return len(ranked) < fewest or sum(c.estimate for c in ranked) < rules.widen_takers


def _language_reach(request: HelpRequest, waves_sent: int, rules: OfferRules) -> int:
    """A requester without German: those who share their language are asked within
    ``language_km`` from the first wave on; once the first ``early_waves`` waves brought no
    taker, everyone else as far (the wider reach), not only after ``widen_hours`` - most
    help they get comes from someone who shares no language with them (issue 63)."""
    if ranking.without_german(request) and waves_sent >= rules.early_waves:
        return ranking.WIDER
    return ranking.LOCAL


async def declined(scene: Scene, request: HelpRequest, volunteer_id: int) -> int:
    """A volunteer said "not this time": when the whole last wave has, the next goes at
    once (waves only); how many were told."""
    now = scene.settings.clock()
    await scene.db.volunteers.decline(request.id, volunteer_id, to_text(now))
    if not scene.settings.offer_rules.waves or request.state != OPEN:
        return 0
    search = await scene.db.waves.get(request.id)
    if search is None or search.handed_over_at or not search.waves:
        return 0
    last = [
        no for _, wave, no, _ in await scene.db.volunteers.asked(request.id) if wave == search.waves
    ]
    if last and all(last):
        return await _own_wave(scene, request, now)
    return 0


async def _own_wave(scene: Scene, request: HelpRequest, now: datetime) -> int:
    """A wave the bot sends on its own (the clock's, or after a whole wave's "not this
    time"): the offers of it held for quiet hours are said to the coordinators and the
    requester, as at the opening (``held_offers``); those held before were said then."""
    before = {who for who, _ in await scene.db.volunteers.held(request.id, to_text(now))}
    told = await next_wave(scene, request, now)
    if told:
        held = await held_offers.held(
            scene.db, scene.settings, request, now, nobody_asked_now=False, besides=before
        )
        await held_offers.tell(scene.mail, request, held)
    elif scene.settings.offer_rules.tell_when_dry:
        await _ran_dry(scene, request, now)
    return told


async def pull(scene: Scene, volunteer_id: int) -> int:
    """A volunteer finished or handed back: with room, and below their offers a day, they
    are offered the longest-waiting open request that fits them (waves only)."""
    rules = scene.settings.offer_rules
    if not rules.waves:
        return 0
    now = scene.settings.clock()
    user = await scene.db.users.get(volunteer_id)
    volunteer = await scene.db.volunteers.get(volunteer_id)
    if user is None or volunteer is None:
        return 0
    room = await ranking.room_left(scene.db, rules, now, volunteer_id)
    if room.left() <= 0:
        return 0
    for request_id in await scene.db.volunteers.not_yet_offered(volunteer_id):
        request = await scene.db.requests.get(request_id)
        if request is None:
            continue
        taken, handed_back = await scene.db.volunteers.load_and_history(volunteer_id, request.id)
        why = who_may_help.why_not(
            scene.settings, user, volunteer, request, taken=taken, handed_back=handed_back, now=now
        )
        # Their last offers of the week may be kept for those who need their language.
        if why is None and room.left(ranking.kept_back(rules, volunteer, request)) > 0:
            return int(await send_offer(scene, request, volunteer, now))
    return 0


async def _ran_dry(scene: Scene, request: HelpRequest, now: datetime) -> None:
    """A wave of the bot's own found nobody left to ask (``tell_when_dry``): unless the
    coordinators were told of the request already (this, the budget or the alert after
    ``escalate_hours``, handlers/helping/timers.py) or someone is held for it (quiet hours,
    the evening, the caps: they get it later), they are told now, with what was tried and
    the "offer again" button, and the alert after ``escalate_hours`` is then said. The
    search keeps looking for new and freed volunteers. (At the opening ``offer_fanout``
    says "no matching volunteer" itself: only after a first wave; a talk search looks again
    in minutes.)"""
    search = await scene.db.waves.get(request.id)
    if request.escalated_at is not None or search is None or not search.waves:
        return
    if search.handed_over_at or search.talk_until:
        return
    found = await held_offers.held(scene.db, scene.settings, request, now, nobody_asked_now=True)
    if found.count:
        return
    await scene.db.requests.mark(request.id, "escalated_at")
    asked = await scene.db.volunteers.asked(request.id)

    def compose(t: Translator) -> Message:
        lines = [t.t(held_offers.NOBODY_LEFT, id=request.id), _asked_line(t, asked)]
        return Message(
            Markup("\n").join(lines), reoffer_buttons(t, request.id), typed_choices=False
        )

    await scene.mail.to_backchannel(compose, about=[request.requester_id])


async def hand_over(scene: Scene, request: HelpRequest, now: datetime) -> None:
    """The budget is spent: the coordinators get the request with what was tried, and the
    bot asks nobody more on its own (the alert after ``escalate_hours`` is then said)."""
    if not await scene.db.waves.hand_over(request.id, to_text(now)):
        return
    await scene.db.requests.mark(request.id, "escalated_at")
    asked = await scene.db.volunteers.asked(request.id)
    nearest = None
    for who, *_ in asked:
        volunteer = await scene.db.volunteers.get(who)
        km = ranking.distance_km(scene.settings, volunteer, request) if volunteer else None
        if km is not None and (nearest is None or km < nearest):
            nearest = km

    def compose(t: Translator) -> Message:
        tried = t.t(
            "🧭 Nobody has taken request #{id} ({category}, {area}).",
            id=request.id,
            category=category_label(t, request.category),
            area=request.area_name or "?",
        )
        lines = [tried, _asked_line(t, asked)]
        if nearest is not None:
            lines.append(t.t("Nearest asked: {distance}.", distance=t.distance(nearest * 1000)))
        lines.append(t.t("The bot asks nobody more on its own. Can you find someone?"))
        return Message(
            Markup("\n").join(lines), reoffer_buttons(t, request.id), typed_choices=False
        )

    await scene.mail.to_backchannel(compose, about=[request.requester_id])


def _asked_line(t: Translator, asked: list[tuple[int, int, bool, str | None]]) -> Markup:
    """How many were asked about a request and how many said "not this time"."""
    said_no = sum(1 for _, _, no, _ in asked if no)
    return t.t("Asked: {asked}. Said not this time: {declined}.", asked=len(asked),
               declined=said_no)  # fmt: skip


async def tick(db: Database, settings: HandlerSettings, now: datetime) -> int:
    """Every open request whose next wave or look is due gets it (the scheduler's job, and
    the outcomes bench's entry with its simulated clock); how many messages were queued."""
    if not settings.offer_rules.waves:
        return 0
    scene = Backstage(db, settings)
    async with db.transaction():
        for request_id in await db.waves.due(to_text(now)):
            request = await db.requests.get(request_id)
            if request is not None and request.state == OPEN:
                await _own_wave(scene, request, now)
    return scene.mail.queued


async def progress(
    db: Database, t: Translator, request: HelpRequest, settings: HandlerSettings | None = None
) -> Markup:
    """For the coordinators: who was asked, in how many waves, and when the next goes.
    With ``settings`` (the desk's request page), an offer still held for a volunteer's
    quiet hours is no "asked": it is said as held, for whom and until when (issue 100,
    point 3: the page said "asked: vera" while vera slept and the group read "held")."""
    search = await db.waves.get(request.id)
    asked = await db.volunteers.asked(request.id)
    holding = None
    if settings is not None:
        holding = await held_offers.held(
            db, settings, request, settings.clock(), nobody_asked_now=False
        )
        asked = [row for row in asked if row[0] not in holding.sleepers]
    said_no = sum(1 for _, _, no, _ in asked if no)
    names = []
    for who, *_ in asked:
        user = await db.users.get(who)
        names.append(user.first_name if user and user.first_name else f"#{who}")
    lines = [
        t.t(
            "👥 Asked: {asked}. Waves: {waves}. Said not this time: {declined}.",
            asked=len(asked),
            waves=search.waves if search else 0,
            declined=said_no,
        )
    ]
    if names:
        lines.append(Markup(t.list_of(names)))
    if holding is not None:
        lines += held_offers.coordinator_lines(t, request.id, holding)
    if search is not None and search.handed_over_at:
        lines.append(t.t("The bot asks nobody more on its own. Can you find someone?"))
    elif search is not None and search.next_at and request.state == OPEN:
        lines.append(
            t.t("⏭ Next wave: {time}", time=t.datetime(from_text(search.next_at), "short"))
        )
    return Markup("\n").join(lines)
