"""An action on a help request refused: :class:`Refused`, raised by the lifecycle and by
the posting limits and the offer fan-out, and answered by the chat, the desk and the jobs.

It stands on its own because the lifecycle imports those two modules: they cannot import
it back for the exception.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from db.users import User
from handlers.helping.vocabulary import STATE_LABELS
from handlers.staff import COORDINATOR, is_staff, refusal
from locales import N_, Translator

CANNOT_CHANGE = N_("😔 This request can no longer be changed.")
# A coordinator's own words (a reason, a question, a corrected text, a summary) are refused
# with this by the lifecycle when blank or too long - on the desk, which no dispatcher
# stands before; in the chat the dispatcher refuses a longer text first
# (``Router.input_limits``), with the same limit.
WRITE_BETWEEN = N_("✍️ Please write between {low} and {high} characters.")
STALE = N_("This button is no longer valid.")
# Said after the reason where the request had moved on: what it is now, and who moved it
# there (no name where nobody did: expired, or the one deciding is named already).
NOW_BY = N_("State of request #{id} now: {state} (changed by {name}).")
NOW = N_("State of request #{id} now: {state}.")


class Refused(Exception):
    """The actor may not do this now; nothing was changed. ``render`` says why in the
    actor's language; ``decided_by`` names who was faster when a decision was taken;
    ``now`` the state the request was already in when it had moved on."""

    def __init__(
        self,
        message: str = STALE,
        *,
        decided_by: int | None = None,
        render: Callable[[Translator], Markup] | None = None,
        post: Markup | None = None,
        now: str | None = None,
        by: str | None = None,
        missing: bool = False,
        **values: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.values = values
        self.decided_by = decided_by
        # The state the request had already moved to (a second tap, or someone faster),
        # where the lifecycle knows it: callers answer by it without reading the request
        # again.
        self.now = now
        # Who moved it there (their first name), where someone did and is not named yet.
        self.by = by
        # No such request (never was, or erased): the desk answers 404, a button "no
        # longer valid".
        self.missing = missing
        self._render = render
        # For a decision someone else took first: the review post as it reads now.
        self.post = post
        # A posting limit that holds the request back instead (posting_limits.Hold).
        self.hold: Any = None

    def text(self, t: Translator) -> Markup:
        return self._render(t) if self._render else t.t(self.message, **self.values)

    def with_state(self, t: Translator, request_id: int) -> Markup:
        """The reason and, where the request had moved on, what it is now and who moved it:
        the answer to every refusal of a coordinator's action, on the desk and in the chat
        (a decision, /publish, /reject, /offer, a press on a request that changed), so that
        a coordinator knows what happened wherever they acted."""
        said = self.text(t)
        if self.now not in STATE_LABELS:
            return said
        state = t._(STATE_LABELS[self.now])
        now = (
            t.t(NOW_BY, id=request_id, state=state, name=self.by)
            if self.by
            else t.t(NOW, id=request_id, state=state)
        )
        return said + Markup(" ") + now

    @property
    def stale(self) -> bool:
        return self.message == STALE and self._render is None


def staff_only(coordinator: User) -> None:
    """Refused unless ``coordinator`` holds a staff role now, saying so
    (``staff.refusal``): a role taken away or an account blocked while a step, a form or a
    page was under way is told that, not that the request can no longer be changed."""
    if not is_staff(coordinator):
        raise Refused(refusal(coordinator, COORDINATOR))
