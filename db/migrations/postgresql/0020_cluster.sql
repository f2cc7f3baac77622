-- Several processes on one database: an outbox message being sent names the process that
-- claimed it (its advisory-lock key, see bot/cluster.py), and each bot's sending pace is one
-- row that all processes share.
ALTER TABLE outbox ADD COLUMN claimed_by BIGINT;
CREATE TABLE send_pace (
    platform TEXT PRIMARY KEY,
    -- Seconds since the epoch (UTC) of the next free sending slot.
    next_slot DOUBLE PRECISION NOT NULL DEFAULT 0
);
CREATE INDEX outbox_claimed ON outbox (claimed_by) WHERE claimed_by IS NOT NULL;
