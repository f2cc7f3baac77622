"""The installation's text messages per month: ``[sms] monthly_segments`` (installation-wide,
bot/cities.py) for all its cities together, a clear stop, and each city's coordinators told
at 80 % and at 100 %.

Each text is taken from the month's budget before it is handed to the gateway, with one
conditional UPDATE (db/sms.py ``spend``, as the translation budget): processes and cities
sending at once never spend past it. The month is counted where the translation budget is,
in the main city's database (:meth:`Budget.count_in`, called by bot/city_service.py; a lone
city counts in its own). A text that does not fit is not sent (the transport refuses it for
good, so the outbox moves on) and the city's coordinators learn that the budget is used up.
Each city claims its own notices in its own database the same way, so each share is told
once a month to each city's coordinators' group, through its outbox (handlers/messenger.py),
when that city next sends or is refused. The month is Europe/Berlin's.
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
        # The month's segments: the installation's (count_in), else this city's alone.
        self.store = SmsStore(db.transactions)
        # The notices this city's coordinators were told of: always the city's own.
        self.notices = SmsStore(db.transactions)
        self.monthly = monthly
        self.backchannels = list(backchannels)
        self.clock = clock
        self.on_queued = on_queued

    def count_in(self, main: Database) -> None:
        """Count the month in ``main``, the main city's database: one budget for every city
        of the installation."""
        self.store = SmsStore(main.transactions)

    async def take(self, segments: int) -> bool:
        """Whether ``segments`` may be sent now (and are counted); the city's coordinators are
        told when the month is past 80 % or used up (a text refused counts as used up)."""
        month = month_of(self.clock())
        taken = await self.store.spend(month, segments, self.monthly)
        spent = await self.store.spent(month)
        for share in THRESHOLDS:
            reached = (not taken and share == 100) or spent * 100 >= share * self.monthly
            if reached and await self.notices.claim_notice(month, share):
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
                    "📵 Text messages: {share} of this month's {budget} segments are used.",
                    share=t.percent(share / 100),  # "80 %", "%80" (tr), "٨٠٪" (ar)
                    budget=t.number(budget),
                )
            return Message(text, typed_choices=False)

        async with self.db.transaction():
            queued = await Messenger(self.db, self.backchannels).to_backchannel(notice)
        if queued and self.on_queued is not None:
            self.on_queued()
