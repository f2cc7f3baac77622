-- Read aloud on a tap (issue 32): a person may ask for a "🔊" button under each message
-- instead of hearing every message (users.read_aloud: 0 off, 1 every message, 2 on a tap).
-- What such a message says (its text and its buttons' labels, as sent, after translation) is
-- kept here to be said when its 🔊 is tapped; as long as delivered messages keep their
-- content (privacy.delivered_message_hours), then deleted. ``outbox_id``: the outbox
-- message it belongs to, so a message sent again after a failure keeps one row; ``about``:
-- whose words or data it carries, as in the outbox (erased with them).
-- AUTOINCREMENT: an old button must never name a later row.
CREATE TABLE spoken_texts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL,
    outbox_id  INTEGER UNIQUE,
    lang       TEXT NOT NULL,
    text       TEXT NOT NULL,
    labels     TEXT NOT NULL,
    about      TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX spoken_texts_user ON spoken_texts (user_id);
CREATE INDEX spoken_texts_created ON spoken_texts (created_at);
