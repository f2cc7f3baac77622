-- User numbers are never handed out again (issue 30): without AUTOINCREMENT SQLite gives the
-- next newcomer the number of the newest deleted account, so "/ban 2" from an older review
-- post could hit a stranger. PostgreSQL's identity column never reuses a number already.
CREATE TABLE users_new (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    platform           TEXT NOT NULL,
    platform_user_id   TEXT NOT NULL,
    chat_id            TEXT NOT NULL,
    language           TEXT,
    consent_at         TEXT,
    created_at         TEXT NOT NULL,
    seen_at            TEXT NOT NULL,
    first_name         TEXT NOT NULL DEFAULT '',
    banned_at          TEXT,
    ban_notified       INTEGER NOT NULL DEFAULT 0,
    reminder_offsets   TEXT NOT NULL DEFAULT '1440,60',
    translate_messages INTEGER NOT NULL DEFAULT 1,
    UNIQUE (platform, platform_user_id)
);

INSERT INTO users_new (id, platform, platform_user_id, chat_id, language, consent_at,
                       created_at, seen_at, first_name, banned_at, ban_notified,
                       reminder_offsets, translate_messages)
SELECT id, platform, platform_user_id, chat_id, language, consent_at, created_at, seen_at,
       first_name, banned_at, ban_notified, reminder_offsets, translate_messages
FROM users;

DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_seen_at ON users (seen_at);

-- When an erased account posted its requests of the last day (db/posting_traces.py), under
-- a keyed hash of its chat account like the ban list's: deleting the account and coming
-- back does not reset the posting limits. Nobody's name, number or words; kept one day.
CREATE TABLE posting_traces (
    key_hash    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    new_account INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX posting_traces_key ON posting_traces (key_hash, created_at);
CREATE INDEX posting_traces_at ON posting_traces (created_at);
