"""An upgrade keeps every row (issue 78, "Tests and proof").

A database made at the oldest schema the project still supports - migration 0001 on SQLite
(every migration since is shipped and runs on such a file), 0019 on PostgreSQL (where
PostgreSQL installations begin: ``db/migrations/postgresql/0019_schema.sql``) - gets one or
more realistic rows in every table it has. It is then migrated one migration at a time, as an
installation upgraded at every release was, up to today's schema. Around each step the test
reads every table and column from the database itself (``sqlite_master`` and ``PRAGMA
table_info``, ``information_schema`` on PostgreSQL) and compares every row, value for value,
for the columns both schemas have; no table and no column may disappear. A table a step adds
gets its row right there (Matrix keys at 0023, certificate requests at 0028, the SMS tables at
0030, call numbers and budgets at 0031/0032, PINs at 0036, check calls at 0037 …), and a column
a step adds to a table with rows gets its value of this file (mostly not the column's default),
so the later steps that rebuild tables (0010, 0012, 0024, 0042) must carry it over. At the end
every table has a row and every column a value of this file: a migration that adds a table or
column without a row here fails this test until one is written."""

from __future__ import annotations

from typing import Any

import db.database as database
from db import Database
from db.database import available_migrations

# What is never compared here, and why:
# - sqlite_sequence, sqlite_stat*: SQLite's bookkeeping of its own (next AUTOINCREMENT ids).
# - places_rtree_node/_rowid/_parent: where SQLite stores the R*Tree places_rtree, whose rows
#   (compared like every table's) are what they hold.
SQLITE_OWN = ("sqlite_",)
RTREE_STORAGE = ("places_rtree_node", "places_rtree_rowid", "places_rtree_parent")

# Tables this file writes no row into, and who does:
# - schema_version: the migrations themselves, one row each; the test checks that each step
#   keeps the rows before and adds exactly its own.
# - places_rtree (SQLite): the triggers of 0002 fill it from places; on PostgreSQL it is a view.
# - matching_changes: 0048 writes its rows (one a table the matching reads) and its triggers
#   count the writes to those tables (SQLite); a later step that writes to them raises a count,
#   so its counts may grow, never fall, and its rows stay.
WRITTEN_BY_THE_DATABASE = {"schema_version", "places_rtree", "matching_changes"}
# The tables whose rows are counts of writes: compared by their names, counts may grow.
COUNTS = {"matching_changes"}
# The tables whose rows note the newest writes (0050's matching_touched: the newest 1000, its
# triggers add one a write the matching reads and drop the oldest): a later step that
# writes to those tables adds rows; the row of ROWS is kept while there are fewer than 1000.
NOTES = {"matching_touched"}

# Migrations that change values on purpose, and why none of them changes a row of this test
# (so every value is compared at every step, with no exception):
# - 0011 deletes duplicate reports (one reporter, one subject): the test has one report.
# - 0012 fills the new outbox.recipient_id from users (a new column, not compared before it
#   exists; the value it computes is the one written below).
# - 0042 sets evenings = 1 for volunteers of before 0040 only where 0040's first text
#   (DEFAULT 0) ran; with this release's 0040 (DEFAULT 1) it changes nothing, so a volunteer's
#   "no evenings" given after 0040 must survive it.
# - 0062 cleans places' and events' names, titles, addresses and descriptions of line breaks,
#   control characters and invisible ones (db/data_steps.py): the rows below are clean.
# - 0063 empties a Matrix person's first name that is their Matrix id: the rows below have
#   names of their own.
# - 0064 cuts a Matrix id in brackets off a Matrix person's first name: none below has one.

AT = "2026-03-02T09:15:00+00:00"
LATER = "2026-11-20T18:04:11+00:00"

