"""Local events: recurrence, iCal, reminders and the "events" chat."""

from handlers.router import Router


def register(router: Router) -> None:
    # Imported when registered, not with the package: a tool that needs only a data module
    # of it (handlers/__init__.py ``features``) starts without the chats.
    from handlers.events import chat, editing

    chat.register(router)
    editing.register(router)
