"""``python -m bot [--city SLUG] matrix replace-identity``: the operator makes this
installation's cross-signing identity the Matrix account's.

The bot never replaces an identity the homeserver holds by itself (see
bot/transports/matrix/cross_signing.py): everyone who talks with it would be told that its
identity changed, and whoever verified it would see a violation. When ``doctor`` says the
account has another identity, the operator decides. This command uploads this
installation's identity (made now if it has none) over the account's, with the account's
password (``matrix.password``, which the homeserver asks for); the running bot signs its
device with it at its next try (within ten minutes), or at its next start.
"""

from __future__ import annotations

import argparse
import sys

from bot.app import open_city_database
from bot.cities import City


def add_parsers(sub: argparse._SubParsersAction) -> None:
    matrix = sub.add_parser("matrix", help="the bot's Matrix account")
    actions = matrix.add_subparsers(dest="matrix_command", required=True, metavar="ACTION")
    actions.add_parser(
        "replace-identity",
        help="make this installation's cross-signing identity the account's (needs"
        " matrix.password; people are told the bot's identity changed)",
    )


async def run(city: City, args: argparse.Namespace) -> int:
    config = city.config
    if not config.matrix.enabled:
        print(f"nachbarbot: {city.slug} has no Matrix homeserver configured", file=sys.stderr)
        return 2
    if not config.matrix.password:
        print(
            "nachbarbot: replacing the identity needs the account's password (matrix.password)",
            file=sys.stderr,
        )
        return 2
    # matrix-nio only for this command: every other command starts without it.
    import nio

    from bot.transports.matrix.cross_signing import replace_identity
    from bot.transports.matrix.login import LoginFailed, log_in

    db = await open_city_database(city)
    client = nio.AsyncClient(config.matrix.homeserver, config.matrix.user_id)
    try:
        try:
            await log_in(client, config.matrix, db.transport_state)
        except LoginFailed as exc:
            print(f"nachbarbot: {exc}", file=sys.stderr)
            return 1
        problem = await replace_identity(client, config.matrix, db.transport_state)
    finally:
        await client.close()
        await db.close()
    if problem is not None:
        print(f"nachbarbot: the identity was not replaced: {problem}", file=sys.stderr)
        return 1
    print(
        "The account's cross-signing identity is this installation's now. The running bot"
        " signs its device with it within ten minutes (or at its next start); check with"
        " `python -m bot doctor`."
    )
    return 0
