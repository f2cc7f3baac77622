-- Read aloud (issue 32): every message the bot sends the person also comes as a voice
-- message in their language. ``no_voice_told``: the language for which the person's
-- coordinators were told that no voice speaks it (told once per language, never silently).
-- BIGINT: PostgreSQL's 64-bit integer; SQLite reads it as INTEGER, 64-bit already.
ALTER TABLE users ADD COLUMN read_aloud BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN no_voice_told TEXT NOT NULL DEFAULT '';
