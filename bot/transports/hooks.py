"""What a transport's hooks in the registry (bot/transports/registry.py) are given and give
back: a transport's own light modules (its checks, attach, desk panel) import these names
from here, below the registry that lists them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from db import Database
    from db.outbox import OutboxItem
    from handlers.messages import Outgoing

# How a transport names people: by their phone number in E.164 ("+492311234567").
E164 = "e164"
# A doctor check: (name, "ok" | "WARN" | "FAIL" | "skip", detail).
Check = tuple[str, str, str]


@dataclass(frozen=True)
class Attachment:
    """What a city gives its transports when it attaches them (bot/city_service.py):
    ``fetch_media`` (the outbox worker's, for files people sent), ``main`` (the main
    city's database, where the installation's budgets are counted) and the city's
    ``slug``, ``is_main`` whether it is the main city; ``count`` (platform, event, n) adds
    to the city's metrics of a transport's own events (None without metrics); ``prepare``
    (the outbox worker's): a queued item as its reader gets it, through the reader chain,
    for a transport that sends more of a chat's queue than the worker hands it (a call-back
    says every message waiting)."""

    fetch_media: Callable[..., Any] | None
    main: Database | None
    slug: str
    is_main: bool
    count: Callable[[str, str, int], None] | None = None
    prepare: Callable[[OutboxItem], Awaitable[Outgoing]] | None = None


@dataclass(frozen=True)
class Panel:
    """A transport's part of the desk's statistics page (bot/web/desk/stats.py): the id of
    its section (``stats-<id>``), its title and its lines, in the coordinator's words."""

    id: str
    title: str
    lines: tuple[str, ...]
