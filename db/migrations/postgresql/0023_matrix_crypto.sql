-- The bot's Matrix end-to-end encryption state (bot/transports/matrix/crypto_state.py):
-- matrix-nio's own store of the bot's device (identity keys, Olm and Megolm sessions), one
-- row per device, as base64 of that SQLite file. Kept in the installation's database so that
-- it is in the backup and the process that takes the Matrix role over goes on with the same
-- device and sessions. Secrets: never exported, never logged.
CREATE TABLE matrix_crypto (
    user_id    TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    store      TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, device_id)
);
