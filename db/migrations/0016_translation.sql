-- Language bridge (issue 15): translations of user text, cached; the engine's daily use;
-- each person's choice to get messages translated.

-- One translation of one text into one language, as the engine gave it. ``key`` is a hash
-- of the text and the language pair (the text itself is not stored here). A row goes with
-- the text it belongs to: with its writer's account (owner_id), with its request's texts
-- (request_id), when the writer takes the message back (text_hash), and after the time
-- delivered messages keep their content (db/personal_data.py).
CREATE TABLE translations (
    key        TEXT PRIMARY KEY,
    text_hash  TEXT NOT NULL,
    owner_id   INTEGER,
    request_id INTEGER,
    translated TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX translations_owner ON translations (owner_id, text_hash);
CREATE INDEX translations_request ON translations (request_id);
CREATE INDEX translations_created ON translations (created_at);

-- Per day (Europe/Berlin): characters sent to the engine (the budget), texts translated,
-- translations taken from the cache, and failures (down, slow, refused, garbage).
CREATE TABLE translation_usage (
    day        TEXT PRIMARY KEY,
    characters INTEGER NOT NULL DEFAULT 0,
    translated INTEGER NOT NULL DEFAULT 0,
    cached     INTEGER NOT NULL DEFAULT 0,
    failures   INTEGER NOT NULL DEFAULT 0,
    over_budget INTEGER NOT NULL DEFAULT 0
);

-- "Translate messages for me": on unless the person switched it off.
ALTER TABLE users ADD COLUMN translate_messages INTEGER NOT NULL DEFAULT 1;