# Every table's rows, in foreign-key order. The first column of each row names it (an UPDATE
# gives it a column a later migration adds). Values as the product writes them: E.164
# numbers, German texts, ISO times in UTC.
ROWS: dict[str, list[dict[str, Any]]] = {
    "users": [
        {
            "id": 1,
            "platform": "telegram",
            "platform_user_id": "184467301",
            "chat_id": "184467301",
            "language": "de",
            "consent_at": AT,
            "created_at": AT,
            "seen_at": LATER,
            "first_name": "Gisela",
            "banned_at": None,
            "ban_notified": 0,
            "reminder_offsets": "1440",
            "translate_messages": 0,
            "read_aloud": 1,
            "no_voice_told": "2026-04-11T08:00:00+00:00",
            "easy_language": 1,
            "closed_chat_id": "",
        },
        {
            "id": 2,
            "platform": "matrix",
            "platform_user_id": "@jonas.becker:nachbarn-dortmund.de",
            "chat_id": "!hUkLmOpQrStUvWx:nachbarn-dortmund.de",
            "language": "de",
            "consent_at": AT,
            "created_at": "2026-01-14T17:30:00+00:00",
            "seen_at": LATER,
            "first_name": "Jonas",
            "banned_at": None,
            "ban_notified": 0,
            "reminder_offsets": "1440,60",
            "translate_messages": 1,
            "read_aloud": 0,
            "no_voice_told": "",
            "easy_language": 0,
            "closed_chat_id": "!oLdRoOmClOsEd:nachbarn-dortmund.de",
        },
        {
            "id": 3,
            "platform": "telegram",
            "platform_user_id": "5123098765",
            "chat_id": "5123098765",
            "language": "tr",
            "consent_at": AT,
            "created_at": "2025-12-01T10:00:00+00:00",
            "seen_at": LATER,
            "first_name": "Ayşe",
            "banned_at": "2026-06-01T12:00:00+00:00",
            "ban_notified": 1,
            "reminder_offsets": "60",
            "translate_messages": 1,
            "read_aloud": 0,
            "no_voice_told": "",
            "easy_language": 0,
            "closed_chat_id": "",
        },
    ],
    "user_roles": [
        {"user_id": 1, "role": "resident", "granted_at": AT},
        {"user_id": 2, "role": "volunteer", "granted_at": "2026-01-15T09:00:00+00:00"},
        {"user_id": 3, "role": "coordinator", "granted_at": "2025-12-01T10:05:00+00:00"},
    ],
    "conversations": [
        {
            "user_id": 1,
            "state": "asking_description",
            "data": '{"category": "shopping", "description": "Einkauf bei Rewe"}',
            "updated_at": LATER,
        }
    ],
    "places": [
        {
            "id": 1,
            "source": "osm",
            "source_id": "node/4815162342",
            "name": "Tafel Dortmund",
            "category": "food_bank",
            "street": "Osterlandwehr",
            "housenumber": "12",
            "postcode": "44145",
            "city": "Dortmund",
            "stadtbezirk": "Innenstadt-Nord",
            "stadtteil": "Nordmarkt",
            "lat": 51.5236,
            "lon": 7.4581,
            "opening_hours": "Mo-Fr 10:00-14:00",
            "wheelchair": "limited",
            "languages": "de,ar,tr",
            "target_groups": "seniors,families",
            "operator": "Dortmunder Tafel e.V.",
            "operator_type": "association",
            "free_of_charge": 1,
            "phone": "+492319462770",
            "email": "info@dortmunder-tafel.de",
            "website": "https://www.dortmunder-tafel.de",
            "description": "Lebensmittelausgabe für Menschen mit wenig Geld.",
            "last_verified": "2026-02-20T11:00:00+00:00",
            "created_at": AT,
            "updated_at": LATER,
        }
    ],
    "place_texts": [
        {
            "place_id": 1,
            "lang": "tr",
            "name": "Dortmund Gıda Bankası",
            "description": "Az parası olan insanlar için gıda dağıtımı.",
        }
    ],
    "place_changes": [
        {
            "id": 1,
            "place_id": 1,
            "action": "update",
            "actor": "desk",
            "changed_by": 3,
            "changes": '{"opening_hours": ["Mo-Fr 10:00-13:00", "Mo-Fr 10:00-14:00"]}',
            "at": LATER,
        }
    ],
    "help_requests": [
        {
            "id": 1,
            "requester_id": 1,
            "entered_by": None,
            "offline_contact": "",
            "category": "shopping",
            "description": "Könnte mir jemand am Samstag den Wocheneinkauf bringen?",
            "description_lang": "de",
            "voice_file_id": "AwACAgIAAxkBAAIBQ2VoX",
            "voice_platform": "telegram",
            "area_name": "Kreuzviertel",
            "stadtbezirk": "Innenstadt-West",
            "lat": 51.5039,
            "lon": 7.4472,
            "when_kind": "date",
            "when_text": "Samstag vormittags",
            "languages": "de,tr",
            "state": "matched",
            "volunteer_id": 2,
            "reject_reason": "",
            "reject_note": "",
            "decided_by": 3,
            "minutes_spent": None,
            "money_cents": 4250,
            "money_confirmed": 1,
            "created_at": "2026-11-18T08:00:00+00:00",
            "updated_at": "2026-11-18T10:30:00+00:00",
            "opened_at": "2026-11-18T09:00:00+00:00",
            "matched_at": "2026-11-18T10:30:00+00:00",
            "closed_at": None,
            "escalated_at": "2026-11-18T09:45:00+00:00",
            "reminded_at": "2026-11-18T09:30:00+00:00",
            "kept_at": None,
            "door_code": "4711",
            "summary": "Wocheneinkauf am Samstag",
            "review_reminded_at": "2026-11-18T08:20:00+00:00",
            "review_escalated_at": "2026-11-18T08:40:00+00:00",
        },
        {
            # Held back by a posting limit (0044): a draft that goes on to review later.
            "id": 2,
            "requester_id": 1,
            "category": "accompany",
            "description": "Wer begleitet mich am Dienstag zum Arzt in der Brückstraße?",
            "description_lang": "de",
            "stadtbezirk": "Innenstadt-West",
            "state": "draft",
            "created_at": "2026-11-20T18:06:00+00:00",
            "updated_at": "2026-11-20T18:06:00+00:00",
            "held_reason": "wait",
            "held_until": "2026-11-20T20:06:00+00:00",
            # A typed postcode, kept as what it is (0047); its area is the Stadtbezirk.
            "postcode": "44137",
        },
    ],
    "volunteers": [
        {
            "user_id": 2,
            "categories": "shopping,accompany",
            "stadtbezirke": "Innenstadt-West,Innenstadt-Nord",
            "lat": 51.5101,
            "lon": 7.4652,
            "radius_m": 3000,
            "languages": "de,en",
            "availability": "weekends",
            "quiet_start": 21,
            "quiet_end": 8,
            "max_open": 3,
            "paused": 0,
            "verified_at": "2026-01-16T12:00:00+00:00",
            "verified_by": 3,
            "created_at": "2026-01-15T09:00:00+00:00",
            "certificate_seen_on": "2026-01-16",
            "certificate_expires_on": "2031-01-16",
            "talk_shift": "2026-11-20T20:00:00+00:00",
            "evenings": 0,
        }
    ],
    "request_notifications": [
        {
            "request_id": 1,
            "volunteer_id": 2,
            "outbox_id": 1,
            "declined": 0,
            "handed_back": 0,
            "offered_at": "2026-11-18T09:01:00+00:00",
            "wave": 1,
            "accepted_at": "2026-11-18T10:30:00+00:00",
            "declined_at": None,
        }
    ],
    "moderation_posts": [{"request_id": 1, "outbox_id": 1}],
    "relay_messages": [
        {
            "id": 1,
            "request_id": 1,
            "from_user": 2,
            "kind": "text",
            "text": "Ich komme gegen 10 Uhr vorbei.",
            "created_at": "2026-11-18T10:35:00+00:00",
            "source_id": "$Hr8kQ2bYv:nachbarn-dortmund.de",
        }
    ],
    "reports": [
        {
            "id": 1,
            "reporter_id": 1,
            "subject": "user:3",
            "reason": "Unfreundliche Nachricht",
            "created_at": "2026-11-19T07:00:00+00:00",
            "handled_by": None,
        }
    ],
    "feedback": [
        {
            "request_id": 1,
            "user_id": 1,
            "role": "requester",
            "text": "Vielen Dank, alles hat geklappt!",
            "created_at": LATER,
        }
    ],
    "audit_log": [
        {
            "id": 1,
            "at": "2026-11-18T09:00:00+00:00",
            "actor_id": 3,
            "action": "request.approve",
            "subject": "request:1",
            "details": '{"from": "review", "to": "open"}',
        }
    ],
    "outbox": [
        {
            "id": 1,
            "platform": "telegram",
            "chat_id": "184467301",
            "payload": '{"text": "Jonas hilft Ihnen beim Einkauf."}',
            "created_at": "2026-11-18T10:30:00+00:00",
            "next_attempt_at": "2026-11-18T10:30:00+00:00",
            "attempts": 1,
            "sent_at": "2026-11-18T10:30:02+00:00",
            "failed_at": None,
            "sent_message_id": "8812",
            "last_error": "",
            "attempt_started_at": "2026-11-18T10:30:01+00:00",
            "in_doubt": 0,
            "recipient_id": 1,
            "about": "request:1",
            "claimed_by": 4242,
        }
    ],
    "events": [
        {
            "id": 1,
            "uid": "erzaehlcafe-2026@nachbarn-dortmund.de",
            "title": "Erzählcafé im Nordmarkt",
            "description": "Kaffee, Kuchen und Gespräche für Ältere.",
            "lang": "de",
            "place_id": 1,
            "address": "Osterlandwehr 12, 44145 Dortmund",
            "lat": 51.5236,
            "lon": 7.4581,
            "stadtbezirk": "Innenstadt-Nord",
            "starts_local": "2026-12-03T15:00",
            "duration_minutes": 90,
            "rrule": "FREQ=WEEKLY;BYDAY=TH",
            "exdates": "2026-12-24T15:00",
            "category": "meeting",
            "target_groups": "seniors",
            "free_of_charge": 1,
            "wheelchair": "yes",
            "organiser": "Quartiersbüro Nordstadt",
            "status": "scheduled",
            "source": "desk",
            "created_at": AT,
            "updated_at": LATER,
        }
    ],
    "event_texts": [
        {
            "event_id": 1,
            "lang": "ar",
            "title": "مقهى الحكايات",
            "description": "قهوة وكعك وأحاديث لكبار السن.",
        }
    ],
    "event_follows": [
        {
            "user_id": 1,
            "event_id": 1,
            "occurrence_local": "2026-12-03T15:00",
            "created_at": LATER,
        }
    ],
    "reminders": [
        {
            "id": 1,
            "user_id": 1,
            "event_id": 1,
            "occurrence_local": "2026-12-03T15:00",
            "minutes_before": 1440,
            "fire_at": "2026-12-02T14:00:00+00:00",
            "state": "pending",
        }
    ],
    "subscriptions": [
        {"user_id": 1, "kind": "district", "target": "Innenstadt-Nord", "created_at": LATER}
    ],
    "transport_state": [{"key": "telegram.offset", "value": "918273645"}],
    "matrix_buttons": [
        {
            "event_id": "$Qm3xYz8aBc:nachbarn-dortmund.de",
            "room_id": "!hUkLmOpQrStUvWx:nachbarn-dortmund.de",
            "buttons": '[["Ich helfe", "accept:1"], ["Nein danke", "decline:1"]]',
            "created_at": "2026-11-18T09:01:00+00:00",
        }
    ],
    "processed_updates": [
        {
            "platform": "telegram",
            "update_id": "918273644",
            "at": "2026-11-18T08:00:00+00:00",
            "replies": '[{"text": "Danke, Ihre Anfrage ist eingegangen."}]',
            "answered_at": "2026-11-18T08:00:01+00:00",
            "chat_id": "184467301",
            "handled_by": 4242,
        }
    ],
    "ban_list": [
        {"key_hash": "9f2c4d6e8a0b1c3d5e7f9a1b3c5d7e9f", "created_at": "2026-06-01T12:00:00+00:00"}
    ],
    "secrets": [{"name": "ban_pepper", "value": "q7Lk2Vx9Rt4Np8Ws1Zb6Hy3Jm5Fc0Dg"}],
    "notices": [{"kind": "review", "subject": "request:1", "outbox_id": 1}],
    "relay_copies": [{"relay_id": 1, "outbox_id": 1, "is_edit": 1}],
    "translations": [
        {
            "key": "request:1:tr",
            "text_hash": "b1946ac92492d2347c6235b4d2611184",
            "owner_id": 1,
            "request_id": 1,
            "translated": "Cumartesi haftalık alışverişimi getirebilecek biri var mı?",
            "created_at": "2026-11-18T09:02:00+00:00",
        }
    ],
    "translation_usage": [
        {
            "day": "2026-11-18",
            "characters": 412,
            "translated": 3,
            "cached": 2,
            "failures": 1,
            "over_budget": 0,
        }
    ],
    "desk_logins": [
        {
            "token_hash": "3a7bd3e2360a3d29eea436fcfb7e44c7",
            "user_id": 3,
            "created_at": LATER,
            "expires_at": "2026-11-20T18:19:11+00:00",
            "used_at": "2026-11-20T18:05:00+00:00",
        }
    ],
    "desk_sessions": [
        {
            "id_hash": "d41d8cd98f00b204e9800998ecf8427e",
            "user_id": 3,
            "csrf": "Zk2Pq8Rw5Tn1Vb7Xc4Md",
            "created_at": "2026-11-20T18:05:00+00:00",
            "expires_at": "2026-11-21T06:05:00+00:00",
        }
    ],
    "send_pace": [{"platform": "telegram", "next_slot": 1795202400.25}],
    "matching_touched": [{"seq": 1, "volunteer_id": 2}],
    "shared_bans": [
        {"key_hash": "1b3c5d7e9f9f2c4d6e8a0b1c3d5e7f9a", "created_at": "2026-06-02T08:00:00+00:00"}
    ],
    "matrix_crypto": [
        {
            "user_id": "@nachbarbot:nachbarn-dortmund.de",
            "device_id": "NBDESKTOP1",
            "store": '{"account": "Q3VydmUyNTUxOQ", "sessions": {}}',
            "updated_at": LATER,
        }
    ],
    "posting_traces": [
        {
            "key_hash": "7e9f9a1b3c5d1b3c5d7e9f9f2c4d6e8a",
            "created_at": "2026-11-18T08:00:00+00:00",
            "new_account": 1,
        }
    ],
    "translation_budget": [{"day": "2026-11-18", "characters": 412}],
    "spoken_texts": [
        {
            "id": 1,
            "user_id": 1,
            "outbox_id": 1,
            "lang": "de",
            "text": "Jonas hilft Ihnen beim Einkauf.",
            "labels": '["Anrufen", "Abbrechen"]',
            "about": "request:1",
            "created_at": "2026-11-18T10:30:00+00:00",
        }
    ],
    "certificate_requests": [
        {
            "id": 1,
            "user_id": 2,
            "kind": "conduct",
            "name": "Jonas Becker",
            "birth_date": "1991-04-23",
            "lang": "de",
            "state": "issued",
            "asked_at": "2026-01-15T09:10:00+00:00",
            "decided_at": "2026-01-16T12:00:00+00:00",
            "decided_by": 3,
            "signer_name": "Ayşe Yılmaz",
            "signer_role": "Koordinatorin",
            "activity": "Einkaufshilfe für ältere Nachbarinnen und Nachbarn",
            "basis": "§ 72a SGB VIII",
            "facts": '{"hours_per_week": 3}',
        }
    ],
    "sms_budget": [{"month": "2026-11", "segments": 318, "told": 1}],
    "sms_numbers": [
        {
            "number": "+4917612345678",
            "stopped_at": None,
            "more": "Wann kommt jemand?",
            "newest": "Danke schön",
            "choices": '["1", "2"]',
            "typed": 2,
            "updated_at": LATER,
            "sent_hour": "2026-11-20T18",
            "sent_in_hour": 2,
            "sent_day": "2026-11-20",
            "sent_in_day": 5,
            "stop_told_at": "2026-10-01T09:00:00+00:00",
            "start_told_at": "2026-10-02T09:00:00+00:00",
            "help_kept": 1,
            "code_hash": "5e884898da28047151d0e56f8dc62927",
            "code_for": "pin",
            "code_until": "2026-11-20T18:14:11+00:00",
            "code_tries": 1,
            "codes_day": "2026-11-20",
            "codes_in_day": 1,
            "confirmed_at": "2026-11-20T18:05:00+00:00",
            "stranger": 1,
            "turned_told_at": "2026-11-19T07:30:00+00:00",
            "capped_told_at": "2026-11-20T18:20:00+00:00",
            "capped_until": "2026-11-20T19:00:00Z",
            "busy_told_until": "2026-11-20T20:00:00Z",
            "codes_confirmed": 1,
            "wrong_hour": "2026-11-20T18",
            "wrong_in_hour": 2,
            "code_sent_at": "2026-11-20T17:59:11+00:00",
            "held_hour": "2026-11-20T18",
            "held_in_hour": 4,
            "held_told_at": "2026-11-20T18:02:00+00:00",
        }
    ],
    "call_numbers": [{"user_id": 1, "number": "+492311234567", "updated_at": LATER}],
    "call_budget": [{"month": "2026-11", "calls": 41, "told": 1}],
    "call_days": [{"day": "2026-11-20", "number": "+492311234567", "calls": 3}],
    "sms_first_contacts": [
        {"day": "2026-11-20", "prefix": "+49176", "texts": 7, "refused": 2, "told": 1}
    ],
    "request_waves": [
        {
            "request_id": 1,
            "waves": 2,
            "started_at": "2026-11-18T09:01:00+00:00",
            "last_at": "2026-11-18T09:31:00+00:00",
            "next_at": "2026-11-18T10:01:00+00:00",
            "reach": 12,
            "handed_over_at": "2026-11-18T10:30:00+00:00",
            "talk_until": "2026-11-18T10:45:00+00:00",
        }
    ],
    "phone_pins": [
        {
            "user_id": 1,
            "pin_hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g",
            "set_at": "2026-11-20T18:10:00+00:00",
            "wrong": 1,
            "wrong_day": "2026-11-20",
            "lock_told_day": "2026-11-20",
        }
    ],
    "check_calls": [
        {
            "number": "+492319876543",
            "data": '{"request": 1, "kind": "pin"}',
            "language": "de",
            "consented": 1,
            "easy": 1,
            "tries": 1,
            "next_at": "2026-11-20T18:20:00+00:00",
            "asked_at": "2026-11-20T18:10:00+00:00",
        }
    ],
    "check_call_days": [
        {
            "day": "2026-11-20",
            "number": "+492319876543",
            "calls": 1,
            "last_at": "2026-11-20T18:10:00+00:00",
        }
    ],
    "coordinators_on_duty": [{"user_id": 3, "since": "2026-11-20T08:00:00+00:00"}],
    "phone_pin_hours": [{"hour": "2026-11-20T18", "wrong": 4, "told": 1}],
    "phone_no_pin_tries": [{"day": "2026-11-20", "number": "+4923155599", "wrong": 2}],
    "sms_code_hours": [{"hour": "2026-11-20T18", "wrong": 7, "told": 0}],
    "sms_code_texts": [{"hour": "2026-11-20T18", "sent": 12, "told": 1}],
    "matrix_held_olm": [
        {
            "id": 1,
            "sender": "@neu-hier:matrix.org",
            "event": '{"type": "m.room.encrypted", "sender": "@neu-hier:matrix.org",'
            ' "content": {"algorithm": "m.olm.v1.curve25519-aes-sha2",'
            ' "sender_key": "Y3VydmUyNTUxOQ", "ciphertext": {}}}',
            "digest": "5f3a9c2e7b1d4f6a8c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d2f4a",
            "held_at": LATER,
        }
    ],
    "conversation_marks": [
        {
            "platform": "telegram",
            "chat_id": "5101",
            "mark": "keyboard",
            "value": "",
            "until": LATER,
        },
        {
            "platform": "desk",
            "chat_id": "3f9a2c",
            "mark": "form:8e1d",
            "value": "/desk/queue?done=saved",
            "until": LATER,
        },
    ],
}

