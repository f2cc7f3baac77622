"""Neighbourhood help: requests, moderation, volunteers, matching and the private relay."""

from handlers.helping import (
    data_rights,
    matching,
    moderation,
    relay,
    requests_flow,
    volunteers,
)
from handlers.router import Router


def register(router: Router) -> None:
    for feature in (requests_flow, volunteers, moderation, matching, relay, data_rights):
        feature.register(router)
