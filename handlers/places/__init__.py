"""Encounter places: vocabulary, gazetteer, import, search, the "find a place" chat and the
coordinators' editing flow."""

from handlers.router import Router


def register(router: Router) -> None:
    # Imported when registered, not with the package: a tool that needs only a data module
    # of it (handlers/__init__.py ``features``) starts without the chats.
    from handlers.places import anywhere, chat, editing

    chat.register(router)
    editing.register(router)
    anywhere.register(router)
