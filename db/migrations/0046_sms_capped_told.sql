-- QA of the phone line and texts: a number past its texts of the hour or the day
-- ([sms] texts_per_number_per_hour, texts_per_number_per_day) gets no answer until the cap
-- ends; its city's coordinators are told so, once an hour at most per number
-- (bot/transports/sms/budget.py). sms_numbers.capped_told_at: when they were last told about
-- this number.
ALTER TABLE sms_numbers ADD COLUMN capped_told_at TEXT;
