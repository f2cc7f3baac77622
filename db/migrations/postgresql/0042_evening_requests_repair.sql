-- 0040 was changed an hour after it landed (issue 78, point 1): its first text gave the
-- new column evenings the default 0, the second 1. Installs that migrated in that hour keep
-- evenings = 0 for every volunteer registered before 0040 ran, who were never asked and so
-- were never again offered a request after the daytime; the others got 1 ("those
-- registered before the question keep being asked at any hour outside their quiet hours").
-- Such an install is known by the column's default, 0: there, those volunteers get what
-- the second text gave them. (Those registered after 0040 ran answered the form's question:
-- their answer stays.) Then the column's default becomes 1 everywhere. The schema is the
-- connection's own (a city's, or the main city's).
UPDATE volunteers SET evenings = 1
WHERE (
    SELECT column_default FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = 'volunteers'
      AND column_name = 'evenings'
) = '0'
  AND created_at < (SELECT applied_at FROM schema_version WHERE version = 40);

ALTER TABLE volunteers ALTER COLUMN evenings SET DEFAULT 1;
