-- A city-wide limit on wrong PINs (issue 77, point 2; handlers/numbers/phone_pin.py): the
-- wrong PINs typed in calls from residents' numbers within one clock hour (UTC,
-- "YYYY-MM-DDTHH"), all residents together - many numbers tried from one place - and
-- whether the coordinators were told this hour that the limit is reached. Nobody's data:
-- only the current hour's row is kept (earlier ones are removed when a try is counted).
CREATE TABLE phone_pin_hours (
    hour  TEXT PRIMARY KEY,
    wrong BIGINT NOT NULL DEFAULT 0,
    told  BIGINT NOT NULL DEFAULT 0
);
