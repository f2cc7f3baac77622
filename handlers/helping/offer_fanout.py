"""The offer fan-out: who is offered an open help request, and when.

An offer is a message to a volunteer who qualifies (``matching``), held back through their
quiet hours and remembered, so that the lifecycle can update it later ("taken",
"withdrawn", a coordinator's summary). This module sends offers through the outbox and
never changes a request's state: the lifecycle calls :func:`offer` when a request opens
(published, entered by a coordinator, handed back); a coordinator offers an open request
again with :func:`reoffer` (new volunteers, widened areas); a volunteer who became
available gets what they were never told about with :func:`offer_to`.

Nobody to offer it to: the coordinators are asked to look for help (with the reoffer
button). Offers went out but nobody offered speaks the requester's languages and nothing
translates: both sides are told.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import UTC, datetime

from db.request_states import OPEN
from db.requests import HelpRequest
from db.users import User
from db.volunteers import Volunteer
from handlers.helping import matching
from handlers.helping.refused import CANNOT_CHANGE, Refused
from handlers.helping.render import offer_buttons, offer_text, reoffer_buttons, request_voice
from handlers.helping.scene import Scene
from handlers.language_bridge import Reader, reader
from handlers.messages import Message
from handlers.staff import is_staff
from locales import Formatted, Translator


async def offer(scene: Scene, request: HelpRequest, *, skip: Collection[int] = ()) -> int:
    """Offer an open request to everyone who qualifies; how many were told. With nobody at
    all, the coordinators are asked to look for help."""
    now = datetime.now(UTC)
    told = 0
    shared = False
    for volunteer in await matching.matching_volunteers(scene.db, scene.settings, request):
        if volunteer.user_id not in skip and await _offer_one(scene, request, volunteer, now):
            told += 1
            shared = shared or matching.shares_language(volunteer, request)
    if told and not shared and not skip and not scene.settings.translation:
        await _no_shared_language(scene, request)
    if told == 0:
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


async def _no_shared_language(scene: Scene, request: HelpRequest) -> None:
    """Offers went out, but nobody offered it speaks the requester's languages and nothing
    translates: both sides are told, so nobody is surprised at the door."""
    spoken = tuple(request.languages) or tuple(filter(None, [request.description_lang]))
    if not spoken:
        return

    def languages(t: Translator) -> Formatted:
        return t.list_of([t.language(code) for code in spoken], style="or")

    await scene.mail.to_backchannel(
        lambda t: Message(
            t.t(
                "🗣 Nobody who speaks {languages} matches #{id}.",
                languages=languages(t),
                id=request.id,
            )
        ),
    )
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


def offer_message(request: HelpRequest, for_reader: Reader) -> Callable[[Translator], Message]:
    """An offer as one volunteer reads it (texts they may not read translated)."""
    return lambda t: Message(offer_text(t, request, for_reader), offer_buttons(t, request.id))


async def _offer_one(
    scene: Scene, request: HelpRequest, volunteer: Volunteer, now: datetime
) -> bool:
    """Send one volunteer the offer (held back through their quiet hours) and remember it,
    to update it later; False if they cannot be reached."""
    not_before = matching.quiet_until(volunteer, now)
    person = await scene.db.users.get(volunteer.user_id)
    for_reader = reader(scene.settings, person, volunteer.languages)
    outbox_id = await scene.mail.to_user(
        person,
        offer_message(request, for_reader),
        not_before=not_before,
        about=[request.requester_id],
    )
    if outbox_id is None:
        return False
    await scene.db.volunteers.record_offer(request.id, volunteer.user_id, outbox_id)
    if request.voice_file_id:
        await scene.mail.to_user(
            volunteer.user_id,
            lambda t: request_voice(t, request),
            not_before=not_before,
            about=[request.requester_id],
        )
    return True


async def reoffer(scene: Scene, coordinator: User, request_id: int) -> int:
    """A coordinator offers an open request again: to everyone who qualifies now and was
    not told yet (new volunteers, widened areas). How many were told."""
    if not is_staff(coordinator):
        raise Refused()
    request = await scene.db.requests.get(request_id)
    if request is None:
        raise Refused()
    if request.state != OPEN:
        raise Refused(CANNOT_CHANGE)
    await scene.db.requests.audit(coordinator.id, "request.reoffer", f"request:{request.id}")
    told_before = await scene.db.volunteers.offered(request.id)
    now = datetime.now(UTC)
    told = 0
    for volunteer in await matching.matching_volunteers(scene.db, scene.settings, request):
        if volunteer.user_id not in told_before:
            told += await _offer_one(scene, request, volunteer, now)
    return told


async def offer_to(scene: Scene, volunteer_id: int) -> int:
    """A volunteer became available (registered, confirmed, resumed, changed their area):
    the open requests they qualify for and were never told about are offered to them."""
    user = await scene.db.users.get(volunteer_id)
    volunteer = await scene.db.volunteers.get(volunteer_id)
    if user is None or volunteer is None:
        return 0
    now = datetime.now(UTC)
    told = 0
    for request_id in await scene.db.volunteers.not_yet_offered(volunteer_id):
        request = await scene.db.requests.get(request_id)
        if request is None:
            continue
        taken, handed_back = await scene.db.volunteers.load_and_history(volunteer_id, request.id)
        why = matching.why_not(
            scene.settings, user, volunteer, request, taken=taken, handed_back=handed_back, now=now
        )
        if why is None:
            told += await _offer_one(scene, request, volunteer, now)
    return told
