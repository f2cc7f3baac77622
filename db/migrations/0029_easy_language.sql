-- Easy language (issue 43): the bot writes to the person in short, simple sentences, in
-- their language's easy register (locales/<lang>/LC_MESSAGES/easy.po), where one exists.
-- BIGINT as read_aloud: PostgreSQL's integer; SQLite reads it as INTEGER.
ALTER TABLE users ADD COLUMN easy_language BIGINT NOT NULL DEFAULT 0;
