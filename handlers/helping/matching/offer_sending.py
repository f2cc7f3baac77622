"""One offer to one volunteer: the message, held back through their quiet hours, and
remembered with when and in which wave it went, so the lifecycle can update it later and
the offer rules can count it. Used by ``offer_fanout`` and ``waves``; it decides nobody.

An offer is text only: a request's voice is never offered (the privacy notice promises that
only the coordinators and the helper hear it). The offer says there is one and carries the
coordinators' written summary; the voice goes to the helper who takes the request
(``lifecycle.accept``).

An offer held for quiet hours follows the volunteer's hours as they are now
(:func:`follow_quiet_hours`): who ends her quiet hours gets what was held for her at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from db.clock import to_text
from db.requests import HelpRequest
from db.volunteers import Volunteer
from handlers.helping.matching import who_may_help
from handlers.helping.render import offer_buttons, offer_text
from handlers.helping.scene import Scene
from handlers.language_bridge import Reader, reader
from handlers.messages import Message
from locales import Translator

# The history's entry of an offer held for a volunteer's quiet hours (handlers/helping/history.py).
OFFER_HELD_ACTION = "request.offer_held"


def offer_message(request: HelpRequest, for_reader: Reader) -> Callable[[Translator], Message]:
    """An offer as one volunteer reads it (texts they may not read translated)."""
    return lambda t: Message(offer_text(t, request, for_reader), offer_buttons(t, request.id))


async def send_offer(
    scene: Scene, request: HelpRequest, volunteer: Volunteer, now: datetime, wave: int = 0
) -> bool:
    """Send one volunteer the offer (held back through their quiet hours) and remember it,
    to update it later; False if they cannot be reached."""
    not_before = who_may_help.quiet_until(volunteer, now)
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
    await scene.db.volunteers.record_offer(
        request.id, volunteer.user_id, outbox_id, to_text(now), wave
    )
    if not_before is not None:
        # The request's history says an offer waits for quiet hours, and until when (who:
        # the request's page, held_offers; the history keeps no volunteer's number).
        await scene.db.requests.audit(
            None, OFFER_HELD_ACTION, f"request:{request.id}", {"until": to_text(not_before)}
        )
    return True


async def follow_quiet_hours(scene: Scene, volunteer: Volunteer, now: datetime) -> int:
    """The volunteer changed her quiet hours: the offers held for her go at once, or at the
    end of her new quiet hours if ``now`` still falls into them; how many were moved."""
    held = await scene.db.volunteers.held_for(volunteer.user_id, to_text(now))
    return await scene.db.outbox.hold_until(held, who_may_help.quiet_until(volunteer, now) or now)
