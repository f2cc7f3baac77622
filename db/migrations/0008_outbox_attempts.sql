-- A send that was under way when the bot died may or may not have reached the user: it is
-- marked "in doubt" at the next start and sent again (never lost, at worst seen twice).
ALTER TABLE outbox ADD COLUMN attempt_started_at TEXT;
ALTER TABLE outbox ADD COLUMN in_doubt INTEGER NOT NULL DEFAULT 0;
