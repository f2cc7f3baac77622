"""The flood limits at the door (``bot.max_messages_per_minute``,
``bot.max_presses_per_minute``): whether a sender is over them, what they are answered, and
the coordinators told while a limit stops someone - once an hour each, and no more than
handlers/flood_limits.py ``NOTICES_AN_HOUR`` people an hour, the last of them saying so.
The counts themselves are handlers/flood_limits.py's.

No button data, no states.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from db import Database
from db.users import User
from handlers.flood_limits import NOTICES_AN_HOUR, FloodCounts, FloodNotices
from handlers.helping.render import someone
from handlers.messages import ButtonPress, Incoming, Message, Outgoing, Toast
from handlers.messenger import tell_coordinators
from handlers.reader import reader_of
from handlers.settings import HandlerSettings
from locales import N_, Translator

log = logging.getLogger(__name__)

FLOOD_NOTICES = {
    False: N_(
        "🐢 {who} sent the bot more than {count} messages within a minute. Until they slow "
        "down it answers none of them; they were asked to wait a minute."
    ),
    True: N_(
        "🐢 {who} pressed the bot's buttons more than {count} times within a minute. Until "
        "they slow down each press only asks them to wait."
    ),
}
LAST_FLOOD_NOTICE = N_(
    "More people stopped by these limits are not named until {time}: this is the last of "
    "these notices until then."
)


class FloodGate:
    """The limits of a city on ``db``, its ``settings`` read when used, counted on ``clock``
    (seconds on a steady clock, which tests hold still); ``wake`` wakes the outbox worker
    for a notice."""

    def __init__(
        self,
        db: Database,
        settings: Callable[[], HandlerSettings],
        clock: Callable[[], float],
        wake: Callable[[], None],
    ) -> None:
        self.db = db
        self.settings = settings
        self.wake = wake
        # Recent updates per sender and kind (bounded: flood_limits.py).
        self.counts = FloodCounts(clock)
        # Who of those the limits stopped the coordinators were told of.
        self.notices = FloodNotices(clock)

    def flooding(self, incoming: Incoming) -> bool:
        """Over the limit per minute? Presses are counted apart from messages and with a
        higher limit: filling in a form (districts, kinds of help, languages) takes many."""
        press = isinstance(incoming.event, ButtonPress)
        sender = (incoming.sender.platform, incoming.sender.user_id, press)
        return self.counts.count(sender) > self._limit(press)

    def _limit(self, press: bool) -> int:
        settings = self.settings()
        return settings.max_presses_per_minute if press else settings.max_messages_per_minute

    async def slow_down(self, incoming: Incoming) -> list[Outgoing]:
        """Over the limit: a press is always answered (a short notice instead of a spinning
        button); messages get one friendly answer right at the limit, silence after that."""
        press = isinstance(incoming.event, ButtonPress)
        counted = self.counts.counted((incoming.sender.platform, incoming.sender.user_id, press))
        if not press and counted != self._limit(press) + 1:
            return []
        user = await self.db.users.find(incoming.sender.platform, incoming.sender.user_id)
        if counted == self._limit(press) + 1 and user is not None:
            await self._tell(user, press)
        t = reader_of(
            user,
            self.settings().newcomer_language(incoming.sender.language_hint),
            on=incoming.sender.platform,
        ).t
        if press:
            return [Toast(t._("🐢 Not so fast, please. Wait a moment, then tap again."))]
        return [
            Message(
                t.t(
                    "🐢 That was a lot of messages at once. Please wait a minute, then "
                    "I will answer again."
                )
            )
        ]

    async def _tell(self, user: User, press: bool) -> None:
        """A flood limit stops ``user`` (it began to with this update): the coordinators
        are told, by name and user number, where :class:`FloodNotices` says a notice is
        due."""
        number = self.notices.due(user.platform, user.platform_user_id)
        if number is None:
            return
        log.warning("the flood limit stops a %s sender", user.platform)
        limit = self._limit(press)
        quiet = timedelta(seconds=self.notices.quiet_for())
        settings = self.settings()
        until = settings.clock() + quiet

        def compose(t: Translator) -> Message:
            text = t.t(FLOOD_NOTICES[press], who=someone(t, user), count=t.number(limit))
            if number >= NOTICES_AN_HOUR:
                text += "\n" + t.t(LAST_FLOOD_NOTICE, time=t.time(until))
            return Message(text, typed_choices=False)

        await tell_coordinators(
            self.db, settings.backchannels, compose, about=(user.id,), wake=self.wake
        )
