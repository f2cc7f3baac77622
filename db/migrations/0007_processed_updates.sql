-- Updates already handled (Telegram update ids, Matrix event ids): a redelivered update
-- after a crash or a network retry has no second effect. Pruned after a week.
CREATE TABLE processed_updates (
    platform  TEXT NOT NULL,
    update_id TEXT NOT NULL,
    at        TEXT NOT NULL,
    PRIMARY KEY (platform, update_id)
);

CREATE INDEX processed_updates_at ON processed_updates (at);
