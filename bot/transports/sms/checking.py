"""Answers held for a check: what texts forged from a resident's number may make the bot
text her (docs/sms.md, "Forged senders").

A gateway's sender can be forged, and every answer goes to the real number. So the answers
to texts from a number that has not texted a right code back within the last half hour
(handlers/channels.py ``PASSING``; nor took a code in the same handling: the
answer carries it) take only half of the number's texts of the hour and the day
(budget.py ``Limits.unchecked_caps``). Past that share the number's answers are **held**,
as sign-in pages do after many tries:

- the first held text of the hour gets one code (``check_asked``, store.py ``CHECK``,
  one of the hour's code texts and of the number's codes of the day, valid a quarter of an
  hour) - unless a code of the number still works (whatever it confirms): a code still
  valid is never sent again;
- the held texts after it back off: the 2nd, 4th, 8th, 16th … of the hour are answered
  with when the code was sent and until when it works (``still_works``), the others
  not at all - forty forged texts cost the number a handful of texts, not its hour;
- the code texted back right (:meth:`Checking.code_back`) says so (``checked``), and
  from then on the number's answers go from all of its texts for half an hour: the real
  holder, who has the code, gets in; a forger, who never sees it, does not. Wrong ones
  are tries as every code's (store.py ``check_code``).

The code, the reminders and "thank you" go from the number's whole caps (an hour's end
lifts the share too). The coordinators are told once an hour while a number's answers are
held (``AnswersHeld``: handlers/limits/text_messages.py), and the desk names its person
while it holds (desk_panel.py). Notices of running help are never held. The texts' words
are the features' (handlers/numbers/texters_told.py, asked through ``Ports.told``): this
module decides when each goes.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.transports.sms.budget import Budget, hour_of
from bot.transports.sms.store import CHECK, CODE_DIGITS, PLATFORM, SmsStore
from db.clock import from_text, hour_end, local_day, to_text
from handlers.channels import (
    CODE_VALID,
    PASSING,
    AnswersHeld,
    CodesPaused,
    NumberCodesOut,
    ToldPort,
)
from handlers.messages import typed_number
from locales import Translator

log = logging.getLogger(__name__)
Tell = Callable[[str, str, Translator], Awaitable[object]]
# Within one handling of a text (:meth:`Checking.handling`): the numbers whose answers
# were held in it - its other answers are held with them, without another reminder.
_HELD_NOW: ContextVar[set[str] | None] = ContextVar("sms_held_now", default=None)
__all__ = ["Checking", "pending_code"]


@dataclass(frozen=True)
class Checking:
    """The held answers of the SMS transport's numbers (the module's docstring), counted
    in the ``budget``'s store of the city's numbers and its limits reported as its own;
    ``words``: the features' words for its texts (handlers/numbers/texters_told.py);
    ``tell`` sends one of its texts to a number from the number's whole caps; ``wrong`` is
    called after a wrong code (the city's wrong codes of the hour)."""

    budget: Budget
    words: ToldPort
    tell: Tell
    wrong: Callable[[], Awaitable[None]]

    @property
    def store(self) -> SmsStore:
        return self.budget.texts

    @contextlib.contextmanager
    def handling(self) -> Iterator[None]:
        """Around the handling of one text: its answers are held at most once."""
        token = _HELD_NOW.set(set())
        try:
            yield
        finally:
            _HELD_NOW.reset(token)

    def held_now(self, number: str) -> bool:
        """Whether ``number``'s answers were held within this handling."""
        return number in (_HELD_NOW.get() or ())

    async def checked(self, number: str) -> bool:
        """Whether answers to ``number`` go from its whole caps: it texted a right code
        back within :data:`PASSING`, or a code is texted to it in this handling."""
        if self.budget.coded(number):
            return True
        since = to_text(datetime.now(UTC) - PASSING)
        return await self.store.confirmed_since(number, since)

    async def hold(self, number: str, t: Translator) -> None:
        """An answer to ``number`` was held (budget.py ``Held``): the code, a reminder
        that backs off, or nothing (the module's docstring)."""
        now = datetime.now(UTC)
        held_now = _HELD_NOW.get()
        if held_now is not None:
            held_now.add(number)
        held = await self.store.hold_answer(number, hour_of(self.budget.clock()))
        log.warning("sms: an answer to a number not checked lately is held")
        if held == 1:
            await self._tell_coordinators(number)
        out = await self.store.code_out(number, to_text(now))
        if out is None:
            await self._ask(number, t, now)
        elif held & (held - 1) == 0:  # the 2nd, 4th, 8th … held text of the hour
            sent, until = (from_text(moment) for moment in out)
            await self.tell(number, self.words.still_works(t, sent, until), t)

    async def _ask(self, number: str, t: Translator, now: datetime) -> None:
        """Text ``number`` a code that shows its holder is there, where one may go: the
        hour's code texts have room and the number has codes left today (else the
        coordinators are told, as for any code)."""
        if await self.budget.take_code(number) is not None:
            return  # the hour's code texts are used up: the budget told the coordinators
        day = local_day(now)
        code = await self.store.issue_code(number, CHECK, to_text(now + CODE_VALID), day)
        if code is None:
            await self.budget.code_back()
            person = await self.budget.db.users.find(PLATFORM, number)
            if person is not None and await self.store.claim_codes_out(number, day):
                await self.budget.report(NumberCodesOut(PLATFORM, person.id, "day"))
            return
        await self.tell(number, self.words.check_asked(t, code), t)

    async def _tell_coordinators(self, number: str) -> None:
        """Once an hour while ``number``'s answers are held, for the coordinators."""
        now = self.budget.clock()
        person = await self.budget.db.users.find(PLATFORM, number)
        if person is not None and await self.store.claim_told(
            number, "held", to_text(hour_start(now)), to_text(now)
        ):
            await self.budget.report(AnswersHeld(PLATFORM, person.id, hour_end(now)))

    async def code_back(self, number: str, text: str, t: Translator) -> bool:
        """Whether ``text`` is the right code ``number`` was sent for a check (then its
        answers go again, and it is told); a wrong one, or one not compared, is a text as
        any other - its try counted by the store, the coordinators told of the limits it
        reaches as of any code (``wrong``: the city's wrong codes of the hour)."""
        pending = await pending_code(self.store, number, CHECK, text)
        if pending is None:
            return False
        try:
            right = await self.store.check_code(number, CHECK, *pending)
        except CodesPaused:
            right = False
        if right:
            await self.tell(number, self.words.checked(t), t)
            return True
        await self.wrong()
        person = await self.budget.db.users.find(PLATFORM, number)
        if right is None and person is not None and await self.store.claim_tried_out(number):
            await self.budget.report(NumberCodesOut(PLATFORM, person.id, "tried out"))
        return False


async def pending_code(
    store: SmsStore, number: str, purpose: str, text: str
) -> tuple[str, str] | None:
    """The code ``text`` is, and the moment it came, where it has a code's form and
    ``number`` has a code for ``purpose`` pending (a check's, a STOP's); else None."""
    code = typed_number(text)
    if code is None or len(code) != CODE_DIGITS:
        return None
    now = to_text(datetime.now(UTC))
    if not await store.code_pending(number, purpose, now):
        return None
    return code, now


def hour_start(now: datetime) -> datetime:
    """The start of the clock hour (UTC) of ``now``."""
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
