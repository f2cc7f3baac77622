-- Issue 83 (DESKQ): which volunteers the writes counted by 0048 were about, so that what is
-- worked out from the matching's reads (the desk review queue's hints,
-- handlers/helping/hint_cache.py) is worked out again for them alone - a volunteer paused,
-- an offer - and not for all ten thousand. One row a write and volunteer (the volunteer's
-- profile, their ban or chat, a request they hold, an offer or answer of theirs), numbered
-- in the order written; the newest 1000 are kept: a reader that missed more works
-- everything out again (db/matching_changes.py ``touched``). A migration that rebuilds one
-- of these tables must create these triggers again too, as 0048's.
-- Code of 0049 runs on it: the triggers note the older code's writes too.
-- compatible-from: 0049
CREATE TABLE matching_touched (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    volunteer_id INTEGER NOT NULL
);

-- Bounded: the newest 1000 rows.
CREATE TRIGGER matching_touched_bound AFTER INSERT ON matching_touched BEGIN
    DELETE FROM matching_touched WHERE seq <= NEW.seq - 1000;
END;

CREATE TRIGGER matching_touched_volunteers_insert AFTER INSERT ON volunteers BEGIN
    INSERT INTO matching_touched (volunteer_id) VALUES (NEW.user_id);
END;
CREATE TRIGGER matching_touched_volunteers_update AFTER UPDATE ON volunteers BEGIN
    INSERT INTO matching_touched (volunteer_id) SELECT OLD.user_id UNION SELECT NEW.user_id;
END;
CREATE TRIGGER matching_touched_volunteers_delete AFTER DELETE ON volunteers BEGIN
    INSERT INTO matching_touched (volunteer_id) VALUES (OLD.user_id);
END;

-- Users: as 0048 counts them (a ban, a chat; a new user is nobody's volunteer yet).
CREATE TRIGGER matching_touched_users_update AFTER UPDATE OF id, banned_at, chat_id ON users
WHEN OLD.id IS NOT NEW.id OR OLD.banned_at IS NOT NEW.banned_at
    OR OLD.chat_id IS NOT NEW.chat_id
BEGIN
    INSERT INTO matching_touched (volunteer_id) SELECT OLD.id UNION SELECT NEW.id;
END;
CREATE TRIGGER matching_touched_users_delete AFTER DELETE ON users BEGIN
    INSERT INTO matching_touched (volunteer_id) VALUES (OLD.id);
END;

-- Requests: the volunteer who holds one, before and after (their open requests).
CREATE TRIGGER matching_touched_help_requests_insert AFTER INSERT ON help_requests
WHEN NEW.volunteer_id IS NOT NULL
BEGIN
    INSERT INTO matching_touched (volunteer_id) VALUES (NEW.volunteer_id);
END;
CREATE TRIGGER matching_touched_help_requests_update
AFTER UPDATE OF id, state, volunteer_id ON help_requests
WHEN (OLD.id IS NOT NEW.id OR OLD.state IS NOT NEW.state
    OR OLD.volunteer_id IS NOT NEW.volunteer_id)
    AND (OLD.volunteer_id IS NOT NULL OR NEW.volunteer_id IS NOT NULL)
BEGIN
    INSERT INTO matching_touched (volunteer_id)
    SELECT OLD.volunteer_id WHERE OLD.volunteer_id IS NOT NULL
    UNION SELECT NEW.volunteer_id WHERE NEW.volunteer_id IS NOT NULL;
END;
CREATE TRIGGER matching_touched_help_requests_delete AFTER DELETE ON help_requests
WHEN OLD.volunteer_id IS NOT NULL
BEGIN
    INSERT INTO matching_touched (volunteer_id) VALUES (OLD.volunteer_id);
END;

-- Offers and answers: the volunteer offered, before and after.
CREATE TRIGGER matching_touched_request_notifications_insert
AFTER INSERT ON request_notifications
BEGIN
    INSERT INTO matching_touched (volunteer_id) VALUES (NEW.volunteer_id);
END;
CREATE TRIGGER matching_touched_request_notifications_update
AFTER UPDATE OF request_id, volunteer_id, outbox_id, offered_at, accepted_at, handed_back
ON request_notifications
WHEN OLD.request_id IS NOT NEW.request_id OR OLD.volunteer_id IS NOT NEW.volunteer_id
    OR OLD.outbox_id IS NOT NEW.outbox_id OR OLD.offered_at IS NOT NEW.offered_at
    OR OLD.accepted_at IS NOT NEW.accepted_at OR OLD.handed_back IS NOT NEW.handed_back
BEGIN
    INSERT INTO matching_touched (volunteer_id)
    SELECT OLD.volunteer_id UNION SELECT NEW.volunteer_id;
END;
CREATE TRIGGER matching_touched_request_notifications_delete
AFTER DELETE ON request_notifications
BEGIN
    INSERT INTO matching_touched (volunteer_id) VALUES (OLD.volunteer_id);
END;
