"""Encounter places: vocabulary, gazetteer, import, search, the "find a place" chat and the
coordinators' editing flow."""

from handlers.places import chat, editing
from handlers.router import Router


def register(router: Router) -> None:
    chat.register(router)
    editing.register(router)
