"""The personal-data map and the data rights that follow it (issue 13).

- The map covers the live schema: a column it does not classify fails here.
- A whole story, then /delete for requester and volunteer, retention and a WAL checkpoint:
  none of the story's secrets is anywhere in the database files (PostgreSQL: in any row).
- /mydata lists every part of the map that holds data for the person.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from db import Database
from db.data_rights import (
    Limits,
    erasure_statements,
    person_params,
    person_sql,
    retention_steps,
)
from db.events import Event
from db.personal_data import CUTOFFS, KINDS, LINK, MAP, PUBLIC, PURPOSES, TABLES, sections
from handlers import build_router
from handlers.helping.timers import follow_up
from handlers.messages import ButtonPress, Command, Document
from handlers.privacy import apply_retention, purpose_texts, section_labels
from handlers.settings import HandlerSettings
from locales import SUPPORTED_LANGUAGES, translator
from tests.support.city_databases import live_schema
from tests.support.help_story import GROUP, NORDMARKT, register_volunteer
from tests.support.memory_transport import MemoryTransport, texts

# -- the map against the schema ---------------------------------------------------------------


async def test_the_map_classifies_every_column_of_the_live_schema(db: Database):
    schema = await live_schema(db)
    unknown_tables = sorted(set(schema) - set(TABLES))
    assert not unknown_tables, f"tables missing from db/personal_data.py: {unknown_tables}"
    for table, columns in schema.items():
        declared = TABLES[table].columns
        missing = [c for c in columns if c not in declared]
        assert not missing, f"{table}: columns missing from the map: {missing}"
        stale = [c for c in declared if c not in columns]
        assert not stale, f"{table}: the map names columns that do not exist: {stale}"
        assert set(declared.values()) <= set(KINDS)
    expected = {name for name, table in TABLES.items() if table.only_in in (None, db.dialect)}
    assert not sorted(expected - set(schema)), "the map names tables that do not exist"
    assert not [name for name in schema if TABLES[name].only_in not in (None, db.dialect)]
    assert await db.data_rights.unmapped() == []  # what `db check` reports
    await db.execute("ALTER TABLE users ADD COLUMN phone TEXT")
    assert await db.data_rights.unmapped() == ["users.phone"]


def test_personal_tables_say_how_they_are_erased():
    purposes = {p.key for p in PURPOSES}
    for table in MAP:
        personal = [c for c, kind in table.columns.items() if kind != PUBLIC]
        if personal:
            assert table.purpose in purposes, table.name
            # Erased through a link, or a note why not (the ban list's keyed hash).
            assert table.links or table.note, table.name
        else:
            assert table.purpose is None and not table.links, table.name


def test_what_mydata_shows_of_a_persons_rows_is_every_column_but_those_withheld_for_a_reason():
    """Of a table /mydata shows, every column about the person (not PUBLIC, not a LINK) is
    exported by one of its links, or withheld by one with a note saying why (a secret's
    hash, what may name other people): a new column is never left out by forgetting it."""
    for table in MAP:
        shown = [link for link in table.links if link.section]
        if not shown:
            continue
        exported = {column for link in shown for column in link.export}
        withheld = {column for link in table.links for column in link.withheld}
        for link in table.links:
            assert not set(link.export) & set(link.withheld), table.name
            assert link.note or not link.withheld, table.name
        about = {c for c, kind in table.columns.items() if kind not in (PUBLIC, LINK)}
        assert about <= exported | withheld, f"{table.name}: {sorted(about - exported - withheld)}"
        assert (exported | withheld) <= set(table.columns), table.name


def test_every_purpose_and_section_has_words_in_every_language():
    names = [s.name for s in sections()]
    assert len(names) == len(set(names)), "export sections must be unique"
    assert set(names) == set(section_labels())
    for lang in SUPPORTED_LANGUAGES:
        t = translator(lang)
        texts_ = purpose_texts(t, Limits(), 365)
        assert set(texts_) == {p.key for p in PURPOSES}
        for label in section_labels().values():
            assert t._(label)


async def test_every_statement_of_the_map_runs(db: Database):
    """Export, erasure and retention SQL are valid against the real schema."""
    user = await db.users.seen("memory", "x", "x")
    params = person_params(user)
    for first in (True, False):
        for sql in erasure_statements(first):
            await db.execute(person_sql(sql), params)
    for section in sections():
        await db.fetch_all(
            person_sql(
                f"SELECT {', '.join(section.link.export)} FROM {section.table}"
                f" WHERE {section.link.where}"
            ),
            params,
        )
    cutoffs = Limits().cutoffs(datetime.now(UTC))
    assert set(cutoffs) == set(CUTOFFS)
    for step in retention_steps():
        for sql in step.statements:
            await db.execute(sql, cutoffs)


# -- the whole story ---------------------------------------------------------------------------

REQUESTER, HELPER, COORDINATOR = "zuleikha", "wendelgard", "cora"
DESCRIPTION = "Einkauf bitte, Klingel SCHNEEGLOECKCHEN"
DOOR_CODE = "Türcode 4711-ZEBRA"
PHONE = "0176 98765432"
HELPER_TEXT = "Ich komme um fünf, QUOKKAWEG"
EXACT = (51.512347, 7.467891)
CONTACT = "Frau Wiesenthal, Tel. 0231 7654321"
ENTERED = "Einkauf für Frau Wiesenthal MARZIPANKUCHEN"
SECRETS = (
    "SCHNEEGLOECKCHEN",
    "4711-ZEBRA",
    "98765432",
    "QUOKKAWEG",
    "51.512347",
    "7.467891",
    "Zuleikha",
    "Wendelgard",
    "Wiesenthal",
    "7654321",
    "MARZIPANKUCHEN",
    "Birkenhain",
    "1987-05-23",
)


async def _group(story: MemoryTransport, event) -> None:
    await story.in_group(COORDINATOR, event)
    await story.flush()


async def _play(story: MemoryTransport, db: Database) -> dict[str, int]:
    await story.onboard(COORDINATOR, "de")
    cora = await db.users.find("memory", COORDINATOR)
    await db.users.grant_role(cora.id, "coordinator")
    helper = await register_volunteer(story, db, HELPER)
    await _group(story, Command("verify", str(helper)))

    # A request with a door bell name, matched.
    await story.onboard(REQUESTER, "ar")
    for data in ("menu:help", "hr:new", "hr:cat:shopping"):
        await story.press(REQUESTER, data)
    await story.text(REQUESTER, DESCRIPTION)
    await story.location(REQUESTER, *NORDMARKT)
    await story.press(REQUESTER, "hr:when:asap")
    await story.press(REQUESTER, "hr:langs-done")
    await story.press(REQUESTER, "hr:send")
    requester = await db.users.find("memory", REQUESTER)
    request_id = (await db.requests.for_requester(requester.id))[0].id
    await story.flush()
    await _group(story, ButtonPress(f"mod:ok:{request_id}", message_id="1"))
    await story.press(HELPER, f"mt:acc:{request_id}")
    await story.flush()

    # The relay: a phone number and a door code, an answer, the exact location. The
    # requester chose the contact with "Write to" (a conversation state).
    await story.press(REQUESTER, f"rl:to:{request_id}")
    await story.text(REQUESTER, f"Meine Nummer {PHONE}, {DOOR_CODE}")
    await story.text(HELPER, HELPER_TEXT)
    await story.location(REQUESTER, *EXACT)
    await story.flush()
    assert DOOR_CODE in story.received(HELPER)

    # Reminders and a subscription.
    place_id = await db.places.upsert(_place(), "test")
    event_id, _, _ = await db.events.upsert(
        Event(
            uid="cafe",
            title="Sprachcafé",
            starts_local=(datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT17:00:00"),
            rrule="FREQ=WEEKLY",
            place_id=place_id,
            stadtbezirk="Innenstadt-Nord",
        )
    )
    await story.press(REQUESTER, f"ev:ra:{event_id}")
    await story.press(REQUESTER, "ev:sd:Innenstadt-Nord")
    await story.press(REQUESTER, f"ev:sp:{place_id}")
    assert await db.events.pending_for_user(requester.id)

    # A request a coordinator entered for someone without a phone, taken by the helper.
    await story.text(COORDINATOR, "/enter")
    await story.text(COORDINATOR, CONTACT)
    await story.press(COORDINATOR, "hr:cat:shopping")
    await story.text(COORDINATOR, ENTERED)
    await story.text(COORDINATOR, "Nordmarkt")
    await story.press(COORDINATOR, "hr:when:asap")
    await story.press(COORDINATOR, "hr:langs-done")
    await story.press(COORDINATOR, "hr:send")
    await story.flush()
    entered = max(r.id for r in await db.requests.in_state("open"))
    out = await story.press(HELPER, f"mt:acc:{entered}")
    assert "7654321" in texts(out)
    await story.flush()

    # The helper's confirmation for a certificate of good conduct, signed: the PDF waits
    # in the outbox, the row holds the name and the date of birth.
    await _signed_certificate(story, db, helper, cora.id)
    return {"request": request_id, "entered": entered, "requester": requester.id}


async def _signed_certificate(story: MemoryTransport, db: Database, helper: int, cora: int):
    from handlers.context import Backstage
    from handlers.helping import certificate_requests
    from handlers.settings import Organisation

    settings = replace(story.dispatcher.settings, organisation=Organisation("Nachbarn e. V."))
    number = await db.certificates.ask(
        helper, "conduct", "Wendelgard Birkenhain", "1987-05-23", "de"
    )
    coordinator = await db.users.get(cora)
    prepared = await certificate_requests.prepare(
        db, settings, number, coordinator, name="Cora", role="", activity="Lesepatin", basis="law"
    )
    async with db.transaction():
        assert await certificate_requests.issue(Backstage(db, settings), coordinator, prepared)
    await story.flush()


def _place():
    from db.places import Place

    return Place(
        source="test",
        source_id="dkh",
        name="Dietrich-Keuning-Haus",
        category="citizens_centre",
        lat=51.5245,
        lon=7.4650,
        stadtbezirk="Innenstadt-Nord",
    )


async def _found(db: Database, path: Path) -> list[str]:
    """The secrets present anywhere in the database. SQLite: in the file and its WAL, free
    pages included (secure_delete, checkpoint). PostgreSQL: in any row of any table (its
    files keep dead rows until VACUUM, which the server runs by itself)."""
    if db.dialect == "sqlite":
        await db.checkpoint()
        raw = b""
        for name in (path.name, path.name + "-wal", path.name + "-journal"):
            if (path.parent / name).exists():
                raw += (path.parent / name).read_bytes()
    else:
        values = [
            str(value)
            for table in await live_schema(db)
            for row in await db.fetch_all(f"SELECT * FROM {table}")
            for value in row
            if value is not None
        ]
        raw = "\n".join(values).encode()
    found = []
    for secret in SECRETS:
        forms = {secret.encode(), json.dumps(secret).encode()[1:-1]}
        if any(form in raw for form in forms):
            found.append(secret)
    return found


async def _where(db: Database, expected: list[str]) -> list[tuple[str, str]]:
    """Which tables hold a secret not ``expected`` (PostgreSQL; SQLite's file says none):
    what a failure of the checks below names, so that a rare one can be traced."""
    if db.dialect == "sqlite":
        return []
    return sorted(
        {
            (table, secret)
            for table in await live_schema(db)
            for row in await db.fetch_all(f"SELECT * FROM {table}")
            for value in row
            for secret in SECRETS
            if value is not None and secret not in expected and secret in str(value)
        }
    )


async def test_after_delete_and_retention_no_secret_of_the_story_is_in_the_files(
    story: MemoryTransport, db: Database, tmp_path: Path
):
    ids = await _play(story, db)
    path = tmp_path / "test.sqlite3"
    assert set(await _found(db, path)) >= {
        "SCHNEEGLOECKCHEN",
        "4711-ZEBRA",
        "MARZIPANKUCHEN",
        "Birkenhain",
        "1987-05-23",
    }

    for person in (REQUESTER, HELPER):
        out = await story.text(person, "/delete")
        assert any(b.data == "delete:yes" for m in out for row in m.buttons for b in row)
        await story.press(person, "delete:yes")
        assert await db.users.find("memory", person) is None
    await story.flush()

    # Already now, before any retention: nothing of the two people is left. The entered
    # request is still open (its resident still needs help), so its contact stays.
    left = ["Wiesenthal", "7654321", "MARZIPANKUCHEN"]
    assert await _found(db, path) == left, await _where(db, left)
    request = await db.requests.get(ids["request"])
    assert (request.state, request.requester_id, request.volunteer_id) == ("withdrawn", None, None)
    entered = await db.requests.get(ids["entered"])
    assert (entered.state, entered.volunteer_id) == ("open", None)
    # The coordinators were told through the lifecycle.
    assert f"#{ids['entered']}" in story.received(GROUP)

    # The entered request expires; retention after the closed-request period clears it.
    now = datetime.now(UTC)
    await follow_up(db, story.dispatcher.settings, now + timedelta(days=8))
    await story.flush()
    later = now + timedelta(days=8 + 91)
    report = await apply_retention(db, story.dispatcher.settings, build_router(), later)
    assert None not in report.values()
    assert report["closed_requests"] >= 1
    assert await _found(db, path) == [], await _where(db, [])
    # Statistics keep anonymous rows: kind, district, dates.
    row = await db.fetch_one(
        "SELECT category, stadtbezirk, requester_id, volunteer_id, description"
        " FROM help_requests WHERE id = ?",
        (ids["request"],),
    )
    assert tuple(row) == ("shopping", "Innenstadt-Nord", None, None, "")
    # Running it again changes nothing (idempotent).
    again = await apply_retention(db, story.dispatcher.settings, build_router(), later)
    assert again["closed_requests"] == 0 and again["delivered_messages"] == 0


async def test_mydata_lists_every_part_of_the_map_that_holds_data(
    story: MemoryTransport, db: Database
):
    await _play(story, db)
    requester = await db.users.find("memory", REQUESTER)
    held = await db.data_rights.holds_data(requester)
    assert {
        "account",
        "roles",
        "requests",
        "messages_written",
        "messages_received",
        "events_followed",
        "reminders",
        "subscriptions",
        "messages_for_you",
        "decisions",
        "conversation",
    } <= set(held)
    out = await story.text(REQUESTER, "/mydata")
    document = json.loads(next(i for i in out if isinstance(i, Document)).content)
    exported = document["sections"]
    assert set(exported) == {s.name for s in sections()}  # stable keys, empty ones too
    assert {name for name, rows in exported.items() if rows} == set(held)
    # What the person's events and places are, by name, not by number.
    assert {row["event"] for row in exported["reminders"]} == {"Sprachcafé"}
    assert {row["event"] for row in exported["events_followed"]} == {"Sprachcafé"}
    assert {row.get("place") for row in exported["subscriptions"]} == {
        "Dietrich-Keuning-Haus",
        None,
    }
    assert DOOR_CODE in exported["messages_written"][0]["text"]
    # What others got of hers (the helper, her words passed on), and nobody else's data.
    about_her = json.dumps(exported["messages_about_you"], ensure_ascii=False)
    assert DOOR_CODE in about_her
    assert not [name for name in ("Cora", "7654321", "Wiesenthal") if name in about_her]
    assert HELPER_TEXT in [m["text"] for m in exported["messages_received"]]
    # The summary names each part in the person's language (Arabic here).
    summary = texts([i for i in out if not isinstance(i, Document)])
    ar = translator("ar")
    for name in held:
        if name != "account":
            assert ar._(section_labels()[name]) in summary, name
    assert "Sprachcafé" in summary and "Dietrich-Keuning-Haus" in summary
    assert "Innenstadt-Nord" in summary

    helper = await db.users.find("memory", HELPER)
    out = await story.text(HELPER, "/mydata")
    exported = json.loads(next(i for i in out if isinstance(i, Document)).content)["sections"]
    assert exported["volunteer_profile"] and exported["help_given"]
    assert [(row["name"], row["birth_date"]) for row in exported["certificates"]] == [
        ("Wendelgard Birkenhain", "1987-05-23")
    ]
    # The requester's texts and the entered contact are not part of the helper's export.
    assert "SCHNEEGLOECKCHEN" not in json.dumps(exported["help_given"])
    assert set(await db.data_rights.holds_data(helper)) == {
        name for name, rows in exported.items() if rows
    }


async def test_a_volunteer_who_helped_can_delete_the_account(story: MemoryTransport, db: Database):
    ids = await _play(story, db)
    await story.press(REQUESTER, f"rl:done:{ids['request']}")
    await story.press(REQUESTER, f"rl:doney:{ids['request']}")
    await story.flush()
    assert (await db.requests.get(ids["request"])).state == "done"
    await story.press(HELPER, "delete:yes")
    assert await db.users.find("memory", HELPER) is None
    done = await db.requests.get(ids["request"])
    assert (done.state, done.volunteer_id) == ("done", None)
    # The audit log keeps the decisions, not who the helper was.
    row = await db.fetch_one(
        "SELECT COUNT(*) FROM audit_log WHERE json_extract(details, '$.volunteer_id') IS NOT NULL"
    )
    assert row[0] == 0


async def test_an_offer_held_in_quiet_hours_is_not_delivered_after_deletion(
    story: MemoryTransport, db: Database
):
    helper = await register_volunteer(story, db, HELPER)
    user = await db.users.get(helper)
    later = datetime.now(UTC) + timedelta(hours=8)
    item = await story.dispatcher.db.outbox.enqueue(
        "memory", user.chat_id, {"kind": "message", "text": "offer"}, later, recipient_id=helper
    )
    await story.press(HELPER, "delete:yes")
    assert await db.outbox.state(item) is None


async def test_certificate_requests_go_after_their_days(story: MemoryTransport, db: Database):
    """Decided or not, a volunteer's certificate request (a name, a date of birth) is kept
    privacy.certificate_days and no longer."""
    volunteer = await register_volunteer(story, db, HELPER)
    decided = await db.certificates.ask(volunteer, "record", "Wendelgard Birkenhain", "", "de")
    assert await db.certificates.decline(decided, volunteer)
    await db.certificates.ask(volunteer, "conduct", "Wendelgard Birkenhain", "1987-05-23", "de")
    settings = story.dispatcher.settings
    days = settings.retention.certificate_days
    now = datetime.now(UTC)
    report = await apply_retention(db, settings, build_router(), now + timedelta(days=days - 1))
    assert report["certificate_requests"] == 0
    report = await apply_retention(
        db, settings, build_router(), now + timedelta(days=days, hours=1)
    )
    assert report["certificate_requests"] == 2
    assert await db.certificates.of_user(volunteer) == []


async def test_a_failing_retention_step_does_not_stop_the_others(db: Database, monkeypatch):
    original = db.data_rights.retain

    async def broken(step, limits, now):
        if step.name == "closed_requests":
            raise RuntimeError("disk on fire")
        return await original(step, limits, now)

    monkeypatch.setattr(db.data_rights, "retain", broken)
    await db.execute(
        "INSERT INTO processed_updates (platform, update_id, at) VALUES ('t', '1', '2020-01-01')"
    )
    report = await apply_retention(db, HandlerSettings(), build_router(), datetime.now(UTC))
    assert report["closed_requests"] is None
    assert report["handled_updates"] == 1


async def test_the_migration_keeps_requests_their_children_and_outbox_recipients(
    tmp_path: Path, monkeypatch
):
    import db.database as database

    path = tmp_path / "old.sqlite3"
    every = database.available_migrations()
    monkeypatch.setattr(database, "available_migrations", lambda: every[:11])
    old = await Database.open(path)
    # Rows as that schema has them (today's store reads columns it does not have yet).
    amira_id, vera_id = 1, 2
    await old.conn.executescript(
        "INSERT INTO users (id, platform, platform_user_id, chat_id, created_at, seen_at)"
        " VALUES (1, 'telegram', '1', '1', 'x', 'x'), (2, 'telegram', '2', '2', 'x', 'x');"
        "INSERT INTO help_requests (id, requester_id, category, description, state,"
        " volunteer_id, created_at, updated_at, closed_at)"
        f" VALUES (7, {amira_id}, 'shopping', 'Milch', 'done', {vera_id}, 'x', 'x', 'x');"
        f"INSERT INTO relay_messages (request_id, from_user, kind, text, created_at)"
        f" VALUES (7, {amira_id}, 'text', 'hallo', 'x');"
        "INSERT INTO outbox (id, platform, chat_id, payload, created_at, next_attempt_at)"
        " VALUES (1, 'telegram', '2', '{}', 'x', 'x');"
    )
    await old.close()
    monkeypatch.undo()

    db = await Database.open(path)
    try:
        assert await db.schema_version() == len(every)
        request = await db.requests.get(7)
        assert (request.state, request.volunteer_id, request.description) == (
            "done",
            vera_id,
            "Milch",
        )
        async with db.conn.execute("SELECT COUNT(*) FROM relay_messages") as cursor:
            assert (await cursor.fetchone())[0] == 1  # not cascaded away by the rebuild
        async with db.conn.execute("SELECT recipient_id FROM outbox WHERE id = 1") as cursor:
            assert (await cursor.fetchone())[0] == vera_id
        async with db.conn.execute("PRAGMA foreign_keys") as cursor:
            assert (await cursor.fetchone())[0] == 1
        async with db.conn.execute("PRAGMA secure_delete") as cursor:
            assert (await cursor.fetchone())[0] == 1
    finally:
        await db.close()


async def test_a_person_who_never_agreed_is_forgotten_with_their_unfinished_step(
    db: Database,
):
    """A caller hears places before any notice (handlers/first_kept.py): one who never
    agreed and keeps nothing of their own is not kept for a year, but as long as an
    unfinished step - while a person with data, or who agreed, stays."""
    settings = HandlerSettings()
    bare = await db.users.seen("memory", "bare", "bare")
    await db.users.set_language(bare.id, "ar")
    agreed = await db.users.seen("memory", "agreed", "agreed")
    await db.users.record_consent(agreed.id)
    entered = await db.users.seen("memory", "entered", "entered")
    await db.users.grant_role(entered.id, "volunteer")
    days = settings.retention.conversation_days
    now = datetime.now(UTC)

    report = await apply_retention(db, settings, build_router(), now + timedelta(days=days - 1))
    assert report["unagreed_accounts"] == 0
    assert await db.users.get(bare.id) is not None

    later = now + timedelta(days=days, hours=1)
    report = await apply_retention(db, settings, build_router(), later)
    assert report["unagreed_accounts"] == 1
    assert await db.users.get(bare.id) is None
    assert await db.users.get(agreed.id) is not None
    assert await db.users.get(entered.id) is not None


async def test_the_helpers_name_leaves_the_messages_of_a_requester_who_stays(
    story: MemoryTransport, db: Database
):
    """The helper deletes her account, the requester stays: no message queued for the
    requester still names her (the code word at the door names the helper it is asked of,
    so it carries her data - ``about`` - as the notice that she will help does)."""
    await _play(story, db)
    await story.text(HELPER, "/delete")
    await story.press(HELPER, "delete:yes")
    await story.flush()
    rows = await db.fetch_all("SELECT payload FROM outbox")
    assert not [row[0] for row in rows if "Wendelgard" in str(row[0])]