Snapshot = dict[str, tuple[list[str], list[tuple[Any, ...]]]]


async def _tables(db: Database) -> dict[str, list[str]]:
    """Every table of the database with its columns, as the database itself lists them."""
    if db.dialect == "postgresql":
        rows = await db.fetch_all(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c"
            " JOIN information_schema.tables t ON t.table_schema = c.table_schema"
            " AND t.table_name = c.table_name"
            " WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'"
            " ORDER BY c.table_name, c.ordinal_position"
        )
        found: dict[str, list[str]] = {}
        for table, column in rows:
            found.setdefault(table, []).append(column)
        return found
    names = await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
    tables = {}
    for (name,) in names:
        if name.startswith(SQLITE_OWN) or name in RTREE_STORAGE:
            continue
        tables[name] = [row[1] for row in await db.fetch_all(f'PRAGMA table_info("{name}")')]
    return tables


async def _snapshot(db: Database) -> Snapshot:
    """Every row of every table, in an order of the test's own (none is promised)."""
    found = {}
    for table, columns in (await _tables(db)).items():
        listed = ", ".join(f'"{column}"' for column in columns)
        rows = [tuple(row) for row in await db.fetch_all(f'SELECT {listed} FROM "{table}"')]
        found[table] = (columns, sorted(rows, key=repr))
    return found


