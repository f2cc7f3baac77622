"""Malformed GeoJSON never ends the import with a traceback: an unusable file exits 2 with a
message, a bad feature is reported with its number and reason while good ones go in (exit 1).
"""

from __future__ import annotations

import contextlib
import json
import math
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db import Database
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import RowError, UnusableFile, import_places, read_rows, to_place
from tests.support.cli import run_bot

GAZ = load_gazetteer("data/dortmund")
DEEP = 100_000


def good(number: int = 1) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": f"node/{number}",
        "geometry": {"type": "Point", "coordinates": [7.4650, 51.5245]},
        "properties": {"name": f"Treff {number}", "amenity": "library"},
    }


def collection(*features: Any) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def _cli(tmp_path: Path, path: Path) -> subprocess.CompletedProcess[str]:
    return run_bot("places", "import", str(path), database=tmp_path / "cli.sqlite3")


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr[-2000:]


UNUSABLE = {
    "deeply-nested-top.geojson": "[" * DEEP + "]" * DEEP,
    "deeply-nested-features.geojson": '{"type": "FeatureCollection", "features": '
    + "[" * DEEP
    + "]" * DEEP
    + "}",
    "deeply-nested-object.json": '{"a": ' * DEEP + "1" + "}" * DEEP,
    "top-level-list.geojson": json.dumps([good()]),
    "top-level-string.geojson": json.dumps("FeatureCollection"),
    "top-level-null.geojson": "null",
    "top-level-nan.geojson": "NaN",
    "features-object.geojson": json.dumps({"type": "FeatureCollection", "features": good()}),
    "features-string.geojson": json.dumps({"type": "FeatureCollection", "features": "abc"}),
    "features-number.geojson": json.dumps({"type": "FeatureCollection", "features": 3}),
    "huge-integer.geojson": '{"type": "FeatureCollection", "features": [' + "9" * 5000 + "]}",
    "no-features.geojson": json.dumps({"type": "FeatureCollection", "features": []}),
}


@pytest.mark.parametrize("name", sorted(UNUSABLE))
def test_unusable_files_exit_2_with_a_message(tmp_path, name):
    path = tmp_path / name
    path.write_text(UNUSABLE[name], encoding="utf-8")
    result = _cli(tmp_path, path)
    _no_traceback(result)
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"{path}: unusable: " in result.stderr


def _nested(depth: int) -> Any:
    value: Any = [7.46, 51.51]
    for _ in range(depth):
        value = [value]
    return value


# (feature, words its reason must contain)
BAD_FEATURES: list[tuple[Any, str]] = [
    ("just a string", "not an object"),
    (42, "not an object"),
    ([good()], "not an object"),
    (None, "not an object"),
    ({**good(), "geometry": None}, "no geometry"),
    ({k: v for k, v in good().items() if k != "geometry"}, "no geometry"),
    ({**good(), "geometry": "POINT (7.46 51.51)"}, "'geometry' is not an object"),
    ({**good(), "geometry": [7.46, 51.51]}, "'geometry' is not an object"),
    ({**good(), "geometry": {"type": "Point"}}, "no 'coordinates'"),
    ({**good(), "geometry": {"type": "Point", "coordinates": ["7.46", "51.51"]}}, "numbers"),
    ({**good(), "geometry": {"type": "Point", "coordinates": "7.46,51.51"}}, "position"),
    ({**good(), "geometry": {"type": "Point", "coordinates": [7.46]}}, "position"),
    ({**good(), "geometry": {"type": "Point", "coordinates": {"x": 7.46}}}, "position"),
    ({**good(), "geometry": {"type": "Point", "coordinates": [True, False]}}, "numbers"),
    ({**good(), "geometry": {"type": "Point", "coordinates": [math.nan, 51.5]}}, "NaN"),
    ({**good(), "geometry": {"type": "Point", "coordinates": [7.46, math.inf]}}, "infinite"),
    ({**good(), "geometry": {"type": "Polygon", "coordinates": "abc"}}, "lists"),
    ({**good(), "geometry": {"type": "Polygon", "coordinates": [["7.46", "51.51"]]}}, "numbers"),
    ({**good(), "geometry": {"type": "Polygon", "coordinates": [[{"lon": 7}]]}}, "lists"),
    ({**good(), "geometry": {"type": "Polygon", "coordinates": _nested(500)}}, "too deeply"),
    ({**good(), "geometry": {"type": "Polygon", "coordinates": [[]]}}, "coordinates"),
    ({**good(), "properties": ["name", "Treff"]}, "'properties' is not an object"),
    ({**good(), "properties": "name=Treff"}, "'properties' is not an object"),
    ({**good(), "id": {"osm": 1}}, "id"),
]


