"""A budget of the work the bot spends on encrypted events of people it does not know.

Anyone on Matrix can open a direct chat with the bot and send it encrypted messages: each
costs the bot a decryption, and a message read costs its handling and answer. Per clock
hour:

- someone the bot knows - a resident (they agreed to the privacy notice), a volunteer, a
  coordinator or admin, anyone in the coordinators' room, and the bot itself - is never
  counted nor stopped: known people come ahead of strangers;
- each stranger's encrypted room messages (Megolm) are decrypted up to ``PER_STRANGER`` an
  hour, all strangers' together up to ``ALL_STRANGERS``; past either, their messages are
  not decrypted until the hour ends. A kept message (its room key had not come) tried
  again counts only when its room key is there, so when the try can decrypt.

Olm-encrypted to-device messages are not counted nor stopped: they carry the room keys,
and a client does not send a session's room key again - a key dropped for the budget
would leave the stranger unreadable after the hour as well, until their client starts a
new session (up to a week or 100 messages). What they store is bounded by count instead
(stranger_keys.py), and each costs at most one new Olm session's key agreements.

A stranger whose message in a direct chat is not read is told so once an hour (within
``ANSWERS`` such lines an hour for all of them: answering costs work too), with when to
write again; the coordinators are told while a limit is active: once an hour when all
strangers' budget runs out, and of up to ``STRANGER_NOTICES`` strangers an hour whose own
budget ran out (more would let anyone fill their room). Kept in memory, like the flood
limits: a restart forgets the counts, which is harmless.

Who is known is asked of the database before the events of a sync are decrypted
(matrix-nio decrypts without waiting): a stranger every time they send, someone known once
in ``KNOWN_SECONDS`` (kept for at most ``MOST_KNOWN`` people); a sender not asked about is a
stranger.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta

PER_STRANGER = 60
ALL_STRANGERS = 1000
ANSWERS = 100
STRANGER_NOTICES = 3
KNOWN_SECONDS = 300.0
MOST_KNOWN = 10_000
HOUR = timedelta(hours=1)

log = logging.getLogger(__name__)

# Why an event was not decrypted: the stranger's own budget, or all strangers'.
OWN, ALL = "own", "all"


class DecryptBudget:
    """The hour's counts; ``clock`` is the city's (a datetime)."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._hour = datetime.min.replace(tzinfo=UTC)
        self._spent: dict[str, int] = {}
        self._all = 0
        self._answered: set[str] = set()
        # Strangers whose own budget ran out this hour, not yet told to the coordinators.
        self._stopped: list[str] = []
        self._stopped_told = 0
        self._all_ran_out = False
        self._all_told = False
        # The known senders -> when they were asked about (the clock's seconds).
        self._known: OrderedDict[str, float] = OrderedDict()

    def _now(self) -> datetime:
        now = self._clock().astimezone(UTC)
        hour = now.replace(minute=0, second=0, microsecond=0)
        if hour != self._hour:
            self._hour = hour
            self._spent, self._all, self._answered = {}, 0, set()
            self._stopped, self._stopped_told = [], 0
            self._all_ran_out = self._all_told = False
        return now

    @property
    def until(self) -> datetime:
        """When the hour's limits end."""
        self._now()
        return self._hour + HOUR

    async def learn(
        self, senders: Iterable[str], is_known: Callable[[str], Awaitable[bool]]
    ) -> None:
        """Ask who of ``senders`` is known: a stranger each time (someone who agreed to the
        notice a moment ago is known at once), someone known once in ``KNOWN_SECONDS``."""
        now = self._now().timestamp()
        for sender in set(senders):
            asked = self._known.get(sender)
            if asked is not None and now - asked < KNOWN_SECONDS:
                continue
            try:
                known = await is_known(sender)
            except Exception as exc:
                # Asked within matrix-nio's handling of a sync whose token has moved on
                # already: raised, the error would lose all the sync's events, known
                # people's messages and room keys too. Who is not asked is counted as a
                # stranger; someone known keeps being known until asked again.
                log.warning("matrix: asking who is known failed: %s", type(exc).__name__)
                return
            self._known.pop(sender, None)
            if known:
                self._known[sender] = now
                while len(self._known) > MOST_KNOWN:
                    self._known.popitem(last=False)

    def spend(self, sender: str) -> str | None:
        """One encrypted event of ``sender`` is to be decrypted: None if it may be (counted
        if a stranger's), else why not (``OWN`` or ``ALL``)."""
        if sender in self._known:
            return None
        self._now()
        spent = self._spent.get(sender, 0)
        if spent >= PER_STRANGER:
            if spent == PER_STRANGER and self._stopped_told + len(self._stopped) < STRANGER_NOTICES:
                self._stopped.append(sender)
            self._spent[sender] = PER_STRANGER + 1  # noted once
            return OWN
        if self._all >= ALL_STRANGERS:
            self._all_ran_out = True
            return ALL
        self._spent[sender] = spent + 1
        self._all += 1
        return None

    def may_answer(self, sender: str) -> bool:
        """Whether ``sender``, whose message was not read, is to be told so now (once an
        hour each, ``ANSWERS`` an hour in all)."""
        self._now()
        if sender in self._answered or len(self._answered) >= ANSWERS:
            return False
        self._answered.add(sender)
        return True

    def notices_due(self) -> tuple[bool, list[str]]:
        """What the coordinators are to be told now (each once an hour): whether all
        strangers' budget ran out, and the strangers whose own budget ran out."""
        self._now()
        all_due = self._all_ran_out and not self._all_told
        self._all_told = self._all_told or all_due
        stopped, self._stopped = self._stopped, []
        self._stopped_told += len(stopped)
        return all_due, stopped