def _kept(columns: list[str], rows: list[tuple[Any, ...]], keep: list[str]) -> list[tuple]:
    at = [columns.index(column) for column in keep]
    return sorted((tuple(row[i] for i in at) for row in rows), key=repr)


def _assert_kept(before: Snapshot, after: Snapshot, version: int) -> None:
    """Every table and column of before is still there, and every row, value for value;
    schema_version has its rows of before and one more: the step's own."""
    assert set(before) <= set(after), f"{version:04d} dropped {set(before) - set(after)}"
    for table, (columns, rows) in before.items():
        after_columns, after_rows = after[table]
        gone = set(columns) - set(after_columns)
        assert not gone, f"{version:04d} dropped {table}.{sorted(gone)}"
        kept = _kept(after_columns, after_rows, columns)
        if table == "schema_version":
            added = [row for row in kept if row not in rows]
            assert [r[columns.index("version")] for r in added] == [version], table
            kept = [row for row in kept if row in rows]
        if table in NOTES:
            assert set(rows) <= set(kept) or len(kept) >= 1000, f"{version:04d}: {table}"
            continue
        if table in COUNTS:
            grown = dict(kept)
            assert set(grown) == {row[0] for row in rows}, f"{version:04d} changed {table}"
            assert all(grown[name] >= count for name, count in rows), f"{version:04d}: {table}"
            continue
        assert kept == _kept(columns, rows, columns), f"{version:04d} changed rows of {table}"


