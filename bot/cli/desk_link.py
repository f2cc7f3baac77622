"""``python -m bot desk-link PLATFORM:ID``: a coordinator's one-time login link to the web
desk, printed for the operator to hand over.

The chats' ``/desk`` sends the same link (handlers/desk.py); a city run by the phone line
alone has no chat to send it in, so its coordinators get it here. Only for someone who is a
coordinator or admin now; the link works once, for ten minutes (db/desk.py), and is in the
audit log as ``desk.link``.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from bot.app import open_city_database
from bot.cities import City
from bot.transports.registry import account, not_an_account

STAFF = ("coordinator", "admin")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    link = sub.add_parser(
        "desk-link", help="print a coordinator's one-time login link to the web desk"
    )
    link.add_argument("user", help="platform:user_id, e.g. phone:+4923112345")


async def run(city: City, who: str) -> int:
    named = account(who)
    if named is None:  # refused as roles and bans refuse it (docs/operations.md)
        print(f"nachbarbot: {not_an_account(who)}", file=sys.stderr)
        return 2
    platform, user_id = named
    base = city.config.web.base_url
    if not base:
        print("nachbarbot: the web desk is off (web.port = 0)", file=sys.stderr)
        return 1
    db = await open_city_database(city)
    try:
        user = await db.users.find(platform, user_id)
        # Each city knows its own people and roles: the city is named, and --city given in
        # the command to run, so that following the hint changes that city and no other.
        if user is None:
            print(
                f"nachbarbot: no user {who} in {city.slug} - they must reach the bot there first",
                file=sys.stderr,
            )
            return 1
        if not any(user.has_role(role) for role in STAFF):
            chosen = "" if city.main else f"--city {city.slug} "
            print(
                f"nachbarbot: {who} is no coordinator in {city.slug}"
                f" (python -m bot {chosen}roles grant {who} coordinator)",
                file=sys.stderr,
            )
            return 1
        token = await db.desk.issue_login(user.id, datetime.now(UTC))
        await db.requests.audit(user.id, "desk.link", f"user:{user.id}")
    finally:
        await db.close()
    print(f"{base}/desk/login/{token}")
    print("It works once, for 10 minutes. Hand it to that coordinator only.", file=sys.stderr)
    return 0
