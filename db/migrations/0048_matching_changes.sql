-- Issue 83: a count of the writes to what the matching reads (handlers/helping/ranking.py:
-- who may be offered a request, their offers, answers and open requests), kept by the
-- database itself - every writer, every process, raw SQL and migrations alike - so that what
-- is worked out from those rows (the desk review queue's hints, handlers/helping/hint_cache.py)
-- is kept while they are unchanged, and not dropped by unrelated writes (a person seen, the
-- outbox). One row per table; Database.matching_version reads them (db/matching_changes.py
-- lists the tables and columns counted, and a test checks that the matching reads no other).
-- A migration that rebuilds one of these tables (CREATE ... _new, DROP, RENAME) drops its
-- triggers with the old table: it must create them again (the test fails until it does).
-- Code of 0047 runs on it: the triggers count its writes too.
-- compatible-from: 0047
CREATE TABLE matching_changes (
    name TEXT PRIMARY KEY,
    changes INTEGER NOT NULL DEFAULT 0
);
INSERT INTO matching_changes (name, changes) VALUES
    ('help_requests', 0), ('request_notifications', 0), ('users', 0), ('volunteers', 0);

-- Volunteers: every column is part of a profile the matching reads.
CREATE TRIGGER matching_volunteers_insert AFTER INSERT ON volunteers BEGIN
    UPDATE matching_changes SET changes = changes + 1 WHERE name = 'volunteers';
END;
CREATE TRIGGER matching_volunteers_update AFTER UPDATE ON volunteers BEGIN
    UPDATE matching_changes SET changes = changes + 1 WHERE name = 'volunteers';
END;
CREATE TRIGGER matching_volunteers_delete AFTER DELETE ON volunteers BEGIN
    UPDATE matching_changes SET changes = changes + 1 WHERE name = 'volunteers';
END;

-- Users: only whether one is banned or reachable (a new user is nobody's volunteer yet;
-- seen_at, names and languages are not read). An update is counted only when one of the
-- columns read takes another value: a person seen sets chat_id to what it was.
CREATE TRIGGER matching_users_update AFTER UPDATE OF id, banned_at, chat_id ON users
WHEN OLD.id IS NOT NEW.id OR OLD.banned_at IS NOT NEW.banned_at
    OR OLD.chat_id IS NOT NEW.chat_id
BEGIN
    UPDATE matching_changes SET changes = changes + 1 WHERE name = 'users';
END;
CREATE TRIGGER matching_users_delete AFTER DELETE ON users BEGIN
    UPDATE matching_changes SET changes = changes + 1 WHERE name = 'users';
END;

-- Requests: who holds which (a volunteer's open requests against their max_open).
CREATE TRIGGER matching_help_requests_insert AFTER INSERT ON help_requests BEGIN
    UPDATE matching_changes SET changes = changes + 1 WHERE name = 'help_requests';
END;
CREATE TRIGGER matching_help_requests_update AFTER UPDATE OF id, state, volunteer_id
ON help_requests
WHEN OLD.id IS NOT NEW.id OR OLD.state IS NOT NEW.state
    OR OLD.volunteer_id IS NOT NEW.volunteer_id
BEGIN
    UPDATE matching_changes SET changes = changes + 1 WHERE name = 'help_requests';
END;
CREATE TRIGGER matching_help_requests_delete AFTER DELETE ON help_requests BEGIN
    UPDATE matching_changes SET changes = changes + 1 WHERE name = 'help_requests';
END;

-- Offers and answers: the caps, the estimates and who handed a request back.
CREATE TRIGGER matching_request_notifications_insert AFTER INSERT ON request_notifications
BEGIN
    UPDATE matching_changes SET changes = changes + 1 WHERE name = 'request_notifications';
END;
CREATE TRIGGER matching_request_notifications_update
AFTER UPDATE OF request_id, volunteer_id, outbox_id, offered_at, accepted_at, handed_back
ON request_notifications
WHEN OLD.request_id IS NOT NEW.request_id OR OLD.volunteer_id IS NOT NEW.volunteer_id
    OR OLD.outbox_id IS NOT NEW.outbox_id OR OLD.offered_at IS NOT NEW.offered_at
    OR OLD.accepted_at IS NOT NEW.accepted_at OR OLD.handed_back IS NOT NEW.handed_back
BEGIN
    UPDATE matching_changes SET changes = changes + 1 WHERE name = 'request_notifications';
END;
CREATE TRIGGER matching_request_notifications_delete AFTER DELETE ON request_notifications
BEGIN
    UPDATE matching_changes SET changes = changes + 1 WHERE name = 'request_notifications';
END;
