-- A city-wide limit on wrong SMS codes (issue 77; bot/transports/sms/store.py
-- SmsStore.check_code): the wrong codes texted back by all numbers within one clock hour
-- (UTC, "YYYY-MM-DDTHH") - a forger with many sender ids guesses across numbers, three
-- tries a code each - and whether the coordinators were told this hour that the limit is
-- reached. Nobody's data: only the current hour's row is kept.
CREATE TABLE sms_code_hours (
    hour  TEXT PRIMARY KEY,
    wrong BIGINT NOT NULL DEFAULT 0,
    told  BIGINT NOT NULL DEFAULT 0
);
