-- Issue 84 point 1 (VOICE-FIX): a texter past its texts of the hour or the day
-- ([sms] texts_per_number_per_hour, texts_per_number_per_day) is told once, outside the cap,
-- when the bot answers again (bot/transports/sms/budget.py Budget.answered_again).
-- sms_numbers.capped_until: the end of the cap period the number was last told of; it is
-- told again only after that moment, so a flood of texts gets one answer a period.
ALTER TABLE sms_numbers ADD COLUMN capped_until TEXT;
