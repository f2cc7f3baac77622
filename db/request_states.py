"""The states of a help request and the moves between them: the one declaration the store
(db/requests.py), the lifecycle (handlers/helping/lifecycle.py), the personal-data map's
retention, ``db check``, the desk and the figures follow.

A resident sends a request: it is in ``review`` until a coordinator publishes it (``open``)
or does not (``rejected``). An open request is offered to volunteers; the first who accepts
makes it ``matched``, and the requester ends it as ``done``. A volunteer who cannot help
after all hands it back (``matched`` → ``open``). The requester may edit it while nobody has
taken it, which sends it back to ``review``; may withdraw it (``withdrawn``) at any time
before it is done; and a request nobody took in time is ``expired``. A ``draft`` is a
request not sent on yet: one a posting limit holds back (``held_reason``, ``held_until``:
handlers/helping/posting_limits.py), which goes on to review when the limit allows or is
withdrawn; it is neither active nor closed and counts nowhere. Closed requests never move
again, and their texts go after the retention period (db/personal_data.py).

    draft → review                            a held request goes on (the held requests' job)
    review → open, or → rejected              a coordinator decides
    open → matched                            a volunteer accepts
    matched → done                            the requester says the help is done
    matched → open                            the volunteer hands it back
    review, open → review                     the requester edits it
    review, open → expired                    nobody took it in time
    draft, review, open, matched → withdrawn  the requester withdraws it (or a ban ends it)

A state is a word stored in ``help_requests.state`` (the schema's CHECK lists the same
words); :func:`sql_list` writes a set of them into SQL.
"""

from __future__ import annotations

from collections.abc import Iterable

DRAFT = "draft"
REVIEW = "review"
OPEN = "open"
MATCHED = "matched"
DONE = "done"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
EXPIRED = "expired"

STATES = (DRAFT, REVIEW, OPEN, MATCHED, DONE, REJECTED, WITHDRAWN, EXPIRED)

# Every state is in exactly one of these three.
UNSENT = (DRAFT,)
# Something still happens: a decision, a helper, the help itself.
ACTIVE = (REVIEW, OPEN, MATCHED)
# Nothing happens any more.
CLOSED = (DONE, REJECTED, WITHDRAWN, EXPIRED)

# Active and nobody has taken it yet: the requester may still edit it, coordinators may ask
# about it or correct its text, and it expires if nobody takes it.
WAITING = (REVIEW, OPEN)

# Which states a request may move to from which (target: sources). Editing an open request
# sends it back to review; a volunteer handing a request back moves it from matched to open.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    REVIEW: (DRAFT, *WAITING),
    OPEN: (REVIEW, MATCHED),
    MATCHED: (OPEN,),
    DONE: (MATCHED,),
    REJECTED: (REVIEW,),
    WITHDRAWN: (DRAFT, *ACTIVE),
    EXPIRED: WAITING,
}


def sql_list(states: Iterable[str]) -> str:
    """``states`` as an SQL list, ``('done', 'rejected')``: for statements that are
    constant text (retention, ``db check``). Only declared states: they are plain words,
    nothing to quote."""
    states = tuple(states)
    unknown = set(states) - set(STATES)
    if unknown or not states:
        raise ValueError(f"not request states: {sorted(unknown)}")
    return "(" + ", ".join(f"'{state}'" for state in states) + ")"
