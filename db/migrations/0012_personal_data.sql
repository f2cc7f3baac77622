-- Personal data (issue 13): erasure follows db/personal_data.py.

-- A done request may outlive its helper's account: the statistics keep the help, not who
-- gave it. A matched request still needs its volunteer (the contact is running).
CREATE TABLE help_requests_new (
    id               INTEGER PRIMARY KEY,
    requester_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    entered_by       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    offline_contact  TEXT NOT NULL DEFAULT '',
    category         TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    description_lang TEXT NOT NULL DEFAULT '',
    voice_file_id    TEXT NOT NULL DEFAULT '',
    voice_platform   TEXT NOT NULL DEFAULT '',
    area_name        TEXT NOT NULL DEFAULT '',
    stadtbezirk      TEXT NOT NULL DEFAULT '',
    lat              REAL,
    lon              REAL,
    when_kind        TEXT NOT NULL DEFAULT 'asap' CHECK (when_kind IN ('asap', 'date', 'window')),
    when_text        TEXT NOT NULL DEFAULT '',
    languages        TEXT NOT NULL DEFAULT '',
    state            TEXT NOT NULL CHECK (state IN ('draft', 'review', 'open', 'matched', 'done',
                                                    'rejected', 'withdrawn', 'expired')),
    volunteer_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    reject_reason    TEXT NOT NULL DEFAULT '',
    reject_note      TEXT NOT NULL DEFAULT '',
    decided_by       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    minutes_spent    INTEGER,
    money_cents      INTEGER,
    money_confirmed  INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    opened_at        TEXT,
    matched_at       TEXT,
    closed_at        TEXT,
    escalated_at     TEXT,
    reminded_at      TEXT,
    kept_at          TEXT,
    CHECK (state != 'matched' OR volunteer_id IS NOT NULL)
);

INSERT INTO help_requests_new SELECT id, requester_id, entered_by, offline_contact, category,
    description, description_lang, voice_file_id, voice_platform, area_name, stadtbezirk, lat,
    lon, when_kind, when_text, languages, state, volunteer_id, reject_reason, reject_note,
    decided_by, minutes_spent, money_cents, money_confirmed, created_at, updated_at, opened_at,
    matched_at, closed_at, escalated_at, reminded_at, kept_at
FROM help_requests;

DROP TABLE help_requests;
ALTER TABLE help_requests_new RENAME TO help_requests;

CREATE INDEX help_requests_state ON help_requests (state);
CREATE INDEX help_requests_requester ON help_requests (requester_id, state);
CREATE INDEX help_requests_volunteer ON help_requests (volunteer_id);

-- Whom an outbox message is for (NULL: a group) and whose words or data it carries
-- (",3,17,"), so that erasing a person finds every message to or about them.
ALTER TABLE outbox ADD COLUMN recipient_id INTEGER;
ALTER TABLE outbox ADD COLUMN about TEXT NOT NULL DEFAULT '';

UPDATE outbox SET recipient_id = (
    SELECT users.id FROM users
    WHERE users.platform = outbox.platform AND users.chat_id = outbox.chat_id
);

CREATE INDEX outbox_recipient ON outbox (recipient_id) WHERE recipient_id IS NOT NULL;
CREATE INDEX outbox_settled ON outbox (sent_at, failed_at);
