-- An overall budget for SMS code texts (issue 77, SMSCODE2; bot/transports/sms/budget.py
-- Budget.take_code): the code texts sent within one clock hour (UTC, "YYYY-MM-DDTHH"), all
-- numbers together - counted in the main city's database, for the installation - and how far
-- this city's coordinators were told this hour that they ran out (1: those for people
-- without help under way, 2: all). Nobody's data: only the current hour's row is kept.
CREATE TABLE sms_code_texts (
    hour TEXT PRIMARY KEY,
    sent BIGINT NOT NULL DEFAULT 0,
    told BIGINT NOT NULL DEFAULT 0
);
