"""The ports a city hands its transports (handlers/channels.py ``Ports``; bot/city_service.py
hands them), made on what the city's dispatcher serves with: its database, its settings (read
when used: a city's are composed once its transports are made, and a test changes them),
its router and its clock; and :class:`Updates`, the one way in to the dispatcher, which
routes what a transport hands in. Each port asks the feature that owns the rule; none holds
one.

No button data, no states.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol

from db import Database
from db.users import User
from handlers import build_router
from handlers.channels import MenuCommand, Ports, Profile, Report
from handlers.helping.lifecycle import running_help
from handlers.helping.text_language import first_text_language
from handlers.messages import Incoming, Outgoing
from handlers.messenger import backchannel_language
from handlers.numbers import caller_check
from handlers.numbers.text_stops import TextStops
from handlers.numbers.texters_told import TextersTold
from handlers.reader import medium_of, reader_of, starts_easy
from handlers.router import Router
from handlers.settings import HandlerSettings
from handlers.updates.chats import Chats
from locales import Translator


class Served(Protocol):
    """What a city's dispatcher serves with (handlers/dispatcher.py ``Dispatcher``)."""

    db: Database
    router: Router
    settings: HandlerSettings
    on_queued: Callable[[], None] | None
    clock: Callable[[], float]
    process_key: int | None

    async def handle(self, incoming: Incoming) -> list[Outgoing]: ...

    async def answered(self, incoming: Incoming, outgoing: list[Outgoing]) -> None: ...

    async def send_kept_answers(
        self, platform: str, send: Callable[[Incoming, list[Outgoing]], Awaitable[None]]
    ) -> None: ...


class Updates:
    """Where a transport hands in its updates (handlers/channels.py ``UpdatesPort``): the
    city's dispatcher routes them, and nothing else of it is reached from here."""

    def __init__(self, city: Served) -> None:
        self._city = city

    @property
    def process_key(self) -> int | None:
        return self._city.process_key

    @property
    def at_once(self) -> int:
        return self._city.db.updates_at_once

    async def handle(self, incoming: Incoming) -> list[Outgoing]:
        return await self._city.handle(incoming)

    async def answered(self, incoming: Incoming, outgoing: list[Outgoing]) -> None:
        await self._city.answered(incoming, outgoing)

    async def send_kept_answers(
        self, platform: str, send: Callable[[Incoming, list[Outgoing]], Awaitable[None]]
    ) -> None:
        await self._city.send_kept_answers(platform, send)

    def menu(self) -> list[MenuCommand]:
        return list(self._city.router.public_commands())

    def group_menu(self) -> list[MenuCommand]:
        return [spec for spec in self._city.router.commands.values() if spec.backchannel]

    def command_names(self) -> frozenset[str]:
        return frozenset(self._city.router.commands)


class Words:
    """The words a transport says its own lines in (handlers/channels.py ``WordsPort``): the
    reader's rule (handlers/reader.py ``reader_of``) on the person's row."""

    def __init__(self, db: Database, settings: Callable[[], HandlerSettings]) -> None:
        self.db = db
        self.settings = settings

    @property
    def languages(self) -> tuple[str, ...]:
        return self.settings().languages

    def newcomer_language(self, hint: str | None) -> str:
        return self.settings().newcomer_language(hint)

    async def words_of(
        self, platform: str, chat_id: str, fallback: str | None = None
    ) -> Translator:
        """The words a transport says its own lines in to ``chat_id``'s person on
        ``platform`` (where no reader chain made them: a notice of its wire, a prompt), from
        their row: their language, easy language, the platform's medium; while they have
        chosen no language, ``fallback`` (else the city's)."""
        user = await self.db.users.find(platform, chat_id)
        return reader_of(user, fallback, on=platform).t

    def nobodys(self, platform: str) -> Translator:
        return reader_of(None, on=platform).t

    def coordinators(self) -> Translator:
        return backchannel_language()

    def reader_words(self, platform: str, person: User | None, fallback: str | None) -> Translator:
        return reader_of(person, fallback, on=platform).t

    def written_in(self, text: str, hint: str | None) -> str | None:
        offered = self.languages
        for found in (first_text_language(text, hint), hint):
            if found in offered:
                return found
        return None

    async def chosen_language(self, platform: str, chat_id: str) -> str | None:
        person = await self.db.users.find(platform, chat_id)
        return person.language if person is not None else None


