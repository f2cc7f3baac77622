-- 0048 counted, and 0050 noted, every update of a volunteers row, whatever column it wrote
-- and even when it wrote the value the column held: a volunteer's note of when they are free
-- (availability, read by people only), who confirmed them (verified_by), or a profile saved
-- unchanged dropped the desk's kept hints for them (handlers/helping/hint_cache.py) and
-- spent one of matching_touched's 1000 notes. Their update triggers are made again here to
-- fire only when a column the matching reads takes another value - the columns
-- db/matching_changes.py COUNTED lists, as 0048 does for users, help_requests and
-- request_notifications (tests/db/test_matching_changes.py holds the list to what the
-- matching uses). Inserts and deletes stay counted and noted as they were.
-- SQLite only: PostgreSQL has no such triggers (docs/postgresql.md).
-- Code of 0051 runs on it: it changes which writes are counted, not what any code reads.
-- compatible-from: 0051
DROP TRIGGER matching_volunteers_update;
CREATE TRIGGER matching_volunteers_update
AFTER UPDATE OF user_id, categories, stadtbezirke, lat, lon, radius_m, languages,
    quiet_start, quiet_end, max_open, paused, verified_at, certificate_seen_on,
    certificate_expires_on, talk_shift, evenings
ON volunteers
WHEN OLD.user_id IS NOT NEW.user_id OR OLD.categories IS NOT NEW.categories
    OR OLD.stadtbezirke IS NOT NEW.stadtbezirke OR OLD.lat IS NOT NEW.lat
    OR OLD.lon IS NOT NEW.lon OR OLD.radius_m IS NOT NEW.radius_m
    OR OLD.languages IS NOT NEW.languages OR OLD.quiet_start IS NOT NEW.quiet_start
    OR OLD.quiet_end IS NOT NEW.quiet_end OR OLD.max_open IS NOT NEW.max_open
    OR OLD.paused IS NOT NEW.paused OR OLD.verified_at IS NOT NEW.verified_at
    OR OLD.certificate_seen_on IS NOT NEW.certificate_seen_on
    OR OLD.certificate_expires_on IS NOT NEW.certificate_expires_on
    OR OLD.talk_shift IS NOT NEW.talk_shift OR OLD.evenings IS NOT NEW.evenings
BEGIN
    UPDATE matching_changes SET changes = changes + 1 WHERE name = 'volunteers';
END;

DROP TRIGGER matching_touched_volunteers_update;
CREATE TRIGGER matching_touched_volunteers_update
AFTER UPDATE OF user_id, categories, stadtbezirke, lat, lon, radius_m, languages,
    quiet_start, quiet_end, max_open, paused, verified_at, certificate_seen_on,
    certificate_expires_on, talk_shift, evenings
ON volunteers
WHEN OLD.user_id IS NOT NEW.user_id OR OLD.categories IS NOT NEW.categories
    OR OLD.stadtbezirke IS NOT NEW.stadtbezirke OR OLD.lat IS NOT NEW.lat
    OR OLD.lon IS NOT NEW.lon OR OLD.radius_m IS NOT NEW.radius_m
    OR OLD.languages IS NOT NEW.languages OR OLD.quiet_start IS NOT NEW.quiet_start
    OR OLD.quiet_end IS NOT NEW.quiet_end OR OLD.max_open IS NOT NEW.max_open
    OR OLD.paused IS NOT NEW.paused OR OLD.verified_at IS NOT NEW.verified_at
    OR OLD.certificate_seen_on IS NOT NEW.certificate_seen_on
    OR OLD.certificate_expires_on IS NOT NEW.certificate_expires_on
    OR OLD.talk_shift IS NOT NEW.talk_shift OR OLD.evenings IS NOT NEW.evenings
BEGIN
    INSERT INTO matching_touched (volunteer_id) SELECT OLD.user_id UNION SELECT NEW.user_id;
END;
