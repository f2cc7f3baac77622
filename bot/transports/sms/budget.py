"""The city's text messages per month: ``[sms] monthly_segments``, a clear stop, and the
coordinators told at 80 % and at 100 %.

Each text is taken from the month's budget before it is handed to the gateway, with one
conditional UPDATE (db/sms.py ``spend``, as the translation budget): processes sending at
once never spend past it. A text that does not fit is not sent (the transport refuses it
for good, so the outbox moves on) and the coordinators learn that the budget is used up; the
80 % notice is claimed the same way, so each share is told once a month, through the outbox
to the coordinators' group (handlers/messenger.py). The month is Europe/Berlin's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from db import Database
from db.sms import THRESHOLDS, SmsStore
from handlers.messages import Message
from handlers.messenger import Messenger
from locales import TIMEZONE, Translator

log = logging.getLogger(__name__)


def month_of(moment: datetime) -> str:
    return moment.astimezone(TIMEZONE).strftime("%Y-%m")


class Budget:
    def __init__(
        self,
        db: Database,
        monthly: int,
        backchannels: Iterable[tuple[str, str]],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.store = SmsStore(db.transactions)
        self.monthly = monthly
        self.backchannels = list(backchannels)
        self.clock = clock
        self.on_queued = on_queued

    async def take(self, segments: int) -> bool:
        """Whether ``segments`` may be sent now (and are counted); the coordinators are told
        when this takes the month past 80 % or finds it used up."""
        month = month_of(self.clock())
        taken = await self.store.spend(month, segments, self.monthly)
        for share in THRESHOLDS:
            if await self.store.claim_notice(month, share, self.monthly, refused=not taken):
                await self._tell(share)
        if not taken:
            log.warning("sms: the month's budget of %d segments is used up", self.monthly)
        return taken

    async def _tell(self, share: int) -> None:
        budget = self.monthly

        def notice(t: Translator) -> Message:
            if share >= 100:
                text = t.t(
                    "📵 Text messages: this month's {budget} segments are used up. The bot "
                    "sends no more texts until next month. Raise [sms] monthly_segments to "
                    "send more.",
                    budget=t.number(budget),
                )
            else:
                text = t.t(
                    "📵 Text messages: {share} % of this month's {budget} segments are used.",
                    share=t.number(share),
                    budget=t.number(budget),
                )
            return Message(text, typed_choices=False)

        async with self.db.transaction():
            queued = await Messenger(self.db, self.backchannels).to_backchannel(notice)
        if queued and self.on_queued is not None:
            self.on_queued()
