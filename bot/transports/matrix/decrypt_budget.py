"""A budget of the work the bot spends on encrypted events, per sender and overall, with
running help ahead of newcomers.

Anyone on Matrix can open a direct chat with the bot and send it encrypted messages: each
costs the bot a decryption, and a message read costs its handling and answer. Agreeing to
the privacy notice costs one tap, so many accounts can become "known" cheaply: nobody is
left uncounted. Per clock hour, by where the sender stands (handlers/helping/standing.py,
asked through ``Dispatcher.standing``; the bot itself and anyone in the coordinators' room
stand with running help):

- **running help** (a request of theirs under way, or helping with one; coordinators):
  ``[matrix] decrypt_per_running`` room messages (Megolm) each, ``decrypt_running`` all
  together;
- **other known people** (agreed to the notice, volunteers): ``decrypt_per_known`` each,
  ``decrypt_known`` together - more than strangers, but finite;
- **strangers**: ``decrypt_per_stranger`` each, ``decrypt_strangers`` together.

Each group has budgets of its own: a flood of strangers never takes known people's
decryptions, nor known people's those of running help. Past a budget the sender's room
messages are not decrypted until the hour ends. A kept message (its room key had not come)
tried again counts only when its room key is there, so when the try can decrypt.

**Olm-encrypted to-device messages** carry the room keys, and a client does not send a
session's room key again: one dropped would leave its sender unreadable after the hour as
well, until their client starts a new session (up to a week or 100 messages). Those of
running help and known people are never counted nor stopped. A stranger's are counted
(``olm_per_stranger`` each, ``olm_strangers`` together an hour); past that they are not
decrypted now but **held** in the database (held_olm.py), up to one more hour's worth (as
many as the budgets again, per stranger and together; beyond that the oldest are dropped,
counted for the coordinators), and decrypted first, oldest first, at the first sync of the
next hour - or the first sync after a restart - so the room key is there when the stranger
writes again at the time they were told. While a stranger's Olm message is held, their room
messages count as past all strangers' budget (their key waits for the hour). What Olm
messages store is bounded by count as well (stranger_keys.py).

Someone whose message in a direct chat is not read is told so once an hour (within
``[matrix] decrypt_answers`` such lines an hour for each group: answering costs work too,
and neither strangers nor known people use up the lines of running help), with when to
write again; the coordinators are told while a limit is active: once an hour for each group
whose budget runs out, and of up to ``decrypt_person_notices`` people a group an hour whose
own budget ran out (more would let anyone fill their room), and once an hour of the held
Olm messages dropped so far. The counts are kept in memory, like the flood limits: a
restart forgets them, which is harmless; the held Olm messages are kept in the database.

Where someone stands is asked before the events of a sync are decrypted (matrix-nio
decrypts without waiting): a stranger every time they send, someone known or with running
help once in ``KNOWN_SECONDS`` (kept for at most ``MOST_KNOWN`` people); a sender not asked
about is a stranger.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import nio

from handlers.channels import Standing

if TYPE_CHECKING:
    from bot.transports.matrix.config import MatrixSection

KNOWN_SECONDS = 300.0
MOST_KNOWN = 10_000
HOUR = timedelta(hours=1)

log = logging.getLogger(__name__)

# Why an event was not decrypted: the sender's own budget, or all of their group's.
OWN, ALL = "own", "all"


@dataclass(frozen=True)
class Limits:
    """An hour's budgets (the ``[matrix]`` settings of the same names, with ``decrypt_``
    before the room messages' ones and the answers' and notices'): per sender and all
    together, by group; and per group, the people told when to write again and the people
    the coordinators are told of."""

    per_running: int = 600
    running: int = 20_000
    per_known: int = 120
    known: int = 3_000
    per_stranger: int = 60
    strangers: int = 1_000
    olm_per_stranger: int = 20
    olm_strangers: int = 500
    answers: int = 100
    person_notices: int = 3

    @classmethod
    def of(cls, section: MatrixSection) -> Limits:
        """From a ``[matrix]`` section (bot/transports/matrix/config.py)."""
        return cls(
            per_running=section.decrypt_per_running,
            running=section.decrypt_running,
            per_known=section.decrypt_per_known,
            known=section.decrypt_known,
            per_stranger=section.decrypt_per_stranger,
            strangers=section.decrypt_strangers,
            olm_per_stranger=section.olm_per_stranger,
            olm_strangers=section.olm_strangers,
            answers=section.decrypt_answers,
            person_notices=section.decrypt_person_notices,
        )

    def of_group(self, standing: Standing) -> tuple[int, int]:
        """A group's room messages: (per sender, all together)."""
        if standing is Standing.RUNNING:
            return self.per_running, self.running
        if standing is Standing.KNOWN:
            return self.per_known, self.known
        return self.per_stranger, self.strangers


