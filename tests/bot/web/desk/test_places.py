"""Places at the desk: the list and its filters, editing with the chat's checks (the place
history records who), verifying, and imports that preview first and write only when told."""

from __future__ import annotations

import re
from datetime import date, timedelta

import aiohttp
import pytest

from db import Database
from db.places import Place
from db.statements import fetch_one
from tests.support.desk_client import at_the_desk, audited


async def _place(db: Database, name: str = "Treff Nordmarkt", **values) -> int:
    fields = {
        "street": "Mallinckrodtstraße",
        "housenumber": "1",
        "postcode": "44145",
        "stadtbezirk": "Innenstadt-Nord",
        "stadtteil": "Nordmarkt",
        "opening_hours": "Mo-Fr 10:00-16:00",
        "languages": ("de", "tr"),
        **values,
    }
    place = Place(
        source="test",
        source_id=name,
        name=name,
        category="neighbourhood_centre",
        lat=51.523,
        lon=7.456,
        **fields,
    )
    return await db.places.upsert(place, "test")


def _form(html: str) -> dict[str, str | list[str]]:
    """The place form's values as a browser would send them unchanged."""
    form = html[html.index('id="place-form"') :]
    form = form[: form.index("</form>")]
    values: dict[str, str | list[str]] = {}
    for name, value in re.findall(r'<input type="text" [^>]*name="(\w+)" value="([^"]*)"', form):
        values[name] = value.replace("&#34;", '"').replace("&amp;", "&")
    for name, body in re.findall(r'<select [^>]*name="(\w+)"[^>]*>(.*?)</select>', form, re.S):
        values[name] = re.search(r'<option value="(\w+)" selected', body).group(1)
    values["languages"] = re.findall(r'name="languages" value="(\w+)" checked', form)
    return values


