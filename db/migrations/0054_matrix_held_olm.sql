-- Strangers' Olm (to-device) messages held past the hour's decrypt budget (MATRIX, issue 81
-- follow-up; bot/transports/matrix/held_olm.py): kept in the database, not in memory, so a
-- restart no longer loses them - and with them the room keys their senders' later messages
-- need. One row a message, numbered in the order held (tried again oldest first); the event
-- as the homeserver sent it (Olm ciphertext for the bot's device); its digest, so that a
-- sync handled again after a crash holds it once. Bounded per sender and overall by the
-- [matrix] olm_per_stranger and olm_strangers settings (the oldest dropped first).
CREATE TABLE matrix_held_olm (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sender TEXT NOT NULL,
    event TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    held_at TEXT NOT NULL
);

CREATE INDEX matrix_held_olm_sender ON matrix_held_olm (sender, id);
