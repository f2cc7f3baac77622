"""``python -m bot events import``: events from iCalendar files."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.app import open_city_database
from bot.cities import City
from handlers.places.gazetteer import load_gazetteer


def add_parsers(sub: argparse._SubParsersAction) -> None:
    events = sub.add_parser("events", help="events: import iCalendar files")
    actions = events.add_subparsers(dest="events_command", required=True, metavar="ACTION")
    load = actions.add_parser("import", help="import events from a .ics file or a folder of them")
    load.add_argument("path", type=Path)
    load.add_argument("--place", type=int, help="id of the encounter place the events are at")
    load.add_argument("--dry-run", action="store_true", help="check and count, change nothing")


async def run(city: City, args: argparse.Namespace) -> int:
    # iCalendar and the notices are loaded by this command only, not by every command's
    # start (the parser is built from this module).
    from handlers.events.ical import UnusableFile, import_events
    from handlers.events.notices import apply_import
    from handlers.messenger import Messenger

    config = city.config
    db = await open_city_database(city)
    try:
        report = await import_events(
            db,
            args.path,
            place_id=args.place,
            gazetteer=load_gazetteer(config.places.data_dir),
            dry_run=args.dry_run,
        )
        if not args.dry_run:
            # Followers hear of changes and cancellations, subscribers of new events; the
            # running bot delivers the queued messages.
            await apply_import(Messenger(db), report.updates, report.created_ids, datetime.now(UTC))
    except UnusableFile as exc:
        print(f"{args.path}: unusable: {exc}", file=sys.stderr)
        return 2
    finally:
        await db.close()
    for name, number, reason in report.rejected:
        print(f"{name}: event {number}: rejected: {reason}", file=sys.stderr)
    verb = "would import" if args.dry_run else "imported"
    print(
        f"{city.slug}: {args.path}: {report.total} events read, {verb}: {report.created} new, "
        f"{report.updated} updated, {report.unchanged} unchanged; "
        f"{len(report.rejected)} rejected"
    )
    return report.exit_code
