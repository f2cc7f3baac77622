-- Corrections and take-backs in the relay (issue 14): which message of the writer a relayed
-- item came from, and the outbox rows of its copies at the partner's side.

-- The platform's id of the writer's own message (a Telegram message id in their private
-- chat, a Matrix event id): an edit or a redaction names it.
ALTER TABLE relay_messages ADD COLUMN source_id TEXT NOT NULL DEFAULT '';

CREATE INDEX relay_messages_source ON relay_messages (from_user, source_id);

-- The outbox rows that carry a relayed item to the partner: the copies themselves
-- (is_edit = 0), which taking back removes, and in-place corrections of them (is_edit = 1).
CREATE TABLE relay_copies (
    relay_id  INTEGER NOT NULL REFERENCES relay_messages (id) ON DELETE CASCADE,
    outbox_id INTEGER NOT NULL,
    is_edit   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (relay_id, outbox_id)
);
