-- A PIN's lockout (three wrong PINs in a day, handlers/numbers/phone_pin.py) is told to its
-- person at most once a week: a stranger claiming her number can lock it every day, and
-- each notice would be a call or a text to her.
-- phone_pins.lock_told_day: the day (Europe/Berlin, YYYY-MM-DD) she was last told; '' never.
ALTER TABLE phone_pins ADD COLUMN lock_told_day TEXT NOT NULL DEFAULT '';