@dataclass(frozen=True)
class Held:
    """A held Olm message: its row (held_olm.py) and the event."""

    id: int
    event: Any


@dataclass
class Admission:
    """A sync's to-device events as :meth:`DecryptBudget.admit` lets them through."""

    # To be handled now, in order: the held ones due first, then the sync's.
    events: list[Any] = field(default_factory=list)
    # The rows of the held ones among them (released once their keys are saved).
    released: list[int] = field(default_factory=list)
    # The sync's strangers' Olm messages past the budget, to be held, in order.
    held: list[Any] = field(default_factory=list)


class Counts:
    """One budget's hour: what each sender and all of them spent."""

    def __init__(self) -> None:
        self.spent: dict[str, int] = {}
        self.all = 0

    def take(self, sender: str, per_sender: int, overall: int) -> tuple[str | None, bool]:
        """One more of ``sender``'s: (None if it may be, and then counted, else ``OWN`` or
        ``ALL``; whether this is the first time their own budget stopped them)."""
        spent = self.spent.get(sender, 0)
        if spent >= per_sender:
            self.spent[sender] = per_sender + 1  # noted once
            return OWN, spent == per_sender
        if self.all >= overall:
            return ALL, False
        self.spent[sender] = spent + 1
        self.all += 1
        return None, False


