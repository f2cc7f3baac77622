-- Issue 77, point 8: the day's first contacts keep a share for the city's own area codes and
-- numbers seen before (bot/transports/sms/budget.py). sms_numbers.turned_told_at: when a
-- number the day's first contacts turned away was last told so (when the bot answers again,
-- which number to call) - once a day at most. sms_first_contacts.told: on a day's total row
-- (prefix ''), whether this city's coordinators were told that the first contacts ran out
-- (1: those for new numbers, 2: the kept share too); the turned-away texters told that day
-- are counted under the prefix 'told' (and 'told' with a prefix), against the same caps.
ALTER TABLE sms_numbers ADD COLUMN turned_told_at TEXT;
ALTER TABLE sms_first_contacts ADD COLUMN told INTEGER NOT NULL DEFAULT 0;
