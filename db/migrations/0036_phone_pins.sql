-- A PIN for the phone line (issue 62 point 6, handlers/phone_pin.py): a caller from a known
-- number who types it at the start of a call is that number's person without waiting for a
-- call-back. Chosen in a checked call only; stored as a slow salted hash (scrypt, its salt
-- and cost in the text), never the digits. ``wrong``: the wrong tries on ``wrong_day``
-- (Europe/Berlin, YYYY-MM-DD): at three the PIN is not asked again that day (the call-back
-- only). Cleared by a coordinator on the desk; gone with the account (db/personal_data.py,
-- the "account" purpose).
CREATE TABLE phone_pins (
    user_id   BIGINT PRIMARY KEY,
    pin_hash  TEXT NOT NULL,
    set_at    TEXT NOT NULL,
    wrong     INTEGER NOT NULL DEFAULT 0,
    wrong_day TEXT NOT NULL DEFAULT ''
);
