-- When an erased account posted its requests of the last day (db/posting_traces.py), under
-- a keyed hash of its chat account like the ban list's: deleting the account and coming
-- back does not reset the posting limits. Nobody's name, number or words; kept one day.
-- (User numbers: PostgreSQL's identity column never hands one out twice; SQLite's table is
-- rebuilt with AUTOINCREMENT in its own 0024.)
CREATE TABLE posting_traces (
    key_hash    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    new_account INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX posting_traces_key ON posting_traces (key_hash, created_at);
CREATE INDEX posting_traces_at ON posting_traces (created_at);
