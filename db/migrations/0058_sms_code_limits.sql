-- Codes a forged sender can spend (issue 98, point 4; bot/transports/sms/store.py):
-- sms_numbers.codes_confirmed: of the number's codes of codes_day, those texted back right -
-- they do not count against its codes of the day (CODES_A_DAY counts codes never confirmed,
-- so a resident's own never use up what a forger from her number could);
-- sms_numbers.wrong_hour, wrong_in_hour: the clock hour (UTC, "YYYY-MM-DDTHH") of the
-- number's wrong codes and how many - a number's wrong codes count against the number
-- before the city's wrong codes of the hour (store.CITY_WRONG_CODES): past one code's tries
-- in an hour they no longer count for the city.
ALTER TABLE sms_numbers ADD COLUMN codes_confirmed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sms_numbers ADD COLUMN wrong_hour TEXT NOT NULL DEFAULT '';
ALTER TABLE sms_numbers ADD COLUMN wrong_in_hour INTEGER NOT NULL DEFAULT 0;
