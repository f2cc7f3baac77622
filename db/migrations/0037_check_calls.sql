-- Check calls (bot/transports/phone/check_calls.py, issue 62): the call the bot makes to a
-- number to check who asked (handlers/caller_check.py).
-- check_calls: the check waiting for a number (E.164), one a number: the button the checked
-- call begins with, the language, consent and easy texts of the call that asked, the tries
-- made and when the next is due; removed once answered or given up.
-- check_call_days: the check calls placed today (Europe/Berlin) per number, and when the
-- last was, against the number's cap and gap; the number '*' counts the city's daily pool,
-- '*HH' the hour HH. Only today's rows are kept.
CREATE TABLE check_calls (
    number    TEXT PRIMARY KEY,
    data      TEXT NOT NULL,
    language  TEXT NOT NULL DEFAULT '',
    consented INTEGER NOT NULL DEFAULT 0,
    easy      INTEGER NOT NULL DEFAULT 0,
    tries     INTEGER NOT NULL DEFAULT 0,
    next_at   TEXT NOT NULL,
    asked_at  TEXT NOT NULL
);

CREATE TABLE check_call_days (
    day     TEXT NOT NULL,
    number  TEXT NOT NULL,
    calls   INTEGER NOT NULL DEFAULT 0,
    last_at TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (day, number)
);
