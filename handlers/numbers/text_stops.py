"""STOP and START by text: what they do to the texts a number gets and to the notices of its
person's running help (issue 103, point 3: the rule, which a texting transport asks through
its city's ports, ``Ports.stops``; the transport keeps the number's state, counts the code
texts and sends the words: :class:`handlers.channels.StopWire`).

- **STOP** (or its word in one of the bot's languages, however typed: the transport
  recognises it): no text goes to the number any more (its line's flag, which the transport
  checks before each text: the outbox gives such a text up for good), after one last text
  that says how to undo it. **START** undoes it. Each is confirmed once per change, and not
  again within :data:`TOLD_AGAIN_AFTER` (a number toggling them costs two texts a day at
  most). After STOP the answers to the person's own texts still go (they asked).
- **A number nobody has**: its STOP is kept (so many new ones a city an hour:
  :data:`STRANGER_STOPS_AN_HOUR`; past them neither kept nor answered, the coordinators
  told) and answered once (as a first contact), marked as nobody's: it does not bind a
  person a coordinator enters with the number later (the line's ``release``) - nor does the
  STOP of a person with no data of their own (db/users.py ``has_own_data``: whoever texted
  "Hallo" first), whom the desk's entry replaces.
- **Running help**: a sender can be forged on some routes, so a STOP from a person whose
  help is under way (handlers/helping/lifecycle.py ``running_help``, asked through the
  code texts' ``running``) keeps that help's notices going and sends a code; only the code
  texted back (:data:`handlers.channels.STOP_HELP`) ends them too. The code's text goes
  through the outbox, committed with the STOP (a crash right after the commit still sends
  it), and so does the answer to a STOP again once the number's codes of the day are used
  up (once that day: no code before tomorrow). The hour's code texts used up, the person is
  told when to send STOP again (once that hour for a STOP again).
- **A help asked for after STOP** (:meth:`TextStops.asking`): a help she starts with a text
  after STOP (her request sent with its code, an offer taken) is hers to hear of: its
  notices go as those of a help under way at a STOP, until its code, START, or the help's
  end.

Limits it reaches are reported (``channels.NumberCodesOut``, ``channels.WrongCodesPause``,
``channels.StrangerStopsFull``: handlers/limits/text_messages.py words them for the coordinators).
States: none of a conversation (the number's line keeps what a STOP left). Button data: none.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Final

from db import Database
from db.clock import hour_end, local_day, to_text
from db.users import User
from handlers import channels
from handlers.channels import StopWire
from handlers.numbers.coded_acts import CODES_PAUSED
from handlers.parsing import typed
from locales import N_

log = logging.getLogger(__name__)

# STOP and START are each confirmed at most once within this; a code to stop the notices
# of running help too works this long.
TOLD_AGAIN_AFTER = timedelta(days=1)

# No icons: a text in the GSM alphabet costs half of one in UCS-2. Each fits two segments
# in every language (tests/bot/transports/sms/test_limits.py). Final: each is a msgid.
# A STOP during help: its notices go on until the code comes back.
STOPPED_BUT_HELP: Final = N_(
    "Texts stop, but not those about your help under way. To stop them too, reply {code}. "
    "Send START to undo."
)
# The code came back: the notices of the help stop too.
STOPPED_HELP_TOO: Final = N_(
    "You will get no more texts from us, none about your help either. Send START to get them again."
)
# A STOP again while the hour's code texts are used up: answered once that hour (the line's
# ``busy_until``), not once a STOP - an answer, paid by the number's caps and the month, so
# a flood of STOPs costs one text an hour at most.
STOP_AGAIN_BUSY: Final = N_(
    "We cannot send codes just now, so the texts about your help under way still come. To "
    "stop them too, send STOP again after {time}."
)
# A STOP during help while the number's codes of the day are used up.
STOPPED_BUT_HELP_NO_CODE: Final = N_(
    "Texts stop, but not those about your help under way. Send START to undo."
)
STOPPED: Final = N_("You will get no more texts from us. Send START to get them again.")
# The hour's code texts used up (the code texts' ``take_code``): a STOP again then gets the
# code.
STOPPED_BUT_HELP_LATER: Final = N_(
    "Texts stop, but not those about your help under way. To stop them too, send STOP "
    "again after {time}."
)
STARTED: Final = N_("✅ Texts are on again. Send STOP to end them.")
# The code that stops a help's notices too, wrong at its last try (``CODE_TRIES``).
STOP_CODE_TRIED_OUT: Final = N_(
    "That code was wrong too often and no longer works, so the texts about your help under "
    "way still come. To stop them too, send STOP again."
)
# A STOP again while the number's codes of the day are used up (the line's codes a day):
# answered once a day, not once a STOP, so that nobody makes the bot text-bomb a number.
STOP_AGAIN_NO_CODES: Final = N_(
    "We can send you no more codes today, so the texts about your help under way still "
    "come. To stop them too, send STOP again tomorrow."
)
# A STOP from a number nobody has keeps a row (the line's ``stop``, ``stranger``), so new
# ones are kept per city at most this many within a clock hour (UTC), counted in the city's
# database so that it holds for all the processes the gateway calls (the line's
# ``take_stranger_stop``); past it such a STOP is neither kept nor answered - nothing goes to
# a number nobody has unless it texts - and the coordinators are told once within the hour
# (``claim_stranger_stops_told``). A STOP from a number the bot knows is always kept.
STRANGER_STOPS_AN_HOUR = 30


class TextStops:
    """The STOP rule of a city (its port ``Ports.stops``), for every texting transport."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def take(
        self, wire: StopWire, number: str, text: str, word: str | None, user: User | None
    ) -> bool:
        """Whether the text ``text`` from ``number`` (``word``: the keyword the transport
        read in it, "stop", "start" or None; ``user``: the number's person, None for a
        number nobody has) was STOP, START or the code that ends a help's notices too - then
        it is done here, within the transport's transaction, and answered through ``wire``."""
        t = wire.words
        if word == "stop":
            if user is None:
                await self._strangers_stop(wire, number)
                return True
            # A person with no data of their own is whoever texted first (db/users.py
            # has_own_data): their STOP binds no resident the desk enters later, as nobody's.
            stranger = not await self.db.users.has_own_data(user.id)
            helping = await wire.codes.running(number)
            await self._stop(wire, number, user if helping else None, stranger)
            return True
        if word == "start":
            if await wire.line.start(number) and await _first_told(wire, number, "start"):
                await wire.tell(number, t.t(STARTED))
            return True
        return await self._stopped_help_too(wire, number, text, user)

    async def codes_paused(self, wire: StopWire) -> None:
        """After a code not right (or not compared; the transport's own check codes too):
        the city's wrong codes of the hour reached their limit, reported once an hour
        (claimed in the line; coded_acts.py ``paused_told`` for the features' codes)."""
        now = datetime.now(UTC)
        count = await wire.line.claim_codes_paused(to_text(now))
        if count:
            await wire.report(channels.WrongCodesPause(wire.platform, count, hour_end(now)))

    @contextlib.asynccontextmanager
    async def asking(self, wire: StopWire, number: str) -> AsyncIterator[None]:
        """Around the handling of a text of ``number``'s for the features: a help she starts
        with it after a STOP that kept nothing (her request sent with its code, an offer
        taken) is hers to hear of, its notices going as those of a help under way at a STOP
        (the line's ``keep_help``) - where before they were given up and she never learnt
        of the helper the answer had promised to tell her of."""
        asked = await wire.line.stop_state(number) == "all" and not await wire.codes.running(number)
        yield
        if asked and await wire.codes.running(number):
            await wire.line.keep_help(number)

    async def _strangers_stop(self, wire: StopWire, number: str) -> None:
        """Nobody's number: no text goes to it, answered once (as a first contact, while
        the day's have room); a person a coordinator enters with it later is not bound by it
        (the line's ``release``): anyone may have sent it. New ones are kept only so many an
        hour (:data:`STRANGER_STOPS_AN_HOUR`)."""
        if (
            await self._stranger_stop_kept(wire, number)
            and await wire.line.stop(number, stranger=True)
            and await wire.first_contact(number)
            and await _first_told(wire, number, "stop")
        ):
            await wire.tell(number, wire.words.t(STOPPED))

    async def _stranger_stop_kept(self, wire: StopWire, number: str) -> bool:
        """Whether a STOP from ``number``, which nobody has, may be kept: its STOP is kept
        already, or the city's new ones of the clock hour have room (then one is counted in
        the city's database, for all processes; past them the coordinators are told, once
        within the hour at most)."""
        if await wire.line.stopped(number):
            return True
        now = wire.clock()
        day, hour = local_day(now), now.astimezone(UTC).strftime("%Y-%m-%dT%H")
        if await wire.line.take_stranger_stop(day, hour, STRANGER_STOPS_AN_HOUR):
            return True
        log.warning(
            "%s: a STOP from a number nobody has is not kept (the hour's are used)", wire.platform
        )
        if await wire.line.claim_stranger_stops_told(day, hour):
            await wire.report(channels.StrangerStopsFull(wire.platform))
        return False

    async def _stop(
        self, wire: StopWire, number: str, helping: User | None, stranger: bool
    ) -> None:
        """STOP: with help under way (``helping``: the person whose help it is), all but its
        notices until the code comes back - the number's codes of the day used up, the
        coordinators are told as for any code (``channels.NumberCodesOut``, reported), and a STOP
        again is told once that day that no code comes before tomorrow; the hour's code
        texts used up, the person is told to send STOP again after the hour (a STOP again
        in such an hour is told so once that hour: the line's ``busy_until``; the
        coordinators as the code texts' ``take_code`` tells them), and a STOP again while
        no code to end them is out gets one; ``stranger``: from a person with no data of
        their own (the line's ``release``). The code's text, and the day's "no code", go
        through the outbox, committed with the STOP (``wire.queue``)."""
        t, line = wire.words, wire.line
        if helping is None or await line.stop_state(number) == "all":
            if await line.stop(number, stranger=stranger) and await _first_told(
                wire, number, "stop"
            ):
                await wire.tell(number, t.t(STOPPED))
            return
        now = datetime.now(UTC)
        again = not await line.stop(number, keep_help=True)
        if again and await line.code_pending(number, channels.STOP_HELP, to_text(now)):
            return  # its code is out: the first STOP's answer holds
        if not again and not await _first_told(wire, number, "stop"):
            return
        code, busy_until = await self._stop_code(wire, number, helping, now)
        if code:
            await wire.queue(number, t.t(STOPPED_BUT_HELP, code=code), helping, secret=True)
        elif again and busy_until is not None:
            # The hour's code texts used up: told once that hour when to send it again (an
            # answer: the number's caps and the month pay it).
            if await line.claim_told(
                number, "busy_until", to_text(wire.clock()), to_text(busy_until)
            ):
                await wire.tell(number, t.t(STOP_AGAIN_BUSY, time=t.time(busy_until)))
        elif again:
            # The day's codes used up: told once a day that none comes today.
            if await line.claim_stop_again_told(number, local_day(now)):
                await wire.queue(number, t.t(STOP_AGAIN_NO_CODES), helping)
        elif busy_until is not None:
            await wire.tell(number, t.t(STOPPED_BUT_HELP_LATER, time=t.time(busy_until)))
        else:
            await wire.tell(number, t.t(STOPPED_BUT_HELP_NO_CODE))

    async def _stop_code(
        self, wire: StopWire, number: str, person: User, now: datetime
    ) -> tuple[str | None, datetime | None]:
        """The code that stops the notices of ``person``'s help too, if one may be texted:
        the hour's code texts have room (``take_code``: running help, as hers, ahead; else
        None and when they have again) and the number has codes left today (else the
        coordinators are told, as for any code: ``channels.NumberCodesOut``, reported)."""
        busy_until = await wire.codes.take_code(number)
        if busy_until is not None:
            return None, busy_until
        day = local_day(now)
        until = to_text(now + TOLD_AGAIN_AFTER)
        code = await wire.line.issue_code(number, channels.STOP_HELP, until, day)
        if code is None:
            await wire.codes.code_back()
            if await wire.line.claim_codes_out(number, day):
                await wire.report(channels.NumberCodesOut(wire.platform, person.id, "day"))
        return code, None

    async def _stopped_help_too(
        self, wire: StopWire, number: str, text: str, user: User | None
    ) -> bool:
        """Whether ``text`` is the code the number was sent to stop its help's notices too
        (then they stop, and it is told). A wrong code is a try, and the text is taken as
        whatever else it may be; its last try drops the code, and the person (``user``) is
        told that the notices still come and how to stop them (STOP again, a new code).
        A code not right, or not compared (the city's wrong codes of the hour past their
        limit), reports that limit (``channels.WrongCodesPause``, ``channels.NumberCodesOut``: the
        coordinators are told as of any code, in coded_acts.py's words)."""
        t, line = wire.words, wire.line
        code = typed(text).strip()
        if len(code) != channels.CODE_DIGITS or not (code.isascii() and code.isdigit()):
            return False
        now = to_text(datetime.now(UTC))
        if not await line.code_pending(number, channels.STOP_HELP, now):
            return False
        try:
            # Only a person whose help is under way has this code: always checked.
            always = await wire.codes.running(number)
            right = await line.check_code(number, channels.STOP_HELP, code, now, always=always)
        except channels.CodesPaused:  # the city's wrong codes of the hour: the code kept for later
            await wire.tell(number, t.t(CODES_PAUSED, time=t.time(hour_end(datetime.now(UTC)))))
            await self.codes_paused(wire)
            return True
        if not right:
            await self.codes_paused(wire)
        if right is None and user is not None and await line.claim_tried_out(number):
            await wire.report(channels.NumberCodesOut(wire.platform, user.id, "tried out"))
            await wire.tell(number, t.t(STOP_CODE_TRIED_OUT))
            return True
        if not right or not await line.stop_help(number):
            return False
        await wire.tell(number, t.t(STOPPED_HELP_TOO))
        return True


async def _first_told(wire: StopWire, number: str, word: str) -> bool:
    """Whether ``word`` ("stop", "start") is confirmed now: not within a day of the last."""
    since = to_text(datetime.now(UTC) - TOLD_AGAIN_AFTER)
    return await wire.line.claim_told(number, word, since)
