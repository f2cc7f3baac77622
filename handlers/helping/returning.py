"""Whether a request may be published at once, for a city that publishes returning
requesters' requests without waiting for review (``[help] publish_at_once =
["returning"]``, docs/help.md#a-review-that-keeps-pace); handlers/helping/lifecycle.py
``submit`` asks :func:`held_for_review` and publishes or posts for review.

Two things keep a request in review:

- **What the checks flag** (:func:`flags`): a phone number, an e-mail address, a street
  address or a link in its text or its written time (handlers/helping/warnings.py
  ``flagged``, the checks the review post shows), or a voice description, which no check
  can read. Whoever sent it: earlier help going well says nothing about the new text.
- **Not yet a returning requester** (:func:`is_returning`, the one rule). Pressing "done"
  costs one press, so "returning" needs help that plausibly happened: one of their requests
  was done, and the volunteer told the time they spent (only the volunteer can, after
  "done"), or "done" came at least ``returning_after_hours`` after the volunteer took it;
  the account is at least ``returning_account_days`` old; nobody ever reported anything on
  any of their requests; and the sender is proven where a sender can be forged - a text
  from a number only when the number texted back a right code a moment ago (the texting
  transport's code store, asked through handlers/numbers/coded_acts.py ``vouched``), a call
  only when it was proven (a check call its holder confirmed, or their PIN:
  ``Sender.checked``). A chat account is its platform's and needs no more.

The coordinators' review post then begins with the reason (:meth:`Held.lines`); a request
published at once tells them so and can be pulled back (lifecycle.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from markupsafe import Markup

from db.clock import from_text
from db.requests import DoneHelp, HelpRequest
from db.users import User
from handlers.context import Context
from handlers.helping.scene import Scene
from handlers.helping.warnings import NAMES, flagged
from handlers.numbers import coded_acts
from locales import N_, Translator

RETURNING = "returning"
# A voice description: no check reads it (the review post asks for a summary).
VOICE = "voice"

HELD_FLAGGED = N_("⏸ Not published at once: the text has {found}.")
HELD_VOICE = N_("⏸ Not published at once: a voice description, which the checks cannot read.")
HELD_NEW = N_("⏸ Not published at once: not yet a returning requester.")


@dataclass(frozen=True)
class Held:
    """Why a request waits for review although the city publishes returning requesters'
    requests at once: what the checks flagged (kinds of warnings.py, or :data:`VOICE`), or
    (nothing flagged) that the requester is not yet a returning one."""

    flags: tuple[str, ...] = ()

    def lines(self, t: Translator) -> list[Markup]:
        found = [t._(NAMES[kind]) for kind in self.flags if kind in NAMES]
        lines = [t.t(HELD_FLAGGED, found=t.list_of(found))] if found else []
        if VOICE in self.flags:
            lines.append(t.t(HELD_VOICE))
        return lines or [t.t(HELD_NEW)]


def flags(request: HelpRequest) -> tuple[str, ...]:
    """What keeps ``request`` from being published at once whoever sent it: what the checks
    find in the words volunteers would read (its description and a time written in words),
    and a voice description."""
    found = flagged(f"{request.description}\n{request.when_text}")
    return (*found, VOICE) if request.voice_file_id else found


async def held_for_review(scene: Scene, requester: User, request: HelpRequest) -> Held | None:
    """None: ``request`` is published at once; else why it waits for review. Only asked
    where the city publishes returning requesters at once."""
    found = flags(request)
    if found:
        return Held(found)
    return None if await is_returning(scene, requester) else Held()


async def is_returning(scene: Scene, requester: User) -> bool:
    """The one rule of who is a returning requester (see the module's docstring)."""
    settings = scene.settings
    now = settings.clock()
    if from_text(requester.created_at) > now - timedelta(days=settings.returning_account_days):
        return False
    past = await scene.db.requests.past_help(requester.id)
    after = timedelta(hours=settings.returning_after_hours)
    if past.reported or not any(_happened(done, after) for done in past.done):
        return False
    return await sender_proven(scene, requester)


def _happened(done: DoneHelp, after: timedelta) -> bool:
    """Whether a done request's help plausibly happened: the volunteer said how long it
    took, or "done" was not pressed right after the volunteer took it."""
    if done.volunteer_confirmed:
        return True
    if done.matched_at is None or done.closed_at is None:
        return False
    return from_text(done.closed_at) - from_text(done.matched_at) >= after


async def sender_proven(scene: Scene, requester: User) -> bool:
    """Whether the one who sends this request is the requester, where a sender can be
    forged: only what the person sent now can prove it (a scheduled job's scene proves
    nothing for a number's person)."""
    channels = scene.settings.channels
    if not isinstance(scene, Context):
        return not channels.by_number(requester.platform)
    sender = scene.incoming.sender
    if sender.checked:
        return True
    if coded_acts.needed(scene):
        return await coded_acts.vouched(scene)
    return not channels.by_number(sender.platform)
