-- Bans the operator shares across the cities of one installation (db/bans.py): a keyed hash
-- of platform and user id, as in ban_list, under the main city's key. Only the main city's
-- table is used; a further city's schema or file has it empty, as every city has every table.
CREATE TABLE shared_bans (
    key_hash   TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);
