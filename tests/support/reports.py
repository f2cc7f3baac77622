"""What a transport reports (handlers/channels.py ``Happening``: a call of the bot's given
up), taken by the features as the product takes it (handlers/dispatcher.py ``happened``),
for a test that builds a transport's parts without its dispatcher; or only kept
(``Kept``), for a test of what the transport reports."""

from __future__ import annotations

from collections.abc import Iterable

from db import Database
from handlers.channels import Happening, Report
from handlers.updates.ports import features_report


def features_told(db: Database, backchannels: Iterable[tuple[str, str]] = ()) -> Report:
    """The reports taken by the features, the coordinators' chats ``backchannels``."""
    return features_report(db, backchannels)


class Kept:
    """The reports, in order."""

    def __init__(self) -> None:
        self.reports: list[Happening] = []

    async def __call__(self, what: Happening) -> None:
        self.reports.append(what)
