"""Importing places from CSV and GeoJSON: good rows in, bad rows reported, re-import updates."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from db import Database
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import UnusableFile, import_places
from tests.support.cli import ROOT, run_bot

GAZ = load_gazetteer("data/dortmund")

GERMAN_CSV = """\
Quelle-ID;Bezeichnung;Kategorie;Straße;Hausnummer;PLZ;Breitengrad;Längengrad;Öffnungszeiten;Rollstuhl;Sprachen;Zielgruppen;Träger;Trägerart;Kostenlos;Name_AR
q1;Nachbarschaftstreff Nordmarkt;Quartierstreff;Mallinckrodtstraße;1;44145;51,5230;7,4560;"Mo-Fr 10:00-16:00; PH off";ja;de, ar, tr;Alle;Verein Nordmarkt e.V.;Verein;ja;ملتقى الجيران
q2;;Bibliothek;;;;51,5;7,4;;;;;;;;
q3;Weit weg;Bibliothek;;;;52,52;13,40;;;;;;;;
q4;Kaputte Zeiten;Bibliothek;;;;51,51;7,46;Mo-Fx 10;;;;;;;
q5;Unbekannte Art;Schwimmbad;;;;51,51;7,46;;;;;;;;
q6;Seniorentreff Hörde;Seniorenbegegnungsstätte;;;44263;51,4870;7,5050;Tu 14:00-17:00;teilweise;de;Senioren;AWO;Wohlfahrtsverband;;
q7;Rollstuhl?;Bibliothek;;;;51,51;7,46;;vielleicht;;;;;;
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def test_csv_with_german_headers_imports_good_rows_and_reports_bad_ones(
    db: Database, tmp_path
):
    report = await import_places(db, write(tmp_path, "orte.csv", GERMAN_CSV), GAZ)
    assert (report.total, report.created, len(report.rejected)) == (7, 2, 5)
    reasons = {r.row: r.reason for r in report.rejected}
    assert reasons[3] == "missing name"
    assert "outside the city area" in reasons[4]
    assert "unparseable opening hours" in reasons[5]
    assert "unknown category 'Schwimmbad'" in reasons[6]
    assert "wheelchair" in reasons[8]
    assert report.exit_code == 1

    [nordmarkt] = await db.places.in_box(51.52, 51.53, 7.45, 7.46)
    assert nordmarkt.category == "neighbourhood_centre"
    assert (nordmarkt.lat, nordmarkt.lon) == (51.523, 7.456)
    assert nordmarkt.wheelchair == "yes"
    assert nordmarkt.languages == ("de", "ar", "tr")
    assert nordmarkt.target_groups == ("everyone",)
    assert nordmarkt.operator_type == "association"
    assert nordmarkt.free_of_charge is True
    assert nordmarkt.stadtbezirk == "Innenstadt-Nord"  # derived from the gazetteer
    assert nordmarkt.name_in("ar") == "ملتقى الجيران"
    assert nordmarkt.name_in("tr") == "Nachbarschaftstreff Nordmarkt"
    history = await db.places.history(nordmarkt.id)
    assert history[0]["action"] == "create" and history[0]["actor"] == "import:orte.csv"


async def test_reimport_updates_instead_of_duplicating(db: Database, tmp_path):
    path = write(tmp_path, "orte.csv", GERMAN_CSV)
    await import_places(db, path, GAZ)
    again = await import_places(db, path, GAZ)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    path.write_text(GERMAN_CSV.replace("Tu 14:00-17:00", "Tu,Th 14:00-17:00"), encoding="utf-8")
    changed = await import_places(db, path, GAZ)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    assert await db.places.count() == 2
    [hoerde] = [p for p in await db.places.in_box(51.4, 51.6, 7.3, 7.7) if p.source_id == "q6"]
    history = await db.places.history(hoerde.id)
    assert history[-1]["changes"]["opening_hours"] == ["Tu 14:00-17:00", "Tu,Th 14:00-17:00"]


async def test_dry_run_changes_nothing(db: Database, tmp_path):
    report = await import_places(db, write(tmp_path, "orte.csv", GERMAN_CSV), GAZ, dry_run=True)
    assert report.created == 2
    assert await db.places.count() == 0


GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "id": "node/101",
            "geometry": {"type": "Point", "coordinates": [7.4650, 51.5245]},
            "properties": {
                "name": "Jugendtreff Nordstadt",
                "amenity": "community_centre",
                "community_centre": "youth_centre",
                "name:ar": "نادي الشباب",
                "opening_hours": "Mo-Fr 14:00-20:00",
                "wheelchair": "limited",
                "language:ar": "yes",
                "language:de": "yes",
                "fee": "no",
                "addr:street": "Leopoldstraße",
                "addr:housenumber": "50",
                "addr:postcode": "44147",
                "operator": "Stadt Dortmund",
            },
        },
        {
            "type": "Feature",
            "id": "way/7",
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[7.46, 51.51], [7.47, 51.51], [7.47, 51.52], [7.46, 51.52], [7.46, 51.51]]
                ],
            },
            "properties": {"name": "Stadtteilbibliothek", "amenity": "library"},
        },
        {
            "type": "Feature",
            "id": "node/102",
            "geometry": None,
            "properties": {"name": "Ohne Ort", "amenity": "library"},
        },
        {
            "type": "Feature",
            "id": "node/103",
            "geometry": {"type": "Point", "coordinates": [7.46, 51.51]},
            "properties": {"name": "Kiosk", "amenity": "kiosk"},
        },
    ],
}


async def test_geojson_with_osm_tags(db: Database, tmp_path):
    path = write(tmp_path, "osm.geojson", json.dumps(GEOJSON))
    report = await import_places(db, path, GAZ)
    assert report.unit == "feature"
    assert (report.created, [r.row for r in report.rejected]) == (2, [3, 4])
    assert "coordinates" in report.rejected[0].reason
    assert "amenity=kiosk" in report.rejected[1].reason
    places = {p.source_id: p for p in await db.places.in_box(51.4, 51.6, 7.3, 7.7)}
    youth = places["node/101"]
    assert youth.source == "osm"
    assert youth.category == "youth_centre"
    assert youth.wheelchair == "limited"
    assert set(youth.languages) == {"ar", "de"}
    assert youth.free_of_charge is True
    assert youth.street == "Leopoldstraße" and youth.postcode == "44147"
    assert youth.name_in("ar") == "نادي الشباب"
    library = places["way/7"]
    assert library.category == "library"
    assert library.lat == pytest.approx(51.514, abs=0.002)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", "", "empty"),
        ("wrong.csv", "a,b,c\n1,2,3\n", "no 'name' column"),
        ("nolatlon.csv", "name,category\nX,library\n", "latitude/longitude"),
        ("broken.geojson", "{not json", "not valid JSON"),
        ("other.geojson", '{"type": "Feature"}', "FeatureCollection"),
    ],
)
async def test_unusable_files(db: Database, tmp_path, name, content, message):
    with pytest.raises(UnusableFile, match=message):
        await import_places(db, write(tmp_path, name, content), GAZ)


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_bot("places", *args, database=tmp_path / "cli.sqlite3")


def test_cli_exit_codes(tmp_path):
    good = write(tmp_path, "good.csv", "\n".join(GERMAN_CSV.splitlines()[:2]) + "\n")
    result = _cli(tmp_path, "import", str(good))
    assert result.returncode == 0, result.stderr
    assert "1 new" in result.stdout
    partly = _cli(tmp_path, "import", str(write(tmp_path, "orte.csv", GERMAN_CSV)))
    assert partly.returncode == 1
    assert "row 3: rejected: missing name" in partly.stderr
    assert partly.stderr.count("rejected:") == 5
    unusable = _cli(tmp_path, "import", str(write(tmp_path, "x.geojson", "{")))
    assert unusable.returncode == 2
    missing = _cli(tmp_path, "import", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2


def test_sample_data_is_complete_and_imports_cleanly(tmp_path):
    from handlers.places.vocabulary import CATEGORIES

    result = _cli(tmp_path, "import", str(ROOT / "data/dortmund/places-sample.csv"))
    assert result.returncode == 0, result.stderr
    near = _cli(tmp_path, "near", "51.51,7.46", "--limit", "500", "--json")
    places = json.loads(near.stdout)
    assert len(places) >= 60
    assert {p["category"] for p in places} == set(CATEGORIES)
    assert {p["district"] for p in places} == {a.name for a in GAZ.bezirke}
