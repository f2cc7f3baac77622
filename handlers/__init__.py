"""Transport-agnostic features. Nothing in here imports a transport."""

from __future__ import annotations

from types import ModuleType

from handlers.router import Router


def features() -> tuple[ModuleType, ...]:
    """The features, in the order of /help and of the platforms' command menus. Imported
    here, when a router is built, not with the package: a command that needs only a data
    module (``bot doctor``'s gazetteer and statistics, ``bot places import``) starts
    without every chat (a third of a second of a core, and the tests start such commands
    hundreds of times)."""
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
    from handlers.forms import cancel_command, not_a_choice
    from handlers.limits import encrypted_work, month_budgets, text_messages
    from handlers.numbers import (
        call_notices,
        caller_check,
        coded_acts,
        number_entry,
        phone_pin,
        reach,
    )

    return (
        onboarding,
        menu,
        cancel_command,
        places,
        not_a_choice,
        helping,
        events,
        guide,
        preferences,
        read_aloud,
        easy_language,
        reach,
        phone_pin,
        coded_acts,
        caller_check,
        number_entry,
        call_notices,
        encrypted_work,
        text_messages,
        month_budgets,
        privacy,
        to_coordinators,
        desk,
    )


def build_router() -> Router:
    router = Router()
    for feature in features():
        feature.register(router)
    return router
