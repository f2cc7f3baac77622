"""``python -m bot places import|near``: the operator's side of encounter places."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.app import open_city_database
from bot.cities import City
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import UnusableFile, import_places
from handlers.places.render import address
from handlers.places.search import Query, nearest
from handlers.places.vocabulary import CATEGORIES
from locales import SUPPORTED_LANGUAGES
from locales.hours import status


def add_parsers(sub: argparse._SubParsersAction) -> None:
    places = sub.add_parser("places", help="encounter places: import files, list the nearest")
    actions = places.add_subparsers(dest="places_command", required=True, metavar="ACTION")
    load = actions.add_parser("import", help="import places from CSV or GeoJSON")
    load.add_argument("file", type=Path)
    load.add_argument("--dry-run", action="store_true", help="check and count, change nothing")
    load.add_argument(
        "--source", default="import", help="data source name for rows without a 'source' column"
    )
    near = actions.add_parser("near", help="places nearest to LAT,LON, a postcode or a district")
    near.add_argument("query")
    near.add_argument("--limit", type=_how_many, default=10, help="how many (default 10)")
    near.add_argument("--category", choices=sorted(CATEGORIES))
    near.add_argument("--wheelchair", action="store_true", help="only wheelchair accessible")
    near.add_argument("--language", choices=SUPPORTED_LANGUAGES, help="only places speaking it")
    near.add_argument("--open-now", action="store_true")
    near.add_argument("--json", action="store_true", help="print a JSON array")


def _how_many(text: str) -> int:
    """--limit: a whole number of at least 1 (a 0 or -3 listed one place, unsaid)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"at least 1, not {value}")
    return value


async def run(city: City, args: argparse.Namespace) -> int:
    config = city.config
    gazetteer = load_gazetteer(config.places.data_dir)
    if args.places_command == "import":
        return await _import(city, args, gazetteer)
    return await _near(city, args, gazetteer)


async def _import(city: City, args: argparse.Namespace, gazetteer) -> int:
    from tqdm import tqdm  # the progress bar: loaded by this command only

    db = await open_city_database(city)
    bar = tqdm(unit=" rows", disable=not sys.stderr.isatty(), file=sys.stderr, leave=False)
    try:
        report = await import_places(
            db,
            args.file,
            gazetteer,
            dry_run=args.dry_run,
            default_source=args.source,
            progress=bar.update,
        )
    except UnusableFile as exc:
        print(f"{args.file}: unusable: {exc}", file=sys.stderr)
        return 2
    finally:
        bar.close()
        await db.close()
    for rejection in report.rejected:
        print(
            f"{args.file}: {report.unit} {rejection.row}: rejected: {rejection.reason}",
            file=sys.stderr,
        )
    verb = "would import" if report.dry_run else "imported"
    print(
        f"{city.slug}: {args.file}: {report.total} {report.unit}s read, {verb}: "
        f"{report.created} new, {report.updated} updated, {report.unchanged} unchanged; "
        f"{len(report.rejected)} rejected"
    )
    return report.exit_code


async def _near(city: City, args: argparse.Namespace, gazetteer) -> int:
    config = city.config
    resolution = gazetteer.resolve(args.query)
    if resolution.area is None:
        hint = (
            f" - did you mean: {', '.join(resolution.suggestions)}?"
            if resolution.suggestions
            else ""
        )
        print(
            f"places near: cannot find {args.query!r} in {config.bot.city}{hint}", file=sys.stderr
        )
        return 2
    area = resolution.area
    query = Query(
        lat=area.lat,
        lon=area.lon,
        category=args.category,
        wheelchair=args.wheelchair,
        language=args.language,
        open_now=args.open_now,
    )
    now = datetime.now(UTC)
    db = await open_city_database(city)
    try:
        found, _more = await nearest(db, query, now, limit=args.limit)
    finally:
        await db.close()
    rows = [
        {
            "id": item.place.id,
            "name": item.place.name,
            "category": item.place.category,
            "lat": item.place.lat,
            "lon": item.place.lon,
            "distance_m": round(item.distance_m),
            "address": address(item.place),
            "district": item.place.stadtbezirk,
            "stadtteil": item.place.stadtteil,
            "wheelchair": item.place.wheelchair,
            "languages": list(item.place.languages),
            "open_now": status(item.place.opening_hours, now).is_open if item.hours.known else None,
        }
        for item in found
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    print(f"near {area.name} ({area.lat:.5f}, {area.lon:.5f}):")
    for row in rows:
        open_now = row["open_now"]
        state = "hours unknown" if open_now is None else ("open" if open_now else "closed")
        print(
            f"{row['distance_m']:>7} m  {row['name']} [{row['category']}] - "
            f"{row['stadtteil']}, {row['district']} - {state}"
        )
    return 0
