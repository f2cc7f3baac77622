"""The offer fan-out: who is offered an open help request, and when.

An offer is a message to a volunteer who qualifies (``matching``), held back through their
quiet hours and remembered, so that the lifecycle can update it later ("taken",
"withdrawn", a coordinator's summary; ``offer_sending``). This module sends offers through
the outbox and never changes a request's state: the lifecycle calls :func:`offer` when a
request opens (published, entered by a coordinator, handed back) and :func:`pull` when a
volunteer finished or handed back; a coordinator offers an open request again with
:func:`reoffer`; a volunteer who became available gets what they were never told about with
:func:`offer_to`; a "not this time" goes through :func:`declined`.

Under the ``"waves"`` offer rule (the default, ``settings.offer_rules``) the request goes
to the best-ranked few first and to more later (``waves``, ``ranking``; the scheduler's
``waves.tick``); a re-offer sends one wave under the same rules (and reaches someone
whenever anyone qualifies who was not told), and a volunteer who
became available gets no more than their offers a day. Under ``"broadcast"`` every
qualifying volunteer is told at once.

Held offers (quiet hours; with nobody asked now, the evening rules and the caps): the
coordinators read for whom and until when, the requester how many and until when
(``held_offers``). Nobody to offer it to and nobody held: the coordinators are asked to look
for help (with the reoffer button). Offers went out but nobody offered speaks the
requester's languages and nothing translates: both sides are told (the coordinators: to how
many it went all the same).
"""

from __future__ import annotations

from collections.abc import Collection

from db.request_states import OPEN
from db.requests import HelpRequest
from db.users import User
from handlers.helping.matching import held_offers, ranking, waves, who_may_help
from handlers.helping.matching.held_offers import NOBODY_LEFT, nobody_told
from handlers.helping.matching.offer_sending import follow_quiet_hours, offer_message, send_offer
from handlers.helping.refused import CANNOT_CHANGE, Refused, staff_only
from handlers.helping.render import reoffer_buttons
from handlers.helping.scene import Scene
from handlers.messages import Message
from locales import Formatted, Translator


async def offer(scene: Scene, request: HelpRequest, *, skip: Collection[int] = ()) -> int:
    """Offer an open request: its first wave (waves), or everyone who qualifies
    (broadcast); how many were told. What is held is said (``held_offers``); with nobody
    at all, the coordinators are asked to look for help."""
    now = scene.settings.clock()
    told = 0
    shared = False
    if scene.settings.offer_rules.waves:
        told = await waves.start(scene, request, now, set(skip))
        told_now = await scene.db.volunteers.offered(request.id)
        for volunteer_id in told_now - set(skip):
            volunteer = await scene.db.volunteers.get(volunteer_id)
            shared = shared or bool(volunteer and who_may_help.shares_language(volunteer, request))
    else:
        for volunteer in await who_may_help.matching_volunteers(scene.db, scene.settings, request):
            if volunteer.user_id not in skip and await send_offer(scene, request, volunteer, now):
                told += 1
                shared = shared or who_may_help.shares_language(volunteer, request)
    if told and not shared and not skip and not scene.settings.translation_rules.engine:
        await _no_shared_language(scene, request, told)
    search = await scene.db.waves.get(request.id) if scene.settings.offer_rules.waves else None
    if search is not None and search.talk_until is not None:
        # A talk search looks again in minutes, and the coordinators were told of it already.
        return told
    # Offers waiting for quiet hours, and with nobody asked now those the evening rules or
    # the caps hold back: for whom and until when; "no match" only when nobody is held.
    held = await held_offers.held(
        scene.db, scene.settings, request, now, nobody_asked_now=told == 0
    )
    await held_offers.tell(scene.mail, request, held)
    if told == 0 and not held.count:
        await scene.mail.to_backchannel(
            lambda t: Message(
                t.t(
                    "⚠️ No matching volunteer for request #{id} - please look for help.",
                    id=request.id,
                ),
                reoffer_buttons(t, request.id),
                typed_choices=False,
            )
        )
    return told


