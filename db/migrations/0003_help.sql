-- Neighbourhood help: requests, volunteers, matching, relay, moderation, outbox, audit.

-- First name only: shown to a matched partner in the relay instead of usernames or numbers.
ALTER TABLE users ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN banned_at TEXT;
ALTER TABLE users ADD COLUMN ban_notified INTEGER NOT NULL DEFAULT 0;

CREATE TABLE help_requests (
    id               INTEGER PRIMARY KEY,
    requester_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    -- A coordinator who entered it for a resident without a smartphone, and how to reach them.
    entered_by       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    offline_contact  TEXT NOT NULL DEFAULT '',
    category         TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    description_lang TEXT NOT NULL DEFAULT '',
    voice_file_id    TEXT NOT NULL DEFAULT '',
    voice_platform   TEXT NOT NULL DEFAULT '',
    area_name        TEXT NOT NULL DEFAULT '',
    stadtbezirk      TEXT NOT NULL DEFAULT '',
    -- Rounded to about 500 m: where, not who.
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
    CHECK (state NOT IN ('matched', 'done') OR volunteer_id IS NOT NULL)
);

CREATE INDEX help_requests_state ON help_requests (state);
CREATE INDEX help_requests_requester ON help_requests (requester_id, state);

CREATE TABLE volunteers (
    user_id          INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    categories       TEXT NOT NULL DEFAULT '',
    stadtbezirke     TEXT NOT NULL DEFAULT '',
    lat              REAL,
    lon              REAL,
    radius_m         INTEGER,
    languages        TEXT NOT NULL DEFAULT '',
    availability     TEXT NOT NULL DEFAULT '',
    quiet_start      INTEGER NOT NULL DEFAULT 22,
    quiet_end        INTEGER NOT NULL DEFAULT 7,
    max_open         INTEGER NOT NULL DEFAULT 2,
    paused           INTEGER NOT NULL DEFAULT 0,
    verified_at      TEXT,
    verified_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at       TEXT NOT NULL
);

-- Which volunteer was told about which request, so "taken" can update their message.
CREATE TABLE request_notifications (
    request_id   INTEGER NOT NULL REFERENCES help_requests (id) ON DELETE CASCADE,
    volunteer_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    outbox_id    INTEGER,
    declined     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (request_id, volunteer_id)
);

-- The backchannel post of a request, to mark it decided.
CREATE TABLE moderation_posts (
    request_id INTEGER NOT NULL REFERENCES help_requests (id) ON DELETE CASCADE,
    outbox_id  INTEGER NOT NULL,
    PRIMARY KEY (request_id, outbox_id)
);

CREATE TABLE relay_messages (
    id         INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES help_requests (id) ON DELETE CASCADE,
    from_user  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    kind       TEXT NOT NULL,
    text       TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE reports (
    id          INTEGER PRIMARY KEY,
    reporter_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    subject     TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    handled_by  INTEGER REFERENCES users (id) ON DELETE SET NULL
);

CREATE TABLE feedback (
    request_id INTEGER NOT NULL REFERENCES help_requests (id) ON DELETE CASCADE,
    user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    role       TEXT NOT NULL CHECK (role IN ('requester', 'volunteer')),
    text       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (request_id, role)
);

-- Who did what when: every decision and state change.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    actor_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    action   TEXT NOT NULL,
    subject  TEXT NOT NULL,
    details  TEXT NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_log_subject ON audit_log (subject);

-- Messages to anyone but the acting user: written with the state change that caused them,
-- delivered by a worker with retries; sent_message_id lets later edits find them.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    platform        TEXT NOT NULL,
    chat_id         TEXT NOT NULL,
    payload         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    sent_at         TEXT,
    failed_at       TEXT,
    sent_message_id TEXT,
    last_error      TEXT NOT NULL DEFAULT ''
);

CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

CREATE INDEX outbox_chat ON outbox (platform, chat_id, id) WHERE sent_at IS NULL AND failed_at IS NULL;
