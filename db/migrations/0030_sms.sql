-- Text messages (bot/transports/sms). sms_budget: the segments sent per month against
-- [sms] monthly_segments, taken with one conditional UPDATE (as translation_budget), and the
-- highest share the coordinators were told of (0, 80 or 100), claimed by one conditional
-- UPDATE so that one process tells them once. sms_numbers: per number (E.164) whether it
-- said STOP, the rest of a bot text cut to fit ("more: reply 9") and the choices of the
-- newest text (what a typed number presses).
CREATE TABLE sms_budget (
    month    TEXT PRIMARY KEY,
    segments INTEGER NOT NULL DEFAULT 0,
    told     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sms_numbers (
    number     TEXT PRIMARY KEY,
    stopped_at TEXT,
    more       TEXT NOT NULL DEFAULT '',
    newest     TEXT NOT NULL DEFAULT '',
    choices    TEXT NOT NULL DEFAULT '[]',
    typed      INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
