-- An outbox id is referred to after its row is written (offers and backchannel posts are
-- edited later by id). Without AUTOINCREMENT SQLite hands out max(id) + 1 again after a
-- rolled-back insert, so a later "already taken" edit could hit someone else's message.
CREATE TABLE outbox_new (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    platform           TEXT NOT NULL,
    chat_id            TEXT NOT NULL,
    payload            TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    next_attempt_at    TEXT NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    sent_at            TEXT,
    failed_at          TEXT,
    sent_message_id    TEXT,
    last_error         TEXT NOT NULL DEFAULT '',
    attempt_started_at TEXT,
    in_doubt           INTEGER NOT NULL DEFAULT 0
);

INSERT INTO outbox_new (id, platform, chat_id, payload, created_at, next_attempt_at, attempts,
                        sent_at, failed_at, sent_message_id, last_error, attempt_started_at,
                        in_doubt)
SELECT id, platform, chat_id, payload, created_at, next_attempt_at, attempts, sent_at,
       failed_at, sent_message_id, last_error, attempt_started_at, in_doubt
FROM outbox;

DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;

CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_chat ON outbox (platform, chat_id, id) WHERE sent_at IS NULL AND failed_at IS NULL;