class Callers:
    """Who is calling, on a line whose caller ID is only a claim (handlers/channels.py
    ``CallersPort``; the rule is handlers/numbers/caller_check.py's)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def stand_in_for(self, platform: str, number: str, stand_in: str) -> str:
        """A call from ``number``, whose caller ID is only a claim: the call goes on as
        ``stand_in``, a new person of its own - whether or not anybody has the number, and
        with nothing of the number's person (not her language, not her consent) - until a
        call-back or her PIN checks it: a call claiming a resident's number and a call
        from a number nobody has hear and may do the same, so a caller learns nothing of
        whether the number is someone's, and nothing is written to the number's person by
        whoever set it as caller ID. The number it claims is returned (``Sender.claims``
        of its updates)."""
        new_caller = Profile(easy=starts_easy(medium_of(platform)))
        await caller_check.made(self.db, platform, stand_in, new_caller)
        return number

    async def number_checked(self, platform: str, number: str, profile: Profile) -> None:
        """Whoever answered a check call to ``number`` said it is them: the number's person
        from now on, made where not there yet with ``profile``, the asking call's (its
        language and easy texts - never its consent)."""
        await caller_check.answered(self.db, platform, number, profile)

    async def protects(self, platform: str, number: str) -> bool:
        """Whether the person of ``number`` has something to protect that no stranger at
        the number could have made (a request let through, a desk entry, a PIN: db/users.py
        ``has_own_data``): her "not me" to a check call is told to the coordinators."""
        person = await self.db.users.find(platform, number)
        return person is not None and await self.db.users.has_own_data(person.id)

    async def reserved_for(self, platform: str, number: str) -> bool:
        """Whether a check call to ``number`` may spend the reserve of the checks' pool:
        its person has a request let through or a desk entry (db/users.py
        ``has_own_data``, ``entered``) - never a PIN alone, which anyone once called back
        chose."""
        person = await self.db.users.find(platform, number)
        return person is not None and await self.db.users.has_own_data(person.id, entered=True)

    async def running(self, platform: str, number: str) -> bool:
        """Whether help is under way for the person of ``number`` on ``platform``
        (handlers/helping/lifecycle.py ``running_help``): a use of a month's budget for them
        may spend its reserve (bot/transports/month_budget.py)."""
        person = await self.db.users.find(platform, number)
        return person is not None and await running_help(self.db, person.id)


def city_ports(city: Served) -> Ports:
    """The ports of the city ``city`` serves, each reading its settings, its clock and its
    outbox worker's wake-up when used."""

    def settings() -> HandlerSettings:
        return city.settings

    def wake() -> None:
        if city.on_queued is not None:
            city.on_queued()

    chats = Chats(city.db, settings, city.router, wake)
    return Ports(
        updates=Updates(city),
        words=Words(city.db, settings),
        chats=chats,
        callers=Callers(city.db),
        report=chats.happened,
        db=city.db,
        clock=lambda: city.clock(),
        now=lambda: city.settings.clock(),
        wake=wake,
        stops=TextStops(city.db),
        told=TextersTold(),
    )


def features_report(
    db: Database, backchannels: Iterable[tuple[str, str]], wake: Callable[[], None] | None = None
) -> Report:
    """How a transport's part made outside a city reports (a budget on its own database, as
    a tool or a test makes one): to the features, as a city's ports do, its coordinators'
    groups ``backchannels``, ``wake`` the outbox worker's wake-up."""
    settings = HandlerSettings(backchannels=frozenset(backchannels))
    return Chats(db, lambda: settings, build_router(), wake or (lambda: None)).happened
