-- What one number may cost (issue 53, bot/transports/sms/budget.py) and what a text from a
-- number must prove (bot/transports/sms/transport.py, handlers/privacy.py).
--
-- sms_numbers, per number: the texts sent to it in the current hour (UTC, "2026-11-25T14")
-- and day (Europe/Berlin), counted with one conditional UPDATE against the per-number caps;
-- when STOP and START were last confirmed (each at most once a day); whether its STOP keeps
-- the notices of a help under way (help_kept: 1 until the number confirms with a code); and
-- the one code it was sent to confirm something (STOP of those notices, or erasure): its
-- hash, what it confirms, until when, the wrong tries, and how many codes went that day.
-- sms_budget.told may now also be 90: the month is used up but for its reserve for the
-- notices of running help (db/sms.py THRESHOLDS).
ALTER TABLE sms_numbers ADD COLUMN sent_hour TEXT NOT NULL DEFAULT '';
ALTER TABLE sms_numbers ADD COLUMN sent_in_hour INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sms_numbers ADD COLUMN sent_day TEXT NOT NULL DEFAULT '';
ALTER TABLE sms_numbers ADD COLUMN sent_in_day INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sms_numbers ADD COLUMN stop_told_at TEXT;
ALTER TABLE sms_numbers ADD COLUMN start_told_at TEXT;
ALTER TABLE sms_numbers ADD COLUMN help_kept INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sms_numbers ADD COLUMN code_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE sms_numbers ADD COLUMN code_for TEXT NOT NULL DEFAULT '';
ALTER TABLE sms_numbers ADD COLUMN code_until TEXT;
ALTER TABLE sms_numbers ADD COLUMN code_tries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sms_numbers ADD COLUMN codes_day TEXT NOT NULL DEFAULT '';
ALTER TABLE sms_numbers ADD COLUMN codes_in_day INTEGER NOT NULL DEFAULT 0;

-- The first texts from numbers the bot does not know, per day (Europe/Berlin) against
-- [sms] new_numbers_per_day (prefix '': the day's total, with those refused) and
-- new_numbers_per_prefix (a number without its last four digits). The installation's,
-- counted in the main city's database as sms_budget is; a day's rows go the next day.
CREATE TABLE sms_first_contacts (
    day     TEXT NOT NULL,
    prefix  TEXT NOT NULL,
    texts   INTEGER NOT NULL DEFAULT 0,
    refused INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, prefix)
);
