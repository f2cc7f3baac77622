-- Calls between a helper and a resident that hide both numbers (issue 44, bot/transports/
-- phone/bridging.py): the bot calls the helper at the number they gave for it, then the
-- resident, and connects the two. One number per person (E.164), given by them, seen by
-- nobody (not the resident, not the coordinators, not the log); removed in the settings
-- or with the account (db/personal_data.py, the "calls" purpose).
CREATE TABLE call_numbers (
    user_id    BIGINT PRIMARY KEY,
    number     TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
