"""A person at the console in tests: what they type goes through the real console
connector (bot/transports/console.py) and its outbox worker, and what the console prints
comes back as text, as in ``make demo``."""

from __future__ import annotations

import io
from dataclasses import replace

from bot.delivery import OutboxWorker
from bot.transports.console import BACKCHANNEL, ConsoleTransport
from db import Database
from db.users import User
from handlers.dispatcher import Dispatcher

__all__ = ["BACKCHANNEL", "Terminal", "state_at_console", "with_coordinators"]

# The buttons of :meth:`Terminal.volunteers`, the form's steps in order.
VOLUNTEERS = (
    *("menu:volunteer", "vo:reg", "vo:bz:Innenstadt-Nord", "vo:area-done", "vo:nopt"),
    *("vo:cat:shopping", "vo:cats-done", "vo:langs-done", "vo:max:1", "vo:ed:quiet", "vo:q:0-0"),
)


class Terminal:
    def __init__(self, dispatcher: Dispatcher, db: Database) -> None:
        self.db = db
        self.out = io.StringIO()
        self.console = ConsoleTransport(
            dispatcher.ports, stdin=io.StringIO(), stdout=self.out, user="amira", language_hint="ar"
        )
        self.console.worker = OutboxWorker(db, [self.console])

    async def type(self, *lines: str) -> str:
        start = self.out.tell()
        for line in lines:
            assert await self.console.handle_line(line)
        self.out.seek(start)
        text = self.out.read()
        self.out.seek(0, io.SEEK_END)
        return text

    async def press(self, data_prefix: str) -> str:
        """Type the number of the shown button whose data starts with ``data_prefix``."""
        console = self.console
        buttons = console._buttons.get(console.group or console.user, [])
        for number, button in enumerate(buttons, start=1):
            if button.data.startswith(data_prefix):
                return await self.type(f":{number}")
        raise AssertionError(f"no button {data_prefix!r} in {[b.data for b in buttons]}")

    async def started(self, name: str, language: str) -> User:
        """``name`` at the console from now on, started in ``language`` and agreed."""
        await self.type(f":as {name}", "/start")
        await self.press(f"lang:{language}")
        await self.press("consent:yes")
        user = await self.db.users.find("console", name)
        assert user is not None
        return user

    async def volunteers(self, name: str) -> str:
        """``name`` starts in German and registers through the buttons as a volunteer for
        shopping in Innenstadt-Nord, in German only, one request at a time, with no quiet
        hours (asked at any hour, as the test may run at night); Cora, a coordinator,
        verifies them from the group (``/verify``). What the console printed from then on,
        back in private."""
        user = await self.started(name, "de")
        for data in VOLUNTEERS:
            await self.press(data)
        return await self.type(":as cora", ":group", f"/verify {user.id}", ":private")

    async def asks(self, text: str) -> str:
        """The person at the console, in the main menu, asks for help with shopping at the
        Nordmarkt as soon as possible, saying ``text``: what sending it printed."""
        for data in ("menu:help", "hr:new", "hr:cat:shopping"):
            await self.press(data)
        await self.type(text, ":loc 51.5230,7.4560")
        await self.press("hr:when:asap")
        await self.press("hr:langs-done")
        return await self.press("hr:send")


async def with_coordinators(dispatcher: Dispatcher, db: Database) -> Terminal:
    """A terminal whose ``:group`` is the coordinators' group, Cora a coordinator in it."""
    dispatcher.settings = replace(
        dispatcher.settings, backchannels=frozenset({("console", BACKCHANNEL)})
    )
    cora = await db.users.seen("console", "cora", "cora", "Cora")
    await db.users.grant_role(cora.id, "coordinator")
    return Terminal(dispatcher, db)


async def state_at_console(dispatcher: Dispatcher, user: str = "amira") -> str | None:
    """The conversation state of ``user`` at the console (None: no state)."""
    person = await dispatcher.db.users.find("console", user)
    assert person is not None
    state = await dispatcher.db.users.get_state(person.id)
    return state.state if state is not None else None
