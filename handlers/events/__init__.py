"""Local events: recurrence, iCal, reminders and the "events" chat."""

from handlers.events import chat, editing
from handlers.router import Router


def register(router: Router) -> None:
    chat.register(router)
    editing.register(router)
