"""Encounter places: vocabulary, gazetteer, import, search, the "find a place" chat and the
coordinators' editing flow."""

from handlers.places import anywhere, chat, editing
from handlers.router import Router


def register(router: Router) -> None:
    chat.register(router)
    editing.register(router)
    anywhere.register(router)
