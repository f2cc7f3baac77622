-- A STOP again from a person whose help is under way, while the hour's code texts are used
-- up ([sms] codes_per_hour, bot/transports/sms/budget.py Budget.take_code), is answered once
-- that hour: when a code can come and how (bot/transports/sms/transport.py _stop).
-- sms_numbers.busy_told_until: the end of the hour the number was last told so; it is told
-- again only after that moment, so a flood of STOPs gets one answer an hour.
ALTER TABLE sms_numbers ADD COLUMN busy_told_until TEXT;
