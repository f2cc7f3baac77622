-- Issue 83: the table of 0048 (a count of the writes to what the matching reads), so that
-- both backends have the same tables (a copy from SQLite, the export's map). PostgreSQL
-- counts nothing yet: Database.matching_version is None there and nothing is kept from the
-- matching's reads (handlers/helping/hint_cache.py searches every page again).
-- compatible-from: 0047
CREATE TABLE matching_changes (
    name TEXT PRIMARY KEY,
    changes BIGINT NOT NULL DEFAULT 0
);
INSERT INTO matching_changes (name, changes) VALUES
    ('help_requests', 0), ('request_notifications', 0), ('users', 0), ('volunteers', 0);
