"""``python -m bot [--city SLUG] bans share|unshare PLATFORM:ID``: the operator shares a
city's ban with every city of the installation, or takes the sharing back.

Sharing starts from a city's own decision: the account must be banned in the city named
by ``--city`` (the main city by default), by that city's coordinators. Shared, it goes on
the installation's list (db/bans.py, ``SharedBanList``: a keyed hash in the main city's
database, nobody's name or id) and is banned at once in every city that knows the account;
the others refuse it from its first message. Unsharing takes it off the list; the bans the
cities made stay theirs to lift.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import AsyncIterator

from bot.app import open_city_database
from bot.cities import City
from bot.transports.registry import account, not_an_account
from db import Database
from db.bans import SharedBanList


def add_parsers(sub: argparse._SubParsersAction) -> None:
    bans = sub.add_parser("bans", help="share a city's ban with every city, or take it back")
    actions = bans.add_subparsers(dest="bans_command", required=True, metavar="ACTION")
    for name, text in (
        ("share", "ban an account banned in --city in every city of the installation"),
        ("unshare", "take a ban off the installation's shared list"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("account", help="platform:user_id, e.g. telegram:123456")


async def run(cities: list[City], city: City, args: argparse.Namespace) -> int:
    named = account(args.account)
    if named is None:
        print(f"nachbarbot: {not_an_account(args.account)}", file=sys.stderr)
        return 2
    platform, user_id = named
    main = await open_city_database(cities[0])
    try:
        shared = SharedBanList(main.users.bans)
        if args.bans_command == "unshare":
            if not await shared.remove(platform, user_id):
                # Nothing to change is no failure (docs/operations.md, "Exit codes").
                print(f"{args.account}: not on the shared list; nothing changed")
                return 0
            print(f"{args.account}: off the shared list; the cities' own bans stay")
            return 0
        if not await _banned_in(city, main, platform, user_id):
            print(
                f"nachbarbot: {args.account}: not banned in {city.slug} - a city's coordinators"
                " ban first, then the ban can be shared (nothing changed)",
                file=sys.stderr,
            )
            return 1
        added = await shared.add(platform, user_id)
        print(f"{args.account}: on the shared list{'' if added else ' already'}")
        for other in cities:
            print(f"{other.slug}: {await _ban_in(other, main, platform, user_id)}")
        return 0
    finally:
        await main.close()


@contextlib.asynccontextmanager
async def _database(city: City, main: Database) -> AsyncIterator[Database]:
    """The city's database: the main one already open, or the city's own for the while."""
    if city.main:
        yield main
        return
    db = await open_city_database(city)
    try:
        yield db
    finally:
        await db.close()


async def _banned_in(city: City, main: Database, platform: str, user_id: str) -> bool:
    async with _database(city, main) as db:
        user = await db.users.find(platform, user_id)
        if user is not None:
            return user.banned_at is not None
        return await db.users.bans.contains(platform, user_id)  # banned, then deleted


async def _ban_in(city: City, main: Database, platform: str, user_id: str) -> str:
    """Ban the account in ``city`` as a coordinator's ban would (its requests and
    contacts end through the lifecycle, the people concerned are told by the running bot's
    outbox worker)."""
    async with _database(city, main) as db:
        user = await db.users.find(platform, user_id)
        if user is None:
            return "not known here: refused from the first message"
        if user.banned_at is not None:
            return "banned already"
        # The lifecycle and its notices: loaded by a ban only, not by every command's start.
        from handlers.context import Backstage
        from handlers.helping.moderation import set_ban

        async with db.transaction():
            await set_ban(Backstage(db, city.config.handler_settings()), user, True)
        return "banned now"
