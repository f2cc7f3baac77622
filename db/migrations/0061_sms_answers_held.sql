-- Answers a forged sender can make the bot text a resident (bot/transports/sms/checking.py):
-- sms_numbers.code_sent_at: when the number's one code was sent (its text, answered again,
-- says so and that it still works rather than sending another);
-- sms_numbers.held_hour, held_in_hour: the clock hour (UTC, "YYYY-MM-DDTHH") in which the
-- number's answers were held for a check (its unchecked share of the hour's texts spent)
-- and how many texts were held - the count the reminders back off by;
-- sms_numbers.held_told_at: when the coordinators were last told that they are held.
ALTER TABLE sms_numbers ADD COLUMN code_sent_at TEXT;
ALTER TABLE sms_numbers ADD COLUMN held_hour TEXT NOT NULL DEFAULT '';
ALTER TABLE sms_numbers ADD COLUMN held_in_hour INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sms_numbers ADD COLUMN held_told_at TEXT;
-- compatible-from: 0060
