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
from handlers.staff import COORDINATOR, is_staff, refusal
from locales import N_, Translator

CANNOT_CHANGE = N_("😔 This request can no longer be changed.")
# A coordinator's own words (a reason, a question, a corrected text, a summary) are refused
# with this by the lifecycle when blank or too long - on the desk, which no dispatcher
# stands before; in the chat the dispatcher refuses a longer text first
# (``Router.input_limits``), with the same limit.
WRITE_BETWEEN = N_("✍️ Please write between {low} and {high} characters.")
STALE = N_("This button is no longer valid.")


class Refused(Exception):
    """The actor may not do this now; nothing was changed. ``render`` says why in the
    actor's language; ``decided_by`` names who was faster when a decision was taken;
    ``now`` the state the request was already in when it had moved on (who moved it there
    and when: handlers/helping/moved_on.py, which answers every such refusal)."""

    def __init__(
        self,
        message: str = STALE,
        *,
        decided_by: int | None = None,
        render: Callable[[Translator], Markup] | None = None,
        post: Markup | None = None,
        now: str | None = None,
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

    @property
    def stale(self) -> bool:
        return self.message == STALE and self._render is None


def staff_only(coordinator: User) -> None:
    """Refused unless ``coordinator`` holds a staff role now, saying so
    (``staff.refusal``): a role taken away or an account blocked while a step, a form or a
    page was under way is told that, not that the request can no longer be changed."""
    if not is_staff(coordinator):
        raise Refused(refusal(coordinator, COORDINATOR))
