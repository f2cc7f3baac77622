"""What the help feature's work needs around it: a :class:`Scene`.

A handler's Context is one (the acting person's conversation state lives in it until
commit), and so is the Backstage of a scheduled job or an account deletion; the lifecycle
and the language choices take either.
"""

from __future__ import annotations

from typing import Any, Protocol

from db import Database
from db.users import ConversationState
from handlers.messenger import Messenger
from handlers.settings import HandlerSettings


class Scene(Protocol):
    """The stores, the settings, the outbox, and everyone's conversation state."""

    db: Database
    settings: HandlerSettings
    mail: Messenger

    async def state_of(self, user_id: int) -> ConversationState | None: ...

    async def set_state_of(self, user_id: int, state: str, data: dict[str, Any]) -> None: ...

    async def clear_state_of(self, user_id: int) -> None: ...
