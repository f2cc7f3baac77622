"""Local events: recurrence, iCal, reminders and the "events" chat."""

from handlers.events import chat
from handlers.router import Router


def register(router: Router) -> None:
    chat.register(router)