async def _no_shared_language(scene: Scene, request: HelpRequest, told: int) -> None:
    """Offers went out to ``told`` volunteers, but none of them speaks the requester's
    languages (``matching.shares_language``, the rule ranking ranks by) and nothing
    translates: both sides are told, so nobody is surprised at the door. The coordinators
    read that it was offered all the same (offers do not wait for a shared language; ranking
    ranks those who share one higher) - not that nobody fits."""
    spoken = tuple(request.languages) or tuple(filter(None, [request.description_lang]))
    if not spoken:
        return

    def languages(t: Translator) -> Formatted:
        return t.list_of([t.language(code) for code in spoken], style="or")

    def note(t: Translator) -> Message:
        # The names first: a call inside a plural's arguments hides the plural from extraction.
        names = languages(t)
        return Message(
            t.tn(
                "🗣 Nobody who speaks {languages} was offered #{id}: it went to {n} "
                "volunteer who shares no language with the requester.",
                "🗣 Nobody who speaks {languages} was offered #{id}: it went to {n} "
                "volunteers who share no language with the requester.",
                told,
                languages=names,
                id=request.id,
            )
        )

    await scene.mail.to_backchannel(note)
    await scene.mail.to_user(
        request.requester_id,
        lambda t: Message(
            t.t(
                # One idea: how to talk with them. The code word is explained when given.
                "🗣 The helpers we found may not speak {languages}. Short, simple sentences help.",
                languages=languages(t),
            )
        ),
    )


async def reoffer(scene: Scene, coordinator: User, request_id: int) -> int:
    """A coordinator offers an open request again: to those who qualify now and were not
    told yet (new volunteers, widened areas) - under waves one wave, which reaches someone
    whenever anyone qualifies (:func:`waves.next_wave`). How many were told (0: nobody
    qualifies, :data:`NOBODY_LEFT`)."""
    staff_only(coordinator)
    request = await scene.db.requests.get(request_id)
    if request is None:
        raise Refused()
    if request.state != OPEN:  # what it is now: the coordinator is told and by whom (moved_on.said)
        raise Refused(CANNOT_CHANGE, now=request.state)
    await scene.db.requests.audit(coordinator.id, "request.reoffer", f"request:{request.id}")
    now = scene.settings.clock()
    if scene.settings.offer_rules.waves:
        return await waves.next_wave(scene, request, now, by_coordinator=True)
    told_before = await scene.db.volunteers.offered(request.id)
    told = 0
    for volunteer in await who_may_help.matching_volunteers(scene.db, scene.settings, request):
        if volunteer.user_id not in told_before:
            told += await send_offer(scene, request, volunteer, now)
    return told


async def offer_to(scene: Scene, volunteer_id: int) -> int:
    """A volunteer became available (registered, confirmed, resumed, changed their area
    or quiet hours): the offers held for their quiet hours follow the hours they have now,
    and the open requests they qualify for and were never told about are offered to them."""
    user = await scene.db.users.get(volunteer_id)
    volunteer = await scene.db.volunteers.get(volunteer_id)
    if user is None or volunteer is None:
        return 0
    now = scene.settings.clock()
    # Offers held for her quiet hours follow her hours as they are now (ended: at once).
    await follow_quiet_hours(scene, volunteer, now)
    rules = scene.settings.offer_rules
    told = 0
    # Under waves: no more than their offers a day and a week, counting those sent.
    room = await ranking.room_left(scene.db, rules, now, volunteer_id) if rules.waves else None
    for request_id in await scene.db.volunteers.not_yet_offered(volunteer_id):
        if room is not None and room.left(sent=told) <= 0:
            break
        request = await scene.db.requests.get(request_id)
        if request is None:
            continue
        taken, handed_back = await scene.db.volunteers.load_and_history(volunteer_id, request.id)
        why = who_may_help.why_not(
            scene.settings, user, volunteer, request, taken=taken, handed_back=handed_back, now=now
        )
        # Under waves their last offers of the week may be kept for those who need their
        # language (ranking.kept_back).
        if why is None and (
            room is None or room.left(ranking.kept_back(rules, volunteer, request), told) > 0
        ):
            told += await send_offer(scene, request, volunteer, now)
    return told


async def pull(scene: Scene, volunteer_id: int) -> int:
    """A volunteer finished or handed back: with room, the longest-waiting open request
    that fits them is offered to them (waves)."""
    return await waves.pull(scene, volunteer_id)


async def declined(scene: Scene, request: HelpRequest, volunteer_id: int) -> int:
    """A volunteer said "not this time" (when the whole wave has, the next goes at once)."""
    return await waves.declined(scene, request, volunteer_id)


__all__ = [
    "NOBODY_LEFT",
    "declined",
    "nobody_told",
    "offer",
    "offer_message",
    "offer_to",
    "pull",
    "reoffer",
]
