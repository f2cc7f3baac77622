"""Neighbourhood help: requests, moderation, volunteers, matching and the private relay.

``lifecycle`` is the only module that changes a request's state; beside it, changing none,
``contact`` opens and closes the contact between a requester and their helper for it,
``posting_limits`` says whether a person may post now and ``offer_fanout`` offers an open
request to the volunteers ``matching`` finds (``matching`` holds the rule of who may help with
what); ``render`` says how a request reads. The chat modules
(``requests_flow``, ``moderation``, ``letters``, ``offers``, ``relay``, ``reports``,
``volunteers``, ``certificates``, ``data_rights``), ``closed_chats`` (what follows when a
person closed their chat with the bot) and the jobs (``timers``) call them and never each
other; ``relay_edits`` (acknowledging, correcting and taking back what the relay
passed on) and ``bridged_calls`` (a helper's call with a phone resident, offered among the
relay's buttons) are the relay's own. ``certificate_requests`` owns a volunteer's certificate
requests and the papers signed for them.
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
        relay,
        relay_edits,
        reports,
        requests_flow,
        unfinished_request,
        volunteers,
    )

    for feature in (
        requests_flow,
        unfinished_request,
        volunteers,
        certificates,
        moderation,
        letters,
        offers,
        relay,
        relay_edits,
        reports,
        data_rights,
        bridged_calls,
        closed_chats,
    ):
        feature.register(router)
