"""Neighbourhood help: requests, moderation, volunteers, matching and the private relay.

``lifecycle`` is the only module that changes a request's state; beside it, changing none,
``contact`` opens and closes the contact between a requester and their helper for it,
``posting_limits`` says whether a person may post now; ``render`` says how a request reads.
Three rooms hold a job each, a package of its own (tests/test_rooms_without_circles.py keeps
them apart): ``matching/`` (who may help with what - the one rule, ``who_may_help`` - in
which order, and offering an open request to them in waves) and ``review/`` (what waits for
the coordinators and how it is shown: the queue, its pace, the backlog, /pending, the held
requests' post) lie below the lifecycle, which calls them and is never called by them;
``relay/`` (requester and helper talking through the bot: ``chat``, and ``edits`` that
correct and take back what it passed on) lies above it. The chat modules
(``requests_flow``, ``moderation`` - the coordinators' decisions on what ``review/`` shows -,
``letters``, ``offers``, ``relay/``, ``reports``, ``volunteers``, ``certificates``,
``data_rights``), ``closed_chats`` (what follows when a person closed their chat with the
bot) and the jobs (``timers``) call them and never each other; ``bridged_calls`` (a helper's
call with a phone resident, offered among the relay's buttons) is the relay's too, below the
lifecycle, which starts a talk request's call through ``talk_now``.
``certificate_requests`` owns a volunteer's certificate requests and the papers signed for
them.
"""

from handlers.router import Router


def register(router: Router) -> None:
    # Imported when registered, not with the package: a tool that needs only a data module
    # of it (handlers/__init__.py ``features``) starts without the chats.
    from handlers.helping import (
        bridged_calls,
        certificates,
        closed_chats,
        data_rights,
        letters,
        moderation,
        offers,
        reports,
        requests_flow,
        unfinished_request,
        volunteers,
    )
    from handlers.helping.relay import chat, edits

    for feature in (
        requests_flow,
        unfinished_request,
        volunteers,
        certificates,
        moderation,
        letters,
        offers,
        chat,
        edits,
        reports,
        data_rights,
        bridged_calls,
        closed_chats,
    ):
        feature.register(router)
