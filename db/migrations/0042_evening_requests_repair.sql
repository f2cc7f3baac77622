-- 0040 was changed an hour after it landed (issue 78, point 1): its first text gave the
-- new column evenings the default 0, the second 1. Installs that migrated in that hour keep
-- evenings = 0 for every volunteer registered before 0040 ran, who were never asked and so
-- were never again offered a request after the daytime; the others got 1 ("those
-- registered before the question keep being asked at any hour outside their quiet hours").
-- Such an install is known by the column's default, 0: there, those volunteers get what
-- the second text gave them. (Those registered after 0040 ran answered the form's question:
-- their answer stays.) Then the column's default becomes 1 everywhere - on SQLite by
-- rebuilding the table, which nothing else refers to by index, trigger or view.
UPDATE volunteers SET evenings = 1
WHERE (SELECT dflt_value FROM pragma_table_info('volunteers') WHERE name = 'evenings') = '0'
  AND created_at < (SELECT applied_at FROM schema_version WHERE version = 40);

CREATE TABLE volunteers_repaired (
    user_id          INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    categories       TEXT NOT NULL DEFAULT '',
    stadtbezirke     TEXT NOT NULL DEFAULT '',
    lat              REAL,
    lon              REAL,
    radius_m         INTEGER,
    languages        TEXT NOT NULL DEFAULT '',
    availability     TEXT NOT NULL DEFAULT '',
    quiet_start      INTEGER NOT NULL DEFAULT 22,
    quiet_end        INTEGER NOT NULL DEFAULT 7,
    max_open         INTEGER NOT NULL DEFAULT 2,
    paused           INTEGER NOT NULL DEFAULT 0,
    verified_at      TEXT,
    verified_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at       TEXT NOT NULL,
    certificate_seen_on    TEXT,
    certificate_expires_on TEXT,
    talk_shift       TEXT NOT NULL DEFAULT '',
    evenings         INTEGER NOT NULL DEFAULT 1
);
INSERT INTO volunteers_repaired (
    user_id, categories, stadtbezirke, lat, lon, radius_m, languages, availability,
    quiet_start, quiet_end, max_open, paused, verified_at, verified_by, created_at,
    certificate_seen_on, certificate_expires_on, talk_shift, evenings
)
SELECT
    user_id, categories, stadtbezirke, lat, lon, radius_m, languages, availability,
    quiet_start, quiet_end, max_open, paused, verified_at, verified_by, created_at,
    certificate_seen_on, certificate_expires_on, talk_shift, evenings
FROM volunteers;
DROP TABLE volunteers;
ALTER TABLE volunteers_repaired RENAME TO volunteers;
