"""The STOP rule on its own (handlers/numbers/text_stops.py), asked as a texting transport
asks it: with the number's line (the SMS store, on the test's database) and a wire that
records what the transport would send. Through Kannel: tests/bot/transports/sms/test_stop_*."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup

from bot.transports.sms.store import SmsStore
from db import Database
from db.users import User
from handlers.channels import Happening
from handlers.numbers.text_stops import STARTED, STOPPED, STOPPED_HELP_TOO, TextStops
from locales import translator

NUMBER = "+4917611112222"
EN = translator("en")


@dataclass
class Wire:
    """What the rule asks of a transport, recorded: its own texts (``told``), those it keeps
    in the outbox (``queued``: text, whether it carries a code) and its reports."""

    line: SmsStore
    helping: bool = False
    told: list[str] = field(default_factory=list)
    queued: list[tuple[str, bool]] = field(default_factory=list)
    reports: list[Happening] = field(default_factory=list)
    platform: str = "sms"
    words = EN

    @property
    def codes(self) -> Wire:
        return self

    async def take_code(self, number: str) -> datetime | None:
        return None  # the hour's code texts have room

    async def code_back(self) -> None:
        """Nothing was counted."""

    async def running(self, number: str) -> bool:
        return self.helping

    async def report(self, what: Happening) -> None:
        self.reports.append(what)

    def clock(self) -> datetime:
        return datetime.now().astimezone()

    async def first_contact(self, number: str) -> bool:
        return True

    async def tell(self, number: str, text: Markup) -> None:
        self.told.append(str(text))

    async def queue(self, number: str, text: Markup, person: User, *, secret: bool = False) -> None:
        self.queued.append((str(text), secret))


async def test_stop_and_start_are_each_confirmed_once(db: Database):
    person = await db.users.seen("sms", NUMBER, NUMBER)
    wire, stops = Wire(SmsStore(db.transactions)), TextStops(db)
    assert await stops.take(wire, NUMBER, "STOP", "stop", person)
    assert await stops.take(wire, NUMBER, "STOP", "stop", person)
    assert await wire.line.stop_state(NUMBER) == "all"
    assert await stops.take(wire, NUMBER, "START", "start", person)
    assert await wire.line.stop_state(NUMBER) == ""
    assert wire.told == [EN.t(STOPPED), EN.t(STARTED)]
    assert not await stops.take(wire, NUMBER, "Hallo", None, person)  # a text for the features


async def test_a_stop_during_help_keeps_its_notices_until_the_code_comes_back(db: Database):
    person = await db.users.seen("sms", NUMBER, NUMBER)
    wire, stops = Wire(SmsStore(db.transactions), helping=True), TextStops(db)
    assert await stops.take(wire, NUMBER, "STOP", "stop", person)
    assert await wire.line.stop_state(NUMBER) == "help"
    ((text, secret),) = wire.queued  # through the outbox, committed with the STOP
    assert secret
    code = re.search(r"\d{6}", text)
    assert code is not None
    assert await stops.take(wire, NUMBER, code.group(), None, person)
    assert await wire.line.stop_state(NUMBER) == "all"
    assert wire.told == [EN.t(STOPPED_HELP_TOO)]


async def test_a_help_begun_after_stop_is_heard_of(db: Database):
    person = await db.users.seen("sms", NUMBER, NUMBER)
    wire, stops = Wire(SmsStore(db.transactions)), TextStops(db)
    await stops.take(wire, NUMBER, "STOP", "stop", person)
    async with stops.asking(wire, NUMBER):
        pass  # a text that begins no help
    assert await wire.line.stop_state(NUMBER) == "all"
    async with stops.asking(wire, NUMBER):
        wire.helping = True  # her request sent with its code
    assert await wire.line.stop_state(NUMBER) == "help"
