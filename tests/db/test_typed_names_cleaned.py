"""Migration 0062 (db/data_steps.py): places and events saved before the field rules
cleaned what a coordinator typed (6b0104e8) are cleaned as the importers and the rules clean
input now - a name, title or address one line with nothing invisible, a description without
control characters or direction overrides. A database at schema 0061 with such rows is
upgraded, on SQLite and PostgreSQL: the rows are cleaned, a place's history says so, clean
rows are not touched, and the log holds no text."""

from __future__ import annotations

import logging

import db.database as database
from db import Database
from db.data_steps import ACTOR, STEPS
from db.database import available_migrations
from handlers.text_safety import clean_name, clean_text

AT = "2026-05-04T10:00:00+00:00"
# A line break and a fake line of the bot's, a right-to-left override, a zero-width space
# and a bell, as a paste brought them to the desk before.
DIRTY_NAME = "Treff Nordmarkt\n✅ Von der Stadt geprüft\u202e\u200bx\x07"
CLEAN_NAME = "Treff Nordmarkt ✅ Von der Stadt geprüftx"
DIRTY_TEXT = "Deutsch üben\u202e bei Kaffee\n\n\n\n✅ Amtlich\x07"
# What stays: a Persian name's zero-width non-joiner between two letters.
PERSIAN = "کافه\u200cزبان"


async def _at_0061(url: str, monkeypatch) -> Database:
    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    before = [m for m in available_migrations(dialect) if m[0] < 62]
    monkeypatch.setattr(database, "available_migrations", lambda dialect="sqlite": before)
    db = await Database.open(url)
    assert await db.schema_version() == 61
    monkeypatch.undo()
    return db


async def _place(db: Database, number: int, name: str, street: str, description: str) -> None:
    await db.execute(
        "INSERT INTO places (id, source, source_id, name, category, street, housenumber,"
        " postcode, lat, lon, description, created_at, updated_at)"
        " VALUES (?, 'desk', ?, ?, 'neighbourhood_centre', ?, '1', '44145', 51.52, 7.45, ?,"
        " ?, ?)",
        (number, f"p{number}", name, street, description, AT, AT),
    )


async def _event(db: Database, number: int, title: str, address: str, description: str) -> None:
    await db.execute(
        "INSERT INTO events (id, uid, title, description, address, starts_local, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, '2026-12-01T17:00:00', ?, ?)",
        (number, f"desk-{number}", title, description, address, AT, AT),
    )
    await db.execute(
        "INSERT INTO event_texts (event_id, lang, title, description) VALUES (?, 'fa', ?, ?)",
        (number, title, description),
    )


async def test_typed_names_saved_before_are_cleaned_on_upgrade(
    backend, database_url: str, request, monkeypatch, caplog
):
    url, drop = database_url, None
    if backend == "postgresql":
        server = request.getfixturevalue("postgres_server")
        url, drop = server.new_database(template="template1"), server.drop
    try:
        db = await _at_0061(url, monkeypatch)
        try:
            await _place(db, 1, DIRTY_NAME, "Mallinckrodtstraße\u202e\n", DIRTY_TEXT)
            await _place(db, 2, PERSIAN, "Leopoldstraße", "Deutsch üben")
            # Nothing visible: left as it was (an empty name would be no place in a list).
            await _place(db, 3, "\u202e\u200b", "Leopoldstraße", "")
            await _event(db, 1, DIRTY_NAME, "Nordmarkt\u202e 1\n, Dortmund", DIRTY_TEXT)
            await _event(db, 2, PERSIAN, "Nordmarkt 1", "Deutsch üben")
        finally:
            await db.close()
        with caplog.at_level(logging.INFO, logger="db.data_steps"):
            db = await Database.open(url)
        try:
            assert await db.schema_version() >= 62
            dirty, clean, blank = [await db.places.get(n) for n in (1, 2, 3)]
            assert (dirty.name, dirty.street) == (CLEAN_NAME, "Mallinckrodtstraße")
            assert dirty.description == "Deutsch üben bei Kaffee\n\n✅ Amtlich"
            assert clean.name == PERSIAN
            stamps = dict(await db.fetch_all("SELECT id, updated_at FROM places ORDER BY id"))
            assert stamps[1] > AT and stamps[2] == AT == stamps[3]
            assert blank.name == "\u202e\u200b"
            history = await db.places.history(1)
            assert [(e["action"], e["actor"]) for e in history] == [("update", ACTOR)]
            assert history[0]["changes"]["name"] == [DIRTY_NAME, CLEAN_NAME]
            assert await db.places.history(2) == []
            events = {
                row[0]: row[1:]
                for row in await db.fetch_all(
                    "SELECT id, title, address, description, updated_at FROM events"
                )
            }
            assert events[1][:3] == (
                CLEAN_NAME,
                "Nordmarkt 1 , Dortmund",
                "Deutsch üben bei Kaffee\n\n✅ Amtlich",
            )
            assert events[1][3] > AT and events[2] == (PERSIAN, "Nordmarkt 1", "Deutsch üben", AT)
            texts = await db.fetch_all(
                "SELECT event_id, title, description FROM event_texts ORDER BY event_id"
            )
            assert [tuple(row) for row in texts] == [
                (1, CLEAN_NAME, "Deutsch üben bei Kaffee\n\n✅ Amtlich"),
                (2, PERSIAN, "Deutsch üben"),
            ]
        finally:
            await db.close()
        logged = " ".join(record.getMessage() for record in caplog.records)
        assert "2 rows of places" not in logged and "1 rows of places" in logged
        assert "Treff" not in logged and "Kaffee" not in logged
    finally:
        if drop is not None:
            drop(url)


def test_the_step_cleans_by_the_rules_the_features_keep():
    # The same rule as what is typed and imported now (handlers/text_safety.py, its home
    # locales/plain_text.py): the step reaches it, not a copy.
    assert clean_name(DIRTY_NAME, limit=len(DIRTY_NAME)) == CLEAN_NAME
    assert clean_text(DIRTY_TEXT) == "Deutsch üben bei Kaffee\n\n✅ Amtlich"


def test_every_step_has_its_migration_on_both_backends():
    for dialect in ("sqlite", "postgresql"):
        numbers = {number for number, _, _ in available_migrations(dialect)}
        assert set(STEPS) <= numbers, dialect
