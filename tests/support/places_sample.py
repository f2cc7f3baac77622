"""The Dortmund sample places (data/dortmund/places-sample.csv) in a test's database, as
``make demo`` imports them: the tests of the places' chat, the map and typed digits share
them."""

from __future__ import annotations

from db import Database
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from tests.support.cli import ROOT

SAMPLE = ROOT / "data" / "dortmund" / "places-sample.csv"


async def import_sample(db: Database) -> Database:
    """``db`` with the sample places, every row taken."""
    report = await import_places(
        db, SAMPLE, load_gazetteer("data/dortmund"), default_source="sample"
    )
    assert not report.rejected
    return db
