-- Bans outlive the account: a keyed hash of platform and user id, nothing readable.
CREATE TABLE ban_list (
    key_hash   TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);

-- Secrets the bot makes for itself (the ban list's key).
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- A volunteer who handed a request back is not offered it again and cannot take it again.
ALTER TABLE request_notifications ADD COLUMN handed_back INTEGER NOT NULL DEFAULT 0;

-- One report per person and subject: repeated reports only flooded the backchannel.
DELETE FROM reports WHERE reporter_id IS NOT NULL AND id NOT IN (
    SELECT MIN(id) FROM reports WHERE reporter_id IS NOT NULL GROUP BY reporter_id, subject
);
CREATE UNIQUE INDEX reports_once ON reports (reporter_id, subject) WHERE reporter_id IS NOT NULL;

-- Backchannel notices about a subject (e.g. "please /verify user 17"), so that a repeated
-- notice replaces the earlier post instead of adding another.
CREATE TABLE notices (
    kind      TEXT NOT NULL,
    subject   TEXT NOT NULL,
    outbox_id INTEGER NOT NULL,
    PRIMARY KEY (kind, subject, outbox_id)
);
