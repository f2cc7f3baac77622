-- The answers to an update are kept with it until they are sent: if the bot dies between
-- committing an update and answering it, the redelivered update gets its answers.
ALTER TABLE processed_updates ADD COLUMN replies TEXT;
ALTER TABLE processed_updates ADD COLUMN answered_at TEXT;
ALTER TABLE processed_updates ADD COLUMN chat_id TEXT;
CREATE INDEX processed_updates_unanswered ON processed_updates (platform)
    WHERE answered_at IS NULL AND replies IS NOT NULL;