def _hostile_collection() -> str:
    features = [good(1)]
    features += [feature for feature, _ in BAD_FEATURES]
    features.append(good(2))
    # json.dumps writes NaN and Infinity, which Python's json (like many tools) reads back.
    return json.dumps({"type": "FeatureCollection", "features": features})


async def test_each_bad_feature_is_reported_with_its_number(db: Database, tmp_path):
    path = tmp_path / "hostile.geojson"
    path.write_text(_hostile_collection(), encoding="utf-8")
    report = await import_places(db, path, GAZ)
    assert report.created == 2
    reasons = {r.row: r.reason for r in report.rejected}
    assert sorted(reasons) == list(range(2, len(BAD_FEATURES) + 2))
    for number, (_, words) in enumerate(BAD_FEATURES, start=2):
        assert words in reasons[number], (number, reasons[number])


def test_cli_imports_the_good_features_and_exits_1(tmp_path):
    path = tmp_path / "hostile.geojson"
    path.write_text(_hostile_collection(), encoding="utf-8")
    result = _cli(tmp_path, path)
    _no_traceback(result)
    assert result.returncode == 1, result.stderr[-2000:]
    assert result.stderr.count("rejected:") == len(BAD_FEATURES)
    assert f"{path}: feature 2: rejected: the feature is not an object" in result.stderr
    assert "2 new" in result.stdout


def test_nested_property_values_are_ignored_not_fatal(tmp_path):
    deep: Any = "x"
    for _ in range(900):
        deep = {"x": deep}
    feature = {**good(), "properties": {**good()["properties"], "note": deep, "fee": False}}
    path = tmp_path / "props.geojson"
    path.write_text(collection(feature), encoding="utf-8")
    result = _cli(tmp_path, path)
    _no_traceback(result)
    assert result.returncode == 0, result.stderr[-2000:]


# -- any JSON at all -----------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
coordinates = st.recursive(
    st.floats(allow_nan=True, allow_infinity=True) | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4),
    max_leaves=12,
)
geometries = json_values | st.fixed_dictionaries(
    {
        "type": st.sampled_from(["Point", "LineString", "Polygon", "MultiPolygon", "Circle"]),
        "coordinates": coordinates | json_values,
    }
)
properties = json_values | st.dictionaries(
    st.sampled_from(["name", "amenity", "opening_hours", "wheelchair", "fee", "language:ar"])
    | st.text(max_size=8),
    json_values,
    max_size=6,
)
features = json_values | st.fixed_dictionaries(
    {"type": st.just("Feature"), "geometry": geometries, "properties": properties},
    optional={"id": json_values},
)
files = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"type": st.just("FeatureCollection"), "features": st.lists(features, max_size=5)}
    ),
    st.fixed_dictionaries({"type": st.just("FeatureCollection"), "features": json_values}),
)


@settings(max_examples=100, deadline=None)
@given(data=files)
def test_any_json_ends_in_rows_reasons_or_an_unusable_file(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("geo") / "random.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    try:
        kind, rows = read_rows(path)
        numbers = []
        for number, row in rows:
            numbers.append(number)
            if isinstance(row, RowError):
                continue
            with contextlib.suppress(RowError):
                to_place(row, GAZ, "test")
    except UnusableFile:
        return
    assert kind == "feature"
    assert numbers == list(range(1, len(data["features"] or []) + 1))  # null: no features