def _multi(values: dict[str, str | list[str]], csrf: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("csrf", csrf)
    for key, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            form.add_field(key, item)
    return form


async def test_list_filters_and_the_stale_list(db, site, web_chat):
    _site, base = site
    fresh = await _place(db, "Frisch geprüft")
    await db.places.verify(fresh, "test")
    old = await _place(
        db, "Lange her", last_verified=(date.today() - timedelta(days=400)).isoformat()
    )
    never = await _place(db, "Nie geprüft")
    library = await _place(db, "Bücherei Hörde", stadtbezirk="Hörde")
    async with at_the_desk(web_chat, db, base) as desk:
        status, html = await desk.get("/desk/places")
        assert status == 200 and 'id="places-table"' in html
        assert all(f'id="place-{i}"' in html for i in (fresh, old, never, library))
        status, html = await desk.get("/desk/places?stale=1")
        assert f'id="place-{old}"' in html and f'id="place-{never}"' in html
        assert f'id="place-{fresh}"' not in html
        status, html = await desk.get("/desk/places?q=rei+H")
        assert f'id="place-{library}"' in html and f'id="place-{fresh}"' not in html
        status, html = await desk.get("/desk/places?bezirk=H%C3%B6rde")
        assert f'id="place-{library}"' in html and f'id="place-{never}"' not in html
        # A wildcard typed in the search is a character, not "anything".
        status, html = await desk.get("/desk/places?q=%25")
        assert 'id="places-table"' not in html


async def test_edit_saves_through_the_store_and_the_history_says_who(db, site, web_chat):
    _site, base = site
    place_id = await _place(db)
    async with at_the_desk(web_chat, db, base) as desk:
        status, html = await desk.get(f"/desk/places/{place_id}")
        assert status == 200 and 'id="place-form"' in html
        values = _form(html)
        assert values["address"] == "Mallinckrodtstraße 1, 44145"
        values.update(
            name="Treff am Nordmarkt",
            opening_hours="Mo-Fr 09:00-17:00; PH off",
            wheelchair="limited",
            languages=["ar", "de"],
        )
        status, html = await desk.post(f"/desk/places/{place_id}", _multi(values, desk.csrf))
        assert status == 200, html  # after the redirect
        assert "Saved" in html
        place = await db.places.get(place_id)
        assert place.name == "Treff am Nordmarkt"
        assert place.opening_hours == "Mo-Fr 09:00-17:00; PH off"
        assert place.wheelchair == "limited"
        assert place.languages == ("de", "ar")
        # Unchanged fields stay as they were (the Stadtteil is not worked out again).
        assert place.stadtteil == "Nordmarkt" and place.street == "Mallinckrodtstraße"
        last = (await db.places.history(place_id))[-1]
        assert last["changed_by"] == desk.user_id and last["actor"] == "desk"
        assert set(last["changes"]) == {"name", "opening_hours", "wheelchair", "languages"}
        assert "cora" in html.lower()  # who, in the page's history
        assert "desk.place.edit" in await audited(db, desk.user_id)


async def test_bad_input_is_refused_with_the_chats_words_and_nothing_changes(db, site, web_chat):
    _site, base = site
    place_id = await _place(db)
    before = await db.places.get(place_id)
    history = len(await db.places.history(place_id))
    async with at_the_desk(web_chat, db, base) as desk:
        _status, html = await desk.get(f"/desk/places/{place_id}")
        values = _form(html)
        values.update(
            name="X", location="52.52, 13.40", opening_hours="Mo-Fx 10", category="casino"
        )
        status, html = await desk.post(f"/desk/places/{place_id}", _multi(values, desk.csrf))
        assert status == 422
        assert 'id="error-name"' in html and "2 to 120 characters" in html
        assert 'id="error-location"' in html and "is outside" in html
        assert 'id="error-opening_hours"' in html and "Mo-Fx 10" in html
        assert 'id="error-category"' in html
        assert 'aria-invalid="true"' in html
        # What was typed stays in the form.
        assert 'value="52.52, 13.40"' in html
        # Translated: the same refusal in German.
        status, html = await desk.post(
            f"/desk/places/{place_id}?lang=de", _multi(values, desk.csrf)
        )
        assert status == 422 and 'lang="de"' in html
        # Without the token: 403, nothing changes either.
        async with desk.browser.post(
            f"{base}/desk/places/{place_id}", data={"name": "Gekapert"}
        ) as response:
            assert response.status == 403
    assert await db.places.get(place_id) == before
    assert len(await db.places.history(place_id)) == history


async def test_verify_marks_today_and_records_who(db, site, web_chat):
    _site, base = site
    place_id = await _place(db)
    async with at_the_desk(web_chat, db, base) as desk:
        status, html = await desk.post(f"/desk/places/{place_id}/verify", {})
        assert status == 200 and "verified today" in html
        assert (await db.places.get(place_id)).last_verified == date.today().isoformat()
        last = (await db.places.history(place_id))[-1]
        assert (last["action"], last["changed_by"]) == ("verify", desk.user_id)
        assert "desk.place.verify" in await audited(db, desk.user_id)
        _status, html = await desk.get("/desk/places?stale=1")
        assert f'id="place-{place_id}"' not in html


CSV = """id;Name;Kategorie;Straße;Hausnummer;PLZ;lat;lon;Öffnungszeiten;Rollstuhl
d1;Treff Borsigplatz;Quartierstreff;Oesterholzstr.;1;44145;51,519;7,487;Mo-Fr 10:00-16:00;ja
d2;;Bibliothek;;;;51,5;7,4;;
d3;Weit weg;Bibliothek;;;;52,52;13,40;;
d4;Seniorentreff;Bibliothek;;;;51,49;7,50;Tu 14:00-17:00;vielleicht
d5;Stadtteilbibliothek Eving;Bibliothek;;;;51,5480;7,4760;;nein
"""


def _upload(csrf: str, name: str, content: bytes, field: str = "file") -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("csrf", csrf)
    form.add_field(field, content, filename=name, content_type="application/octet-stream")
    return form


async def test_import_previews_without_writing_then_imports(db, site, web_chat):
    _site, base = site
    existing = await _place(db)
    async with at_the_desk(web_chat, db, base) as desk:
        status, html = await desk.get("/desk/places/import")
        assert status == 200 and 'id="import-upload"' in html
        count = await db.places.count()
        changes = await _changes(db)
        status, html = await desk.post(
            "/desk/places/import", _upload(desk.csrf, "orte.csv", CSV.encode())
        )
        assert status == 200, html
        assert 'id="import-preview"' in html
        assert re.search(r'id="count-created">2<', html)
        assert re.search(r'id="count-rejected">3<', html)
        errors = html[html.index('id="import-errors"') :]
        assert "missing name" in errors and "outside the city area" in errors
        assert "vielleicht" in errors
        # Nothing was written by the preview.
        assert await db.places.count() == count and await _changes(db) == changes
        # The same preview in German: the row errors are translated like every page.
        status, german = await desk.post(
            "/desk/places/import?lang=de", _upload(desk.csrf, "orte.csv", CSV.encode())
        )
        assert status == 200 and 'lang="de"' in german
        key = re.search(r'name="upload" value="([\w-]+)"', html).group(1)
        # (The German preview chose German for the next pages too: back to English.)
        await desk.get("/desk/places/import?lang=en")
        status, html = await desk.post("/desk/places/import/commit", {"upload": key})
        assert status == 200, html
        assert "Imported: 2 new" in html
        assert await db.places.count() == count + 2
        found = await db.places.listing(name="Borsigplatz")
        [line] = found[0]
        history = await db.places.history(line.id)
        assert history[0]["changed_by"] == desk.user_id
        assert history[0]["actor"] == "desk:orte.csv"
        assert "desk.places.import" in await audited(db, desk.user_id)
        # The preview's key works once.
        status, html = await desk.post("/desk/places/import/commit", {"upload": key})
        assert status == 409 and "expired" in html
        assert await db.places.count() == count + 2
    assert await db.places.get(existing) is not None


async def _changes(db: Database) -> int:
    row = await fetch_one(db.transactions, "SELECT COUNT(*) FROM place_changes")
    return int(row[0])


@pytest.mark.parametrize(
    ("name", "content", "status", "words"),
    [
        ("bad.geojson", b'{"type": "FeatureCollection", "features": [', 422, "not valid JSON"),
        ("deep.json", b"[" * 100_000 + b"]" * 100_000, 422, "nested too deeply"),
        ("bytes.csv", bytes(range(256)) * 40, 422, "neither UTF-8 nor Windows-1252"),
        ("empty.csv", b"\n\n", 422, "no 'name' column"),
        ("list.geojson", b'{"type": "FeatureCollection", "features": 5}', 422, "not a list"),
        ("formula.csv", b'name;lat;lon\n=HYPERLINK("x");99;99\n', 200, "outside the city"),
        (
            "huge-row.csv",
            b"name;lat;lon\nTreff;51,51;7,46\n" + b"A" * 3_000_000 + b";51,51;7,46\n",
            422,
            "row 3 cannot be read",
        ),
    ],
)
async def test_hostile_uploads_are_explained_and_change_nothing(
    db, site, web_chat, name, content, status, words
):
    _site, base = site
    async with at_the_desk(web_chat, db, base) as desk:
        count, changes = await db.places.count(), await _changes(db)
        answer, html = await desk.post("/desk/places/import", _upload(desk.csrf, name, content))
        assert answer == status, html[-3000:]
        assert words in html
        if status == 422:
            assert 'id="import-problem"' in html and 'name="upload"' not in html
        else:
            assert 'id="import-errors"' in html and 'name="upload"' not in html
        assert await db.places.count() == count and await _changes(db) == changes


async def test_oversized_and_missing_uploads(db, site, web_chat):
    _site, base = site
    async with at_the_desk(web_chat, db, base) as desk:
        status, html = await desk.post(
            "/desk/places/import", _upload(desk.csrf, "huge.csv", b"x" * (6 * 1024 * 1024))
        )
        assert status == 413
        status, html = await desk.post("/desk/places/import", {})
        assert status == 422 and "choose" in html
        # Someone else's (or a made-up) preview key imports nothing.
        status, html = await desk.post("/desk/places/import/commit", {"upload": "nope"})
        assert status == 409
        # Without the token, no preview at all.
        form = aiohttp.FormData()
        form.add_field("file", CSV.encode(), filename="orte.csv")
        async with desk.browser.post(f"{base}/desk/places/import", data=form) as response:
            assert response.status == 403
    assert await db.places.count() == 0