class DecryptBudget:
    """The hour's counts; ``clock`` is the city's (a datetime); ``limits`` may be changed
    at any time (read at each event)."""

    def __init__(self, clock: Callable[[], datetime], limits: Limits | None = None) -> None:
        self._clock = clock
        self.limits = limits or Limits()
        self._hour = datetime.min.replace(tzinfo=UTC)
        self._groups: dict[Standing, Counts] = {}
        self._olm = Counts()
        self._answered: dict[Standing, set[str]] = {}
        # People whose own budget ran out this hour, not yet told to the coordinators:
        # (group, sender, the budget's figure); how many were told, by group.
        self._stopped: list[tuple[Standing, str, int]] = []
        self._stopped_told: dict[Standing, int] = {}
        # The groups whose budget ran out this hour (-> its figure), and those told of it.
        self._ran_out: dict[Standing, int] = {}
        self._told: set[Standing] = set()
        # Who has Olm messages held past their budget (held_olm.py: in the database; None
        # until read there), tried again first once an hour later than the one they were
        # held in began - or at this process's first sync.
        self.holding: set[str] | None = None
        self._held_hour = self._hour
        # Held Olm messages dropped this hour (the oldest beyond the bounds), and whether
        # the coordinators were told.
        self._dropped = 0
        self._dropped_told = False
        # The senders known or with running help -> (when asked, the clock's seconds; where).
        self._known: OrderedDict[str, tuple[float, Standing]] = OrderedDict()

    def _now(self) -> datetime:
        now = self._clock().astimezone(UTC)
        hour = now.replace(minute=0, second=0, microsecond=0)
        if hour != self._hour:
            self._hour = hour
            self._groups = {standing: Counts() for standing in Standing}
            self._olm, self._answered = Counts(), {}
            self._stopped, self._stopped_told = [], {}
            self._ran_out, self._told = {}, set()
            self._dropped, self._dropped_told = 0, False
        return now

    @property
    def until(self) -> datetime:
        """When the hour's limits end."""
        self._now()
        return self._hour + HOUR

    def standing_of(self, sender: str) -> Standing:
        """Where ``sender`` stands, as last asked (not asked: a stranger)."""
        known = self._known.get(sender)
        return known[1] if known is not None else Standing.STRANGER

    async def learn(
        self, senders: Iterable[str], ask: Callable[[str], Awaitable[Standing]]
    ) -> None:
        """Ask where ``senders`` stand: a stranger each time (someone who agreed to the
        notice a moment ago is known at once), someone known or with running help once in
        ``KNOWN_SECONDS`` - but someone known whose budget is spent, their own or all known
        people's, each time too: help that began a moment ago (a request sent, one
        accepted) puts them with running help at once, when it matters."""
        now = self._now().timestamp()
        for sender in set(senders):
            asked = self._known.get(sender)
            if asked is not None and now - asked[0] < KNOWN_SECONDS and not self._spent(sender):
                continue
            try:
                standing = await ask(sender)
            except Exception as exc:
                # Asked within matrix-nio's handling of a sync whose token has moved on
                # already: raised, the error would lose all the sync's events, known
                # people's messages and room keys too. Who is not asked is counted as a
                # stranger; someone known keeps standing where they stood until asked again.
                log.warning("matrix: asking who is known failed: %s", type(exc).__name__)
                return
            self._known.pop(sender, None)
            if standing is not Standing.STRANGER:
                self._known[sender] = (now, standing)
                while len(self._known) > MOST_KNOWN:
                    self._known.popitem(last=False)

    def _spent(self, sender: str) -> bool:
        """Whether someone known (not running help) has no budget left this hour."""
        standing = self.standing_of(sender)
        if standing is not Standing.KNOWN:
            return False
        per_sender, overall = self.limits.of_group(standing)
        counts = self._groups[standing]
        return counts.spent.get(sender, 0) >= per_sender or counts.all >= overall

    def spend(self, sender: str) -> str | None:
        """One encrypted room message of ``sender`` is to be decrypted: None if it may be
        (then counted), else why not (``OWN`` or ``ALL``)."""
        self._now()
        standing = self.standing_of(sender)
        if standing is Standing.STRANGER and sender in (self.holding or ()):
            return ALL  # their room key waits for the next hour
        per_sender, overall = self.limits.of_group(standing)
        why, first = self._groups[standing].take(sender, per_sender, overall)
        if first:
            self._note_stopped(standing, sender, per_sender)
        elif why == ALL:
            self._ran_out.setdefault(standing, overall)
        return why

    def _note_stopped(self, standing: Standing, sender: str, figure: int) -> None:
        noted = sum(1 for group, _, _ in self._stopped if group is standing)
        if self._stopped_told.get(standing, 0) + noted < self.limits.person_notices:
            self._stopped.append((standing, sender, figure))

    def held_due(self) -> bool:
        """Whether the held Olm messages are to be tried again (read from the database):
        at this process's first sync, and once a later hour than the one they were last
        held in began (within the hour nothing of theirs is tried)."""
        self._now()
        return self.holding is None or (bool(self.holding) and self._held_hour < self._hour)

    def admit(self, events: list[Any], waiting: Sequence[Held] = ()) -> Admission:
        """A sync's to-device ``events`` as they are to be handled now: the ``waiting``
        held strangers' Olm messages first (due: :meth:`held_due`), oldest first, within
        this hour's budget - those past it stay held - then the sync's; a stranger's Olm
        message past their budget or all strangers' is to be held. Anyone else's, and
        whatever is not an Olm message, passes."""
        self._now()
        admission = Admission()
        for held in waiting:
            if self._olm_passes(held.event):
                admission.events.append(held.event)
                admission.released.append(held.id)
        for event in events:
            if self._olm_passes(event):
                admission.events.append(event)
            else:
                admission.held.append(event)
        if waiting or admission.held:
            self._held_hour = self._hour
        return admission

    def _olm_passes(self, event: Any) -> bool:
        """Whether a to-device event may be handled now (counted, if a stranger's Olm
        message); one that may not is noted for the coordinators."""
        if not isinstance(event, nio.OlmEvent) or (
            self.standing_of(event.sender) is not Standing.STRANGER
        ):
            return True
        limits = self.limits
        why, first = self._olm.take(event.sender, limits.olm_per_stranger, limits.olm_strangers)
        if first:
            self._note_stopped(Standing.STRANGER, event.sender, limits.olm_per_stranger)
        elif why == ALL:
            self._ran_out.setdefault(Standing.STRANGER, limits.olm_strangers)
        return why is None

    def note_dropped(self, count: int) -> None:
        """``count`` held Olm messages were dropped (the oldest beyond the bounds)."""
        self._now()
        self._dropped += count

    def dropped_due(self) -> int:
        """How many held Olm messages were dropped this hour so far, when the coordinators
        are to be told (once an hour, while the limit is active); else 0."""
        self._now()
        if self._dropped_told or not self._dropped:
            return 0
        self._dropped_told = True
        return self._dropped

    def may_answer(self, sender: str) -> bool:
        """Whether ``sender``, whose message was not read, is to be told so now (once an
        hour each, ``limits.answers`` an hour for each group)."""
        self._now()
        answered = self._answered.setdefault(self.standing_of(sender), set())
        if sender in answered or len(answered) >= self.limits.answers:
            return False
        answered.add(sender)
        return True

    def notices_due(self) -> tuple[list[tuple[Standing, int]], list[tuple[Standing, str, int]]]:
        """What the coordinators are to be told now (each once an hour): the groups whose
        budget ran out (with its figure), and the people whose own budget ran out (their
        group, who, the figure)."""
        self._now()
        ran_out = [(g, n) for g, n in sorted(self._ran_out.items()) if g not in self._told]
        self._told.update(group for group, _ in ran_out)
        stopped, self._stopped = self._stopped, []
        for group, _, _ in stopped:
            self._stopped_told[group] = self._stopped_told.get(group, 0) + 1
        return ran_out, stopped
