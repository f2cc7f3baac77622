"""Transport-agnostic features. Nothing in here imports a transport."""

from __future__ import annotations

from handlers import (
    desk,
    easy_language,
    events,
    guide,
    helping,
    menu,
    onboarding,
    places,
    preferences,
    privacy,
    read_aloud,
    to_coordinators,
)
from handlers.numbers import coded_acts, phone_pin, reach
from handlers.router import Router

# Registration order is the order of /help and of the platforms' command menus.
FEATURES = (
    onboarding,
    menu,
    places,
    helping,
    events,
    guide,
    preferences,
    read_aloud,
    easy_language,
    reach,
    phone_pin,
    coded_acts,
    privacy,
    to_coordinators,
    desk,
)


def build_router() -> Router:
    router = Router()
    for feature in FEATURES:
        feature.register(router)
    return router
