-- Wrong PINs typed for a number whose person has no PIN, or that nobody has (issue 98,
-- point 3; handlers/numbers/phone_pin.py): every call from a number is asked "type your
-- PIN, or press the hash key and we call you back", and digits typed for such a number are
-- answered as a PIN's wrong tries are (the third of a day: "Today we can only call you
-- back"). Counted here, not in one process's memory, so that several bot processes agree.
-- phone_no_pin_tries: per number (E.164) and day (Europe/Berlin, YYYY-MM-DD) the wrong
-- tries; only today's rows are kept, at most phone_pins.NO_PIN_NUMBERS_A_DAY of them.
-- Code of 0059 runs on it: it does not know the table, and counts those tries in memory.
-- compatible-from: 0059
CREATE TABLE phone_no_pin_tries (
    day    TEXT NOT NULL,
    number TEXT NOT NULL,
    wrong  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, number)
);