async def _fill(db: Database, before: Snapshot, now: Snapshot) -> bool:
    """Rows for the tables this step added; values for the columns it added to tables with
    rows (where a rebuild of the table must carry them on). Whether it wrote anything."""
    wrote = False
    for table, rows in ROWS.items():
        if table not in now:
            continue
        columns = now[table][0]
        for row in rows:
            values = {column: value for column, value in row.items() if column in columns}
            if table not in before:
                listed = ", ".join(f'"{column}"' for column in values)
                marks = ", ".join("?" for _ in values)
                sql = f'INSERT INTO "{table}" ({listed}) VALUES ({marks})'
                await db.execute(sql, tuple(values.values()))
                wrote = True
                continue
            new = [column for column in values if column not in before[table][0]]
            if new:
                key = next(iter(row))
                sets = ", ".join(f'"{column}" = ?' for column in new)
                params = (*(values[column] for column in new), row[key])
                await db.execute(f'UPDATE "{table}" SET {sets} WHERE "{key}" = ?', params)
                wrote = True
    return wrote


def _assert_every_table_and_column_filled(final: Snapshot) -> None:
    for table, (columns, rows) in final.items():
        assert rows, f"{table} has no row: give it one in ROWS"
        if table in WRITTEN_BY_THE_DATABASE:
            continue
        assert table in ROWS, f"{table} has no row in ROWS"
        missing = set(columns) - set().union(*ROWS[table])
        assert not missing, f"{table}.{sorted(missing)} has no value in ROWS"


async def _migrate_step(url: str, steps: list[tuple[int, str, Any]], monkeypatch) -> Database:
    monkeypatch.setattr(database, "available_migrations", lambda dialect="sqlite": steps)
    db = await Database.open(url)
    assert await db.schema_version() == steps[-1][0]
    return db


async def test_an_upgrade_from_the_oldest_schema_keeps_every_row(
    backend, database_url: str, request, monkeypatch
):
    url, drop = database_url, None
    if backend == "postgresql":
        server = request.getfixturevalue("postgres_server")
        url, drop = server.new_database(template="template1"), server.drop
    every = available_migrations(backend)
    try:
        before: Snapshot = {}
        for step in range(1, len(every) + 1):
            db = await _migrate_step(url, every[:step], monkeypatch)
            try:
                after = await _snapshot(db)
                _assert_kept(before, after, every[step - 1][0])
                # Read again only where the step's rows were written: otherwise nothing
                # has touched the database since ``after`` was read.
                before = await _snapshot(db) if await _fill(db, before, after) else after
            finally:
                await db.close()
        monkeypatch.undo()
        db = await Database.open(url)  # today's code, today's migrations: nothing left to do
        try:
            assert await db.schema_version() == every[-1][0]
            final = await _snapshot(db)
        finally:
            await db.close()
        assert final == before
        _assert_every_table_and_column_filled(final)
    finally:
        if drop is not None:
            drop(url)
